"""`migra keys rotate`: every value moves to the current key; nothing is lost."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from migra.config import encryption
from migra.config.models import KeyCheck
from migra.config.tests.crypto_app.models import Secret
from migra.lib.crypto import key_id

NEW_KEY = bytes(range(200, 232))


def raw_envelopes(model: Any, column: str) -> list[str]:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q(column)} FROM {q(model._meta.db_table)} "  # noqa: S608
            f"WHERE {q(column)} IS NOT NULL AND {q(column)} <> '' ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def key_ids_in_use() -> set[str]:
    ids = set()
    for model, fields in encryption.encrypted_fields():
        for field in fields:
            ids |= {value.split(".")[1] for value in raw_envelopes(model, field.column)}
    return ids


def make_rows(count: int) -> dict[int, tuple[str, str, datetime.date]]:
    rows = {}
    for number in range(count):
        name, phone = f"សុខ ចាន់ធា {number}", f"0123456{number:02d}"
        born = datetime.date(1990, 1, 1) + datetime.timedelta(days=number)
        secret = Secret.objects.create(
            name=name,
            phone=phone,
            born_on=born,
            phone_index=encryption.blind_index(phone, purpose="phone"),
        )
        rows[secret.pk] = (name, phone, born)
    return rows


def rotate_command(batch_size: int = 1000) -> str:
    out = io.StringIO()
    call_command("keys", "rotate", f"--batch-size={batch_size}", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_rotation_moves_everything_to_the_new_key() -> None:
    old_keys = list(settings.MIGRA_ENCRYPTION_KEYS)
    rows = make_rows(7)
    Secret.objects.create(name="")  # empty and NULL values are left alone
    digest = encryption.blind_index("012345603", purpose="phone")
    assert key_ids_in_use() == {key_id(old_keys[0])}

    with override_settings(MIGRA_ENCRYPTION_KEYS=[NEW_KEY, *old_keys]):
        output = rotate_command(batch_size=3)
        assert key_ids_in_use() == {key_id(NEW_KEY)}
        assert "crypto_app.Secret: 7 rows to re-encrypt" in output
        assert "crypto_app.Secret: 3/7 rows" in output
        assert "crypto_app.Secret: 7/7 rows" in output
        assert "platform.KeyCheck: 1 rows to re-encrypt" in output
        assert f"Every encrypted value is under key {key_id(NEW_KEY)}" in output
        assert "23 values re-encrypted" in output  # 7 rows × 3 fields + the key check's 2
        # Running again finds nothing left: rotation is resumable and idempotent.
        assert "0 values re-encrypted" in rotate_command()

    # The old key can now go: everything reads, blind indexes are unchanged.
    with override_settings(MIGRA_ENCRYPTION_KEYS=[NEW_KEY]):
        assert encryption.check_encryption_key() == []
        for secret in Secret.objects.filter(phone__isnull=False):
            assert (secret.name, secret.phone, secret.born_on) == rows[secret.pk]
        assert encryption.blind_index("012345603", purpose="phone") == digest
        assert Secret.objects.get(phone_index=digest).phone == "012345603"


@pytest.mark.django_db
def test_an_interrupted_rotation_resumes() -> None:
    old_keys = list(settings.MIGRA_ENCRYPTION_KEYS)
    make_rows(5)
    batches = []

    def stop_after_two(model: Any, rows: list[tuple[Any, ...]]) -> None:
        if model is not Secret:
            return
        batches.append(len(rows))
        if len(batches) > 2:
            raise KeyboardInterrupt

    with override_settings(MIGRA_ENCRYPTION_KEYS=[NEW_KEY, *old_keys]):
        with pytest.raises(KeyboardInterrupt):
            encryption.rotate(batch_size=2, on_batch_read=stop_after_two)
        names = raw_envelopes(Secret, "name")
        assert sum(1 for v in names if v.split(".")[1] == key_id(NEW_KEY)) == 4
        report = encryption.rotate(batch_size=2)
        assert report.rotated == 3  # the last row's name, phone and date
        assert key_ids_in_use() == {key_id(NEW_KEY)}


@pytest.mark.django_db
def test_an_edit_made_during_rotation_is_not_lost() -> None:
    old_keys = list(settings.MIGRA_ENCRYPTION_KEYS)
    rows = make_rows(3)
    edited_pk = sorted(rows)[1]

    def someone_edits(model: Any, batch: list[tuple[Any, ...]]) -> None:
        if model is Secret:  # an edit lands between the batch's read and its write
            Secret.objects.filter(pk=edited_pk).update(name="ចាន់ សុភា")

    with override_settings(MIGRA_ENCRYPTION_KEYS=[NEW_KEY, *old_keys]):
        report = encryption.rotate(on_batch_read=someone_edits)
        assert report.changed_meanwhile == 1
        assert Secret.objects.get(pk=edited_pk).name == "ចាន់ សុភា"
        assert Secret.objects.get(pk=edited_pk).phone == rows[edited_pk][1]
        assert key_ids_in_use() == {key_id(NEW_KEY)}  # the edit was written with the new key


@pytest.mark.django_db
def test_an_undecryptable_value_is_reported_and_others_rotate() -> None:
    old_keys = list(settings.MIGRA_ENCRYPTION_KEYS)
    rows = make_rows(2)
    broken = sorted(rows)[0]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(Secret._meta.db_table)} SET {q('document')} = %s WHERE id = %s",  # noqa: S608
            ["v1.0badc0de.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", broken],
        )
    with override_settings(MIGRA_ENCRYPTION_KEYS=[NEW_KEY, *old_keys]):
        err = io.StringIO()
        with pytest.raises(CommandError, match="could not be decrypted"):
            call_command("keys", "rotate", stdout=io.StringIO(), stderr=err)
        assert f"crypto_app.Secret pk={broken} document" in err.getvalue()
        assert "0badc0de" in err.getvalue()
        assert Secret.objects.filter(pk__in=list(rows)).count() == 2
        assert len(raw_envelopes(Secret, "name")) == 2
        assert {v.split(".")[1] for v in raw_envelopes(Secret, "name")} == {key_id(NEW_KEY)}


@pytest.mark.django_db
def test_rotation_with_a_wrong_key_refuses() -> None:
    with override_settings(MIGRA_ENCRYPTION_KEYS=[NEW_KEY]):
        with pytest.raises(CommandError, match="does not match this database"):
            rotate_command()


def test_encrypted_fields_are_discovered() -> None:
    found = {
        model._meta.label: [f.name for f in fields]
        for model, fields in encryption.encrypted_fields()
    }
    assert found["crypto_app.Secret"] == ["name", "phone", "document", "born_on"]
    assert found["platform.KeyCheck"] == ["check_value", "blind_index_key"]
    assert KeyCheck._meta.label == "platform.KeyCheck"


def test_rotate_refuses_a_bad_batch_size() -> None:
    with pytest.raises(CommandError, match="at least 1"):
        call_command("keys", "rotate", "--batch-size=0")
