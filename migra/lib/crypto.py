"""Field-level encryption and blind indexes: AES-256-GCM envelopes, keyed HMAC indexes.

Pure Python (no Django). See docs/encryption.md.

An encrypted value is a compact ASCII envelope::

    v1.<key id>.<base64url(nonce | ciphertext | tag)>

- AES-256-GCM with a fresh random 96-bit nonce for every value;
- the *context* (e.g. ``"people.person.name"``) is the associated data, so a value
  copied into another field (or another table) does not decrypt there;
- the key id is the first 8 hex characters of HMAC-SHA256(key, b"migra-key-id"), so
  the ring knows which key to use and rotation knows which values are not yet under
  the current key. It reveals nothing about the key.

A blind index is HMAC-SHA256 of an (already normalised) value under a per-purpose
subkey derived by HKDF-SHA256 from the ring's *blind-index key*, truncated to 32 hex
characters. The blind-index key is separate from the encryption keys so that rotating
the encryption key leaves every blind index valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENVELOPE_VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_LENGTH = 8
BLIND_INDEX_LENGTH = 32

_KEY_ID_MESSAGE = b"migra-key-id"
_BLIND_ROOT_INFO = b"migra-blind-index-root-v1"
_BLIND_PURPOSE_INFO = b"migra-blind-index-v1:"


class DecryptionError(ValueError):
    """A value cannot be decrypted: unknown key, tampered envelope, wrong context."""


def key_id(key: bytes) -> str:
    """The public identifier of a key: 8 hex characters of HMAC(key, "migra-key-id")."""
    return hmac.new(key, _KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:KEY_ID_LENGTH]


def _hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(key)


def derive_blind_index_key(key: bytes) -> bytes:
    """The blind-index key derived from an encryption key (used to pin it once)."""
    return _hkdf(key, _BLIND_ROOT_INFO)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    padded = (text + "=" * (-len(text) % 4)).encode("ascii")
    return base64.b64decode(padded, altchars=b"-_", validate=True)


class KeyRing:
    """A list of AES-256 keys: the first encrypts, every one decrypts.

    ``blind_index_key`` is the secret behind blind indexes. When not given it is
    derived from the first key; an installation pins it once (see
    migra.config.encryption) so that it survives key rotation.
    """

    def __init__(self, keys: Sequence[bytes], *, blind_index_key: bytes | None = None) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        ciphers: dict[str, AESGCM] = {}
        order: list[str] = []
        for key in keys:
            if len(key) != KEY_BYTES:
                raise ValueError(f"an encryption key must be {KEY_BYTES} bytes, not {len(key)}")
            kid = key_id(key)
            if kid in ciphers:
                raise ValueError(f"the key ring lists key {kid} twice")
            ciphers[kid] = AESGCM(key)
            order.append(kid)
        if blind_index_key is None:
            blind_index_key = derive_blind_index_key(keys[0])
        if len(blind_index_key) != KEY_BYTES:
            raise ValueError(f"the blind-index key must be {KEY_BYTES} bytes")
        self._ciphers = ciphers
        self._key_ids = tuple(order)
        self._blind_index_key = blind_index_key
        self._purpose_keys: dict[str, bytes] = {}

    def __repr__(self) -> str:  # never show key material
        return f"KeyRing(key_ids={list(self._key_ids)!r})"

    @property
    def current_key_id(self) -> str:
        return self._key_ids[0]

    @property
    def key_ids(self) -> tuple[str, ...]:
        return self._key_ids

    @property
    def blind_index_key(self) -> bytes:
        return self._blind_index_key

    def with_blind_index_key(self, blind_index_key: bytes) -> KeyRing:
        """The same encryption keys with a pinned blind-index key."""
        ring = KeyRing.__new__(KeyRing)
        ring._ciphers = self._ciphers
        ring._key_ids = self._key_ids
        if len(blind_index_key) != KEY_BYTES:
            raise ValueError(f"the blind-index key must be {KEY_BYTES} bytes")
        ring._blind_index_key = blind_index_key
        ring._purpose_keys = {}
        return ring

    # ------------------------------------------------------------------ encryption
    def encrypt(self, plaintext: str, *, context: str) -> str:
        kid = self._key_ids[0]
        nonce = os.urandom(NONCE_BYTES)  # fresh 96-bit random nonce for every value
        sealed = self._ciphers[kid].encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        return f"{ENVELOPE_VERSION}.{kid}.{_b64encode(nonce + sealed)}"

    def decrypt(self, envelope: str, *, context: str) -> str:
        kid, payload = self._split(envelope)
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise DecryptionError(
                f"value was encrypted with key {kid}, which is not in the key ring "
                f"(known keys: {', '.join(self._key_ids)})"
            )
        try:
            data = _b64decode(payload)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise DecryptionError("encrypted value is damaged (invalid base64)") from None
        if len(data) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("encrypted value is damaged (too short)")
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], context.encode("utf-8"))
        except InvalidTag:
            raise DecryptionError(
                f"encrypted value does not authenticate for context {context!r}: it was "
                "tampered with, or belongs to another field"
            ) from None
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:  # pragma: no cover - authenticated, so we wrote it
            raise DecryptionError("decrypted value is not UTF-8") from None

    def key_id_of(self, envelope: str) -> str:
        return self._split(envelope)[0]

    def needs_rotation(self, envelope: str) -> bool:
        """True when the value is not encrypted with the current (first) key."""
        return self.key_id_of(envelope) != self._key_ids[0]

    @staticmethod
    def is_envelope(value: str) -> bool:
        parts = value.split(".")
        return (
            len(parts) == 3
            and parts[0] == ENVELOPE_VERSION
            and len(parts[1]) == KEY_ID_LENGTH
            and bool(parts[2])
        )

    @staticmethod
    def _split(envelope: str) -> tuple[str, str]:
        if not isinstance(envelope, str):
            raise DecryptionError(f"encrypted value must be text, not {type(envelope).__name__}")
        parts = envelope.split(".")
        if len(parts) != 3 or not parts[2]:
            raise DecryptionError("value is not an encrypted envelope (v1.<key id>.<data>)")
        version, kid, payload = parts
        if version != ENVELOPE_VERSION:
            raise DecryptionError(f"unknown envelope version {version!r}")
        if len(kid) != KEY_ID_LENGTH:
            raise DecryptionError("encrypted value is damaged (bad key id)")
        return kid, payload

    # ------------------------------------------------------------------ blind indexes
    def blind_index(self, value: str, *, purpose: str) -> str:
        """Keyed HMAC of an already normalised value, 32 hex characters.

        Different purposes (``"people.phone"``, ``"people.document"``) use different
        subkeys, so equal values in two indexes give unrelated digests.
        """
        subkey = self._purpose_keys.get(purpose)
        if subkey is None:
            subkey = _hkdf(self._blind_index_key, _BLIND_PURPOSE_INFO + purpose.encode("utf-8"))
            self._purpose_keys[purpose] = subkey
        digest = hmac.new(subkey, value.encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:BLIND_INDEX_LENGTH]
