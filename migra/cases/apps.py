from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "migra.cases"
    label = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from migra.cases import search  # noqa: F401  (registers the case document type)
        from migra.people.links import register_person_link

        register_person_link("cases", "cases.Case")
