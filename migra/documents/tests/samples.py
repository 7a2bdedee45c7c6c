"""Test files made in code (no binary fixtures): office packages — plain, macro-enabled
and disguised —, PDFs, pictures with metadata, and things that only pretend."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from migra.documents.demo import attendance_xlsx, tiny_pdf
from migra.documents.files import DOCX, PPTX, XLSX

MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
MAIN_TYPE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
MACRO_MAIN_TYPE = {
    "docx": "application/vnd.ms-word.document.macroEnabled.main+xml",
    "xlsx": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "pptx": "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
}
MIME = {"docx": DOCX, "xlsx": XLSX, "pptx": PPTX, "pdf": "application/pdf"}
VBA_TYPE = "application/vnd.ms-office.vbaProject"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def ooxml(
    kind: str = "docx",
    *,
    main_type: str | None = None,
    overrides: str = "",
    parts: dict[str, bytes] | None = None,
    part_rels: str = "",
    encoding: str = "utf-8",
    content_types: bool = True,
) -> bytes:
    """A small Office Open XML package: [Content_Types].xml, _rels/.rels, the main part
    (and its relationships when `part_rels` is given), then any `parts`."""
    main = MAIN_PART[kind]
    types = (
        f'<?xml version="1.0" encoding="{encoding}" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main}" ContentType="{main_type or MAIN_TYPE[kind]}"/>'
        f"{overrides}</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{OFFICE_REL}" Target="{main}"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if content_types:
            data = types.encode("utf-16") if encoding == "utf-16" else types.encode()
            archive.writestr("[Content_Types].xml", data)
        archive.writestr("_rels/.rels", rels)
        archive.writestr(main, b'<?xml version="1.0"?><root>Migra</root>')
        if part_rels:
            folder, name = main.rsplit("/", 1)
            archive.writestr(
                f"{folder}/_rels/{name}.rels",
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships">{part_rels}</Relationships>',
            )
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def macro_package(kind: str = "docx") -> bytes:
    """A macro-enabled document (.docm/.xlsm/.pptm) as Office saves it."""
    folder = MAIN_PART[kind].split("/")[0]
    return ooxml(
        kind,
        main_type=MACRO_MAIN_TYPE[kind],
        overrides=f'<Override PartName="/{folder}/vbaProject.bin" ContentType="{VBA_TYPE}"/>',
        parts={f"{folder}/vbaProject.bin": b"\xd0\xcf\x11\xe0VBA"},
        part_rels=f'<Relationship Id="rId9" Type="{VBA_REL}" Target="vbaProject.bin"/>',
    )


def pdf(text: str = "Report") -> bytes:
    return tiny_pdf([text], title="របាយការណ៍")


def xlsx() -> bytes:
    return attendance_xlsx()


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + (b"PE\x00\x00L\x01" + b"\x00" * 200)
)


def upload(data: bytes, name: str = "report.pdf", content_type: str | None = None) -> Any:
    if content_type is None:
        ending = name.rsplit(".", 1)[-1].lower()
        content_type = MIME.get(ending, "application/octet-stream")
    return SimpleUploadedFile(name, data, content_type=content_type)
