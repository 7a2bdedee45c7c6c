"""Photos in, clean renditions out: metadata gone, the right way up, resized; anything
that is not a readable photo of a sane size refused with a code saying why."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from migra.media import photos
from migra.media.tests.images import GPS_IFD, jpeg_with_gps, png, png_claiming, webp


def _upload(data: bytes, name: str = "IMG_0001.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _code(data: bytes, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        photos.photo_prepare(_upload(data, **kwargs))
    return caught.value.error_dict["file"][0].code


def _assert_no_metadata(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    exif = image.getexif()
    assert len(exif) == 0
    assert len(exif.get_ifd(GPS_IFD)) == 0
    for key in ("exif", "icc_profile", "xmp", "comment", "photoshop"):
        assert key not in image.info
    assert b"Exif" not in data and b"PhoneMaker" not in data and b"Sok Dara" not in data
    return image


def test_jpeg_with_gps_comes_out_without_any_metadata():
    original = jpeg_with_gps((2400, 1800))
    # the test picture really carries what must go
    assert len(Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)) == 4
    prepared = photos.photo_prepare(_upload(original))
    assert prepared.source_type == "image/jpeg"
    web = _assert_no_metadata(prepared.web.data)
    thumb = _assert_no_metadata(prepared.thumb.data)
    assert (prepared.web.width, prepared.web.height) == web.size == (1600, 1200)
    assert (prepared.thumb.width, prepared.thumb.height) == thumb.size == (320, 240)


def test_orientation_is_applied_before_the_metadata_goes():
    # Stored 800 × 600, red on the left; orientation 6 = turn 90° clockwise to view.
    prepared = photos.photo_prepare(_upload(jpeg_with_gps((800, 600), orientation=6)))
    web = _assert_no_metadata(prepared.web.data).convert("RGB")
    assert web.size == (600, 800)
    top, bottom = web.getpixel((300, 20)), web.getpixel((300, 780))
    assert top[0] > 150 and top[2] < 100  # red (the stored left half) is now on top
    assert bottom[2] > 150 and bottom[0] < 100


def test_png_with_transparency_and_webp_work_and_small_pictures_are_not_enlarged():
    prepared = photos.photo_prepare(_upload(png(transparent=True), "a.png", "image/png"))
    assert prepared.source_type == "image/png"
    web = _assert_no_metadata(prepared.web.data)
    assert web.size == (300, 200)
    assert web.convert("RGB").getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=3)
    assert (prepared.thumb.width, prepared.thumb.height) == (300, 200)
    prepared = photos.photo_prepare(_upload(webp(), "b.webp", "image/webp"))
    assert prepared.source_type == "image/webp"
    assert (prepared.web.width, prepared.web.height) == (200, 300)


def test_the_type_comes_from_the_content_not_the_name():
    # A PNG called .jpg and sent as image/jpeg is still a PNG, and is taken as one.
    prepared = photos.photo_prepare(_upload(png(), "photo.jpg", "image/jpeg"))
    assert prepared.source_type == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        b"Dear diary, this is not a photo at all.\n" * 20,
        b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",
    ],
)
def test_anything_but_a_photo_is_refused(data):
    assert _code(data) == "type"


def test_heic_is_refused_with_its_own_message_when_pillow_cannot_open_it(monkeypatch):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    monkeypatch.setattr(photos, "heic_supported", lambda: False)
    assert _code(heic, name="IMG_1.HEIC", content_type="image/heic") == "heic"


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_jpeg_is_refused(cut):
    data = jpeg_with_gps((1200, 900), quality=95)
    assert _code(data[: int(len(data) * cut)]) == "damaged"


def test_garbage_after_a_real_header_is_refused():
    data = png()
    assert _code(data[:40] + b"\x00" * 200, name="x.png", content_type="image/png") == "damaged"


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (100_000, 100_000),  # past Pillow's own limit: DecompressionBombError
        (10_000, 6_000),  # 60 megapixels: past Migra's limit, under Pillow's
        (0, 10),
    ],
)
def test_a_small_file_claiming_a_huge_picture_is_refused(width, height):
    data = png_claiming(width, height)
    assert len(data) < 2000
    expected = "too_many_pixels" if width else "damaged"
    assert _code(data, name="bomb.png", content_type="image/png") == expected


def test_oversized_and_empty_files_are_refused(settings):
    settings.MIGRA_MEDIA_PHOTO_MAX_BYTES = 20_000
    big = jpeg_with_gps((1600, 1200), quality=100)
    assert len(big) > 20_000
    assert _code(big) == "too_large"
    # A file whose declared size lies (small) is still cut off at the limit.
    upload = _upload(big)
    upload.size = 10
    with pytest.raises(ValidationError) as caught:
        photos.photo_prepare(upload)
    assert caught.value.error_dict["file"][0].code == "too_large"
    assert _code(b"") == "empty"
    with pytest.raises(ValidationError):
        photos.photo_prepare(None)


def test_default_limit_is_15_mb(settings):
    del settings.MIGRA_MEDIA_PHOTO_MAX_BYTES
    assert photos.max_bytes() == 15 * 1024 * 1024


def test_stored_under_random_names_and_deleted():
    prepared = photos.photo_prepare(_upload(jpeg_with_gps(), "ស្រី_GPS_secret.jpg"))
    stored = photos.photo_store(prepared, folder="tests/photos")
    again = photos.photo_store(prepared, folder="tests/photos")
    names = {stored.web_name, stored.thumb_name, again.web_name, again.thumb_name}
    assert len(names) == 4
    for name in names:
        assert name.startswith("tests/photos/") and name.endswith(".jpg")
        assert "secret" not in name and "IMG" not in name
    with photos.photo_open(stored.web_name) as handle:
        assert handle.read() == prepared.web.data
    photos.photo_delete(*names)
    assert not any(default_storage.exists(n) for n in names)
    photos.photo_delete("tests/photos/never-there.jpg")  # missing files are fine
