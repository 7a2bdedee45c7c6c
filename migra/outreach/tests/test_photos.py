"""Photos of outreach events: kept clean (no EXIF/GPS), refused when they are not
photos, limited per event, reachable only by people who may see the event."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.audit.models import AuditAction, AuditEvent
from migra.media.tests.images import GPS_IFD, jpeg_with_gps, png, png_claiming
from migra.outreach import services
from migra.outreach.models import EventPhoto

JPEG = jpeg_with_gps((1000, 750))


def _upload(data: bytes = JPEG, name: str = "IMG_2041.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _add(cast, event_id, data: bytes = JPEG, **kwargs):
    return services.event_photo_add(
        actor=cast.users["gina"], event_id=event_id, upload=_upload(data, **kwargs)
    )


def _refusal(cast, event_id, data, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        _add(cast, event_id, data, **kwargs)
    assert not EventPhoto.objects.filter(event_id=event_id).exists()
    field = next(iter(caught.value.error_dict))
    return caught.value.error_dict[field][0].code


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _outsider(cast, agency: str = "crisis") -> User:
    """A social ambassador of another agency in gina's own commune."""
    user = User.objects.create_user(
        email=f"sa-{agency}@example.org", password="x" * 20, full_name="Sa"
    )
    membership = Membership.objects.create(
        user=user, agency=cast.agencies[agency], role=Role.SOCIAL_AMBASSADOR, all_places=False
    )
    membership.places.set([cast.places["010201"]])
    return user


# ------------------------------------------------------------------ the service


def test_jpeg_with_gps_is_kept_without_it(cast, event):
    e = event()
    assert len(Image.open(io.BytesIO(JPEG)).getexif().get_ifd(GPS_IFD)) == 4
    photo = services.event_photo_add(
        actor=cast.users["gina"], event_id=e.pk, upload=_upload(), caption="  Sok Dara speaks  "
    )
    assert (photo.width, photo.height) == (1000, 750)
    assert photo.caption == "Sok Dara speaks"
    assert photo.uploaded_by == cast.users["gina"]
    for name in (photo.web_file, photo.thumb_file):
        assert name.startswith("outreach/photos/") and "IMG_2041" not in name
        kept = _read(name)
        image = Image.open(io.BytesIO(kept))
        assert len(image.getexif()) == 0
        assert len(image.getexif().get_ifd(GPS_IFD)) == 0
        assert "exif" not in image.info
        assert b"PhoneMaker" not in kept
    assert Image.open(io.BytesIO(_read(photo.thumb_file))).size == (320, 240)
    # The original bytes are nowhere in the storage.
    _dirs, files = default_storage.listdir("outreach/photos")
    assert all(_read(f"outreach/photos/{f}") != JPEG for f in files)
    audit = AuditEvent.objects.get(object_type="outreach.eventphoto", action=AuditAction.CREATE)
    assert audit.changes["event"] == e.pk and audit.changes["source_type"] == "image/jpeg"
    assert audit.changes["captioned"] is True
    assert "Sok Dara" not in str(audit.changes) and "IMG_2041" not in str(audit.changes)


def test_png_works(cast, event):
    e = event()
    photo = _add(cast, e.pk, png((500, 400)), name="chart.png", content_type="image/png")
    assert (photo.width, photo.height) == (500, 400)
    assert Image.open(io.BytesIO(_read(photo.web_file))).format == "JPEG"


def test_text_file_renamed_jpg_is_refused(cast, event):
    e = event()
    text = "ការប្រជុំ — this is a text file, not a photo.\n".encode() * 10
    assert _refusal(cast, e.pk, text) == "type"


def test_truncated_jpeg_is_refused(cast, event):
    e = event()
    data = jpeg_with_gps((1200, 900), quality=95)
    assert _refusal(cast, e.pk, data[: len(data) // 2]) == "damaged"


def test_decompression_bomb_is_refused(cast, event):
    e = event()
    bomb = png_claiming(200_000, 200_000)
    assert _refusal(cast, e.pk, bomb, name="x.png", content_type="image/png") == "too_many_pixels"


def test_oversized_is_refused(cast, event, settings):
    settings.MIGRA_MEDIA_PHOTO_MAX_BYTES = 4096
    e = event()
    assert len(JPEG) > 4096
    assert _refusal(cast, e.pk, JPEG) == "too_large"


def _stored_files() -> set[str]:
    if not default_storage.exists("outreach/photos"):
        return set()
    return {f"outreach/photos/{name}" for name in default_storage.listdir("outreach/photos")[1]}


def test_refused_photos_leave_no_files(cast, event):
    e = event()
    before = _stored_files()
    _refusal(cast, e.pk, b"not a photo")
    _refusal(cast, e.pk, JPEG[:2000])
    assert _stored_files() == before


@pytest.mark.parametrize("caption", ["x" * 301, 12, ["a"]])
def test_bad_captions_are_refused_before_any_work(cast, event, caption):
    e = event()
    with pytest.raises(ValidationError):
        services.event_photo_add(
            actor=cast.users["gina"], event_id=e.pk, upload=_upload(), caption=caption
        )
    assert not EventPhoto.objects.exists()


def test_at_most_fifty_photos_per_event(cast, event, monkeypatch):
    assert services.MAX_PHOTOS == 50
    monkeypatch.setattr(services, "MAX_PHOTOS", 3)
    e = event()
    small = jpeg_with_gps((40, 30))
    for _ in range(3):
        _add(cast, e.pk, small)
    assert _refusal_keeping(cast, e.pk, small) == "too_many"
    assert EventPhoto.objects.filter(event=e).count() == 3


def _refusal_keeping(cast, event_id, data) -> str:
    with pytest.raises(ValidationError) as caught:
        _add(cast, event_id, data)
    return caught.value.error_dict["photos"][0].code


def test_remove_deletes_the_row_and_files_and_is_audited(
    cast, event, django_capture_on_commit_callbacks
):
    e = event()
    photo = _add(cast, e.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_photo_remove(actor=cast.users["gina"], event_id=e.pk, photo_id=photo.pk)
    assert not EventPhoto.objects.exists()
    assert not default_storage.exists(photo.web_file)
    assert not default_storage.exists(photo.thumb_file)
    assert AuditEvent.objects.filter(
        object_type="outreach.eventphoto", object_id=str(photo.pk), action=AuditAction.DELETE
    ).exists()
    with pytest.raises(ValidationError):
        services.event_photo_remove(actor=cast.users["gina"], event_id=e.pk, photo_id=photo.pk)


def test_photo_of_another_event_cannot_be_removed_through_this_one(cast, event):
    e1, e2 = event(title="one"), event(title="two")
    photo = _add(cast, e1.pk)
    with pytest.raises(ValidationError):
        services.event_photo_remove(actor=cast.users["gina"], event_id=e2.pk, photo_id=photo.pk)
    assert EventPhoto.objects.filter(pk=photo.pk).exists()


def test_other_agency_may_not_add_or_remove(cast, event):
    e = event()
    photo = _add(cast, e.pk)
    outsider = _outsider(cast)
    with pytest.raises(PermissionDenied):
        services.event_photo_add(actor=outsider, event_id=e.pk, upload=_upload())
    with pytest.raises(PermissionDenied):
        services.event_photo_remove(actor=outsider, event_id=e.pk, photo_id=photo.pk)
    assert EventPhoto.objects.count() == 1


# ------------------------------------------------------------------ pages


def test_upload_several_at_once_through_the_page(cast, as_user, event):
    e = event()
    client = as_user(cast.users["gina"])
    response = client.post(
        reverse("outreach:photo-add", args=[e.pk]),
        {
            "photos": [
                _upload(),
                _upload(png(), "b.png", "image/png"),
                _upload(b"hello, I am text", "c.jpg"),
            ],
            "caption": "Evening session",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#photos")
    assert EventPhoto.objects.filter(event=e).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "2 photos were added." in page
    assert "Photo 3 (c.jpg) was not added" in page
    photo = EventPhoto.objects.filter(event=e).first()
    assert reverse("outreach:photo-file", args=[e.pk, photo.pk, "thumb"]) in page
    assert reverse("outreach:photo-file", args=[e.pk, photo.pk, "web"]) in page
    assert 'accept="image/*"' in page and "multiple" in page
    assert "/media/" not in page


def test_upload_page_errors(cast, as_user, event):
    e = event()
    client = as_user(cast.users["gina"])
    url = reverse("outreach:photo-add", args=[e.pk])
    assert client.post(url, {}).status_code == 400
    eleven = [_upload(jpeg_with_gps((20, 20))) for _ in range(11)]
    response = client.post(url, {"photos": eleven})
    assert response.status_code == 400
    assert "at most 10 photos at once" in response.content.decode()
    hostile = client.post(
        url, {"photos": [_upload(b"<b>not a photo</b>", "<img src=x onerror=alert(1)>.jpg")]}
    )
    page = client.get(hostile["Location"]).content.decode()
    assert "<img src=x onerror" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in page
    assert not EventPhoto.objects.exists()


def test_file_view_streams_privately(cast, as_user, event):
    e = event()
    photo = _add(cast, e.pk)
    client = as_user(cast.users["gina"])
    for size, name in (("web", photo.web_file), ("thumb", photo.thumb_file)):
        response = client.get(reverse("outreach:photo-file", args=[e.pk, photo.pk, size]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "private" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == _read(name)
    assert (
        client.get(reverse("outreach:photo-file", args=[e.pk, photo.pk, "orig"])).status_code == 404
    )
    assert client.get(reverse("outreach:photo-file", args=[e.pk, 999999, "web"])).status_code == 404
    other = event(title="other")
    wrong = client.get(reverse("outreach:photo-file", args=[other.pk, photo.pk, "web"]))
    assert wrong.status_code == 404
    default_storage.delete(photo.web_file)
    missing = client.get(reverse("outreach:photo-file", args=[e.pk, photo.pk, "web"]))
    assert missing.status_code == 404


def test_remove_through_the_page(cast, as_user, event):
    e = event()
    photo = _add(cast, e.pk)
    client = as_user(cast.users["gina"])
    response = client.post(reverse("outreach:photo-remove", args=[e.pk, photo.pk]))
    assert response.status_code == 302
    assert not EventPhoto.objects.exists()
    again = client.post(reverse("outreach:photo-remove", args=[e.pk, photo.pk]))
    assert again.status_code == 302
    assert "This photo is not there any more." in client.get(again["Location"]).content.decode()


@pytest.mark.parametrize("agency", ["crisis", "lead-elsewhere"])
def test_another_agency_gets_logged_403_for_upload_and_file(cast, as_user, event, agency):
    e = event()
    photo = _add(cast, e.pk)
    if agency == "crisis":
        outsider = _outsider(cast)
    else:
        outsider = User.objects.create_user(
            email="far@example.org", password="x" * 20, full_name="Far"
        )
        m = Membership.objects.create(
            user=outsider,
            agency=cast.agencies["lead"],
            role=Role.SOCIAL_AMBASSADOR,
            all_places=False,
        )
        m.places.set([cast.places["010202"]])
    client = as_user(outsider)
    upload = client.post(reverse("outreach:photo-add", args=[e.pk]), {"photos": [_upload()]})
    assert upload.status_code == 403
    for size in ("web", "thumb"):
        response = client.get(reverse("outreach:photo-file", args=[e.pk, photo.pk, size]))
        assert response.status_code == 403
    assert client.post(reverse("outreach:photo-remove", args=[e.pk, photo.pk])).status_code == 403
    assert EventPhoto.objects.filter(event=e).count() == 1
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DENIED, object_id=str(e.pk), actor_id=outsider.pk
        ).count()
        == 4
    )


@pytest.mark.parametrize("name", ["alice", "erin", "charlie", "frank"])
def test_people_without_outreach_rights_get_403_for_files(cast, as_user, event, name):
    e = event()
    photo = _add(cast, e.pk)
    client = as_user(cast.users[name])
    response = client.get(reverse("outreach:photo-file", args=[e.pk, photo.pk, "web"]))
    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client, cast, event):
    e = event()
    photo = _add(cast, e.pk)
    response = client.get(reverse("outreach:photo-file", args=[e.pk, photo.pk, "web"]))
    assert response.status_code == 302


# ------------------------------------------------------------------ two at once


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_both_land(cast, event):
    e = event()
    start = threading.Barrier(2)
    results: list[EventPhoto] = []
    errors: list[BaseException] = []

    def upload(number: int) -> None:
        try:
            data = jpeg_with_gps((300 + number, 200))
            start.wait()
            results.append(_add(cast, e.pk, data))
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert EventPhoto.objects.filter(event=e).count() == 2
    assert sorted(p.width for p in EventPhoto.objects.filter(event=e)) == [300, 301]
    assert (
        AuditEvent.objects.filter(
            object_type="outreach.eventphoto", action=AuditAction.CREATE
        ).count()
        == 2
    )


@pytest.mark.django_db(transaction=True)
def test_two_uploads_for_the_last_place_let_one_through(cast, event, monkeypatch):
    monkeypatch.setattr(services, "MAX_PHOTOS", 1)
    e = event()
    start = threading.Barrier(2)
    codes: list[str] = []

    def upload(number: int) -> None:
        try:
            data = jpeg_with_gps((300 + number, 200))
            start.wait()
            _add(cast, e.pk, data)
            codes.append("ok")
        except ValidationError as error:
            codes.append(error.error_dict["photos"][0].code)
        finally:
            connection.close()

    before = _stored_files()
    threads = [threading.Thread(target=upload, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == ["ok", "too_many"]
    kept = EventPhoto.objects.get(event=e)
    # The refused photo's files were removed again: only the kept one's are new.
    assert _stored_files() - before == {kept.web_file, kept.thumb_file}
