"""Model fields that keep personal identifiers encrypted in the database.

    name_km = EncryptedTextField(context="people.person.name_km", blank=True)
    born_on = EncryptedDateField(context="people.person.born_on", null=True, blank=True)
    phone_index = BlindIndexField(null=True)   # filled with migra.config.encryption.blind_index

- The column holds an envelope ``v1.<key id>.<data>`` (migra.lib.crypto); the value is
  decrypted when read from the database and encrypted when written. The model
  instance always holds the plaintext.
- ``context`` is bound into every envelope as associated data: use a stable,
  unique name per field ("<app>.<model>.<field>"). Changing it makes stored values
  unreadable.
- ``None`` is stored as NULL and ``""`` as an empty string, unencrypted: both reveal
  only that nothing was given. Everything else is encrypted.
- The database cannot compare ciphertexts, so every lookup except ``isnull`` is refused
  with a FieldError (``filter(name=...)``, ``__icontains``, ``__in``, ``__year`` …).
  Exact lookups go through a BlindIndexField; ordering by an encrypted field is
  meaningless (it orders ciphertexts).
- ``to_python`` does not decrypt: it converts form and fixture input (plaintext), so a
  user typing something that looks like an envelope is just text.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from migra.lib.crypto import BLIND_INDEX_LENGTH, DecryptionError


def _ring() -> Any:
    from migra.config.encryption import get_key_ring

    return get_key_ring()


class EncryptedFieldMixin(models.Field):
    """What every encrypted field shares: a context, refused lookups, decryption."""

    encrypted = True

    def __init__(self, *args: Any, context: str, **kwargs: Any) -> None:
        if not context or not isinstance(context, str):
            raise ValueError("an encrypted field needs a context, e.g. 'people.person.name'")
        self.context = context
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def _refuse(self, what: str) -> FieldError:
        owner = f"{self.model._meta.label}." if hasattr(self, "model") else ""
        return FieldError(
            f"{owner}{self.name} is encrypted: the database cannot compare it, so "
            f"'{what}' is refused. Look values up through a blind index "
            "(migra.config.encryption.blind_index) or decrypt a small candidate set."
        )

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise self._refuse(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        raise self._refuse(lookup_name)

    def _encrypt_text(self, text: str) -> str:
        return str(_ring().encrypt(text, context=self.context))

    def _decrypt_text(self, envelope: str) -> str:
        try:
            return str(_ring().decrypt(envelope, context=self.context))
        except DecryptionError as error:
            owner = f"{self.model._meta.label}." if hasattr(self, "model") else ""
            raise DecryptionError(f"cannot decrypt {owner}{self.name}: {error}") from None


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """Text (any length, any script) stored as an AES-GCM envelope."""

    description = "Encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None or value == "":
            return value
        return self._decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return self._encrypt_text(value)


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    """A date stored as an envelope of its ISO form; reads back as datetime.date."""

    description = "Encrypted date"

    def get_internal_type(self) -> str:
        return "TextField"  # the column holds an envelope, not a date

    def contribute_to_class(
        self, cls: Any, name: str, private_only: bool = False, **kwargs: Any
    ) -> None:
        # Skip DateField's get_next_by_<name>(): it would order by ciphertext.
        models.Field.contribute_to_class(self, cls, name, private_only=private_only)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None or value == "":
            return None
        text = self._decrypt_text(value)
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise DecryptionError(
                f"{self.model._meta.label}.{self.name} holds {len(text)} characters that are "
                "not an ISO date"
            ) from None

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # DateField.to_python: a date or None
        if value is None:
            return None
        return self._encrypt_text(value.isoformat())

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        # Not DateField's: the backend must not adapt the envelope as a date.
        return value if prepared else self.get_prep_value(value)


class BlindIndexField(models.CharField):
    """The 32-hex-character keyed HMAC of a normalised value, indexed for exact lookups.

    Fill it with migra.config.encryption.blind_index(normalised, purpose=...) whenever
    the encrypted value changes; query it with the same call.
    """

    description = "Blind index (keyed HMAC)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", BLIND_INDEX_LENGTH)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == BLIND_INDEX_LENGTH:
            del kwargs["max_length"]
        if kwargs.get("db_index") is True:
            del kwargs["db_index"]
        else:
            kwargs["db_index"] = False
        return name, path, args, kwargs
