from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectConfig(AppConfig):
    name = "migra.collect"
    label = "collect"
    verbose_name = _("Field forms")
    default_auto_field = "django.db.models.BigAutoField"
