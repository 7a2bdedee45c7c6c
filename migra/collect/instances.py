"""Reading a submitted instance (the XML a phone sends) safely.

The XML comes from the network: it is parsed with defusedxml, which refuses a DOCTYPE,
entities (the "billion laughs") and external references outright, and with a size
limit. Tags keep no namespace here (`{http://…}data` → `data`) so that mappers can say
`root.find("group/field")` whatever namespace a form declared.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

MAX_INSTANCE_BYTES = 10 * 1024 * 1024
ODK_ENCRYPTED_NS = "http://www.opendatakit.org/xforms/encrypted"


class MalformedInstance(ValueError):
    """The submission's XML cannot be read; the message says why, for a person."""


@dataclass(frozen=True)
class Instance:
    form_id: str
    version: str
    instance_id: str
    root: Element
    sha256: str
    encrypted: bool


def _strip_namespaces(root: Element) -> None:
    for node in root.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.rsplit("}", 1)[1]


def parse_instance(data: bytes) -> Instance:
    if not data or not data.strip():
        raise MalformedInstance(_("The form's XML is empty."))
    if len(data) > MAX_INSTANCE_BYTES:
        raise MalformedInstance(_("The form's XML is too big."))
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise MalformedInstance(
            _("The form's XML declares entities or a DOCTYPE, which Migra never accepts.")
        ) from None
    except (ParseError, UnicodeDecodeError, ValueError) as error:
        raise MalformedInstance(
            _("The form's XML is broken: %(error)s") % {"error": error}
        ) from None
    encrypted = root.tag == f"{{{ODK_ENCRYPTED_NS}}}data" or root.get("encrypted") == "yes"
    _strip_namespaces(root)
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise MalformedInstance(_("The form's XML does not say which form it is (no id)."))
    instance_id = ""
    for path in ("meta/instanceID", "instanceID"):
        node = root.find(path)
        if node is not None and node.text and node.text.strip():
            instance_id = node.text.strip()
            break
    if not instance_id:
        raise MalformedInstance(_("The form's XML has no instanceID."))
    if len(instance_id) > 100 or any(ord(char) < 32 for char in instance_id):
        raise MalformedInstance(_("The form's instanceID is not valid."))
    return Instance(
        form_id=form_id,
        version=(root.get("version") or "").strip()[:40],
        instance_id=instance_id,
        root=root,
        sha256=hashlib.sha256(data).hexdigest(),
        encrypted=encrypted,
    )


def files_named(root: Element, binary_paths: list[str], *, encrypted: bool) -> list[str]:
    """The attachment names an instance refers to (answers of its file questions)."""
    names: set[str] = set()
    if encrypted:
        for node in root.iter("file"):
            if node.text and node.text.strip():
                names.add(node.text.strip())
        xml_file = root.find("encryptedXmlFile")
        if xml_file is not None and xml_file.text and xml_file.text.strip():
            names.add(xml_file.text.strip())
        return sorted(names)
    for path in binary_paths:
        parts = path.split("/")
        # Repeats: the same path occurs once per repeat instance.
        for node in root.iterfind("/".join(parts)) if parts else []:
            if node.text and node.text.strip():
                names.add(node.text.strip())
    return sorted(names)
