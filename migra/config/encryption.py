"""The installation's key ring: loading, the startup key check, blind indexes, rotation.

See docs/encryption.md. In short:

- ``get_key_ring()`` builds a KeyRing from settings.MIGRA_ENCRYPTION_KEYS once per
  process (``reset_key_ring()`` forgets it; changed settings in tests do so too).
  Loading it checks the key against the database's KeyCheck row: a key that does not
  belong to this database raises KeyMismatchError before anything is read or written.
- The blind-index key is pinned in the KeyCheck row (encrypted like any other value):
  derived from the first key when the row is first written, then kept for ever, so
  ``migra keys rotate`` never invalidates a blind index.
- ``rotate()`` re-encrypts every encrypted field of every model under the current key.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connections,
    models,
    transaction,
)
from django.test.signals import setting_changed

from migra.config.fields import EncryptedFieldMixin
from migra.lib.crypto import DecryptionError, KeyRing, derive_blind_index_key

KNOWN_VALUE = "migra-key-check-v1"
CHECK_CONTEXT = "platform.keycheck.check_value"
BLIND_KEY_CONTEXT = "platform.keycheck.blind_index_key"
KEY_CHECK_ID = 1
DEFAULT_BATCH_SIZE = 1000


class KeyMismatchError(ImproperlyConfigured):
    """The configured encryption key cannot read this database."""


_lock = threading.RLock()
_ring: KeyRing | None = None


# --------------------------------------------------------------------------- the ring
def configured_ring() -> KeyRing:
    """The ring from settings alone, without the database (blind-index key not pinned)."""
    return KeyRing(settings.MIGRA_ENCRYPTION_KEYS)


def get_key_ring() -> KeyRing:
    """The checked key ring of this installation, loaded once per process."""
    global _ring
    ring = _ring
    if ring is not None:
        return ring
    with _lock:
        if _ring is not None:
            return _ring
        ring, pinned = _load_ring()
        if pinned:  # before the first migrate there is nothing to check: ask again later
            _ring = ring
        return ring


def reset_key_ring() -> None:
    global _ring
    with _lock:
        _ring = None


def blind_index(value: str, *, purpose: str) -> str:
    """Blind index of an already normalised value, e.g. purpose="people.phone"."""
    return get_key_ring().blind_index(value, purpose=purpose)


def check_key() -> None:
    """Raise KeyMismatchError unless the configured key reads this database."""
    _load_ring()


def _mismatch(detail: str) -> KeyMismatchError:
    return KeyMismatchError(
        f"The encryption key does not match this database: {detail}. Set "
        "MIGRA_ENCRYPTION_KEY to the key this database was written with (during a "
        "rotation: the new key first, then the old one). Nothing has been written."
    )


def _load_ring() -> tuple[KeyRing, bool]:
    base = configured_ring()
    stored = _read_key_check()
    if stored is None:
        return base, False
    check_value, wrapped_blind_key = stored
    try:
        known = base.decrypt(check_value, context=CHECK_CONTEXT)
        blind_key_text = base.decrypt(wrapped_blind_key, context=BLIND_KEY_CONTEXT)
    except DecryptionError as error:
        raise _mismatch(str(error)) from None
    if known != KNOWN_VALUE:
        raise _mismatch("the key check row holds an unexpected value")
    try:
        blind_key = base64.urlsafe_b64decode(blind_key_text.encode("ascii"))
        return base.with_blind_index_key(blind_key), True
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _mismatch("the pinned blind-index key is damaged") from None


def _key_check_model() -> type[models.Model]:
    return apps.get_model("platform", "KeyCheck")


def _read_key_check(using: str = DEFAULT_DB_ALIAS) -> tuple[str, str] | None:
    """The raw envelopes of the KeyCheck row, or None when the table or row is missing."""
    model = _key_check_model()
    connection = connections[using]
    table = model._meta.db_table
    if table not in connection.introspection.table_names():
        return None
    q = connection.ops.quote_name
    check = str(model._meta.get_field("check_value").column)  # type: ignore[union-attr]
    blind = str(model._meta.get_field("blind_index_key").column)  # type: ignore[union-attr]
    pk = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q(check)}, {q(blind)} FROM {q(table)} WHERE {q(pk)} = %s",  # noqa: S608 - quoted identifiers from model meta
            [KEY_CHECK_ID],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return str(row[0]), str(row[1])


def ensure_key_check(using: str = DEFAULT_DB_ALIAS) -> None:
    """Write the KeyCheck row if it is missing; check the key if it is there.

    Runs after every migrate (and flush). The blind-index key pinned here is derived
    from the first configured key: the same one the ring used before the row existed.
    """
    model = _key_check_model()
    if _read_key_check(using) is None:
        blind = base64.urlsafe_b64encode(derive_blind_index_key(settings.MIGRA_ENCRYPTION_KEYS[0]))
        try:
            with transaction.atomic(using=using):
                model._default_manager.using(using).create(
                    pk=KEY_CHECK_ID,
                    check_value=KNOWN_VALUE,
                    blind_index_key=blind.decode("ascii"),
                )
        except IntegrityError:  # another process wrote it first: checked below
            pass
    reset_key_ring()
    if using == DEFAULT_DB_ALIAS:
        get_key_ring()


def post_migrate_handler(*, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    ensure_key_check(using)


def check_encryption_key(
    app_configs: Sequence[Any] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """System check: the configured key must read this database's KeyCheck row."""
    try:
        check_key()
    except KeyMismatchError as error:
        return [checks.Critical(str(error), id="platform.E001")]
    except DatabaseError:  # no database yet, or unreachable: other checks say so
        return []
    return []


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"MIGRA_ENCRYPTION_KEYS", "DATABASES"}:
        reset_key_ring()


setting_changed.connect(_on_setting_changed)


# --------------------------------------------------------------------------- rotation
def encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedFieldMixin]]]:
    """Every installed model with encrypted columns, and those fields (its own table)."""
    found: list[tuple[type[models.Model], list[EncryptedFieldMixin]]] = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped:
            continue
        fields = [f for f in meta.local_concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if fields:
            found.append((model, fields))
    return found


@dataclass
class RotationReport:
    current_key_id: str
    rotated: int = 0
    changed_meanwhile: int = 0
    failures: list[str] = field(default_factory=list)


BatchHook = Callable[[type[models.Model], list[tuple[Any, ...]]], None]


def rotate(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[str], None] | None = None,
    on_batch_read: BatchHook | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> RotationReport:
    """Re-encrypt, under the current key, every value that is under another one.

    Works table by table in primary-key order, ``batch_size`` rows per transaction.
    The rows of a batch are locked (SELECT … FOR UPDATE; SQLite's IMMEDIATE
    transactions lock the database), and each value is written back only if it is still
    the envelope that was read, so an edit made meanwhile is never overwritten. Only
    values not under the current key are touched, so an interrupted run resumes where
    it stopped. ``on_batch_read`` is for tests (it runs between reading and writing).
    """
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    say = progress or (lambda message: None)
    ring = get_key_ring()
    report = RotationReport(current_key_id=ring.current_key_id)
    connection = connections[using]
    q = connection.ops.quote_name
    current_prefix = f"v1.{ring.current_key_id}.%"
    for model, fields in encrypted_fields():
        label = model._meta.label
        table = q(model._meta.db_table)
        pk = q(model._meta.pk.column)
        columns = [q(f.column) for f in fields]
        stale = " OR ".join(f"({c} IS NOT NULL AND {c} <> '' AND {c} NOT LIKE %s)" for c in columns)
        stale_params = [current_prefix] * len(columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {stale}", stale_params)  # noqa: S608 - quoted identifiers from model meta
            total = int(cursor.fetchone()[0])
        if not total:
            say(f"{label}: nothing to re-encrypt")
            continue
        say(f"{label}: {total:,} rows to re-encrypt")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        done = 0
        last_pk: Any = None
        while True:
            with transaction.atomic(using=using), connection.cursor() as cursor:
                after = "" if last_pk is None else f" AND {pk} > %s"
                params = [*stale_params] + ([] if last_pk is None else [last_pk])
                cursor.execute(
                    f"SELECT {pk}, {', '.join(columns)} FROM {table} "  # noqa: S608 - quoted identifiers from model meta
                    f"WHERE ({stale}){after} ORDER BY {pk} LIMIT {int(batch_size)}{lock}",
                    params,
                )
                rows = [tuple(row) for row in cursor.fetchall()]
                if not rows:
                    break
                if on_batch_read is not None:
                    on_batch_read(model, rows)
                for index, (model_field, column) in enumerate(zip(fields, columns, strict=True)):
                    updates = []
                    for row in rows:
                        old = row[index + 1]
                        if not old:
                            continue
                        try:
                            if not ring.needs_rotation(old):
                                continue
                            plain = ring.decrypt(old, context=model_field.context)
                        except DecryptionError as error:
                            report.failures.append(
                                f"{label} pk={row[0]} {model_field.name}: {error}"
                            )
                            continue
                        updates.append(
                            (ring.encrypt(plain, context=model_field.context), row[0], old)
                        )
                    if not updates:
                        continue
                    cursor.executemany(
                        f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",  # noqa: S608 - quoted identifiers from model meta
                        updates,
                    )
                    written = max(cursor.rowcount, 0)
                    report.rotated += written
                    report.changed_meanwhile += len(updates) - written
                last_pk = rows[-1][0]
            done += len(rows)
            say(f"{label}: {min(done, total):,}/{total:,} rows")
    return report
