"""Files of the documents library: checking an upload, storing it, naming a download.

Checking (`document_file_check`) raises a ValidationError on "file" (nothing is
stored) or returns the bytes to keep:

- the size limit is `settings.MIGRA_DOCUMENT_MAX_BYTES` (50 MB when not set), read with
  `migra.media.uploads.read_at_most`: no more than the limit is ever read;
- the type comes from the content (`migra.media.sniff`): PDF, DOCX, XLSX, PPTX, JPEG and
  PNG. A file whose name or declared type says something else than its content (a PDF
  called report.docx, a program called report.pdf) is refused, as is anything else
  (old .doc/.xls/.ppt, ZIP, HTML, SVG, programs …);
- an office file must be a real Office Open XML package of its kind, without macros:
  a macro-enabled document (.docm/.xlsm/.pptm renamed, a VBA project, Excel 4.0 macro
  sheets) or ActiveX controls are refused. The package's [Content_Types].xml and
  relationship parts are read as bytes (at most 1 MB each, character references
  decoded, UTF-8 or UTF-16), never parsed as XML;
- a JPEG or PNG keeps its pixels but loses its metadata (EXIF, GPS, XMP, IPTC, text
  chunks, comments) and anything appended after the picture, without re-encoding —
  unless its EXIF says to turn it, in which case it is turned and re-encoded once.

Storing: `documents/<32 hex>.<ending>` in the default storage; nothing of the uploaded
file's name is kept. Downloads are named from the document (`download_disposition`).
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from PIL import Image, ImageOps

from migra.media.photos import MAX_PIXELS
from migra.media.sniff import FileKind, agrees, name_ending, sniff
from migra.media.uploads import TooLarge, read_at_most

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
FOLDER = "documents"

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
JPEG = "image/jpeg"
PNG = "image/png"

ALLOWED_TYPES = frozenset({PDF, DOCX, XLSX, PPTX, JPEG, PNG})
# Endings people give these files: a file called so whose content is something else lies.
ALLOWED_ENDINGS = frozenset({"pdf", "docx", "xlsx", "pptx", "jpg", "jpeg", "jpe", "png"})

# The content type of the main part of a plain (macro-free, non-template) package.
OFFICE_MAIN_TYPES = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    PPTX: b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
# Words that betray macros or active content, in part names, content types or
# relationship types (lower case): VBA projects (.docm, .xlsm, .pptm and their
# templates), Excel 4.0 macro sheets, ActiveX controls.
ACTIVE_MARKERS = (b"macroenabled", b"vbaproject", b"vbadata", b"macrosheet", b"activex")
MAX_ENTRIES = 10_000
MAX_PART_BYTES = 1024 * 1024
MAX_RELS_PARTS = 2_000
MAX_PARTS_TOTAL = 16 * 1024 * 1024  # all the parts read, together

KIND_LABELS = {
    PDF: gettext_lazy("PDF"),
    DOCX: gettext_lazy("Word document"),
    XLSX: gettext_lazy("Excel spreadsheet"),
    PPTX: gettext_lazy("PowerPoint presentation"),
    JPEG: gettext_lazy("JPEG image"),
    PNG: gettext_lazy("PNG image"),
}


def kind_label(content_type: str) -> str:
    label = KIND_LABELS.get(content_type)
    return str(label) if label is not None else content_type


def max_bytes() -> int:
    value = getattr(settings, "MIGRA_DOCUMENT_MAX_BYTES", None)
    return int(value) if value else DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    extension: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def _error(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def _wrong_type() -> ValidationError:
    return _error(
        _(
            "This kind of file cannot be added. Add a PDF, a Word document (.docx), an Excel "
            "spreadsheet (.xlsx), a PowerPoint presentation (.pptx), or a JPEG or PNG image."
        ),
        "type",
    )


def _lying_type() -> ValidationError:
    return _error(
        _(
            "The file's content does not match its name or type. Nothing was stored: add "
            "the original file."
        ),
        "type_mismatch",
    )


def _damaged() -> ValidationError:
    return _error(
        _("This file cannot be read: it is damaged or incomplete. Save it again and add it."),
        "damaged",
    )


def _macros() -> ValidationError:
    return _error(
        _(
            "Files with macros or active content cannot be published. Save it as a plain "
            "document (.docx, .xlsx or .pptx, “without macros”) or as a PDF, and add that."
        ),
        "macros",
    )


def too_large_error(limit: int) -> ValidationError:
    megabytes = limit / (1024 * 1024)
    return _error(
        _("The file is too large: at most %(size)s MB.") % {"size": f"{megabytes:g}"},
        "too_large",
    )


# --------------------------------------------------------------------------- office files


_CHAR_REF = re.compile(rb"&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});")


def _plain(part: bytes) -> bytes:
    """An XML part's text as lower-case UTF-8 with character references decoded, so that
    "&#118;baProject" or UTF-16 cannot hide a marker from a byte search."""
    if part.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = part.decode("utf-16", errors="replace").encode("utf-8")
    else:
        text = part

    def decode(match: re.Match[bytes]) -> bytes:
        value = match.group(1)
        number = int(value[1:], 16) if value[:1] in (b"x", b"X") else int(value)
        try:
            return chr(number).encode("utf-8")
        except (ValueError, OverflowError):
            return b"?"

    return _CHAR_REF.sub(decode, text).lower()


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as handle:
        part = handle.read(MAX_PART_BYTES + 1)
    if len(part) > MAX_PART_BYTES:
        raise _damaged()
    return part


def _check_office(data: bytes, kind: FileKind) -> None:
    """A plain Office Open XML package of the sniffed kind, with no macros."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _damaged() from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise _damaged()
        names = [info.filename.lower() for info in entries]
        if any(marker.decode() in name for name in names for marker in ACTIVE_MARKERS):
            raise _macros()
        types = next((i for i in entries if i.filename == "[Content_Types].xml"), None)
        rels = [i for i in entries if i.filename.lower().endswith(".rels")]
        if types is None or not rels or len(rels) > MAX_RELS_PARTS:
            raise _damaged()
        if sum(info.file_size for info in [types, *rels]) > MAX_PARTS_TOTAL:
            raise _damaged()
        try:
            content_types = _plain(_read_part(archive, types))
            relationships = [_plain(_read_part(archive, info)) for info in rels]
        except ValidationError:
            raise
        except Exception:  # noqa: BLE001  (encrypted, unsupported or corrupt entries)
            raise _damaged() from None
    for text in (content_types, *relationships):
        if any(marker in text for marker in ACTIVE_MARKERS):
            raise _macros()
    if OFFICE_MAIN_TYPES[kind.mime].lower() not in content_types:
        # Sniffed as this kind from its first entries, but its main part is another
        # kind or a template.
        raise _lying_type()


# --------------------------------------------------------------------------- images

# JPEG segments kept: JFIF (APP0), the colour profile (APP2 "ICC_PROFILE"), Adobe's
# colour transform (APP14). Every other APPn (EXIF and XMP in APP1, IPTC in APP13 …) and
# comments go.
_JPEG_KEEP_APP = {0xE0, 0xEE}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG chunks kept: the critical ones and those that change how the pixels look or move
# (transparency, colour, animation). Text, EXIF, time and unknown chunks go.
_PNG_KEEP = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"iCCP",
    b"sBIT",
    b"pHYs",
    b"bKGD",
    b"acTL",
    b"fcTL",
    b"fdAT",
}


def _strip_jpeg(data: bytes) -> bytes:
    """The JPEG without metadata segments, ending at its first end-of-image marker (a
    phone's second picture or anything appended is dropped)."""
    if data[:2] != b"\xff\xd8":
        raise _damaged()
    out = bytearray(b"\xff\xd8")
    at = 2
    while True:
        while at < len(data) and data[at] == 0xFF and at + 1 < len(data) and data[at + 1] == 0xFF:
            at += 1  # fill bytes
        if at + 4 > len(data) or data[at] != 0xFF:
            raise _damaged()
        marker = data[at + 1]
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if length < 2 or at + 2 + length > len(data):
            raise _damaged()
        segment = data[at : at + 2 + length]
        if marker == 0xDA:  # start of scan: the picture data, up to the end of image
            end = data.find(b"\xff\xd9", at + 2 + length)
            if end < 0:
                raise _damaged()
            out += data[at : end + 2]
            return bytes(out)
        keep = not (0xE0 <= marker <= 0xEF or marker == 0xFE)
        keep = keep or marker in _JPEG_KEEP_APP
        keep = keep or (marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00")
        if keep:
            out += segment
        at += 2 + length


def _strip_png(data: bytes) -> bytes:
    """The PNG with only the chunks that make its picture, ending at IEND."""
    if not data.startswith(_PNG_SIGNATURE):
        raise _damaged()
    out = bytearray(_PNG_SIGNATURE)
    at = len(_PNG_SIGNATURE)
    while at + 12 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            raise _damaged()
        if kind in _PNG_KEEP:
            out += data[at:end]
        if kind == b"IEND":
            return bytes(out)
        at = end
    raise _damaged()


def _too_many_pixels() -> ValidationError:
    return _error(
        _("The picture is too big: at most %(megapixels)d megapixels.")
        % {"megapixels": MAX_PIXELS // 1_000_000},
        "too_many_pixels",
    )


def _open_image(data: bytes, kind: FileKind) -> Image.Image:
    """Open a picture's header and check its size before anything is decoded (a small
    file may claim a huge picture)."""
    try:
        # Pillow's JPEG opener also answers for MPO (a phone's JPEG with a second picture).
        image = Image.open(io.BytesIO(data), formats=["JPEG" if kind.mime == JPEG else "PNG"])
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except Exception:  # noqa: BLE001  (any failure to parse the header)
        raise _damaged() from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise _too_many_pixels()
    return image


def _decodes(data: bytes, kind: FileKind) -> None:
    """The picture data decodes to the end (JPEGs at 1/8 scale: enough to find damage)."""
    try:
        image = _open_image(data, kind)
        if image.format in ("JPEG", "MPO"):
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001  (truncated or corrupt picture data)
        raise _damaged() from None


def _clean_image(data: bytes, kind: FileKind) -> bytes:
    image = _open_image(data, kind)
    orientation = 1
    if kind.mime == JPEG:
        try:
            orientation = int(image.getexif().get(0x0112, 1))
        except Exception:  # noqa: BLE001  (unreadable EXIF: it goes anyway)
            orientation = 1
    if orientation not in (0, 1):
        # Turned by its EXIF: turn the pixels, then encode once (the EXIF goes).
        try:
            image.load()
            turned = ImageOps.exif_transpose(image) or image
            out = io.BytesIO()
            turned.convert("RGB").save(out, format="JPEG", quality=92, optimize=True)
        except Exception:  # noqa: BLE001  (truncated or corrupt data)
            raise _damaged() from None
        return out.getvalue()
    clean = _strip_jpeg(data) if kind.mime == JPEG else _strip_png(data)
    _decodes(clean, kind)
    return clean


# --------------------------------------------------------------------------- checking


def document_file_check(upload: Any) -> CheckedFile:
    """Read and check an uploaded document; a ValidationError (on "file") says what is
    wrong."""
    if upload is None:
        raise _error(_("Choose a file."), "required")
    limit = max_bytes()
    try:
        data = read_at_most(upload, limit)
    except TooLarge:
        raise too_large_error(limit) from None
    if data is None:
        raise _wrong_type()
    if not data:
        raise _error(_("The file is empty."), "empty")
    filename = str(getattr(upload, "name", "") or "")
    declared = str(getattr(upload, "content_type", "") or "")
    kind = sniff(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        # A program called report.pdf lies; a ZIP called archive.zip is just not taken.
        raise _lying_type() if name_ending(filename) in ALLOWED_ENDINGS else _wrong_type()
    if not agrees(kind, filename=filename, declared=declared):
        raise _lying_type()
    if kind.mime in OFFICE_MAIN_TYPES:
        _check_office(data, kind)
    elif kind.mime in (JPEG, PNG):
        data = _clean_image(data, kind)
    return CheckedFile(
        data=data,
        content_type=kind.mime,
        extension=kind.extension,
        sha256=hashlib.sha256(data).hexdigest(),
    )


# --------------------------------------------------------------------------- storage


def file_store(checked: CheckedFile) -> str:
    """Save under a random name; return the name in the default storage."""
    name = f"{FOLDER}/{secrets.token_hex(16)}.{checked.extension}"
    return str(default_storage.save(name, ContentFile(checked.data)))


def file_delete(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # pragma: no cover - nothing more to do: the row is gone
        pass


def file_open(name: str) -> File:
    """A stored file, opened for reading (OSError when it is missing)."""
    return default_storage.open(name, "rb")


# --------------------------------------------------------------------------- downloads

_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_DOWNLOAD_NAME = 120


def _ascii_name(text: str) -> str:
    """A Latin text as an ASCII file name (accents dropped, dashes between words); ""
    for text in another script (a Khmer or Thai title), which ASCII cannot carry."""
    decomposed = unicodedata.normalize("NFKD", text)
    if any(not ch.isascii() and unicodedata.category(ch)[0] in "LN" for ch in decomposed):
        return ""  # letters or digits that ASCII cannot carry (punctuation just goes)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    return _ASCII_UNSAFE.sub("-", ascii_only).strip("-._")[:MAX_DOWNLOAD_NAME]


def _unicode_name(title: str) -> str:
    """The title as a file name: no control or format characters, no path separators,
    quotes or characters file systems refuse; spaces squeezed."""
    kept = []
    for ch in title:
        category = unicodedata.category(ch)
        if category[0] == "C" and ch not in "\u200b\u200c\u200d":
            continue  # controls, bidi overrides …; Khmer needs the zero-width (non-)joiners
        kept.append(" " if ch in '\\/:*?"<>|\t\n\r' else ch)
    name = " ".join("".join(kept).split()).strip(" .")
    return name[:MAX_DOWNLOAD_NAME]


def download_disposition(*, title: str, fallback: str, extension: str) -> str:
    """A Content-Disposition for downloading: `attachment`, an ASCII `filename` (the
    title when it is in Latin letters, else `fallback` — the English title, or e.g.
    "document-12-v3") and, for a title in Khmer or Thai, the title itself as an RFC 5987
    `filename*` (which browsers prefer)."""
    ascii_stem = _ascii_name(title) or _ascii_name(fallback) or "document"
    header = f'attachment; filename="{ascii_stem}.{extension}"'
    unicode_stem = _unicode_name(title)
    if unicode_stem and not unicode_stem.isascii():
        encoded = quote(f"{unicode_stem}.{extension}", safe="")
        header += f"; filename*=UTF-8''{encoded}"
    return header


def human_size(size: int) -> str:
    """A file size for people, in the active language: 512 bytes, 12 KB, 3.4 MB."""
    from migra.config.templatetags.migra_tags import knum

    if size < 1024:
        return ngettext("%(size)s byte", "%(size)s bytes", size) % {"size": knum(size)}
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    places = 1 if value < 10 else 0
    rounded = round(value, places)
    number = knum(rounded, places) if places else knum(int(rounded))
    labels = {
        "KB": _("%(size)s KB"),
        "MB": _("%(size)s MB"),
        "GB": _("%(size)s GB"),
    }
    return labels[unit] % {"size": number}
