"""The startup key check: a key that does not belong to the database stops everything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks
from django.db import transaction
from django.test import override_settings

from migra.config import encryption
from migra.config.models import KeyCheck
from migra.config.tests.crypto_app.models import Secret
from migra.lib.crypto import KeyRing, derive_blind_index_key
from migra.lib.keys import new_encryption_key, new_secret_key

OTHER_KEY = bytes(range(100, 132))


@pytest.mark.django_db
def test_the_key_check_row_is_written_by_migrate_and_passes() -> None:
    row = KeyCheck.objects.get(pk=encryption.KEY_CHECK_ID)
    assert row.check_value == encryption.KNOWN_VALUE
    assert encryption.check_encryption_key() == []
    ring = encryption.get_key_ring()
    assert ring.blind_index_key == derive_blind_index_key(settings.MIGRA_ENCRYPTION_KEYS[0])


@pytest.mark.django_db
def test_a_wrong_key_is_a_clear_error_and_writes_nothing() -> None:
    before = Secret.objects.count()
    with override_settings(MIGRA_ENCRYPTION_KEYS=[OTHER_KEY]):
        messages = encryption.check_encryption_key()
        assert len(messages) == 1
        assert messages[0].level == checks.CRITICAL
        assert messages[0].msg.startswith("The encryption key does not match this database: ")
        with pytest.raises(encryption.KeyMismatchError, match="does not match this database"):
            encryption.get_key_ring()
        with pytest.raises(encryption.KeyMismatchError), transaction.atomic():
            Secret.objects.create(name="សុខ")
    assert Secret.objects.count() == before
    assert encryption.check_encryption_key() == []  # the right key again


@pytest.mark.django_db
def test_the_old_key_listed_second_still_passes() -> None:
    with override_settings(MIGRA_ENCRYPTION_KEYS=[OTHER_KEY, *settings.MIGRA_ENCRYPTION_KEYS]):
        assert encryption.check_encryption_key() == []


@pytest.mark.django_db
def test_a_missing_row_is_written_again_with_the_same_blind_index_key() -> None:
    digest = encryption.blind_index("012345678", purpose="phone")
    KeyCheck.objects.all().delete()
    encryption.reset_key_ring()
    assert encryption.check_encryption_key() == []  # nothing to check against yet
    unpinned = encryption.get_key_ring()
    assert unpinned.blind_index("012345678", purpose="phone") == digest
    encryption.ensure_key_check()
    assert KeyCheck.objects.count() == 1
    assert encryption.blind_index("012345678", purpose="phone") == digest


def test_the_system_check_is_registered() -> None:
    assert encryption.check_encryption_key in checks.registry.registry.get_checks()


def test_ring_is_loaded_once_and_reset_when_keys_change(django_db_blocker) -> None:
    with django_db_blocker.unblock():
        encryption.reset_key_ring()
        first = encryption.get_key_ring()
        assert encryption.get_key_ring() is first
    with override_settings(MIGRA_ENCRYPTION_KEYS=[OTHER_KEY, *settings.MIGRA_ENCRYPTION_KEYS]):
        with django_db_blocker.unblock():
            assert encryption.get_key_ring().key_ids[0] == KeyRing([OTHER_KEY]).current_key_id
    with django_db_blocker.unblock():
        assert encryption.get_key_ring() is not first


def run_migra(tmp_path: Path, *args: str, key: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "MIGRA_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'migra.sqlite3'}",
        "SECRET_KEY": new_secret_key(),
        "MIGRA_ENCRYPTION_KEY": key,
        "ALLOWED_HOSTS": "migra.example.org",
    }
    migra = Path(sys.executable).with_name("migra")
    return subprocess.run(  # noqa: S603 - the project's own console script
        [str(migra), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_migrate_on_an_empty_database_then_a_wrong_key_refuses(tmp_path: Path) -> None:
    right, wrong = new_encryption_key(), new_encryption_key()
    migrated = run_migra(tmp_path, "migrate", "--no-input", key=right)
    assert migrated.returncode == 0, migrated.stderr
    assert run_migra(tmp_path, "check", key=right).returncode == 0

    refused = run_migra(tmp_path, "migrate", "--no-input", key=wrong)
    assert refused.returncode != 0
    assert "The encryption key does not match this database" in refused.stderr
    rotate = run_migra(tmp_path, "keys", "rotate", key=wrong)
    assert rotate.returncode != 0
    assert "The encryption key does not match this database" in rotate.stderr
    # The new key in front of the old one (the first step of a rotation) is accepted.
    assert run_migra(tmp_path, "check", key=f"{wrong},{right}").returncode == 0
