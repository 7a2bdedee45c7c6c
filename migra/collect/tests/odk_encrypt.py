"""For tests only: encrypt a filled form as ODK Collect does (EncryptionUtils).

`encrypt_submission` takes the XML a phone would submit and its attachments and returns
what an encrypted form's phone posts instead: the plain-text manifest (the
xml_submission_file part) and the encrypted files ("photo.jpg.enc" …,
"submission.xml.enc"). The steps and the manifest's layout follow Collect: a random
AES-256 key RSA-OAEP(SHA-256, MGF1-SHA-256)-encrypted to the form's public key; each
attachment then the XML encrypted in that order with AES/CFB/PKCS5Padding under IVs
derived from MD5(instanceID + key); the element signature over form ID, version, the
encrypted key, the instanceID and "name::md5" of every plaintext file.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from defusedxml import ElementTree as SafeET

from migra.collect.odk_crypto import load_public_key, submission_ivs

COLLECT_MANIFEST_NS = "http://www.opendatakit.org/xforms/encrypted"
OPENROSA_NS = "http://openrosa.org/xforms"
_OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def instance_header(xml: bytes) -> tuple[str, str | None, str]:
    """(form ID, version or None, instanceID) of a filled instance."""
    root = SafeET.fromstring(xml, forbid_dtd=True)
    instance_id = ""
    for node in root.iter():
        if _local(node.tag) == "instanceID" and node.text:
            instance_id = node.text.strip()
            break
    return root.get("id", ""), root.get("version"), instance_id


def aes_encrypt(plaintext: bytes, key: bytes, iv: bytes) -> bytes:
    """Java's AES/CFB/PKCS5Padding: PKCS#7 padding, then AES in CFB-128."""
    padder = symmetric_padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), CFB(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def encrypt_submission(
    xml: bytes,
    *,
    public_key: str,
    media: Mapping[str, bytes] | None = None,
    xml_name: str = "submission.xml",
    key: bytes | None = None,
    header: tuple[str, str | None, str] | None = None,
) -> tuple[bytes, dict[str, bytes]]:
    """(manifest XML, {encrypted file name: bytes}) as ODK Collect would post them.

    `media` is in the order the phone lists its attachments; `key` fixes the AES key
    (random otherwise, as on a phone); `header` (form ID, version, instanceID) is put on
    the envelope instead of the XML's own (a broken or lying phone).
    """
    rsa_key = load_public_key(public_key)
    form_id, version, instance_id = header if header is not None else instance_header(xml)
    if not instance_id:
        raise ValueError("Collect encrypts only forms with meta/instanceID")
    aes_key = key if key is not None else os.urandom(32)
    encrypted_key = base64.b64encode(rsa_key.encrypt(aes_key, _OAEP)).decode("ascii")
    files = [*(media or {}).items(), (xml_name, xml)]
    ivs = submission_ivs(instance_id, aes_key, len(files))
    signed = [form_id, *([version] if version is not None else []), encrypted_key, instance_id]
    encrypted: dict[str, bytes] = {}
    for (name, data), iv in zip(files, ivs, strict=True):
        signed.append(f"{name}::{hashlib.md5(data, usedforsecurity=False).hexdigest()}")
        encrypted[f"{name}.enc"] = aes_encrypt(data, aes_key, iv)
    digest = hashlib.md5(
        "".join(f"{line}\n" for line in signed).encode("utf-8"), usedforsecurity=False
    ).digest()
    signature = base64.b64encode(rsa_key.encrypt(digest, _OAEP)).decode("ascii")

    # Collect's layout (KXmlSerializer, body only: no XML declaration).
    version_attr = f" version={quoteattr(version)}" if version is not None else ""
    parts = [
        f'<data xmlns="{COLLECT_MANIFEST_NS}" id={quoteattr(form_id)}{version_attr}'
        ' encrypted="yes">',
        f"<base64EncryptedKey>{encrypted_key}</base64EncryptedKey>",
        f'<orx:meta xmlns:orx="{OPENROSA_NS}"><orx:instanceID>{escape(instance_id)}'
        "</orx:instanceID></orx:meta>\n",
    ]
    for name in media or {}:
        parts.append(f"<media><file>{escape(name)}.enc</file></media>\n")
    parts += [
        f"<encryptedXmlFile>{escape(xml_name)}.enc</encryptedXmlFile>",
        f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature>",
        "</data>",
    ]
    return "".join(parts).encode("utf-8"), encrypted
