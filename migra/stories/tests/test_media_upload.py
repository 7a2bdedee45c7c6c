"""Resumable uploads of story media (tus 1.0 over HTTP): an interrupted upload resumed
gives the same bytes; wrong offsets, sizes, types and metadata are refused and change
nothing; only the story's author, in a draft, with the CSRF token, reaches an upload."""

from __future__ import annotations

import pytest
from django.test import Client

from migra.audit.models import AuditAction, AuditEvent
from migra.media.tests.images import jpeg_with_gps
from migra.stories import media_services, services
from migra.stories.media_storage import private_storage
from migra.stories.models import MediaKind, MediaState, StoryMedia, StoryPhoto, StoryState
from migra.stories.tests.conftest import advance, login_as
from migra.stories.tests.media_helpers import (  # noqa: F401  (fixtures, used by name)
    OFFSET_TYPE,
    TUS,
    b64,
    create,
    files_in,
    head,
    media_dir,
    media_dirs,
    patch,
    send_whole,
    uploads_url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dirs")]

# Not a real recording: enough for the sniffer (an "M4A" container) — the worker is not
# run in these tests, so nothing decodes it.
M4A = b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isomiso2" + bytes(range(256)) * 40
MB = 1024 * 1024


@pytest.fixture
def peter(crew, client) -> Client:  # type: ignore[no-untyped-def]
    return login_as(client, crew.users["peter"])


def _received(media: StoryMedia) -> bytes:
    with private_storage().open(media.source_file, "rb") as handle:
        return handle.read()


def test_options_tell_the_protocol(crew, story, peter):
    draft = story()
    response = peter.options(uploads_url(draft))
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Extension"] == "creation,termination"
    assert int(response["Tus-Max-Size"]) == 1024 * MB


def test_interrupted_upload_resumed_gives_the_same_bytes(crew, story, peter):
    draft = story()
    created = create(peter, draft, len(M4A), filename="ថ្ងៃទី១.m4a", filetype="audio/mp4")
    assert created.status_code == 201 and created["Tus-Resumable"] == "1.0.0"
    url = created["Location"]
    assert url.startswith(f"/app/stories/{draft.pk}/uploads/")
    assert head(peter, url)["Upload-Offset"] == "0"
    half = len(M4A) // 2
    first = patch(peter, url, 0, M4A[:half])
    assert first.status_code == 204 and first["Upload-Offset"] == str(half)
    # The connection dropped here; the phone asks where to carry on.
    asked = head(peter, url)
    assert asked.status_code == 200
    assert (asked["Upload-Offset"], asked["Upload-Length"]) == (str(half), str(len(M4A)))
    assert asked["Cache-Control"] == "no-store"
    media = StoryMedia.objects.get()
    assert media.state == MediaState.UPLOADING and media.percent == 50
    # What arrived so far is private: in the upload directory, not under MEDIA_ROOT.
    assert [p.name for p in files_in(media_dir("uploads"))] == [f"{media.upload_token}.part"]
    assert files_in(media_dir("media")) == []
    rest = patch(peter, url, int(asked["Upload-Offset"]), M4A[half:])
    assert rest.status_code == 204 and rest["Upload-Offset"] == str(len(M4A))
    media.refresh_from_db()
    assert (media.state, media.kind, media.source_type) == (
        MediaState.PROCESSING,
        MediaKind.AUDIO,
        "audio/mp4",
    )
    assert media.has_voice is True and media.upload_file == ""
    assert _received(media) == M4A  # byte for byte
    assert files_in(media_dir("uploads")) == []  # the temporary file moved away
    assert files_in(media_dir("media")) == []  # the original is never under MEDIA_ROOT
    # Finished: HEAD says so (a phone that lost the last answer sees it is complete).
    assert head(peter, url)["Upload-Offset"] == str(len(M4A))


def test_offset_mismatch_is_409_and_changes_nothing(crew, story, peter):
    url = create(peter, story(), 1000, filetype="audio/mpeg")["Location"]
    assert patch(peter, url, 0, b"ID3" + b"a" * 397).status_code == 204
    for offset in (0, 399, 401, 1000):
        response = patch(peter, url, offset, b"b" * 100)
        assert response.status_code == 409, offset
    media = StoryMedia.objects.get()
    assert media.upload_offset == 400
    part = media_dir("uploads") / media.upload_file
    assert part.read_bytes() == b"ID3" + b"a" * 397


@pytest.mark.parametrize(
    ("length", "meta"),
    [
        (2 * 1024 * MB, {"filename": "VID_2024.mp4", "filetype": "video/mp4"}),
        (1024 * MB + 1, {"filename": "VID_2024.mp4"}),  # the type said by the ending only
        (201 * MB, {"filetype": "audio/mp4"}),
        (16 * MB, {"filetype": "image/jpeg"}),
        (3 * 1024 * MB, {}),  # not said: the largest limit applies
    ],
    ids=["2GB-video", "1GB+1-video", "201MB-audio", "16MB-photo", "3GB-unknown"],
)
def test_declared_too_large_refused_at_creation(crew, story, peter, length, meta):
    response = create(peter, story(), length, **meta)
    assert response.status_code == 413
    assert "MB" in response.content.decode()
    assert not StoryMedia.objects.exists()
    assert files_in(media_dir("uploads")) == []


def test_more_bytes_than_declared_is_413_and_keeps_none_of_them(crew, story, peter):
    url = create(peter, story(), 100, filetype="audio/mpeg")["Location"]
    assert patch(peter, url, 0, b"ID3" + b"x" * 57).status_code == 204
    response = patch(peter, url, 60, b"y" * 41)  # one byte too many
    assert response.status_code == 413
    media = StoryMedia.objects.get()
    assert media.upload_offset == 60 and media.state == MediaState.UPLOADING
    assert (media_dir("uploads") / media.upload_file).stat().st_size == 60


def test_non_jpeg_called_jpg_is_refused_and_nothing_is_kept(crew, story, peter):
    draft = story()
    response = send_whole(
        peter,
        draft,
        b"<script>alert(1)</script> this is not a photo",
        filename="IMG_0001.jpg",
        filetype="image/jpeg",
    )
    assert response.status_code == 415
    assert "photo" in response.content.decode().lower()
    assert not StoryMedia.objects.exists() and not StoryPhoto.objects.exists()
    for name in ("uploads", "private", "media"):
        assert files_in(media_dir(name)) == []
    refused = AuditEvent.objects.filter(object_type="stories.storymedia", action=AuditAction.DELETE)
    assert refused.get().changes["refused"] == "type"


def test_recording_claiming_to_be_a_photo_is_refused(crew, story, peter):
    response = send_whole(peter, story(), M4A, filename="photo.jpg", filetype="image/jpeg")
    assert response.status_code == 415
    assert not StoryMedia.objects.exists()
    photo = send_whole(peter, story(), jpeg_with_gps((64, 48)), filetype="video/mp4")
    assert photo.status_code == 415 and not StoryMedia.objects.exists()


def test_photo_that_is_damaged_is_422(crew, story, peter):
    response = send_whole(peter, story(), b"\xff\xd8\xff\xe0" + b"\x00" * 64, filetype="image/jpeg")
    assert response.status_code == 422
    assert not StoryMedia.objects.exists() and files_in(media_dir("private")) == []


def test_gps_photo_leaves_only_a_clean_master(crew, story, peter):
    from io import BytesIO

    from PIL import Image

    from migra.media.tests.images import GPS_IFD

    response = send_whole(peter, story(), jpeg_with_gps((900, 600)), filetype="image/jpeg")
    assert response.status_code == 204
    media = StoryMedia.objects.get()
    assert (media.kind, media.state, media.width, media.height) == ("photo", "processing", 900, 600)
    master = _received(media)
    image = Image.open(BytesIO(master))
    assert len(image.getexif()) == 0 and len(image.getexif().get_ifd(GPS_IFD)) == 0
    assert b"PhoneMaker" not in master and b"Sok Dara" not in master
    assert files_in(media_dir("uploads")) == []  # the upload, GPS and all, is gone
    assert media.has_voice is False


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Upload-Length": "12abc"}, 400),
        ({"Upload-Length": "-5"}, 400),
        ({"Upload-Length": "١٢٣"}, 400),  # Arabic-Indic digits: not ASCII
        ({"Upload-Length": "9" * 30}, 400),
        ({"Upload-Length": "0"}, 400),
        ({"Upload-Length": ""}, 400),
        ({"Upload-Length": "10", "Upload-Defer-Length": "1"}, 400),
        ({"Upload-Length": "10", "Upload-Metadata": "filename not-base64!"}, 400),
        (
            {"Upload-Length": "10", "Upload-Metadata": f"filename {b64('a')},filename {b64('b')}"},
            400,
        ),
        ({"Upload-Length": "10", "Upload-Metadata": f"file<name> {b64('a')}"}, 400),
        ({"Upload-Length": "10", "Upload-Metadata": "caption " + "QUFB" * 2000}, 400),
        ({"Upload-Length": "10", "Upload-Metadata": "caption /w=="}, 400),  # not UTF-8
        ({"Upload-Length": "10", "Upload-Metadata": f"face {b64('maybe')}"}, 400),
        ({"Upload-Length": "10", "Upload-Metadata": f"caption {b64('x' * 301)}"}, 400),
        ({"Upload-Length": "10", "Tus-Resumable": "0.2.2"}, 412),
    ],
)
def test_malformed_creation_is_refused(crew, story, peter, headers, status):
    response = peter.post(uploads_url(story()), headers={**TUS, **headers})
    assert response.status_code == status
    assert not StoryMedia.objects.exists() and files_in(media_dir("uploads")) == []


def test_malformed_patches_are_refused(crew, story, peter):
    url = create(peter, story(), 100, filetype="audio/mpeg")["Location"]
    body = b"ID3" + b"z" * 10
    assert (
        peter.generic(
            "PATCH",
            url,
            body,
            content_type="application/octet-stream",
            headers={**TUS, "Upload-Offset": "0"},
        ).status_code
        == 415
    )
    assert (
        peter.generic("PATCH", url, body, content_type=OFFSET_TYPE, headers=TUS).status_code == 400
    )
    assert patch(peter, url, 0, body, headers={"Upload-Offset": "zero"}).status_code == 400
    assert patch(peter, url, 0, body, headers={"Tus-Resumable": ""}).status_code == 412
    assert (
        peter.generic(
            "PATCH",
            url,
            body,
            content_type=OFFSET_TYPE,
            headers={**TUS, "Upload-Offset": "0"},
            CONTENT_LENGTH="",
        ).status_code
        == 411
    )
    assert peter.post(url, headers=TUS).status_code == 405
    assert StoryMedia.objects.get().upload_offset == 0


def test_hostile_caption_is_kept_as_text_and_escaped(crew, story, peter):
    draft = story()
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    url = create(peter, draft, len(M4A), filetype="audio/mp4", caption=hostile)["Location"]
    patch(peter, url, 0, M4A)
    media = StoryMedia.objects.get()
    assert media.caption == hostile
    page = peter.get(f"/app/stories/{draft.pk}/").content.decode()
    assert hostile not in page and "&lt;script&gt;alert(" in page
    # Neither the caption nor the file's name reaches the audit trail.
    for event in AuditEvent.objects.filter(object_type="stories.storymedia"):
        assert "script" not in str(event.changes)
        assert "m4a" not in str(event.changes).lower().replace("audio/mp4", "")


def test_delete_terminates_an_upload(crew, story, peter, django_capture_on_commit_callbacks):
    url = create(peter, story(), 1000, filetype="video/mp4")["Location"]
    patch(peter, url, 0, b"\x00" * 100)
    with django_capture_on_commit_callbacks(execute=True):
        response = peter.delete(url, headers=TUS)
    assert response.status_code == 204
    assert not StoryMedia.objects.exists() and files_in(media_dir("uploads")) == []
    assert head(peter, url).status_code == 404
    assert patch(peter, url, 100, b"\x00").status_code == 404


def test_a_received_file_cannot_be_terminated(crew, story, peter):
    url = create(peter, story(), len(M4A), filetype="audio/mp4")["Location"]
    patch(peter, url, 0, M4A)
    assert peter.delete(url, headers=TUS).status_code == 409
    assert StoryMedia.objects.filter(state=MediaState.PROCESSING).count() == 1


def test_someone_elses_upload_is_403_or_404(crew, story, client):
    peter = login_as(Client(), crew.users["peter"])
    draft = story()
    other = story()
    url = create(peter, draft, 1000, filetype="video/mp4")["Location"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    # Another author (sara) and someone with no role reach neither the draft nor its upload.
    for name in ("sara", "charlie"):
        stranger = login_as(Client(), crew.users[name])
        denied = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
        assert head(stranger, url).status_code == 403
        assert patch(stranger, url, 0, b"\x00" * 10).status_code == 403
        assert stranger.delete(url, headers=TUS).status_code == 403
        assert create(stranger, draft, 10, filetype="video/mp4").status_code == 403
        assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() > denied
    # The token is not one of the other story's uploads; a made-up token is not anything.
    assert head(peter, f"/app/stories/{other.pk}/uploads/{token}/").status_code == 404
    assert head(peter, f"/app/stories/{draft.pk}/uploads/{'0' * 32}/").status_code == 404
    assert head(peter, f"/app/stories/{draft.pk}/uploads/../../").status_code == 404
    # Not logged in: refused, not redirected to a login page.
    assert head(Client(), url).status_code == 403
    assert StoryMedia.objects.get().upload_offset == 0


def test_editor_reaches_a_sent_back_draft_but_not_its_uploads(crew, story):
    peter = login_as(Client(), crew.users["peter"])
    draft = advance(crew, story(), StoryState.IN_REVIEW)
    draft = services.story_send_back(
        actor=crew.users["edna"], story_id=draft.pk, expected_version=draft.version, comment="ok"
    )
    url = create(peter, draft, 1000, filetype="video/mp4")["Location"]
    edna = login_as(Client(), crew.users["edna"])
    assert edna.get(f"/app/stories/{draft.pk}/").status_code == 200
    assert head(edna, url).status_code == 403
    assert patch(edna, url, 0, b"\x00").status_code == 403
    assert create(edna, draft, 10, filetype="video/mp4").status_code == 403


def test_only_a_draft_takes_uploads(crew, story, peter):
    draft = story()
    url = create(peter, draft, len(M4A), filetype="audio/mp4")["Location"]
    patch(peter, url, 0, M4A[:100])
    # Sending the story waits for the upload to finish.
    with pytest.raises(Exception) as caught:
        services.story_submit(
            actor=crew.users["peter"], story_id=draft.pk, expected_version=draft.version
        )
    assert caught.value.code == "media_unfinished"  # type: ignore[attr-defined]
    draft.refresh_from_db()
    assert draft.state == StoryState.DRAFT
    peter.delete(url, headers=TUS)
    submitted = advance(crew, draft, StoryState.SUBMITTED)
    assert create(peter, submitted, 10, filetype="audio/mp4").status_code == 409


def test_csrf_token_is_required(crew, story):
    peter = login_as(Client(enforce_csrf_checks=True), crew.users["peter"])
    draft = story()
    assert create(peter, draft, 10, filetype="audio/mp4").status_code == 403
    page = peter.get(f"/app/stories/{draft.pk}/")
    assert page.status_code == 200
    token = peter.cookies["csrftoken"].value
    created = create(
        peter, draft, len(M4A), filetype="audio/mp4", headers={"X-CSRFToken": str(token)}
    )
    assert created.status_code == 201
    url = created["Location"]
    assert head(peter, url).status_code == 200  # a safe method: no token needed
    assert patch(peter, url, 0, M4A).status_code == 403
    assert peter.delete(url, headers=TUS).status_code == 403
    assert patch(peter, url, 0, M4A, headers={"X-CSRFToken": str(token)}).status_code == 204


def test_limits_of_open_uploads_and_photos(crew, story, peter, monkeypatch):
    draft = story()
    for _number in range(media_services.MAX_OPEN_UPLOADS):
        assert create(peter, draft, 10, filetype="audio/mp4").status_code == 201
    assert create(peter, draft, 10, filetype="audio/mp4").status_code == 409
    assert StoryMedia.objects.count() == media_services.MAX_OPEN_UPLOADS
    monkeypatch.setattr(media_services, "MAX_PHOTOS", 0)
    assert create(peter, story(), 10, filetype="image/jpeg").status_code == 409


def test_the_story_page_shows_uploads_and_the_upload_form(crew, story, peter):
    draft = story()
    url = create(peter, draft, 1000, filetype="video/mp4")["Location"]
    patch(peter, url, 0, b"\x00" * 250)
    page = peter.get(f"/app/stories/{draft.pk}/").content.decode()
    assert f'data-tus-endpoint="/app/stories/{draft.pk}/uploads/"' in page
    assert "upload-tus-4.3.1.min.js" in page and "stories/upload.js" in page
    assert 'value="25"' in page  # the progress bar
    assert "Cancel the upload" in page
    # The photo form still works without JavaScript: a plain multipart post.
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
