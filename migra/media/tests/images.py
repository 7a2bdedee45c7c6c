"""Test pictures made with Pillow (no binary fixtures): a JPEG carrying GPS and an
orientation, a PNG with transparency, a PNG header claiming a huge picture."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
CAMERA_MAKE = 0x010F


def jpeg_with_gps(
    size: tuple[int, int] = (640, 480), *, orientation: int = 1, quality: int = 90
) -> bytes:
    """A JPEG whose EXIF names a camera, a GPS position (Siem Reap) and an orientation;
    the left half red, the right half blue (to see which way up it comes out)."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[CAMERA_MAKE] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (13.0, 21.0, 44.5)
    gps[3] = "E"
    gps[4] = (103.0, 51.0, 33.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=quality, comment=b"Sok Dara")
    return out.getvalue()


def png(size: tuple[int, int] = (300, 200), *, transparent: bool = False) -> bytes:
    image = Image.new(
        "RGBA" if transparent else "RGB", size, (10, 120, 10, 0 if transparent else 255)
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def webp(size: tuple[int, int] = (200, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 40, 40)).save(out, format="WEBP")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )
