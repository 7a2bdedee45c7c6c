from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    """Platform plumbing that belongs to no domain: worker heartbeats, template tags,
    the encryption key check."""

    name = "migra.config"
    label = "platform"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from migra.config import encryption

        # A key that does not belong to this database stops `migrate`, `runserver`,
        # `check` … with "The encryption key does not match this database: …".
        checks.register(encryption.check_encryption_key)
        # The KeyCheck row is written after the first migrate (and after a flush).
        post_migrate.connect(encryption.post_migrate_handler, sender=self)
