"""migra.config.fields on the test database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from migra.config.encryption import blind_index, get_key_ring
from migra.config.fields import BlindIndexField, EncryptedDateField, EncryptedTextField
from migra.config.tests.crypto_app.models import Secret
from migra.lib.crypto import DecryptionError

ENVELOPE = re.compile(r"^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$")


def raw(pk: int, column: str) -> str | None:
    table = connection.ops.quote_name(Secret._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def set_raw(pk: int, column: str, value: str | None) -> None:
    table = connection.ops.quote_name(Secret._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


@pytest.mark.django_db
def test_values_round_trip_and_are_stored_encrypted() -> None:
    big = "សុខ ចាន់ធា 👩🏽‍👧 " * 6000  # > 100 KB of UTF-8
    secret = Secret.objects.create(
        name="សុខ ចាន់ធា",
        phone="+855 12 345 678",
        document="N01234567",
        born_on=datetime.date(2001, 3, 14),
        note=big[:100],
    )
    assert secret.name == "សុខ ចាន់ធា"  # the instance keeps the plaintext
    again = Secret.objects.get(pk=secret.pk)
    assert again.name == "សុខ ចាន់ធា"
    assert again.phone == "+855 12 345 678"
    assert again.document == "N01234567"
    assert again.born_on == datetime.date(2001, 3, 14)
    for column in ("name", "phone", "document", "born_on"):
        stored = raw(secret.pk, column)
        assert stored is not None and ENVELOPE.match(stored), (column, stored)
    assert "2001" not in (raw(secret.pk, "born_on") or "")

    again.name = big
    again.save()
    assert Secret.objects.get(pk=secret.pk).name == big
    assert Secret.objects.values_list("phone", flat=True).get(pk=secret.pk) == "+855 12 345 678"


@pytest.mark.django_db
def test_none_and_empty() -> None:
    secret = Secret.objects.create(name="")
    assert raw(secret.pk, "name") == ""
    assert raw(secret.pk, "phone") is None
    assert raw(secret.pk, "born_on") is None
    again = Secret.objects.get(pk=secret.pk)
    assert (again.name, again.phone, again.born_on) == ("", None, None)
    assert Secret.objects.filter(phone__isnull=True).count() == 1
    assert Secret.objects.filter(born_on__isnull=False).count() == 0


@pytest.mark.django_db
def test_dates_accept_iso_text_and_datetimes() -> None:
    secret = Secret.objects.create(name="a", born_on="1999-12-31")
    assert Secret.objects.get(pk=secret.pk).born_on == datetime.date(1999, 12, 31)


@pytest.mark.django_db
def test_update_and_bulk_update_encrypt_too() -> None:
    first = Secret.objects.create(name="a")
    second = Secret.objects.create(name="b")
    Secret.objects.filter(pk=first.pk).update(
        phone="012 999 888", born_on=datetime.date(1990, 1, 2)
    )
    assert ENVELOPE.match(raw(first.pk, "phone") or "")
    first.refresh_from_db()
    assert (first.phone, first.born_on) == ("012 999 888", datetime.date(1990, 1, 2))
    first.document, second.document = "P111", "P222"
    Secret.objects.bulk_update([first, second], ["document"])
    assert ENVELOPE.match(raw(second.pk, "document") or "")
    assert sorted(Secret.objects.values_list("document", flat=True)) == ["P111", "P222"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup",
    [
        {"name": "សុខ"},
        {"name__iexact": "sok"},
        {"name__icontains": "sok"},
        {"phone__in": ["1", "2"]},
        {"phone__startswith": "012"},
        {"born_on": datetime.date(2001, 1, 1)},
        {"born_on__year": 2001},
        {"born_on__gte": datetime.date(2001, 1, 1)},
        {"name__lower": "x"},
    ],
)
def test_lookups_on_encrypted_fields_are_refused(lookup: dict) -> None:
    with pytest.raises(FieldError, match="is encrypted: the database cannot compare it"):
        list(Secret.objects.filter(**lookup))


@pytest.mark.django_db
def test_exact_lookups_go_through_a_blind_index() -> None:
    wanted = Secret.objects.create(
        name="a", phone="85512345678", phone_index=blind_index("85512345678", purpose="phone")
    )
    Secret.objects.create(
        name="b", phone="85512345679", phone_index=blind_index("85512345679", purpose="phone")
    )
    found = Secret.objects.get(phone_index=blind_index("85512345678", purpose="phone"))
    assert found.pk == wanted.pk
    assert blind_index("85512345678", purpose="phone") == get_key_ring().blind_index(
        "85512345678", purpose="phone"
    )


@pytest.mark.django_db
def test_a_value_copied_into_another_column_does_not_decrypt() -> None:
    secret = Secret.objects.create(name="a", phone="012", document="N1")
    set_raw(secret.pk, "document", raw(secret.pk, "phone"))
    with pytest.raises(DecryptionError, match="crypto_app.Secret.document"):
        Secret.objects.get(pk=secret.pk)


@pytest.mark.django_db
def test_a_tampered_row_is_refused() -> None:
    secret = Secret.objects.create(name="សុខ")
    envelope = raw(secret.pk, "name") or ""
    flipped = envelope[:-3] + ("A" if envelope[-3] != "A" else "B") + envelope[-2:]
    set_raw(secret.pk, "name", flipped)
    with pytest.raises(DecryptionError, match="tampered"):
        Secret.objects.get(pk=secret.pk)


def test_fields_deconstruct_for_migrations() -> None:
    field = EncryptedTextField(context="a.b.c", null=True)
    assert field.deconstruct()[3] == {"context": "a.b.c", "null": True}
    assert EncryptedDateField(context="a.b.d").deconstruct()[3] == {"context": "a.b.d"}
    assert BlindIndexField().deconstruct()[3] == {}
    assert BlindIndexField(db_index=False).deconstruct()[3] == {"db_index": False}
    index = Secret._meta.get_field("phone_index")
    assert (index.max_length, index.db_index) == (32, True)
    with pytest.raises(ValueError, match="needs a context"):
        EncryptedTextField(context="")
    assert (
        Secret._meta.get_field("born_on").db_type(connection) == connection.data_types["TextField"]
    )
    assert not hasattr(Secret, "get_next_by_born_on")


# --------------------------------------------------------------------------- on disk
NAMES = ["សុខ ចាន់ធា", "ចាន់ សុភា", "Sok Chanta", "Chan Sophea"]
PHONES = ["+85512345678", "097 883 2416", "០៩៧៨៨៣២៤១៦"]
DOCUMENTS = ["N012345678", "AA1234567", "TH-WP-99887766"]
BIRTHDAYS = [datetime.date(2001, 7, 23)]


def forms(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def assert_no_plaintext(blob: bytes, where: str) -> None:
    for text in [*NAMES, *PHONES, *DOCUMENTS, *(d.isoformat() for d in BIRTHDAYS)]:
        for form in forms(text):
            assert form not in blob, f"{text!r} found in {where}"


@pytest.mark.django_db(transaction=True)
def test_no_plaintext_on_disk(tmp_path: Path) -> None:
    for index, name in enumerate(NAMES):
        Secret.objects.create(
            name=name,
            phone=PHONES[index % len(PHONES)],
            document=DOCUMENTS[index % len(DOCUMENTS)],
            born_on=BIRTHDAYS[0],
            note="marker-row",
        )
    assert Secret.objects.count() == len(NAMES)
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.close()  # everything committed; read every file of the database
        database = Path(settings_dict["NAME"])
        files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
        blob = b"".join(p.read_bytes() for p in files)
        assert b"marker-row" in blob  # the rows really are in what we read
        assert_no_plaintext(blob, ", ".join(p.name for p in files))
    elif connection.vendor == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.skip("pg_dump is not installed")
        env = {**os.environ}
        if settings_dict.get("PASSWORD"):
            env["PGPASSWORD"] = settings_dict["PASSWORD"]
        result = subprocess.run(  # noqa: S603 - pg_dump of the test database on loopback
            [
                pg_dump,
                "-h",
                settings_dict.get("HOST") or "127.0.0.1",
                "-p",
                str(settings_dict.get("PORT") or 5432),
                "-U",
                settings_dict.get("USER") or "postgres",
                settings_dict["NAME"],
            ],
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        assert b"marker-row" in result.stdout
        assert_no_plaintext(result.stdout, "pg_dump")
    else:  # pragma: no cover
        pytest.skip(f"no disk check for {connection.vendor}")
