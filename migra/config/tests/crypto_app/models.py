from django.db import models

from migra.config.fields import BlindIndexField, EncryptedDateField, EncryptedTextField


class Secret(models.Model):
    """A person-like record: encrypted identifiers and a blind index."""

    name = EncryptedTextField(context="crypto_app.secret.name", blank=True)
    phone = EncryptedTextField(context="crypto_app.secret.phone", null=True, blank=True)
    document = EncryptedTextField(context="crypto_app.secret.document", null=True, blank=True)
    born_on = EncryptedDateField(context="crypto_app.secret.born_on", null=True, blank=True)
    phone_index = BlindIndexField(null=True, blank=True)
    note = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"secret {self.pk}"
