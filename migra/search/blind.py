"""Blind index for name keys: keyed hashes, so the search index holds no names.

Each phonetic name key (`migra.lib.khmer.romanize.name_keys`) is stored as
HMAC-SHA256(k, key), truncated to 64 bits, hex. `k` is derived with HKDF-SHA256 from
the first encryption key (settings.MIGRA_ENCRYPTION_KEYS[0]) for this purpose only.
A copy of the database without the key cannot tell which names are in it; a name
typed in a search gives the same hashes, so it still finds its records.

When the first encryption key changes (rotation), the hashes change: run
`migra search rebuild` after rotating.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"migra.search name keys v1"
HASH_HEX_CHARS = 16  # 64 bits: collisions among a few million keys are negligible


@functools.lru_cache(maxsize=4)
def _derive(master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(master)


def _key() -> bytes:
    return _derive(bytes(settings.MIGRA_ENCRYPTION_KEYS[0]))


def blind_keys(keys: Iterable[str]) -> set[str]:
    """The keyed hashes of name keys."""
    key = _key()
    return {
        hmac.new(key, k.encode("utf-8"), hashlib.sha256).hexdigest()[:HASH_HEX_CHARS]
        for k in keys
        if k
    }
