"""Pages of cases, referrals, the referral directory, tips and notifications.

Each part keeps its routes in its own module; all share the "cases" namespace.
"""

from migra.cases.referral_urls import urlpatterns as referral_urlpatterns
from migra.cases.tip_urls import urlpatterns as tip_urlpatterns

app_name = "cases"
urlpatterns: list = [*referral_urlpatterns, *tip_urlpatterns]
