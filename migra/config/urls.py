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
    path("app/", include("migra.config.offline_views")),
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
    path("app/site/", include("migra.site.editor_urls")),
    # Story audio and video for the public players (no language prefix: one URL a file).
    path("stories/media/", include("migra.stories.media_urls")),
    path("app/documents/", include("migra.documents.urls")),
    path("app/sharing/", include("migra.sharing.urls")),
    path("app/collect/", include("migra.collect.urls_phone")),
    path("odk/", include("migra.collect.urls_odk")),
    path("app/collect/", include("migra.collect.urls_staff")),
    path("api/v1/", include("migra.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", views.public_root, name="public-root"),
    # robots.txt, sitemap.xml and the website's public photos (no language prefix).
    path("", include("migra.site.root_urls")),
]

urlpatterns += i18n_patterns(
    path("", include("migra.site.urls")),
    path("documents/", include("migra.documents.public_urls")),
    path("", include("migra.stories.public_urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
