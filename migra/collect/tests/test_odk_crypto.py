"""ODK form encryption (migra.collect.odk_crypto): what phones encrypt, the server opens.

Submissions are encrypted three ways: by tests/odk_encrypt.py (Collect's steps in
Python), by javarosa/EncryptLikeCollect.java (Collect's steps in Java's own JCE, so the
decryption is not only checked against itself), and, end to end, a form with a public
key filled by JavaRosa and then encrypted. Anything that does not decrypt to exactly what
the phone signed is refused.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import translation
from pyxform.xls2xform import convert

from migra.collect import odk_crypto
from migra.collect.instances import files_named, parse_instance
from migra.collect.odk_crypto import (
    EncryptedSubmissionError,
    decrypt_submission,
    load_public_key,
    new_key_pair,
    parse_manifest,
    public_key_for,
    submission_ivs,
)
from migra.collect.tests.javarosa import encrypt_like_collect, fill
from migra.collect.tests.odk_encrypt import encrypt_submission
from migra.collect.xlsform import read_xform

INSTANCE_ID = "uuid:0c8f5a52-4d6e-4c1f-9a43-5b1f2b7d9e10"
XML = (
    "<?xml version='1.0' encoding='UTF-8' ?><data id=\"problem\" version=\"2026112501\" "
    'xmlns:orx="http://openrosa.org/xforms"><what>ខ្ញុំត្រូវបានគេរឹបអូសលិខិតឆ្លងដែន</what>'
    f"<photo>1764057600123.jpg</photo><meta><instanceID>{INSTANCE_ID}</instanceID></meta></data>"
).encode()
PHOTO = os.urandom(20_000)
AUDIO = b"ID3" + os.urandom(3_001)
MEDIA = {"1764057600123.jpg": PHOTO, "1764057611456.m4a": AUDIO}


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return new_key_pair()


@pytest.fixture(scope="module")
def other_keys() -> tuple[str, str]:
    return new_key_pair(2048)


def refused(match: str) -> Any:
    """Expect a refusal whose English message contains `match` (tests run in English)."""
    return pytest.raises(EncryptedSubmissionError, match=match)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def sealed(keys: tuple[str, str], **kwargs: object) -> tuple[bytes, dict[str, bytes]]:
    options: dict[str, object] = {"media": MEDIA, **kwargs}
    return encrypt_submission(XML, public_key=keys[0], **options)  # type: ignore[arg-type]


# ---- keys -------------------------------------------------------------------------


def test_a_new_key_pair_is_what_forms_and_phones_expect(keys: tuple[str, str]) -> None:
    public, private = keys
    der = base64.b64decode(public, validate=True)  # one base64 line, as in the XForm
    assert "\n" not in public
    assert serialization.load_der_public_key(der) is not None
    assert private.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_key_for(private) == public
    assert load_public_key(public).key_size == odk_crypto.RSA_KEY_BITS


def test_pyxform_puts_the_public_key_from_the_settings_sheet_in_the_xform(
    keys: tuple[str, str],
) -> None:
    xml = convert(xlsform=encrypted_form(keys[0]), file_type=".md").xform
    assert f'base64RsaPublicKey="{keys[0]}"' in xml
    assert read_xform(xml)[3] == keys[0]


@pytest.mark.parametrize("value", ["", "not base64!", base64.b64encode(b"not a key").decode()])
def test_a_public_key_that_is_not_one_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        load_public_key(value)


# ---- round trips ------------------------------------------------------------------


def test_a_submission_with_attachments_decrypts_to_what_the_phone_had(
    keys: tuple[str, str],
) -> None:
    manifest, files = sealed(keys)
    assert set(files) == {"1764057600123.jpg.enc", "1764057611456.m4a.enc", "submission.xml.enc"}
    assert PHOTO not in files["1764057600123.jpg.enc"]
    xml, media = decrypt_submission(manifest, files, keys[1])
    assert xml == XML
    assert media == MEDIA
    assert list(media) == list(MEDIA)  # in the phone's order


def test_without_attachments_or_version(keys: tuple[str, str]) -> None:
    unversioned = XML.replace(b' version="2026112501"', b"")
    manifest, files = encrypt_submission(unversioned, public_key=keys[0])
    assert b"version=" not in manifest
    assert parse_manifest(manifest).version is None
    assert decrypt_submission(manifest, files, keys[1]) == (unversioned, {})


def test_what_javas_own_cryptography_encrypts_as_collect_does_decrypts(
    keys: tuple[str, str],
) -> None:
    manifest, files = encrypt_like_collect(
        XML,
        public_key=keys[0],
        form_id="problem",
        version="2026112501",
        instance_id=INSTANCE_ID,
        media=MEDIA,
    )
    assert decrypt_submission(manifest, files, keys[1]) == (XML, MEDIA)


def encrypted_form(public_key: str) -> str:
    return f"""
| survey |
| | type | name | label | required |
| | text | what | What happened? | yes |
| | image | photo | Photo | |
| settings |
| | form_id | version | public_key |
| | problem_secret | 7 | {public_key} |
"""


def test_a_form_filled_by_javarosa_travels_encrypted_and_opens_again(
    keys: tuple[str, str],
) -> None:
    xform = convert(xlsform=encrypted_form(keys[0]), file_type=".md").xform
    filled = fill(xform, {"what": "គេមិនឲ្យខ្ញុំចេញ", "photo": "1764057600123.jpg"})
    manifest, files = encrypt_submission(
        filled, public_key=keys[0], media={"1764057600123.jpg": PHOTO}
    )
    # What the OpenRosa server sees: the manifest, marked encrypted, naming its files.
    envelope = parse_instance(manifest)
    assert envelope.encrypted
    assert (envelope.form_id, envelope.version) == ("problem_secret", "7")
    assert files_named(envelope.root, [], encrypted=True) == sorted(files)
    xml, media = decrypt_submission(manifest, files, keys[1])
    assert xml == filled
    assert media == {"1764057600123.jpg": PHOTO}
    assert parse_instance(xml).instance_id == envelope.instance_id


def test_large_attachments_and_concurrent_decryption(keys: tuple[str, str]) -> None:
    big = os.urandom(8 * 1024 * 1024 + 5)
    manifest, files = encrypt_submission(XML, public_key=keys[0], media={"video.mp4": big})
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: decrypt_submission(manifest, files, keys[1]), range(4)))
    assert all(result == (XML, {"video.mp4": big}) for result in results)


def test_ivs_step_one_byte_per_file() -> None:
    key = bytes(range(32))
    seed = hashlib.md5(INSTANCE_ID.encode() + key).digest()  # noqa: S324  (the spec's)
    ivs = submission_ivs(INSTANCE_ID, key, 20)
    previous = seed
    for index, iv in enumerate(ivs):
        changed = [i for i in range(16) if iv[i] != previous[i]]
        assert changed == [index % 16]
        assert iv[index % 16] == (previous[index % 16] + 1) % 256
        previous = iv


# ---- refusals ---------------------------------------------------------------------


def test_another_forms_key_cannot_open_it(
    keys: tuple[str, str], other_keys: tuple[str, str]
) -> None:
    manifest, files = sealed(keys)
    with refused("cannot be opened with this form's key"):
        decrypt_submission(manifest, files, other_keys[1])


@pytest.mark.parametrize("name", ["submission.xml.enc", "1764057600123.jpg.enc"])
@pytest.mark.parametrize("where", [0, 100, -1])
def test_an_altered_file_is_refused(keys: tuple[str, str], name: str, where: int) -> None:
    manifest, files = sealed(keys)
    data = bytearray(files[name])
    data[where] ^= 0x01
    files[name] = bytes(data)
    with pytest.raises(EncryptedSubmissionError):
        decrypt_submission(manifest, files, keys[1])


@pytest.mark.parametrize("cut", [1, 5, 16, 32])
def test_a_truncated_file_is_refused(keys: tuple[str, str], cut: int) -> None:
    manifest, files = sealed(keys)
    files["submission.xml.enc"] = files["submission.xml.enc"][:-cut]
    with pytest.raises(EncryptedSubmissionError):
        decrypt_submission(manifest, files, keys[1])


def test_empty_missing_or_swapped_files_are_refused(keys: tuple[str, str]) -> None:
    manifest, files = sealed(keys)
    with refused("cut short"):
        decrypt_submission(manifest, {**files, "1764057611456.m4a.enc": b""}, keys[1])
    missing = dict(files)
    del missing["1764057611456.m4a.enc"]
    with refused("missing the file 1764057611456.m4a.enc"):
        decrypt_submission(manifest, missing, keys[1])
    swapped = {
        **files,
        "1764057600123.jpg.enc": files["1764057611456.m4a.enc"],
        "1764057611456.m4a.enc": files["1764057600123.jpg.enc"],
    }
    with pytest.raises(EncryptedSubmissionError):
        decrypt_submission(manifest, swapped, keys[1])


def test_files_from_another_submission_are_refused(keys: tuple[str, str]) -> None:
    manifest, _ = sealed(keys)
    _, other_files = sealed(keys)  # same form and instance, another AES key
    with pytest.raises(EncryptedSubmissionError):
        decrypt_submission(manifest, other_files, keys[1])


def _signature_of(manifest: bytes) -> str:
    return parse_manifest(manifest).base64_signature


def test_a_bad_signature_is_refused(keys: tuple[str, str]) -> None:
    manifest, files = sealed(keys)
    signature = _signature_of(manifest)
    # A well-formed signature, made for other content with the right public key.
    other_manifest, _ = sealed(keys, media={"x.jpg": b"other"})
    forged = manifest.replace(signature.encode(), _signature_of(other_manifest).encode())
    with refused("signature does not match"):
        decrypt_submission(forged, files, keys[1])
    # The signed text covers the envelope too: another form ID or version breaks it.
    for renamed in (
        manifest.replace(b'id="problem"', b'id="problem2"'),
        manifest.replace(b'version="2026112501"', b'version="1"'),
    ):
        with pytest.raises(EncryptedSubmissionError):
            decrypt_submission(renamed, files, keys[1])
    garbage = manifest.replace(signature.encode(), base64.b64encode(os.urandom(384)))
    with refused("cannot be opened"):
        decrypt_submission(garbage, files, keys[1])
    not_base64 = manifest.replace(signature.encode(), b"%%%")
    with refused("not valid base64"):
        decrypt_submission(not_base64, files, keys[1])


def test_a_key_that_is_not_aes_256_is_refused(keys: tuple[str, str]) -> None:
    manifest, files = sealed(keys)
    short = base64.b64encode(
        load_public_key(keys[0]).encrypt(os.urandom(16), odk_crypto._OAEP)
    ).decode()
    altered = manifest.replace(
        parse_manifest(manifest).base64_encrypted_key.encode(), short.encode()
    )
    with refused("not an AES-256 key"):
        decrypt_submission(altered, files, keys[1])


def test_decrypted_xml_must_match_its_envelope(keys: tuple[str, str]) -> None:
    for header in [
        ("problem", "2026112501", "uuid:another"),
        ("tip", "2026112501", INSTANCE_ID),
    ]:
        manifest, files = encrypt_submission(XML, public_key=keys[0], header=header)
        with refused("does not match its envelope"):
            decrypt_submission(manifest, files, keys[1])
    header = ("problem", "2026112501", INSTANCE_ID)
    broken = XML.replace(b"</data>", b"")
    manifest, files = encrypt_submission(broken, public_key=keys[0], header=header)
    with refused("form is broken XML"):
        decrypt_submission(manifest, files, keys[1])
    hostile = XML.replace(b"<data ", b'<!DOCTYPE data [<!ENTITY e "x">]><data ', 1).replace(
        b"<what>", b"<what>&e;", 1
    )
    manifest, files = encrypt_submission(hostile, public_key=keys[0], header=header)
    with refused("form declares entities or a DOCTYPE"):
        decrypt_submission(manifest, files, keys[1])


def test_a_private_key_that_is_not_one_is_refused(keys: tuple[str, str]) -> None:
    manifest, files = sealed(keys)
    with refused("private key cannot be read"):
        decrypt_submission(manifest, files, "-----BEGIN PRIVATE KEY-----\nAAAA\n")
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with refused("not an RSA key"):
        decrypt_submission(manifest, files, ec_key)


LAUGHS = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))


def _manifest_variants(manifest: str) -> list[tuple[str, str]]:
    key = manifest.split("<base64EncryptedKey>")[1].split("<")[0]
    return [
        ("", "empty"),
        ("not xml at all", "broken XML"),
        (manifest[: len(manifest) // 2], "broken XML"),
        (f'<!DOCTYPE data [<!ENTITY e0 "lol">{LAUGHS}]>' + manifest, "entities or a DOCTYPE"),
        (
            '<!DOCTYPE data [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + manifest.replace("encrypted=", "extra='&x;' encrypted=", 1),
            "entities or a DOCTYPE",
        ),
        (manifest.replace('encrypted="yes"', 'encrypted="no"'), "not the envelope"),
        (manifest.replace("<data ", "<other ").replace("</data>", "</other>"), "not the envelope"),
        (manifest.replace(' id="problem"', ""), "does not say which form"),
        (manifest.replace(INSTANCE_ID, ""), "no valid instanceID"),
        (manifest.replace(INSTANCE_ID, "uuid:" + "x" * 200), "no valid instanceID"),
        (manifest.replace(f"<base64EncryptedKey>{key}</base64EncryptedKey>", ""), "lacks"),
        (manifest.replace("submission.xml.enc", ""), "lacks"),
        (
            manifest.replace(
                "<encryptedXmlFile>",
                f"<base64EncryptedKey>{key}</base64EncryptedKey><encryptedXmlFile>",
            ),
            "repeats base64EncryptedKey",
        ),
        (manifest.replace("1764057600123.jpg.enc", "../../etc/passwd.enc"), "not allowed"),
        (manifest.replace("1764057600123.jpg.enc", "/etc/x.jpg.enc"), "not allowed"),
        (manifest.replace("1764057600123.jpg.enc", "C:\\x.jpg.enc"), "not allowed"),
        (manifest.replace("1764057600123.jpg.enc", "1764057600123.jpg"), "not allowed"),
        (manifest.replace("1764057600123.jpg.enc", ".enc"), "not allowed"),
        (manifest.replace("1764057600123.jpg.enc", "a&#0;b.jpg.enc"), "broken XML"),
        (manifest.replace("1764057600123.jpg.enc", "a&#9;b.jpg.enc"), "not allowed"),
        (manifest.replace("1764057600123.jpg.enc", "x" * 300 + ".enc"), "not allowed"),
        (manifest.replace("1764057600123.jpg.enc", "1764057611456.m4a.enc"), "twice"),
        (manifest.replace("1764057600123.jpg.enc", "submission.xml.enc"), "twice"),
        (
            manifest.replace(
                "</data>",
                "".join(f"<media><file>{i}.jpg.enc</file></media>" for i in range(1001))
                + "</data>",
            ),
            "too many files",
        ),
        (manifest.replace("</data>", " " * odk_crypto.MAX_MANIFEST_BYTES + "</data>"), "too big"),
    ]


def test_hostile_or_malformed_manifests_are_refused(keys: tuple[str, str]) -> None:
    manifest, files = sealed(keys)
    for variant, words in _manifest_variants(manifest.decode()):
        with refused(words):
            decrypt_submission(variant.encode(), files, keys[1])


def test_several_files_under_one_media_element_are_read_in_order(keys: tuple[str, str]) -> None:
    manifest, files = sealed(keys)
    compact = manifest.replace(b"</file></media>\n<media><file>", b"</file><file>")
    assert compact.count(b"<media>") == 1
    assert decrypt_submission(compact, files, keys[1]) == (XML, MEDIA)
