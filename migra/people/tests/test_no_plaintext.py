"""A copy of the database without the key holds no readable name, phone, document
number or date of birth: the raw SQLite files, or a pg_dump of PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess  # noqa: S404  (pg_dump of the test database)
from pathlib import Path

import pytest
from django.db import connection

NAMES = ("សុខ ចាន់ធា", "Sok Chanta", "Chhorvy Pheakdey")
PHONE = "012 345 678"
SECRETS = [
    *NAMES,
    "ចាន់ធា",
    "Chanta",
    "Pheakdey",
    "+85512345678",
    "12345678",
    "N7654321",
    "2001-03-14",
    "ចាន់ សុភា",  # a witness's name
]


def _dump() -> bytes:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        name = Path(connection.settings_dict["NAME"])
        data = b""
        for suffix in ("", "-wal", "-journal"):
            path = Path(str(name) + suffix)
            if path.exists():
                data += path.read_bytes()
        return data
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed")
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = [
        pg_dump,
        "--no-owner",
        "-h",
        settings.get("HOST") or "127.0.0.1",
        "-p",
        str(settings.get("PORT") or 5432),
        "-U",
        settings.get("USER") or "postgres",
        settings["NAME"],
    ]
    return subprocess.run(command, check=True, capture_output=True, env=env).stdout  # noqa: S603


@pytest.mark.django_db(transaction=True)
def test_database_on_disk_holds_no_personal_identifiers(cast, register):
    from migra.people.models import ConsentMethod, ConsentPurpose
    from migra.people.services import consent_give

    person = register(
        NAMES[0],
        NAMES[1],
        NAMES[2],
        dob=dt.date(2001, 3, 14),
        phones=(PHONE,),
        documents=(("passport", "N7654321"),),
    )
    consent_give(
        actor=cast.users["dan"],
        person=person,
        purpose=ConsentPurpose.SERVICES,
        method=ConsentMethod.VERBAL,
        witness_name="ចាន់ សុភា",
    )
    dump = _dump()
    assert len(dump) > 10_000
    # The test itself is sound: the cast's own plain data is there.
    assert "មជ្ឈមណ្ឌល".encode() in dump
    for secret in SECRETS:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in dump, secret
