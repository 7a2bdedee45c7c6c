"""What the library takes: the type from the content, names and declared types that
must agree, office files without macros, pictures without metadata, a size limit
read no further than needed, and download names that are safe."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image, PngImagePlugin

from migra.documents import files
from migra.documents.tests.samples import (
    EXE,
    MIME,
    macro_package,
    ooxml,
    pdf,
    upload,
    xlsx,
)
from migra.media.sniff import sniff
from migra.media.tests.images import GPS_IFD, jpeg_with_gps, png, png_claiming


def _code(data: bytes, name: str, content_type: str | None = None) -> str:
    with pytest.raises(ValidationError) as caught:
        files.document_file_check(upload(data, name, content_type))
    return caught.value.error_dict["file"][0].code


# --------------------------------------------------------------------------- accepted


@pytest.mark.parametrize(
    ("make", "name", "mime"),
    [
        (pdf, "report.pdf", "application/pdf"),
        (lambda: ooxml("docx"), "guide.docx", files.DOCX),
        (xlsx, "sheet.xlsx", files.XLSX),
        (lambda: ooxml("xlsx"), "tiny.xlsx", files.XLSX),
        (lambda: ooxml("pptx"), "slides.pptx", files.PPTX),
        (lambda: jpeg_with_gps((64, 48)), "poster.jpg", "image/jpeg"),
        (lambda: png((64, 48)), "poster.png", "image/png"),
    ],
    ids=["pdf", "docx", "xlsx-openpyxl", "xlsx", "pptx", "jpeg", "png"],
)
def test_allowed_types_are_taken(make, name, mime):
    checked = files.document_file_check(upload(make(), name))
    assert checked.content_type == mime
    assert checked.size == len(checked.data) > 0
    assert len(checked.sha256) == 64


def test_office_files_sent_as_zip_or_unknown_are_taken():
    data = ooxml("docx")
    for declared in ("application/zip", "application/octet-stream", ""):
        assert files.document_file_check(upload(data, "guide.docx", declared)).content_type == (
            files.DOCX
        )


def test_sniff_knows_the_office_types_only_from_content():
    assert sniff(ooxml("docx")).mime == files.DOCX
    assert sniff(ooxml("xlsx")).mime == files.XLSX
    assert sniff(ooxml("pptx")).mime == files.PPTX
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert sniff(plain_zip.getvalue()) is None


# --------------------------------------------------------------------------- refused


@pytest.mark.parametrize(
    ("data", "name", "declared", "code"),
    [
        (EXE, "report.pdf", "application/pdf", "type_mismatch"),  # a program called .pdf
        (EXE, "setup.exe", "application/octet-stream", "type"),
        (pdf(), "report.docx", MIME["docx"], "type_mismatch"),  # a PDF called .docx
        (pdf(), "report.pdf", MIME["docx"], "type_mismatch"),  # declared as Word
        (ooxml("docx"), "report.pdf", "application/pdf", "type_mismatch"),
        (ooxml("xlsx"), "sheet.docx", MIME["docx"], "type_mismatch"),
        (jpeg_with_gps((16, 16)), "photo.png", "image/png", "type_mismatch"),
        (b"<html><script>alert(1)</script></html>", "page.pdf", "application/pdf", "type_mismatch"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg", "image/svg+xml", "type"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif", "image/gif", "type"),
        (b"plain text, nothing else", "notes.txt", "text/plain", "type"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "old.doc",
            "application/msword",
            "type",
        ),
    ],
    ids=[
        "exe-called-pdf",
        "exe",
        "pdf-called-docx",
        "pdf-declared-word",
        "docx-called-pdf",
        "xlsx-called-docx",
        "jpeg-called-png",
        "html-called-pdf",
        "svg",
        "gif",
        "text",
        "old-office",
    ],
)
def test_files_that_lie_or_are_not_taken(data, name, declared, code):
    assert _code(data, name, declared) == code


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
def test_macro_enabled_office_files_renamed_are_refused(kind):
    assert _code(macro_package(kind), f"innocent.{kind}") == "macros"


@pytest.mark.parametrize(
    "package",
    [
        # The VBA project under another name, still typed and related as one.
        ooxml(
            "docx",
            overrides='<Override PartName="/word/data.bin" '
            'ContentType="application/vnd.ms-office.vbaProject"/>',
            parts={"word/data.bin": b"VBA"},
        ),
        # Hidden behind character references in the content types.
        ooxml(
            "docx",
            overrides='<Override PartName="/word/data.bin" '
            'ContentType="application/vnd.ms-office.&#118;ba&#x50;roject"/>',
            parts={"word/data.bin": b"VBA"},
        ),
        # Only the relationship says what the part is.
        ooxml(
            "docx",
            parts={"word/data.bin": b"VBA"},
            part_rels='<Relationship Id="rId7" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="data.bin"/>',
        ),
        # The content types written in UTF-16.
        ooxml(
            "docx",
            main_type="application/vnd.ms-word.document.macroEnabled.main+xml",
            encoding="utf-16",
        ),
        # Excel 4.0 macro sheets, and ActiveX controls.
        ooxml("xlsx", parts={"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"}),
        ooxml("docx", parts={"word/activeX/activeX1.xml": b"<ax:ocx/>"}),
    ],
    ids=["renamed-part", "char-refs", "relationship", "utf16", "xlm-macrosheet", "activex"],
)
def test_disguised_macros_are_refused(package):
    assert _code(package, "report.docx" if b"word/" in package else "sheet.xlsx") == "macros"


def test_templates_and_broken_packages_are_refused():
    template = ooxml(
        "docx",
        main_type="application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    )
    assert _code(template, "letter.docx") == "type_mismatch"
    assert _code(ooxml("docx", content_types=False), "report.docx") == "damaged"
    truncated = ooxml("docx")[:-40]
    assert _code(truncated, "report.docx") == "damaged"


def test_empty_missing_and_oversized(settings):
    assert _code(b"", "report.pdf") == "empty"
    with pytest.raises(ValidationError) as caught:
        files.document_file_check(None)
    assert caught.value.error_dict["file"][0].code == "required"
    settings.MIGRA_DOCUMENT_MAX_BYTES = 2048
    assert _code(pdf("x" * 3000), "report.pdf") == "too_large"
    assert files.document_file_check(upload(pdf("small"), "report.pdf")).size < 2048


class LyingUpload:
    """An upload that claims to be small and would give far more than the limit."""

    name = "report.pdf"
    content_type = "application/pdf"
    size = 10

    def __init__(self) -> None:
        self.asked: list[int] = []

    def seek(self, _position: int) -> None:
        pass

    def read(self, count: int = -1) -> bytes:
        self.asked.append(count)
        return b"%PDF-1.4\n" + b"0" * (count if count > 0 else 10**7)


def test_oversized_upload_is_read_no_further_than_the_limit(settings):
    settings.MIGRA_DOCUMENT_MAX_BYTES = 4096
    lying = LyingUpload()
    with pytest.raises(ValidationError) as caught:
        files.document_file_check(lying)
    assert caught.value.error_dict["file"][0].code == "too_large"
    assert lying.asked == [4097]


def test_default_limit_is_fifty_megabytes(settings):
    del settings.MIGRA_DOCUMENT_MAX_BYTES
    assert files.max_bytes() == 50 * 1024 * 1024


# --------------------------------------------------------------------------- pictures


def test_jpeg_loses_gps_exif_comment_and_appended_data():
    original = jpeg_with_gps((320, 240)) + b"PK\x03\x04appended zip"
    assert len(Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)) == 4
    checked = files.document_file_check(upload(original, "poster.jpg"))
    image = Image.open(io.BytesIO(checked.data))
    assert image.size == (320, 240)
    assert len(image.getexif()) == 0
    assert b"PhoneMaker" not in checked.data and b"Sok Dara" not in checked.data
    assert b"appended zip" not in checked.data
    assert checked.data.endswith(b"\xff\xd9")


def test_jpeg_turned_by_exif_is_turned_then_cleaned():
    original = jpeg_with_gps((300, 100), orientation=6)  # to be turned a quarter
    checked = files.document_file_check(upload(original, "poster.jpg"))
    image = Image.open(io.BytesIO(checked.data))
    assert image.size == (100, 300)
    assert len(image.getexif()) == 0 and b"PhoneMaker" not in checked.data


def test_png_loses_text_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Sok Dara, Ou Thum village")
    info.add_itxt("Comment", "ស្រីពៅ")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(out, format="PNG", pnginfo=info)
    checked = files.document_file_check(upload(out.getvalue() + b"trailing", "poster.png"))
    assert b"Sok Dara" not in checked.data and b"tEXt" not in checked.data
    assert b"trailing" not in checked.data
    image = Image.open(io.BytesIO(checked.data))
    assert image.size == (40, 30) and image.getpixel((0, 0)) == (1, 2, 3)


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "poster.jpg", "damaged"),
        (jpeg_with_gps((64, 64))[:300], "poster.jpg", "damaged"),
        (png_claiming(20000, 20000), "poster.png", "too_many_pixels"),
    ],
    ids=["fake-jpeg", "truncated-jpeg", "bomb"],
)
def test_broken_pictures_are_refused(data, name, code):
    assert _code(data, name) == code


# --------------------------------------------------------------------------- downloads


def test_download_names_ascii_fallback_and_rfc5987():
    header = files.download_disposition(
        title="របាយការណ៍ ២០២៥", fallback="Annual report", extension="pdf"
    )
    assert header.startswith("attachment; filename=\"Annual-report.pdf\"; filename*=UTF-8''")
    assert header.isascii()
    encoded = header.split("filename*=UTF-8''", 1)[1]
    from urllib.parse import unquote

    assert unquote(encoded) == "របាយការណ៍ ២០២៥.pdf"
    latin = files.download_disposition(title="Rapport d'été", fallback="x", extension="docx")
    assert latin == (
        'attachment; filename="Rapport-d-ete.docx"; '
        "filename*=UTF-8''Rapport%20d%27%C3%A9t%C3%A9.docx"
    )


@pytest.mark.parametrize(
    "title",
    [
        '"; filename="evil.exe',
        "../../etc/passwd",
        "a\r\nSet-Cookie: x=1",
        "<script>alert(1)</script>",
        "ខ្មែរ\u202egpj.exe",
        "\x00\x1f",
    ],
)
def test_hostile_titles_make_safe_download_names(title):
    header = files.download_disposition(title=title, fallback="document-1-v1", extension="pdf")
    assert header.isascii() and "\r" not in header and "\n" not in header
    ascii_name = header.split('filename="', 1)[1].split('"', 1)[0]
    assert ascii_name.endswith(".pdf") and "/" not in ascii_name and '"' not in ascii_name
    assert ".." not in ascii_name.rsplit(".", 1)[0]
    if "filename*=" in header:
        from urllib.parse import unquote

        name = unquote(header.split("filename*=UTF-8''", 1)[1])
        assert "/" not in name and "\u202e" not in name and '"' not in name


def test_sizes_for_people_in_each_language():
    sizes = (0, 1, 2048, 15_000, 3_500_000, 52_428_800)
    with translation.override("en"):
        assert [files.human_size(n) for n in sizes] == [
            "0 bytes",
            "1 byte",
            "2.0 KB",
            "15 KB",
            "3.3 MB",
            "50 MB",
        ]
    with translation.override("km"):
        assert files.human_size(3_500_000).startswith("3,3")
