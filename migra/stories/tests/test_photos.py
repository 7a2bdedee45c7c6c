"""Story photos: stored without EXIF/GPS (read back to check), refused when they are not
photos, changed only by whom and when allowed, served only through the story's check."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from migra.audit.models import AuditAction, AuditEvent
from migra.media.tests.images import GPS_IFD, jpeg_with_gps, png_claiming
from migra.stories import services
from migra.stories.models import StoryPhoto, StoryState
from migra.stories.tests.conftest import advance, login_as, upload


def _add(crew, story, data=None, **kwargs):  # type: ignore[no-untyped-def]
    return services.story_photo_add(
        actor=crew.users["peter"], story_id=story.pk, upload=upload(data), **kwargs
    )


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def test_gps_photo_is_stored_without_gps(crew, story):
    draft = story()
    original = jpeg_with_gps((1200, 900))
    assert len(Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)) == 4
    photo = _add(crew, draft, original, caption="  នៅភូមិ  ", show_face=True)
    assert (photo.width, photo.height, photo.caption, photo.show_face) == (1200, 900, "នៅភូមិ", True)
    for name in (photo.web_file, photo.thumb_file):
        assert name.startswith("stories/photos/") and "IMG" not in name
        kept = _read(name)
        image = Image.open(io.BytesIO(kept))
        assert len(image.getexif()) == 0 and len(image.getexif().get_ifd(GPS_IFD)) == 0
        assert b"PhoneMaker" not in kept and b"Sok Dara" not in kept


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"this is not a photo at all, only text", "type"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "type"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "damaged"),
        (png_claiming(20000, 20000), "too_many_pixels"),
    ],
    ids=["text", "pdf", "fake-jpeg", "bomb"],
)
def test_refused_files_leave_nothing(crew, story, data, code):
    draft = story()
    with pytest.raises(ValidationError) as caught:
        services.story_photo_add(
            actor=crew.users["peter"],
            story_id=draft.pk,
            upload=SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg"),
        )
    assert caught.value.error_dict["file"][0].code == code
    assert not StoryPhoto.objects.exists()


def test_photos_change_with_the_draft_only(crew, story):
    draft = story()
    photo = _add(crew, draft)
    submitted = advance(crew, draft, StoryState.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        _add(crew, submitted)
    assert caught.value.code == "state"
    with pytest.raises(ValidationError):
        services.story_photo_remove(actor=crew.users["peter"], story_id=draft.pk, photo_id=photo.pk)
    for who in ("sara", "edna", "charlie"):
        with pytest.raises(PermissionDenied):
            services.story_photo_add(actor=crew.users[who], story_id=draft.pk, upload=upload())
    assert StoryPhoto.objects.filter(story=draft).count() == 1


def test_editor_marks_faces_and_hides_during_review(crew, story):
    draft = story()
    photo = _add(crew, draft)
    reviewing = advance(crew, draft, StoryState.IN_REVIEW)
    changed = services.story_photo_update(
        actor=crew.users["edna"],
        story_id=reviewing.pk,
        photo_id=photo.pk,
        caption="",
        show_face=True,
        hidden=True,
    )
    assert changed.show_face and changed.hidden
    # The author cannot change photos while the editors have the story.
    with pytest.raises(ValidationError):
        services.story_photo_update(
            actor=crew.users["peter"],
            story_id=reviewing.pk,
            photo_id=photo.pk,
            caption="x",
            show_face=False,
        )
    with pytest.raises(PermissionDenied):
        services.story_photo_update(
            actor=crew.users["nora"],
            story_id=reviewing.pk,
            photo_id=photo.pk,
            caption="x",
            show_face=False,
        )


def test_removing_a_photo_removes_its_files(crew, story, django_capture_on_commit_callbacks):
    draft = story()
    photo = _add(crew, draft)
    with django_capture_on_commit_callbacks(execute=True):
        services.story_photo_remove(actor=crew.users["peter"], story_id=draft.pk, photo_id=photo.pk)
    assert not StoryPhoto.objects.exists()
    assert not default_storage.exists(photo.web_file)
    assert not default_storage.exists(photo.thumb_file)


def test_too_many_photos(crew, story, monkeypatch):
    monkeypatch.setattr(services, "MAX_PHOTOS", 1)
    draft = story()
    _add(crew, draft)
    with pytest.raises(ValidationError) as caught:
        _add(crew, draft)
    assert caught.value.error_dict["photos"][0].code == "too_many"


def test_photo_files_are_served_through_the_story_check(crew, story, client):
    draft = story()
    photo = _add(crew, draft)
    url = f"/app/stories/{draft.pk}/photos/{photo.pk}/thumb.jpg"
    login_as(client, crew.users["peter"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client.get(f"/app/stories/{draft.pk}/photos/{photo.pk}/original.jpg").status_code == 404
    # An editor cannot see a first draft's photos; a stranger neither.
    for who in ("edna", "sara", "charlie"):
        login_as(client, crew.users[who])
        denied = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
        assert client.get(url).status_code == 403
        assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == denied + 1
    advance(crew, draft, StoryState.SUBMITTED)
    login_as(client, crew.users["edna"])
    assert client.get(url).status_code == 200
