"""migra.lib.crypto: AES-256-GCM envelopes and blind indexes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import subprocess
import sys

import pytest

from migra.lib.crypto import (
    BLIND_INDEX_LENGTH,
    DecryptionError,
    KeyRing,
    derive_blind_index_key,
    key_id,
)

OLD = bytes(range(32))
NEW = bytes(range(32, 64))
CONTEXT = "people.person.name"
ENVELOPE = re.compile(r"^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$")


def unpad(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize(
    "plaintext",
    ["សុខ ចាន់ធា", "Sok Chanta", "👩🏽‍👧 ✈️ 🇰🇭", "ក" * 100_000, "x", "line\nbreak\0nul"],
)
def test_round_trip(plaintext: str) -> None:
    ring = KeyRing([NEW, OLD])
    envelope = ring.encrypt(plaintext, context=CONTEXT)
    assert ENVELOPE.match(envelope)
    assert envelope.isascii()
    if len(plaintext) > 4:
        assert plaintext not in envelope
    assert ring.decrypt(envelope, context=CONTEXT) == plaintext


def test_envelope_layout_and_fresh_nonces() -> None:
    ring = KeyRing([NEW])
    first = ring.encrypt("012 345 678", context=CONTEXT)
    second = ring.encrypt("012 345 678", context=CONTEXT)
    assert first != second  # a fresh nonce every time: equal values look unrelated
    version, kid, payload = first.split(".")
    assert (version, kid) == ("v1", key_id(NEW))
    data = unpad(payload)
    assert len(data) == 12 + len(b"012 345 678") + 16  # nonce | ciphertext | tag
    assert unpad(second.split(".")[2])[:12] != data[:12]


def test_key_id_is_a_keyed_hash() -> None:
    expected = hmac.new(NEW, b"migra-key-id", hashlib.sha256).hexdigest()[:8]
    assert key_id(NEW) == expected
    ring = KeyRing([NEW, OLD])
    assert ring.current_key_id == expected
    assert ring.key_ids == (expected, key_id(OLD))
    assert NEW.hex() not in repr(ring)


def test_every_key_decrypts_only_the_first_encrypts() -> None:
    old_value = KeyRing([OLD]).encrypt("ស្រី", context=CONTEXT)
    ring = KeyRing([NEW, OLD])
    assert ring.decrypt(old_value, context=CONTEXT) == "ស្រី"
    assert ring.needs_rotation(old_value)
    new_value = ring.encrypt("ស្រី", context=CONTEXT)
    assert not ring.needs_rotation(new_value)
    assert ring.key_id_of(new_value) == key_id(NEW)


@pytest.mark.parametrize("position", [0, 5, 11, 12, 20, -1, -16])
def test_a_flipped_byte_is_refused(position: int) -> None:
    ring = KeyRing([NEW])
    envelope = ring.encrypt("សុខ ចាន់ធា", context=CONTEXT)
    head, payload = envelope.rsplit(".", 1)
    data = bytearray(unpad(payload))
    data[position] ^= 0x01
    tampered = f"{head}.{base64.urlsafe_b64encode(bytes(data)).rstrip(b'=').decode()}"
    with pytest.raises(DecryptionError, match="tampered"):
        ring.decrypt(tampered, context=CONTEXT)


def test_truncated_or_garbled_envelopes_are_refused() -> None:
    ring = KeyRing([NEW])
    envelope = ring.encrypt("x", context=CONTEXT)
    head, payload = envelope.rsplit(".", 1)
    for bad, message in [
        (f"{head}.{payload[:10]}", "too short"),
        (f"{head}.{payload}!!", "invalid base64"),
        ("plain text", "not an encrypted envelope"),
        ("", "not an encrypted envelope"),
        (envelope.replace("v1.", "v9.", 1), "unknown envelope version"),
        (f"v1.abc.{payload}", "bad key id"),
    ]:
        with pytest.raises(DecryptionError, match=message):
            ring.decrypt(bad, context=CONTEXT)


def test_a_value_cannot_move_to_another_field() -> None:
    ring = KeyRing([NEW])
    phone = ring.encrypt("012345678", context="people.person.phone")
    with pytest.raises(DecryptionError, match="people.person.document"):
        ring.decrypt(phone, context="people.person.document")


def test_unknown_key_id_is_named() -> None:
    envelope = KeyRing([OLD]).encrypt("x", context=CONTEXT)
    with pytest.raises(DecryptionError, match=f"key {key_id(OLD)}, which is not in the key ring"):
        KeyRing([NEW]).decrypt(envelope, context=CONTEXT)


def test_ring_refuses_bad_keys() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        KeyRing([])
    with pytest.raises(ValueError, match="32 bytes"):
        KeyRing([b"short"])
    with pytest.raises(ValueError, match="twice"):
        KeyRing([NEW, NEW])
    with pytest.raises(ValueError, match="blind-index key"):
        KeyRing([NEW], blind_index_key=b"short")


def test_blind_index() -> None:
    ring = KeyRing([NEW, OLD])
    digest = ring.blind_index("85512345678", purpose="people.phone")
    assert re.fullmatch(r"[0-9a-f]{32}", digest)
    assert len(digest) == BLIND_INDEX_LENGTH
    assert digest == ring.blind_index("85512345678", purpose="people.phone")
    assert digest != ring.blind_index("85512345679", purpose="people.phone")
    assert digest != ring.blind_index("85512345678", purpose="people.document")
    assert ring.blind_index("សុខ", purpose="people.name") != ring.blind_index(
        "សុក", purpose="people.name"
    )
    # By default the blind-index key is derived from the first key …
    assert KeyRing([NEW]).blind_index("x", purpose="p") == ring.blind_index("x", purpose="p")
    assert ring.blind_index_key == derive_blind_index_key(NEW)
    # … and once pinned it no longer depends on which key encrypts.
    pinned = KeyRing([OLD], blind_index_key=derive_blind_index_key(NEW))
    assert pinned.blind_index("x", purpose="p") == ring.blind_index("x", purpose="p")
    rotated = KeyRing([os.urandom(32), NEW]).with_blind_index_key(ring.blind_index_key)
    assert rotated.blind_index("x", purpose="p") == ring.blind_index("x", purpose="p")


def test_crypto_does_not_import_django() -> None:
    code = "import sys, migra.lib.crypto; assert 'django' not in sys.modules, 'django imported'"
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
