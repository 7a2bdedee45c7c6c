"""Routes of tips; see migra/cases/urls.py.

Mounted under /app/cases/ in the "cases" namespace. The public "report a concern" page
is in migra/site (site:report).
"""

from django.urls import path

from migra.cases import tip_views as views

urlpatterns: list = [
    path("tips/", views.tip_list, name="tip-list"),
    path("tips/new/", views.tip_new, name="tip-new"),
    path("tips/<int:pk>/", views.tip_detail, name="tip-detail"),
    path("tips/<int:pk>/dismiss/", views.tip_dismiss_view, name="tip-dismiss"),
    path("tips/<int:pk>/merge/", views.tip_merge_view, name="tip-merge"),
    path("tips/<int:pk>/open/", views.tip_open, name="tip-open"),
]
