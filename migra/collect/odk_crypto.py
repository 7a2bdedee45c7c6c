"""ODK form encryption: the keys of a sensitive form and the decryption of its submissions.

A form whose XForm carries `<submission base64RsaPublicKey="…"/>` (pyxform: the
`public_key` column of the XLSForm's settings sheet) is encrypted on the phone, as ODK
Collect (EncryptionUtils) and Enketo do it, following the ODK XForms encryption spec:

- a fresh random AES-256 key per submission, sent RSA-encrypted with the form's public
  key ("RSA/NONE/OAEPWithSHA256AndMGF1Padding": OAEP with SHA-256 for both the digest and
  MGF1, empty label) in `<base64EncryptedKey>`;
- every file — each attachment in the manifest's `<media><file>` order, then the
  submission XML last (`<encryptedXmlFile>`, "submission.xml.enc") — encrypted with
  "AES/CFB/PKCS5Padding": AES-256 in 128-bit CFB mode over the PKCS#7-padded bytes;
- the IVs: seed = MD5(instanceID in UTF-8 + AES key); before file i (from 0) byte
  i mod 16 of the seed is incremented (mod 256) and the seed is that file's IV;
- `<base64EncryptedElementSignature>`: the MD5 of "formID\\n[version\\n]base64EncryptedKey
  \\ninstanceID\\n" followed by "name::md5hex\\n" for each attachment then for the
  submission XML (plaintext names without ".enc", MD5 of the plaintext, 32 hex digits),
  RSA-encrypted with the public key like the AES key. It is an integrity check (anyone
  holding the public key can make one), not proof of who sent it.

The server keeps the manifest and the encrypted files as they arrived; `decrypt_submission`
turns them back into the instance XML and its attachments for someone allowed to read
them, and refuses (EncryptedSubmissionError, words for a person) anything that does not
decrypt to exactly what the phone signed: wrong key, altered or truncated file, missing
file, bad signature, a manifest with entities or a DOCTYPE, names that try to leave the
submission's folder.

Pure functions (no models); the private key is given by the caller.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

RSA_KEY_BITS = 3072
AES_KEY_BYTES = 32
BLOCK_BYTES = 16
ENCRYPTED_SUFFIX = ".enc"
MAX_MANIFEST_BYTES = 256 * 1024
MAX_MEDIA_FILES = 1000
MAX_FILE_NAME = 200
MAX_INSTANCE_ID = 100
# What a phone's XML may weigh once decrypted (the same bound as a plain submission).
MAX_XML_BYTES = 10 * 1024 * 1024

# OAEP as Java's "RSA/NONE/OAEPWithSHA256AndMGF1Padding" (Bouncy Castle on Android):
# SHA-256 for the digest and for MGF1. CFB is in cryptography's "decrepit" corner, but it
# is what every phone that ever encrypted an ODK form used.
_OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


class EncryptedSubmissionError(ValueError):
    """An encrypted submission cannot be read; the message says why, for a person."""


@dataclass(frozen=True)
class Manifest:
    """What the plain-text envelope of an encrypted submission says."""

    form_id: str
    # None when the form has no version (then it is not part of the signature).
    version: str | None
    instance_id: str
    # As written in the manifest: the signature covers this exact text.
    base64_encrypted_key: str
    # Attachment names as sent ("photo.jpg.enc"), in the order they were encrypted.
    media: tuple[str, ...]
    xml_file: str
    base64_signature: str

    @property
    def files(self) -> tuple[str, ...]:
        """Every encrypted file, in encryption order (the XML is last)."""
        return (*self.media, self.xml_file)


def new_key_pair(bits: int = RSA_KEY_BITS) -> tuple[str, str]:
    """(public key for the XForm: base64 of its DER SubjectPublicKeyInfo, private key PEM)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return public_key_for(private_key), private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def public_key_for(private_key: rsa.RSAPrivateKey | str | bytes) -> str:
    """The base64 DER public key (as in base64RsaPublicKey) of a private key."""
    key = (
        private_key if isinstance(private_key, rsa.RSAPrivateKey) else load_private_key(private_key)
    )
    der = key.public_key().public_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return base64.b64encode(der).decode("ascii")


def load_public_key(public_key_base64: str) -> rsa.RSAPublicKey:
    """The RSA key of a base64RsaPublicKey value; ValueError when it is not one."""
    try:
        der = base64.b64decode("".join(public_key_base64.split()), validate=True)
        key = serialization.load_der_public_key(der)
    except (binascii.Error, ValueError, TypeError) as error:
        raise ValueError(f"not a base64 DER public key: {error}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def load_private_key(private_key_pem: str | bytes) -> rsa.RSAPrivateKey:
    data = private_key_pem.encode("ascii") if isinstance(private_key_pem, str) else private_key_pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise EncryptedSubmissionError(_("The form's private key cannot be read.")) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise EncryptedSubmissionError(_("The form's private key is not an RSA key."))
    return key


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(node: Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""


def _child(root: Element, name: str) -> Element | None:
    found = [node for node in root if _local(node.tag) == name]
    if len(found) > 1:
        raise EncryptedSubmissionError(
            _("The encrypted submission's envelope repeats %(name)s.") % {"name": name}
        )
    return found[0] if found else None


def _check_file_name(name: str) -> str:
    if (
        not name.endswith(ENCRYPTED_SUFFIX)
        or len(name) <= len(ENCRYPTED_SUFFIX)
        or len(name) > MAX_FILE_NAME
        or name in {".", ".."}
        or name.startswith(".")
        or any(char in name for char in "/\\:")
        or any(ord(char) < 32 or ord(char) == 127 for char in name)
    ):
        raise EncryptedSubmissionError(
            _("The encrypted submission names a file that is not allowed: %(name)s")
            % {"name": name[:MAX_FILE_NAME]}
        )
    return name


def parse_manifest(manifest_xml: bytes) -> Manifest:
    """Read the plain-text envelope; EncryptedSubmissionError when it is not a valid one."""
    if not manifest_xml or not manifest_xml.strip():
        raise EncryptedSubmissionError(_("The encrypted submission's envelope is empty."))
    if len(manifest_xml) > MAX_MANIFEST_BYTES:
        raise EncryptedSubmissionError(_("The encrypted submission's envelope is too big."))
    try:
        root = SafeET.fromstring(manifest_xml, forbid_dtd=True)
    except DefusedXmlException:
        raise EncryptedSubmissionError(
            _("The encrypted submission's envelope declares entities or a DOCTYPE.")
        ) from None
    except (ParseError, UnicodeDecodeError, ValueError) as error:
        raise EncryptedSubmissionError(
            _("The encrypted submission's envelope is broken XML: %(error)s") % {"error": error}
        ) from None
    if _local(root.tag) != "data" or root.get("encrypted") != "yes":
        raise EncryptedSubmissionError(_("This is not the envelope of an encrypted submission."))
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise EncryptedSubmissionError(
            _("The encrypted submission's envelope does not say which form it is.")
        )
    meta = _child(root, "meta")
    instance_id = _text(_child(meta, "instanceID")) if meta is not None else ""
    if not instance_id or len(instance_id) > MAX_INSTANCE_ID:
        raise EncryptedSubmissionError(
            _("The encrypted submission's envelope has no valid instanceID.")
        )
    key = _text(_child(root, "base64EncryptedKey"))
    xml_file = _text(_child(root, "encryptedXmlFile"))
    signature = _text(_child(root, "base64EncryptedElementSignature"))
    if not key or not xml_file or not signature:
        raise EncryptedSubmissionError(
            _("The encrypted submission's envelope lacks its key, its file or its signature.")
        )
    media: list[str] = []
    for node in root:
        if _local(node.tag) != "media":
            continue
        # Collect writes one <file> per <media>; the spec also allows several.
        for file_node in node:
            if _local(file_node.tag) == "file":
                media.append(_check_file_name(_text(file_node)))
    if len(media) > MAX_MEDIA_FILES:
        raise EncryptedSubmissionError(_("The encrypted submission has too many files."))
    _check_file_name(xml_file)
    if len(set(media)) != len(media) or xml_file in media:
        raise EncryptedSubmissionError(_("The encrypted submission lists a file twice."))
    return Manifest(
        form_id=form_id,
        version=root.get("version"),
        instance_id=instance_id,
        base64_encrypted_key=key,
        media=tuple(media),
        xml_file=xml_file,
        base64_signature=signature,
    )


def submission_ivs(instance_id: str, key: bytes, count: int) -> list[bytes]:
    """The IV of each of `count` files, in encryption order."""
    seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + key, usedforsecurity=False).digest())
    ivs = []
    for index in range(count):
        seed[index % BLOCK_BYTES] = (seed[index % BLOCK_BYTES] + 1) % 256
        ivs.append(bytes(seed))
    return ivs


def signature_source(manifest: Manifest, plaintext_md5s: Mapping[str, str]) -> bytes:
    """The text whose MD5 the phone signs (plaintext_md5s: encrypted name → md5 hex)."""
    lines = [manifest.form_id]
    if manifest.version is not None:
        lines.append(manifest.version)
    lines += [manifest.base64_encrypted_key, manifest.instance_id]
    for name in manifest.files:
        lines.append(f"{name.removesuffix(ENCRYPTED_SUFFIX)}::{plaintext_md5s[name]}")
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _rsa_open(key: rsa.RSAPrivateKey, text: str, *, bad_base64: str, unopenable: str) -> bytes:
    """Decode and RSA-decrypt a base64 value of the manifest."""
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise EncryptedSubmissionError(bad_base64) from None
    try:
        return key.decrypt(data, _OAEP)
    except ValueError:
        raise EncryptedSubmissionError(unopenable) from None


def _decrypt_file(name: str, data: bytes, key: bytes, iv: bytes) -> bytes:
    if not data or len(data) % BLOCK_BYTES:
        raise EncryptedSubmissionError(
            _("The encrypted file %(name)s is cut short or damaged.") % {"name": name}
        )
    decryptor = Cipher(algorithms.AES(key), CFB(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= BLOCK_BYTES or padded[-pad:] != bytes([pad]) * pad:
        raise EncryptedSubmissionError(
            _("The encrypted file %(name)s is damaged or was made with another key.")
            % {"name": name}
        )
    return padded[:-pad]


def _check_instance(xml: bytes, manifest: Manifest) -> None:
    """The decrypted XML must be the form and instance its envelope announced."""
    if len(xml) > MAX_XML_BYTES:
        raise EncryptedSubmissionError(_("The encrypted submission's form is too big."))
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise EncryptedSubmissionError(
            _("The encrypted submission's form declares entities or a DOCTYPE.")
        ) from None
    except (ParseError, UnicodeDecodeError, ValueError) as error:
        raise EncryptedSubmissionError(
            _("The encrypted submission's form is broken XML: %(error)s") % {"error": error}
        ) from None
    meta = _child(root, "meta")
    instance_id = _text(_child(meta, "instanceID")) if meta is not None else ""
    if (root.get("id") or "").strip() != manifest.form_id or instance_id != manifest.instance_id:
        raise EncryptedSubmissionError(
            _("The encrypted submission's form does not match its envelope.")
        )


def decrypt_submission(
    manifest_xml: bytes, files: Mapping[str, bytes], private_key_pem: str | bytes
) -> tuple[bytes, dict[str, bytes]]:
    """(instance XML, {attachment name without ".enc": bytes}) of an encrypted submission.

    `files` maps the names the phone sent ("photo.jpg.enc", "submission.xml.enc") to their
    bytes. Raises EncryptedSubmissionError when anything does not check out.
    """
    manifest = parse_manifest(manifest_xml)
    private_key = load_private_key(private_key_pem)
    key = _rsa_open(
        private_key,
        manifest.base64_encrypted_key,
        bad_base64=_("The encrypted submission's key is not valid base64."),
        unopenable=_(
            "The encrypted submission's key cannot be opened with this form's key:"
            " it was made for another key, or it was altered."
        ),
    )
    if len(key) != AES_KEY_BYTES:
        raise EncryptedSubmissionError(_("The encrypted submission's key is not an AES-256 key."))
    missing = [name for name in manifest.files if name not in files]
    if missing:
        raise EncryptedSubmissionError(
            _("The encrypted submission is missing the file %(name)s.") % {"name": missing[0]}
        )
    plaintexts: dict[str, bytes] = {}
    md5s: dict[str, str] = {}
    ivs = submission_ivs(manifest.instance_id, key, len(manifest.files))
    for name, iv in zip(manifest.files, ivs, strict=True):
        plaintext = _decrypt_file(name, files[name], key, iv)
        plaintexts[name] = plaintext
        md5s[name] = hashlib.md5(plaintext, usedforsecurity=False).hexdigest()
    expected = hashlib.md5(signature_source(manifest, md5s), usedforsecurity=False).digest()
    signed = _rsa_open(
        private_key,
        manifest.base64_signature,
        bad_base64=_("The encrypted submission's signature is not valid base64."),
        unopenable=_(
            "The encrypted submission's signature cannot be opened with this form's key:"
            " it was made for another key, or it was altered."
        ),
    )
    if not hmac.compare_digest(signed, expected):
        raise EncryptedSubmissionError(
            _(
                "The encrypted submission's signature does not match its files:"
                " a file was altered, swapped or damaged."
            )
        )
    xml = plaintexts.pop(manifest.xml_file)
    _check_instance(xml, manifest)
    media = {name.removesuffix(ENCRYPTED_SUFFIX): data for name, data in plaintexts.items()}
    return xml, media
