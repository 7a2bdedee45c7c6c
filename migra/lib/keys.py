"""Secret key and encryption key material: generation and validation.

Pure Python. The encryption key is one or more 32-byte AES-256 keys, written as
URL-safe base64 and separated by commas; the first encrypts, all decrypt (so a
key can be rotated without downtime).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Callable
from pathlib import Path

AES_KEY_BYTES = 32
MIN_SECRET_KEY_LENGTH = 50


class KeyMaterialError(ValueError):
    """Key material is malformed."""


def new_secret_key() -> str:
    return secrets.token_urlsafe(64)


def new_encryption_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(AES_KEY_BYTES)).decode("ascii")


def parse_encryption_keys(text: str) -> list[bytes]:
    keys: list[bytes] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            key = base64.urlsafe_b64decode(part.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError):
            raise KeyMaterialError("an encryption key is not valid base64") from None
        if len(key) != AES_KEY_BYTES:
            raise KeyMaterialError(
                f"an encryption key must be {AES_KEY_BYTES} bytes, not {len(key)}"
            )
        keys.append(key)
    if not keys:
        raise KeyMaterialError("no encryption key given")
    return keys


def check_secret_key(value: str) -> None:
    if len(value) < MIN_SECRET_KEY_LENGTH or len(set(value)) < 5:
        raise KeyMaterialError(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} random characters"
        )
    if value.startswith("django-insecure"):
        raise KeyMaterialError("SECRET_KEY is Django's insecure default")


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """Read a local key file, creating it (mode 0600) the first time.

    Safe when several processes start at once (a web server and a worker, say): the
    key is written to a private temporary file and then linked into place, which fails
    if the file already exists, so every process ends up with the one key that won and
    nobody ever reads a half-written file.
    """
    existing = _read_key_file(path)
    if existing is not None:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # atomic; FileExistsError if another process won
        except FileExistsError:
            winner = _read_key_file(path)
            if winner is None:
                raise KeyMaterialError(f"{path} exists but is empty") from None
            return winner
    finally:
        temporary.unlink(missing_ok=True)
    return value


def _read_key_file(path: Path) -> str | None:
    try:
        content = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise KeyMaterialError(f"cannot read {path}: {error}") from None
    if not content:
        raise KeyMaterialError(
            f"{path} is empty: restore it from a backup (or, if nothing was ever stored "
            "with it, delete it to have a new one made)"
        )
    return content


def generated_keys_text() -> str:
    """A fresh SECRET_KEY and MIGRA_ENCRYPTION_KEY, as lines for an environment file."""
    return (
        "# Keep these secret and backed up: without MIGRA_ENCRYPTION_KEY the personal data\n"
        "# in the database cannot be read.\n"
        f"SECRET_KEY={new_secret_key()}\n"
        f"MIGRA_ENCRYPTION_KEY={new_encryption_key()}\n"
    )
