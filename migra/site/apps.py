from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "migra.site"
    label = "public_site"
    verbose_name = _("Public website")
