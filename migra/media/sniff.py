"""What a file really is, read from its first bytes (never from its name or the type a
browser declares for it).

`sniff(data)` looks at the first `SNIFF_BYTES` with `filetype` and answers one of the
`KNOWN` types (JPEG, PNG — an animated PNG is still a PNG —, WebP, HEIC and PDF) or
None for anything else. Each known type also lists the name endings and declared
types that agree with it, for callers that refuse a file lying about itself
(`agrees(kind, filename=…, declared=…)`, used by case attachments).
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

# The sniffer's answer (filetype's mime) → what Migra makes of it.
KNOWN: dict[str, FileKind] = {
    "image/jpeg": _JPEG,
    "image/png": _PNG,
    "image/apng": _APNG,
    "image/webp": _WEBP,
    "image/heic": _HEIC,
    "application/pdf": _PDF,
}

# Declared types that say nothing (browsers send them for files they do not know).
NEUTRAL_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def sniff(data: bytes) -> FileKind | None:
    """The known type of these bytes, or None (unknown, or not a type Migra takes)."""
    if not data:
        return None
    found = filetype.guess(data[:SNIFF_BYTES])
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
