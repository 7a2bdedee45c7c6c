from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    """Platform plumbing that belongs to no domain: worker heartbeats, template tags."""

    name = "migra.config"
    label = "platform"
    verbose_name = _("Platform")
