"""The shared sniffer: the content decides; names and declared types only agree or not."""

from __future__ import annotations

import pytest

from migra.media.sniff import agrees, name_ending, sniff
from migra.media.tests.images import jpeg_with_gps, png, webp


def test_known_types_from_content():
    assert sniff(jpeg_with_gps((8, 8))).mime == "image/jpeg"
    assert sniff(png((8, 8))).mime == "image/png"
    assert sniff(webp((8, 8))).mime == "image/webp"
    assert sniff(b"%PDF-1.4\n%%EOF\n").mime == "application/pdf"
    assert sniff(b"") is None
    assert sniff(b"just some text") is None
    assert sniff(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;") is None  # known to filetype, not here


@pytest.mark.parametrize(
    ("filename", "declared", "ok"),
    [
        ("photo.jpg", "image/jpeg", True),
        ("photo.JPEG", "", True),
        ("photo", "application/octet-stream", True),
        ("photo.pdf", "image/jpeg", False),
        ("photo.jpg", "application/pdf", False),
        ("photo.jpg", "image/jpeg; charset=binary", True),
    ],
)
def test_names_and_declared_types_agree_or_not(filename, declared, ok):
    kind = sniff(jpeg_with_gps((8, 8)))
    assert agrees(kind, filename=filename, declared=declared) is ok


def test_name_ending():
    assert name_ending("a.B.JPG") == "jpg"
    assert name_ending(".bashrc") == ""
    assert name_ending("noending") == ""
