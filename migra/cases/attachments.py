"""Case attachments: checking an upload, and keeping the file encrypted at rest.

Checking (`attachment_check`):
- the size limit is `settings.MIGRA_CASE_ATTACHMENT_MAX_BYTES` (10 MB when not set);
  an empty file or a larger one is refused before it is read whole;
- the type is sniffed from the first bytes (`migra.media.sniff`): JPEG, PNG, WebP, HEIC
  and PDF only. A file that lies about its type — a name ending or a declared type that
  says something else than its content (a PDF called photo.jpg, a program called
  statement.pdf) — is refused.

Storing (`blob_store` / `blob_read`): envelope encryption with the installation's key
ring (migra.config.encryption). Each file gets a fresh random 256-bit data key; the
content is sealed with AES-256-GCM under that key (a fresh 96-bit nonce, the blob's
name as associated data); the data key itself is encrypted by the key ring like any
encrypted field (`KeyRing.encrypt`, context "cases.attachment.blob:<name>") and kept
in the file's header. The file lands in the media storage under a random name, so
neither its name nor its content says anything. A key rotation keeps files readable
as long as the old key stays in the ring (the wrapped key names its key id):
`migra keys rotate` does not re-wrap attachments' data keys.

Blob layout: ``MGA1`` · 2-byte length of the wrapped key · wrapped key (ASCII
envelope) · 12-byte nonce · ciphertext with its 16-byte tag.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from migra.config.encryption import get_key_ring
from migra.lib.crypto import DecryptionError
from migra.media.sniff import agrees, name_ending, sniff
from migra.media.uploads import TooLarge, read_at_most

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAGIC = b"MGA1"
NONCE_BYTES = 12
DATA_KEY_BYTES = 32
BLOB_DIR = "cases/attachments"
MAX_FILENAME = 200

# What may be attached: photos and PDF documents (migra.media.sniff knows more types:
# office files, sound and video, which cases do not take).
ALLOWED_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"}
)


def max_bytes() -> int:
    value = getattr(settings, "MIGRA_CASE_ATTACHMENT_MAX_BYTES", None)
    return int(value) if value else DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    filename: str
    content_type: str
    sha256: str


def _too_large(limit: int) -> ValidationError:
    megabytes = limit / (1024 * 1024)
    return ValidationError(
        {"file": _("The file is too large: at most %(size)s MB.") % {"size": f"{megabytes:g}"}},
        code="too_large",
    )


def _wrong_type() -> ValidationError:
    return ValidationError(
        {"file": _("Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be attached.")},
        code="type",
    )


def _lying_type() -> ValidationError:
    return ValidationError(
        {
            "file": _(
                "The file's content does not match its name or type. Nothing was stored: "
                "attach the original photo or PDF."
            )
        },
        code="type_mismatch",
    )


def clean_filename(name: Any) -> str:
    """The file's own name without folders or control characters, at most 200 characters."""
    text = str(name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
    text = text.strip(". ")
    if len(text) > MAX_FILENAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_FILENAME]
    return text or "attachment"


def attachment_check(upload: Any) -> CheckedFile:
    """Read and check an uploaded file; a ValidationError says what is wrong."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")}, code="required")
    limit = max_bytes()
    try:
        data = read_at_most(upload, limit)
    except TooLarge:
        raise _too_large(limit) from None
    if data is None:
        raise _wrong_type()
    if not data:
        raise ValidationError({"file": _("The file is empty.")}, code="empty")
    kind = sniff(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise _wrong_type()
    filename = clean_filename(getattr(upload, "name", ""))
    declared = str(getattr(upload, "content_type", "") or "")
    if not agrees(kind, filename=filename, declared=declared):
        raise _lying_type()
    if not name_ending(filename):
        filename = f"{filename}.{kind.extension}"
    return CheckedFile(
        data=data,
        filename=filename,
        content_type=kind.mime,
        sha256=hashlib.sha256(data).hexdigest(),
    )


# --------------------------------------------------------------------------- encryption at rest


def _context(name: str) -> str:
    return f"cases.attachment.blob:{name.rsplit('/', 1)[-1]}"


def seal(data: bytes, *, name: str) -> bytes:
    """Encrypt `data` for the blob called `name` (see the module's docstring)."""
    data_key = AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)
    wrapped = get_key_ring().encrypt(data_key.hex(), context=_context(name)).encode("ascii")
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(data_key).encrypt(nonce, data, _context(name).encode("utf-8"))
    return MAGIC + len(wrapped).to_bytes(2, "big") + wrapped + nonce + sealed


def _split(blob: bytes) -> tuple[str, bytes, bytes]:
    if len(blob) < len(MAGIC) + 2 or not blob.startswith(MAGIC):
        raise DecryptionError("not an encrypted attachment")
    length = int.from_bytes(blob[4:6], "big")
    wrapped = blob[6 : 6 + length]
    rest = blob[6 + length :]
    if len(wrapped) != length or len(rest) < NONCE_BYTES + 16:
        raise DecryptionError("encrypted attachment is damaged (too short)")
    try:
        return wrapped.decode("ascii"), rest[:NONCE_BYTES], rest[NONCE_BYTES:]
    except UnicodeDecodeError:
        raise DecryptionError("encrypted attachment is damaged (key)") from None


def unseal(blob: bytes, *, name: str) -> bytes:
    """Decrypt a blob written by `seal` under the same name."""
    wrapped, nonce, sealed = _split(blob)
    key_hex = get_key_ring().decrypt(wrapped, context=_context(name))
    try:
        data_key = bytes.fromhex(key_hex)
    except ValueError:
        raise DecryptionError("encrypted attachment is damaged (key)") from None
    try:
        return AESGCM(data_key).decrypt(nonce, sealed, _context(name).encode("utf-8"))
    except InvalidTag:
        raise DecryptionError(
            "encrypted attachment does not authenticate: it was tampered with, or belongs "
            "to another attachment"
        ) from None


def blob_store(data: bytes) -> str:
    """Encrypt and store; return the blob's name in the media storage (random)."""
    name = f"{BLOB_DIR}/{secrets.token_hex(20)}.bin"
    return str(default_storage.save(name, ContentFile(seal(data, name=name))))


def blob_read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        blob = handle.read()
    return unseal(blob, name=name)


def blob_delete(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # pragma: no cover - nothing more to do: the blob stays unreadable
        pass
