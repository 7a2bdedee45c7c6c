"""URL map. Public site under language prefixes; staff app, API, admin and ODK without."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from migra.config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("app/", include("migra.accounts.urls")),
    path("app/places/", include("migra.places.urls")),
    path("app/programme/", include("migra.programmes.urls")),
    path("app/audit/", include("migra.audit.urls")),
    path("app/search/", include("migra.search.urls")),
    path("app/people/", include("migra.people.urls")),
    path("app/screening/", include("migra.screening.urls")),
    path("app/cases/", include("migra.cases.urls")),
    path("app/outreach/", include("migra.outreach.urls")),
    path("app/community/", include("migra.community.urls")),
    path("app/stories/", include("migra.stories.urls")),
    path("api/v1/", include("migra.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", views.public_root, name="public-root"),
]

urlpatterns += i18n_patterns(
    path("", include("migra.site.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
