"""migra.lib.keys: key material is generated well, checked strictly, created once."""

from __future__ import annotations

import base64
import stat
import threading

import pytest

from migra.lib.keys import (
    AES_KEY_BYTES,
    KeyMaterialError,
    check_secret_key,
    generated_keys_text,
    new_encryption_key,
    new_secret_key,
    parse_encryption_keys,
    read_or_create,
)


def test_new_keys_pass_their_own_checks_and_differ() -> None:
    secret = new_secret_key()
    check_secret_key(secret)
    assert secret != new_secret_key()
    key = new_encryption_key()
    assert parse_encryption_keys(key) == [base64.urlsafe_b64decode(key)]
    assert len(parse_encryption_keys(key)[0]) == AES_KEY_BYTES
    assert key != new_encryption_key()


def test_several_encryption_keys_first_one_encrypts() -> None:
    first, second = new_encryption_key(), new_encryption_key()
    keys = parse_encryption_keys(f"{first}, {second},")
    assert keys == [base64.urlsafe_b64decode(first), base64.urlsafe_b64decode(second)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not base64 at all!", "not valid base64|must be 32 bytes"),
        ("ab", "not valid base64"),
        (base64.urlsafe_b64encode(b"x" * 16).decode(), "must be 32 bytes, not 16"),
        (base64.urlsafe_b64encode(b"x" * 33).decode(), "must be 32 bytes, not 33"),
        ("", "no encryption key given"),
        (" , ", "no encryption key given"),
        ("ក" * 44, "not valid base64"),
    ],
)
def test_bad_encryption_keys_are_refused(text: str, message: str) -> None:
    with pytest.raises(KeyMaterialError, match=message):
        parse_encryption_keys(text)


@pytest.mark.parametrize(
    "value",
    [
        "short",
        "a" * 80,  # long but not random
        "django-insecure-" + new_secret_key(),
    ],
)
def test_weak_secret_keys_are_refused(value: str) -> None:
    with pytest.raises(KeyMaterialError):
        check_secret_key(value)


def test_django_insecure_key_is_named_as_such() -> None:
    with pytest.raises(KeyMaterialError, match="insecure default"):
        check_secret_key("django-insecure-" + new_secret_key())


def test_read_or_create_makes_a_private_file_once(tmp_path) -> None:
    path = tmp_path / "var" / "secret_key"
    made = []

    def make() -> str:
        made.append(new_secret_key())
        return made[-1]

    first = read_or_create(path, make)
    assert first == made[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii") == first + "\n"
    assert read_or_create(path, make) == first
    assert len(made) == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]


def test_read_or_create_refuses_an_empty_key_file(tmp_path) -> None:
    path = tmp_path / "encryption_key"
    path.write_text("\n", encoding="ascii")
    with pytest.raises(KeyMaterialError, match="is empty"):
        read_or_create(path, new_encryption_key)
    assert path.read_text(encoding="ascii") == "\n"


def test_racing_first_starts_agree_on_one_key(tmp_path) -> None:
    """Every racer has generated its own key before any of them writes: one must win."""
    path = tmp_path / "secret_key"
    racers = 8
    all_made = threading.Barrier(racers)
    results: list[str] = []
    errors: list[BaseException] = []

    def make() -> str:
        value = new_secret_key()
        all_made.wait()
        return value

    def race() -> None:
        try:
            results.append(read_or_create(path, make))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == racers
    assert len(set(results)) == 1
    assert path.read_text(encoding="ascii").strip() == results[0]
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_generated_keys_text_is_an_environment_file() -> None:
    lines = [line for line in generated_keys_text().splitlines() if not line.startswith("#")]
    values = dict(line.split("=", 1) for line in lines)
    assert set(values) == {"SECRET_KEY", "MIGRA_ENCRYPTION_KEY"}
    check_secret_key(values["SECRET_KEY"])
    assert len(parse_encryption_keys(values["MIGRA_ENCRYPTION_KEY"])) == 1
