from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "migra.site"
    label = "public_site"
    verbose_name = _("Public website")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from migra.site import search  # noqa: F401  (registers the news and page document types)
