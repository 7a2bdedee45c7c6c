from django.db import models
from django.utils.translation import gettext_lazy as _

from migra.config.fields import EncryptedTextField


class WorkerHeartbeat(models.Model):
    """Each running worker updates its row every few seconds; /healthz reads them."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    tasks_done = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("worker heartbeat")

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.hostname}"


class KeyCheck(models.Model):
    """A single row that ties the database to its encryption key (docs/encryption.md).

    `check_value` is a known text encrypted with the key: if the configured key ring
    cannot decrypt it, the key does not belong to this database and Migra refuses to
    run. `blind_index_key` pins the secret behind every blind index, so rotating the
    encryption key (which re-encrypts this row like any other) leaves them valid.
    Written by migra.config.encryption; never edit or delete it by hand.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    check_value = EncryptedTextField(context="platform.keycheck.check_value")
    blind_index_key = EncryptedTextField(context="platform.keycheck.blind_index_key")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("encryption key check")

    def __str__(self) -> str:
        return "encryption key check"


class PublicContentGeneration(models.Model):
    """A single row: the generation of everything the public website shows.

    Every cached public page is keyed by `token`; `migra.site.public_cache.
    public_content_changed()` gives it a new random value after a change commits, so
    every process drops every cached page at once (docs/site.md, "Public page cache").
    Random rather than a counter, so that a table emptied and refilled (a restore, a
    test flush) can never meet pages cached under an old value.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=32)
    changes = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("public content generation")

    def __str__(self) -> str:
        return f"public content generation {self.changes}"
