"""Settings refuse to start on a mistake; each case imports base.py in a fresh process.

Every test builds the whole environment itself (nothing is inherited but PATH), so a
developer's own DEBUG or SECRET_KEY cannot change the outcome.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from migra.lib.keys import new_encryption_key, new_secret_key

PROBE = """
import hashlib, json
import migra.config.settings.base as s
print(json.dumps({
    "debug": s.DEBUG,
    "secret_sha": hashlib.sha256(s.SECRET_KEY.encode()).hexdigest(),
    "encryption_keys": [k.hex() for k in s.MIGRA_ENCRYPTION_KEYS],
    "var_dir": str(s.VAR_DIR),
    "allowed_hosts": s.ALLOWED_HOSTS,
    "session_cookie_secure": s.SESSION_COOKIE_SECURE,
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "database_engine": s.DATABASES["default"]["ENGINE"],
    "session_idle_seconds": s.SESSION_IDLE_SECONDS,
    "retention_days": s.MIGRA_PEOPLE_RETENTION_DAYS,
}))
"""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def start(tmp_path: Path, **environ: str) -> subprocess.Popen[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "MIGRA_VAR_DIR": str(tmp_path / "var"),
        **environ,
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", PROBE],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def load(tmp_path: Path, **environ: str) -> dict:
    process = start(tmp_path, **environ)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out)


def refuse(tmp_path: Path, **environ: str) -> str:
    """Run the import expecting a refusal; return the error line shown to the operator."""
    process = start(tmp_path, **environ)
    out, err = process.communicate(timeout=120)
    assert process.returncode != 0, out
    assert "ImproperlyConfigured: Migra cannot start:" in err
    return err.strip().splitlines()[-1]


@pytest.fixture
def production() -> dict[str, str]:
    return {
        "SECRET_KEY": new_secret_key(),
        "MIGRA_ENCRYPTION_KEY": new_encryption_key(),
        "ALLOWED_HOSTS": "migra.example.org",
    }


def test_production_settings_load_with_real_keys(tmp_path, production) -> None:
    loaded = load(tmp_path, **production)
    assert loaded["debug"] is False
    assert loaded["secret_sha"] == sha(production["SECRET_KEY"])
    assert loaded["allowed_hosts"] == ["migra.example.org"]
    assert loaded["session_cookie_secure"] is True
    assert loaded["ssl_redirect"] is True
    assert loaded["retention_days"] == 3650
    # No key files are made outside DEBUG.
    assert not (tmp_path / "var" / "secret_key").exists()
    assert not (tmp_path / "var" / "encryption_key").exists()


def test_retention_period_comes_from_the_environment(tmp_path, production) -> None:
    assert load(tmp_path, **production, MIGRA_PEOPLE_RETENTION_DAYS="400")["retention_days"] == 400


@pytest.mark.parametrize("value", ["yes", "1", "on", "True1"])
def test_debug_must_be_true_or_false(tmp_path, value) -> None:
    message = refuse(tmp_path, DEBUG=value)
    assert f"DEBUG must be 'true' or 'false', not '{value}'" in message


@pytest.mark.parametrize("debug", [None, "false"])
def test_production_without_secret_key_refuses_to_start(tmp_path, debug) -> None:
    environ = {"DEBUG": debug} if debug else {}
    message = refuse(tmp_path, MIGRA_ENCRYPTION_KEY=new_encryption_key(), **environ)
    assert "SECRET_KEY (or SECRET_KEY_FILE) is not set" in message
    assert "DEBUG=true" in message


def test_production_without_encryption_key_refuses_to_start(tmp_path) -> None:
    message = refuse(tmp_path, SECRET_KEY=new_secret_key(), ALLOWED_HOSTS="x.example")
    assert "MIGRA_ENCRYPTION_KEY (or MIGRA_ENCRYPTION_KEY_FILE) is not set" in message
    assert "migra keys generate" in message


def test_production_without_allowed_hosts_refuses_to_start(tmp_path, production) -> None:
    del production["ALLOWED_HOSTS"]
    assert "ALLOWED_HOSTS is empty" in refuse(tmp_path, **production)


def test_secrets_can_come_from_files(tmp_path, production) -> None:
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(production.pop("SECRET_KEY") + "\n", encoding="ascii")
    key_file = tmp_path / "encryption_key"
    key = production.pop("MIGRA_ENCRYPTION_KEY")
    key_file.write_text(key, encoding="ascii")
    loaded = load(
        tmp_path,
        SECRET_KEY_FILE=str(secret_file),
        MIGRA_ENCRYPTION_KEY_FILE=str(key_file),
        **production,
    )
    assert loaded["secret_sha"] == sha(secret_file.read_text(encoding="ascii").strip())
    assert len(loaded["encryption_keys"]) == 1


def test_secret_key_and_its_file_together_are_refused(tmp_path, production) -> None:
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(new_secret_key(), encoding="ascii")
    message = refuse(tmp_path, SECRET_KEY_FILE=str(secret_file), **production)
    assert "Set SECRET_KEY or SECRET_KEY_FILE, not both." in message


def test_unreadable_or_empty_secret_files_are_refused(tmp_path, production) -> None:
    production.pop("SECRET_KEY")
    message = refuse(tmp_path, SECRET_KEY_FILE=str(tmp_path / "missing"), **production)
    assert "SECRET_KEY_FILE: cannot read" in message
    assert "missing" in message

    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="ascii")
    production.pop("MIGRA_ENCRYPTION_KEY")
    message = refuse(
        tmp_path, SECRET_KEY=new_secret_key(), MIGRA_ENCRYPTION_KEY_FILE=str(empty), **production
    )
    assert "MIGRA_ENCRYPTION_KEY_FILE:" in message
    assert "is empty" in message


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("this is not base64!", "encryption key"),
        ("c2hvcnQ=", "must be 32 bytes, not 5"),
        ("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", "must be 32 bytes, not 26"),
    ],
)
def test_bad_encryption_key_is_refused(tmp_path, production, key, expected) -> None:
    production["MIGRA_ENCRYPTION_KEY"] = key
    assert expected in refuse(tmp_path, **production)


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("django-insecure-" + new_secret_key(), "insecure default"),
        ("too-short", "at least 50 random characters"),
    ],
)
def test_weak_secret_key_is_refused(tmp_path, production, secret, expected) -> None:
    production["SECRET_KEY"] = secret
    assert expected in refuse(tmp_path, **production)


def test_insecure_key_refused_even_with_debug(tmp_path) -> None:
    message = refuse(tmp_path, DEBUG="true", SECRET_KEY="django-insecure-" + new_secret_key())
    assert "insecure default" in message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MIGRA_HTTPS", "1", "MIGRA_HTTPS must be 'true' or 'false'"),
        ("MIGRA_SESSION_IDLE_SECONDS", "half an hour", "must be a whole number"),
        ("MIGRA_SESSION_IDLE_SECONDS", "10", "must be at least 60, not 10"),
        ("MIGRA_LOGIN_FAILURE_LIMIT", "0", "MIGRA_LOGIN_FAILURE_LIMIT must be at least 1"),
        ("MIGRA_SSL_REDIRECT", "no", "MIGRA_SSL_REDIRECT must be 'true' or 'false'"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ("MIGRA_PEOPLE_RETENTION_DAYS", "ten years", "must be a whole number"),
        ("MIGRA_PEOPLE_RETENTION_DAYS", "7", "must be at least 30, not 7"),
    ],
)
def test_malformed_settings_name_themselves(tmp_path, production, name, value, expected) -> None:
    production[name] = value
    assert expected in refuse(tmp_path, **production)


def test_debug_generates_private_key_files_once_and_reuses_them(tmp_path) -> None:
    var = tmp_path / "var"
    first = load(tmp_path, DEBUG="true")
    assert first["debug"] is True
    assert first["var_dir"] == str(var.resolve())
    assert first["database_engine"] == "django.db.backends.sqlite3"
    for name in ("secret_key", "encryption_key"):
        assert stat.S_IMODE((var / name).stat().st_mode) == 0o600
    assert first["secret_sha"] == sha((var / "secret_key").read_text(encoding="ascii").strip())

    second = load(tmp_path, DEBUG="true")
    assert second["secret_sha"] == first["secret_sha"]
    assert second["encryption_keys"] == first["encryption_keys"]


def test_debug_uses_given_keys_instead_of_making_files(tmp_path) -> None:
    secret = new_secret_key()
    loaded = load(tmp_path, DEBUG="true", SECRET_KEY=secret)
    assert loaded["secret_sha"] == sha(secret)
    assert not (tmp_path / "var" / "secret_key").exists()
    assert (tmp_path / "var" / "encryption_key").exists()


def test_concurrent_first_starts_share_one_key(tmp_path) -> None:
    processes = [start(tmp_path, DEBUG="true") for _ in range(6)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    assert len({r["secret_sha"] for r in results}) == 1
    assert len({tuple(r["encryption_keys"]) for r in results}) == 1
    assert sorted(p.name for p in (tmp_path / "var").iterdir() if "key" in p.name) == [
        "encryption_key",
        "secret_key",
    ]


def test_https_behind_a_proxy_without_redirect(tmp_path, production) -> None:
    loaded = load(tmp_path, MIGRA_SSL_REDIRECT="false", **production)
    assert loaded["session_cookie_secure"] is True
    assert loaded["ssl_redirect"] is False
    loaded = load(tmp_path, MIGRA_HTTPS="false", **production)
    assert loaded["session_cookie_secure"] is False
    assert loaded["ssl_redirect"] is False
