"""Photos uploaded by people in the field: checked, cleaned of metadata, resized, stored.

`photo_prepare(upload)` reads an uploaded file and either raises a ValidationError
that says what is wrong (nothing is stored) or returns two JPEG renditions:

- the size limit is `settings.MIGRA_MEDIA_PHOTO_MAX_BYTES` (15 MB when not set): a
  larger file is refused before it is read whole;
- the type is sniffed from the content (`migra.media.sniff`), never taken from the
  file's name or the type the browser declares: JPEG, PNG and WebP; HEIC only when
  the installed Pillow can open it (it cannot without a plugin: a clear error asks for
  JPEG instead);
- a picture of more than `MAX_PIXELS` (50 megapixels, a 50-megapixel phone camera
  still fits) is refused before it is decoded: a small file may claim a huge picture
  (a decompression bomb), and Pillow's own `DecompressionBombError` answers the same;
- a truncated or damaged file is refused;
- the picture is turned the right way up (EXIF orientation), then drawn afresh into a
  new image, so EXIF, GPS, XMP, IPTC, comments and colour profiles are all left
  behind; transparent parts become white;
- out come a web rendition (longest side `WEB_SIDE`, 1600 px) and a thumbnail
  (longest side `THUMB_SIDE`, 320 px), both JPEG; smaller pictures are not enlarged.
  The original bytes are not kept anywhere: they carry the camera's GPS position.

The work happens in the request, not in the worker: handing the original to a worker
would mean writing it, GPS and all, to storage first. JPEGs are decoded at a reduced
scale (Pillow's draft mode), so a 12-megapixel photo takes a few tens of milliseconds.

`photo_store(prepared, folder=…)` saves both renditions in Django's default storage
under random names (nothing of the uploaded file's name reaches the disk) and returns
them; `photo_delete` removes them; `photo_open` opens one for streaming. The files
are never linked through MEDIA_URL: the app that owns them serves them from a view
that checks who may see them. See docs/media.md.
"""

from __future__ import annotations

import io
import math
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from migra.media.sniff import FileKind, sniff
from migra.media.uploads import TooLarge, read_at_most

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000
WEB_SIDE = 1600
THUMB_SIDE = 320
WEB_QUALITY = 82
THUMB_QUALITY = 75
CONTENT_TYPE = "image/jpeg"

# Sniffed type → the Pillow formats allowed to open it (a JPEG from a phone camera is
# often an MPO: a JPEG followed by a depth map or a second picture).
PILLOW_FORMATS: dict[str, tuple[str, ...]] = {
    "image/jpeg": ("JPEG", "MPO"),
    "image/png": ("PNG",),
    "image/webp": ("WEBP",),
    "image/heic": ("HEIF",),
}


def max_bytes() -> int:
    value = getattr(settings, "MIGRA_MEDIA_PHOTO_MAX_BYTES", None)
    return int(value) if value else DEFAULT_MAX_BYTES


def heic_supported() -> bool:
    """Whether the installed Pillow opens HEIC (only with a plugin, e.g. pillow-heif)."""
    Image.init()
    return "HEIF" in Image.OPEN


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class PreparedPhoto:
    web: Rendition
    thumb: Rendition
    source_type: str  # what was uploaded (image/jpeg, image/png …), for the audit trail


@dataclass(frozen=True)
class StoredPhoto:
    web_name: str
    thumb_name: str


def _error(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def _too_large(limit: int) -> ValidationError:
    megabytes = limit / (1024 * 1024)
    return _error(
        _("The photo is too large: at most %(size)s MB.") % {"size": f"{megabytes:g}"},
        "too_large",
    )


def _too_many_pixels() -> ValidationError:
    return _error(
        _(
            "The picture is too big to process: at most %(megapixels)d megapixels. "
            "Send a smaller version of it."
        )
        % {"megapixels": MAX_PIXELS // 1_000_000},
        "too_many_pixels",
    )


def _damaged() -> ValidationError:
    return _error(
        _("This photo cannot be read: it is damaged or incomplete. Send it again."), "damaged"
    )


def _read(upload: Any) -> bytes:
    if upload is None:
        raise _error(_("Choose a photo."), "required")
    limit = max_bytes()
    try:
        data = read_at_most(upload, limit)
    except TooLarge:
        raise _too_large(limit) from None
    if data is None:
        raise _error(_("Choose a photo."), "required")
    if not data:
        raise _error(_("The file is empty."), "empty")
    return data


def _kind(data: bytes) -> FileKind:
    kind = sniff(data)
    if kind is not None and kind.mime == "image/heic" and not heic_supported():
        raise _error(
            _(
                "HEIC photos cannot be read here. Send the photo as JPEG (on an iPhone: "
                "Settings → Camera → Formats → Most Compatible)."
            ),
            "heic",
        )
    if kind is None or kind.mime not in PILLOW_FORMATS:
        raise _error(_("Only photos can be added: JPEG, PNG or WebP."), "type")
    return kind


def _draft_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The smallest size keeping the aspect with the longest side at least `side`."""
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _decode(data: bytes, kind: FileKind) -> Image.Image:
    """Open, check the picture's size, decode, and turn it the right way up."""
    try:
        image = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS[kind.mime])
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except Exception:  # noqa: BLE001  (any failure to parse the header: not a photo we can read)
        raise _damaged() from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise _too_many_pixels()
    if image.format == "JPEG" or image.format == "MPO":
        # Decode at 1/2, 1/4 or 1/8 scale when the web rendition needs no more.
        image.draft("RGB", _draft_size((width, height), WEB_SIDE))
    try:
        image.load()
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except Exception:  # noqa: BLE001  (truncated or corrupt data: Pillow raises many kinds)
        raise _damaged() from None
    try:
        oriented = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001  (unreadable EXIF: keep the picture as it is stored)
        oriented = image
    return oriented if oriented is not None else image


def _clean_rgb(image: Image.Image) -> Image.Image:
    """A new RGB image with the same pixels and nothing else (no info, no metadata)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, (255, 255, 255))
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    else:
        try:
            rgb = image.convert("RGB")
        except Exception:  # noqa: BLE001  (an exotic pixel format Pillow cannot convert)
            raise _damaged() from None
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    return clean


def _render(image: Image.Image, side: int, quality: int) -> tuple[Image.Image, Rendition]:
    resized = image.copy()
    resized.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    resized.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return resized, Rendition(data=out.getvalue(), width=resized.width, height=resized.height)


def photo_prepare(upload: Any) -> PreparedPhoto:
    """Check an uploaded photo and make its clean web rendition and thumbnail; a
    ValidationError (on "file") says what is wrong."""
    data = _read(upload)
    kind = _kind(data)
    clean = _clean_rgb(_decode(data, kind))
    web_image, web = _render(clean, WEB_SIDE, WEB_QUALITY)
    _thumb_image, thumb = _render(web_image, THUMB_SIDE, THUMB_QUALITY)
    return PreparedPhoto(web=web, thumb=thumb, source_type=kind.mime)


MASTER_QUALITY = 92


def photo_master(data: bytes) -> Rendition:
    """A clean master of a photo already read (resumable uploads, `migra.stories`):
    checked like `photo_prepare` (type, pixels, damage), turned the right way up and
    drawn afresh — no EXIF, no GPS — at the size it was decoded (at least `WEB_SIDE`
    on its longest side when it was larger). The renditions are made from it later, by
    the worker (`photo_renditions`), so the upload itself can be deleted at once."""
    if not data:
        raise _error(_("The file is empty."), "empty")
    limit = max_bytes()
    if len(data) > limit:
        raise _too_large(limit)
    kind = _kind(data)
    clean = _clean_rgb(_decode(data, kind))
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=MASTER_QUALITY)
    return Rendition(data=out.getvalue(), width=clean.width, height=clean.height)


def photo_renditions(master: bytes) -> PreparedPhoto:
    """The web rendition and thumbnail of a master made by `photo_master` (decoded and
    drawn afresh once more: nothing but its pixels goes into them)."""
    return photo_prepare(ContentFile(master, name="master.jpg"))


def _save(folder: str, data: bytes) -> str:
    name = f"{folder.strip('/')}/{secrets.token_hex(16)}.jpg"
    return str(default_storage.save(name, ContentFile(data)))


def photo_store(prepared: PreparedPhoto, *, folder: str) -> StoredPhoto:
    """Save both renditions under random names in `folder` of the default storage."""
    web_name = _save(folder, prepared.web.data)
    try:
        thumb_name = _save(folder, prepared.thumb.data)
    except Exception:
        photo_delete(web_name)
        raise
    return StoredPhoto(web_name=web_name, thumb_name=thumb_name)


def photo_delete(*names: str) -> None:
    """Remove stored renditions (missing ones are fine)."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - nothing more to do: the row is gone
            pass


def photo_open(name: str) -> File:
    """One stored rendition, opened for reading (OSError when it is missing)."""
    return default_storage.open(name, "rb")


def photo_response(photo: Any, size: str) -> FileResponse:
    """A stored photo's web rendition or thumbnail ("web" or "thumb"; `photo` has
    `web_file` and `thumb_file`) as a private, never-sniffed response. The caller has
    already checked that the user may see the record the photo belongs to."""
    name = {"web": photo.web_file, "thumb": photo.thumb_file}.get(size)
    if name is None:
        raise Http404
    try:
        handle = photo_open(name)
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
