"""What a file really is, read from its first bytes (never from its name or the type a
browser declares for it).

`sniff(data)` looks at the first `SNIFF_BYTES` with `filetype` and answers one of the
`KNOWN` types (JPEG, PNG — an animated PNG is still a PNG —, WebP, HEIC, PDF, and the
Office Open XML documents DOCX, XLSX and PPTX) or None for anything else. Each known
type also lists the name endings and declared types that agree with it, for callers
that refuse a file lying about itself (`agrees(kind, filename=…, declared=…)`, used by
case attachments and documents). An office file is recognised from its first ZIP
entries only (a macro-enabled .docm looks like a .docx here): callers that take office
files check the archive itself (migra/documents/files.py).

Sound and video as phones record them are known too (story media): MP3, M4A/AAC,
Ogg/Opus, WAV, AMR, MP4, MOV, WebM and 3GP; `kind.group` says "image", "audio",
"video" or "document". The MP4 family (MP4, M4A, MOV, 3GP: one container, ISO BMFF) is
told apart by its `ftyp` brand here rather than by `filetype`, which knows only a few
brands: a phone's "mp42", "iso5" or "3gp5" file is still an MP4 or a 3GP.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype

SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileKind:
    mime: str  # the type to store and to serve the file as
    extension: str  # the ending to give a file that has none
    endings: frozenset[str]  # name endings that agree with the content
    declared: frozenset[str]  # declared (browser) types that agree with the content

    @property
    def group(self) -> str:
        """What it is: "image", "audio", "video" or "document" (PDF, office files)."""
        top = self.mime.split("/")[0]
        return top if top in ("image", "audio", "video") else "document"


_JPEG = FileKind(
    "image/jpeg",
    "jpg",
    frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
)
_PNG = FileKind("image/png", "png", frozenset({"png"}), frozenset({"image/png", "image/x-png"}))
_APNG = FileKind(
    "image/png", "png", frozenset({"png", "apng"}), frozenset({"image/png", "image/apng"})
)
_WEBP = FileKind("image/webp", "webp", frozenset({"webp"}), frozenset({"image/webp"}))
_HEIC = FileKind(
    "image/heic",
    "heic",
    frozenset({"heic", "heif"}),
    frozenset({"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"}),
)
_PDF = FileKind(
    "application/pdf",
    "pdf",
    frozenset({"pdf"}),
    frozenset({"application/pdf", "application/x-pdf"}),
)

# Office Open XML: ZIP archives. Some browsers declare any of them as a ZIP file.
_ZIP_DECLARED = frozenset({"application/zip", "application/x-zip-compressed"})


def _office(mime: str, extension: str) -> FileKind:
    return FileKind(mime, extension, frozenset({extension}), frozenset({mime}) | _ZIP_DECLARED)


_DOCX = _office("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
_XLSX = _office("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
_PPTX = _office("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")


def _media(mime: str, extension: str, endings: str, declared: str) -> FileKind:
    return FileKind(mime, extension, frozenset(endings.split()), frozenset(declared.split()))


# Sound and video as phones record them.
_MP3 = _media("audio/mpeg", "mp3", "mp3", "audio/mpeg audio/mp3 audio/mpeg3 audio/x-mpeg")
_M4A = _media("audio/mp4", "m4a", "m4a mp4 aac", "audio/mp4 audio/x-m4a audio/m4a audio/aac")
_AAC = _media("audio/aac", "aac", "aac", "audio/aac audio/x-aac audio/aacp")
_OGG = _media("audio/ogg", "ogg", "ogg oga opus", "audio/ogg audio/opus application/ogg")
_WAV = _media("audio/wav", "wav", "wav", "audio/wav audio/x-wav audio/wave audio/vnd.wave")
_AMR = _media("audio/amr", "amr", "amr", "audio/amr audio/3gpp")
_AMR_WB = _media("audio/amr-wb", "awb", "awb amr", "audio/amr-wb audio/3gpp")
_MP4 = _media("video/mp4", "mp4", "mp4 m4v", "video/mp4 video/x-m4v")
_MOV = _media("video/quicktime", "mov", "mov qt", "video/quicktime")
_3GP = _media("video/3gpp", "3gp", "3gp 3gpp 3g2", "video/3gpp video/3gpp2 audio/3gpp")
_WEBM = _media("video/webm", "webm", "webm", "video/webm audio/webm")

# The sniffer's answer (filetype's mime) → what Migra makes of it.
KNOWN: dict[str, FileKind] = {
    "image/jpeg": _JPEG,
    "image/png": _PNG,
    "image/apng": _APNG,
    "image/webp": _WEBP,
    "image/heic": _HEIC,
    "application/pdf": _PDF,
    _DOCX.mime: _DOCX,
    _XLSX.mime: _XLSX,
    _PPTX.mime: _PPTX,
    # The MP4 family (M4A, MP4, MOV, 3GP) is told apart by its brand: _iso_bmff.
    "audio/mpeg": _MP3,
    "audio/aac": _AAC,
    "audio/ogg": _OGG,
    "audio/x-wav": _WAV,
    "audio/amr": _AMR,
    "video/webm": _WEBM,
}

# Declared types that say nothing (browsers send them for files they do not know).
NEUTRAL_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def _iso_bmff(head: bytes) -> FileKind | None:
    """MP4, M4A, MOV or 3GP from the `ftyp` box's major brand; None when there is no
    such box (HEIC has one too: its brands are left to filetype)."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in (b"M4A ", b"M4B ", b"M4P "):
        return _M4A
    if brand == b"qt  ":
        return _MOV
    if brand.startswith(b"3g"):
        return _3GP
    if brand in (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V "):
        return _MP4
    return None


def sniff(data: bytes) -> FileKind | None:
    """The known type of these bytes, or None (unknown, or not a type Migra takes)."""
    if not data:
        return None
    head = data[:SNIFF_BYTES]
    container = _iso_bmff(head)
    if container is not None:
        return container
    if head.startswith(b"#!AMR-WB\n"):  # filetype knows only narrow-band AMR
        return _AMR_WB
    found = filetype.guess(head)
    return KNOWN.get(found.mime) if found is not None else None


def name_ending(filename: str) -> str:
    """The ending of a file name, lower case, without the dot ("" when there is none)."""
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


def agrees(kind: FileKind, *, filename: str, declared: str) -> bool:
    """Whether a name ending and a declared type (either may be empty) agree with the
    sniffed content: a PDF called photo.jpg, or a program sent as application/pdf, do
    not."""
    ending = name_ending(filename)
    if ending and ending not in kind.endings:
        return False
    declared = declared.split(";")[0].strip().lower()
    return declared in NEUTRAL_TYPES or declared in kind.declared
