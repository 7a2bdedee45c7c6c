from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "migra.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # Document types of apps that do not register their own (places, agencies).
        from migra.search import registrations  # noqa: F401  (registers on import)
