"""An uploaded XLSForm → the XForm phones get, checked as ODK Collect will read it.

`compile_xlsform` refuses what is not a spreadsheet (type sniffed from the bytes, not the
name), what is too big, and a zip whose parts would unpack to more than
`MAX_UNPACKED_BYTES` (a "zip bomb" made to fill memory), before pyxform reads it. pyxform
turns it into an XForm; ODK Validate (Java, shipped inside pyxform) then loads it with
JavaRosa, the engine inside ODK Collect, so a form that would fail on a phone fails here,
with pyxform's or JavaRosa's words.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pyxform.errors import PyXFormError
from pyxform.validators.odk_validate import ODKValidateError, check_xform
from pyxform.xls2xform import convert

MAX_XLSFORM_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # the old .xls format
XFORMS_NS = "http://www.w3.org/2002/xforms"
HTML_NS = "http://www.w3.org/1999/xhtml"
MEDIA_PREFIXES = ("jr://images/", "jr://audio/", "jr://video/", "jr://file/", "jr://file-csv/")


@dataclass(frozen=True)
class CompiledForm:
    xml: str
    form_id: str
    title: str
    version: str
    md5: str
    public_key: str = ""
    warnings: list[str] = field(default_factory=list)
    # Files the form refers to (jr://images/x.png …), by file name.
    media: list[str] = field(default_factory=list)
    # Paths (under the instance root) of the questions whose answer is a file.
    binary_paths: list[str] = field(default_factory=list)


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="xlsform")


def _file_type(data: bytes) -> str:
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            raise _refuse(
                _("This file is damaged: it cannot be opened as a spreadsheet.")
            ) from None
        if unpacked > MAX_UNPACKED_BYTES:
            raise _refuse(_("This spreadsheet is far too big once opened."))
        if "xl/workbook.xml" not in names:
            raise _refuse(_("This is not an Excel spreadsheet (.xlsx)."))
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    raise _refuse(_("Upload the form as an Excel spreadsheet (.xlsx or .xls)."))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_xform(xml: str) -> tuple[str, str, str, str, list[str], list[str]]:
    """(form_id, title, version, public_key, media file names, file-question paths)."""
    root: Element = SafeET.fromstring(xml.encode("utf-8"))
    title_node = root.find(f"{{{HTML_NS}}}head/{{{HTML_NS}}}title")
    title = (title_node.text or "").strip() if title_node is not None else ""
    model = root.find(f"{{{HTML_NS}}}head/{{{XFORMS_NS}}}model")
    if model is None:
        raise _refuse(_("The form has no model."))
    primary = model.find(f"{{{XFORMS_NS}}}instance")
    if primary is None or len(primary) == 0:
        raise _refuse(_("The form has no instance."))
    data = primary[0]
    form_id = data.get("id", "")
    version = data.get("version", "")
    submission = model.find(f"{{{XFORMS_NS}}}submission")
    public_key = submission.get("base64RsaPublicKey", "") if submission is not None else ""
    media: set[str] = set()
    for node in root.iter():
        for value in [node.text or "", *node.attrib.values()]:
            value = value.strip()
            if value.startswith(MEDIA_PREFIXES):
                media.add(value.rsplit("/", 1)[-1])
    root_path = f"/{_local(data.tag)}/"
    binary_paths = [
        bind.get("nodeset", "").removeprefix(root_path)
        for bind in model.iter(f"{{{XFORMS_NS}}}bind")
        if bind.get("type") == "binary" and bind.get("nodeset", "").startswith(root_path)
    ]
    return form_id, title, version, public_key, sorted(n for n in media if n), binary_paths


def with_public_key(data: bytes, public_key: str) -> bytes:
    """The XLSForm with `public_key` set in its settings sheet (ODK form encryption).

    Only for .xlsx: the key goes in before compiling, so ODK Validate checks it and the
    form's md5 covers it."""
    import openpyxl

    if not data.startswith(ZIP_MAGIC):
        raise _refuse(_("Save the form as .xlsx to encrypt its submissions."))
    _file_type(data)  # the same size and zip-bomb checks as any upload
    try:
        book = openpyxl.load_workbook(io.BytesIO(data))
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError) as error:
        raise _refuse(
            _("The spreadsheet cannot be read as an XLSForm: %(error)s") % {"error": error}
        ) from None
    sheet = book["settings"] if "settings" in book.sheetnames else book.create_sheet("settings")
    header = [str(cell.value or "").strip() for cell in sheet[1]] if sheet.max_row else []
    if "public_key" in header:
        column = header.index("public_key") + 1
    else:
        column = len([name for name in header if name]) + 1
        sheet.cell(row=1, column=column, value="public_key")
    given = sheet.cell(row=2, column=column).value
    if given and str(given).strip() != public_key:
        raise _refuse(
            _(
                "The form carries an encryption key Migra does not hold, so its submissions "
                "could never be read. Remove the public_key from its settings sheet."
            )
        )
    sheet.cell(row=2, column=column, value=public_key)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def compile_xlsform(data: bytes, *, validate: bool = True) -> CompiledForm:
    """Compile and check an XLSForm; ValidationError with pyxform's or ODK's words."""
    if not data:
        raise _refuse(_("The file is empty."))
    if len(data) > MAX_XLSFORM_BYTES:
        raise _refuse(
            _("A form file may be at most %(size)d MB.") % {"size": MAX_XLSFORM_BYTES // 2**20}
        )
    file_type = _file_type(data)
    warnings: list[str] = []
    try:
        result = convert(xlsform=io.BytesIO(data), file_type=f".{file_type}", warnings=warnings)
    except PyXFormError as error:
        raise _refuse(_("The form has a mistake: %(error)s") % {"error": error}) from None
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError) as error:
        # openpyxl/xlrd on a damaged or hostile workbook.
        raise _refuse(
            _("The spreadsheet cannot be read as an XLSForm: %(error)s") % {"error": error}
        ) from None
    xml = result.xform
    if validate:
        warnings += validate_xform(xml)
    form_id, title, version, public_key, media, binary_paths = read_xform(xml)
    if not form_id:
        raise _refuse(_("The form has no form_id (settings sheet)."))
    return CompiledForm(
        xml=xml,
        form_id=form_id,
        title=title or form_id,
        version=version,
        md5=hashlib.md5(xml.encode("utf-8"), usedforsecurity=False).hexdigest(),
        public_key=public_key,
        warnings=[str(warning) for warning in warnings],
        media=media,
        binary_paths=binary_paths,
    )


def validated(compiled: CompiledForm) -> CompiledForm:
    """A form compiled with `validate=False`, now checked by ODK Validate (its warnings
    added), without compiling it again."""
    return dataclasses.replace(
        compiled, warnings=[*compiled.warnings, *validate_xform(compiled.xml)]
    )


def validate_xform(xml: str) -> list[str]:
    """Run ODK Validate (JavaRosa) over an XForm; its warnings, or ValidationError."""
    handle, path = tempfile.mkstemp(suffix=".xml", prefix="migra-xform-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(xml)
        try:
            return [str(warning) for warning in check_xform(path)]
        except ODKValidateError as error:
            raise _refuse(
                _("ODK Collect could not use this form: %(error)s") % {"error": error}
            ) from None
        except OSError as error:  # no Java: say what to install
            raise _refuse(
                _("The form cannot be checked: Java is missing on the server (%(error)s).")
                % {"error": error}
            ) from None
    finally:
        os.unlink(path)
