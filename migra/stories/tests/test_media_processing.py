"""What the worker makes of received media (the task run as the test settings run
tasks: at once, when the upload's transaction commits): a photo's renditions without
EXIF/GPS, read back with Pillow; audio and video renditions made with ffmpeg from
samples made with ffmpeg, without their GPS position, read back with ffprobe; the
"processing" and "failed" states, the server without ffmpeg, and the sweeper."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from PIL import Image

from migra.audit.models import AuditEvent
from migra.config.worker import PERIODIC_JOBS, discover_periodic_jobs
from migra.media.tests.images import GPS_IFD, jpeg_with_gps
from migra.stories import media_services, tasks
from migra.stories.media_storage import private_storage
from migra.stories.models import MediaKind, MediaState, StoryMedia, StoryPhoto
from migra.stories.tests.conftest import login_as
from migra.stories.tests.media_helpers import (  # noqa: F401  (fixtures, used by name)
    GPS,
    TUS,
    all_tags,
    create,
    files_in,
    head,
    media_dir,
    media_dirs,
    needs_ffmpeg,
    patch,
    probe_json,
    sample_audio,
    sample_video,
    send_whole,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dirs")]

NO_FFMPEG = "Video and audio cannot be prepared for the web on this server"


@pytest.fixture
def peter(crew, client) -> Client:  # type: ignore[no-untyped-def]
    return login_as(client, crew.users["peter"])


@pytest.fixture
def send(peter, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Upload bytes to a story in two parts (the worker runs once it is received)."""

    def _send(story, data: bytes, **meta: str):  # type: ignore[no-untyped-def]
        url = create(peter, story, len(data), **meta)["Location"]
        half = len(data) // 2
        assert patch(peter, url, 0, data[:half]).status_code == 204
        with django_capture_on_commit_callbacks(execute=True):
            response = patch(peter, url, half, data[half:])
        return response

    return _send


def _stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _local(name: str, tmp_path: Path, suffix: str) -> Path:
    path = tmp_path / f"out{suffix}"
    path.write_bytes(_stored(name))
    return path


# --------------------------------------------------------------------------- photos


def test_gps_photo_renditions_made_by_the_worker_have_no_exif(crew, story, send, peter):
    draft = story()
    original = jpeg_with_gps((1200, 900))
    assert len(Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)) == 4
    response = send(draft, original, filetype="image/jpeg", caption="នៅភូមិ", face="1")
    assert response.status_code == 204
    photo = StoryPhoto.objects.get()
    assert (photo.story_id, photo.caption, photo.show_face) == (draft.pk, "នៅភូមិ", True)
    assert (photo.width, photo.height) == (1200, 900)
    for name in (photo.web_file, photo.thumb_file):
        kept = _stored(name)
        image = Image.open(io.BytesIO(kept))
        assert len(image.getexif()) == 0 and len(image.getexif().get_ifd(GPS_IFD)) == 0
        assert b"PhoneMaker" not in kept and b"Sok Dara" not in kept
    # The upload became an ordinary photo; nothing of it is left behind.
    assert not StoryMedia.objects.exists()
    assert files_in(media_dir("uploads")) == [] and files_in(media_dir("private")) == []
    page = peter.get(f"/app/stories/{draft.pk}/photos/{photo.pk}/thumb.jpg")
    assert page.status_code == 200


def test_photo_being_prepared_is_shown_as_such(crew, story, peter):
    draft = story()
    assert (
        send_whole(peter, draft, jpeg_with_gps((64, 48)), filetype="image/jpeg").status_code == 204
    )
    assert StoryMedia.objects.get().state == MediaState.PROCESSING  # no worker ran yet
    page = peter.get(f"/app/stories/{draft.pk}/").content.decode()
    assert "Being prepared" in page and "It is being prepared for the web" in page
    assert tasks.prepare_story_media.call(media_id=StoryMedia.objects.get().pk) == "ready"
    assert StoryPhoto.objects.filter(story=draft).count() == 1
    assert "Being prepared" not in peter.get(f"/app/stories/{draft.pk}/").content.decode()


def test_task_runs_twice_without_harm(crew, story, peter):
    send_whole(peter, story(), jpeg_with_gps((64, 48)), filetype="image/jpeg")
    media_id = StoryMedia.objects.get().pk
    assert tasks.prepare_story_media.call(media_id=media_id) == "ready"
    assert tasks.prepare_story_media.call(media_id=media_id) == "nothing"
    assert tasks.prepare_story_media.call(media_id=10**9) == "nothing"
    assert StoryPhoto.objects.count() == 1


# --------------------------------------------------------------------------- audio and video


@needs_ffmpeg
def test_gps_tagged_video_comes_out_without_location(crew, story, send, peter, tmp_path):
    draft = story()
    data = sample_video(tmp_path / "VID_0001.mp4", size="1280x960")
    assert all_tags(probe_json(tmp_path / "VID_0001.mp4"))["location"] == GPS
    assert send(draft, data, filetype="video/mp4", face="1").status_code == 204
    media = StoryMedia.objects.get()
    assert (media.kind, media.state, media.error) == (MediaKind.VIDEO, MediaState.READY, "")
    assert media.show_face and media.has_voice
    # The web rendition: H.264 and AAC, at most 720p, no tag telling where or who.
    web = probe_json(_local(media.web_file, tmp_path, ".mp4"))
    streams = {s["codec_type"]: s for s in web["streams"]}
    assert streams["video"]["codec_name"] == "h264" and streams["audio"]["codec_name"] == "aac"
    assert (streams["video"]["width"], streams["video"]["height"]) == (960, 720)
    assert (media.width, media.height) == (960, 720) and 0.5 < (media.duration or 0) < 2
    tags = all_tags(web)
    assert not any("location" in key.lower() for key in tags), tags
    assert "Sok Dara" not in str(tags) and "PhoneMaker" not in str(tags)
    assert b"+13.3622" not in _stored(media.web_file)
    # The poster: a JPEG without EXIF.
    poster = Image.open(io.BytesIO(_stored(media.poster_file)))
    assert poster.format == "JPEG" and len(poster.getexif()) == 0
    # The original is kept privately, exactly as sent (GPS and all), never served.
    with private_storage().open(media.source_file, "rb") as handle:
        assert handle.read() == data
    assert not media.source_file.startswith(str(media_dir("media")))
    assert files_in(media_dir("uploads")) == []
    # The staff page plays the rendition (access-checked, private).
    page = peter.get(f"/app/stories/{draft.pk}/").content.decode()
    assert '<video controls preload="none"' in page
    played = peter.get(f"/app/stories/{draft.pk}/media/{media.pk}/web")
    assert played.status_code == 200 and played["Content-Type"] == "video/mp4"
    assert played["Cache-Control"] == "private, max-age=3600"
    assert b"".join(played.streaming_content) == _stored(media.web_file)
    assert peter.get(f"/app/stories/{draft.pk}/media/{media.pk}/original").status_code == 404


@needs_ffmpeg
@pytest.mark.parametrize("suffix", [".m4a", ".mp3", ".ogg", ".wav"])
def test_gps_tagged_recordings_come_out_as_aac_without_tags(crew, story, send, tmp_path, suffix):
    data = sample_audio(tmp_path / f"rec{suffix}")
    assert send(story(), data, filename=f"rec{suffix}").status_code == 204
    media = StoryMedia.objects.get()
    assert (media.kind, media.state) == (MediaKind.AUDIO, MediaState.READY), media.error
    web = probe_json(_local(media.web_file, tmp_path, ".m4a"))
    assert [s["codec_name"] for s in web["streams"]] == ["aac"]
    tags = all_tags(web)
    assert not any("location" in key.lower() for key in tags) and "Sok Dara" not in str(tags)
    assert media.poster_file == "" and media.width is None


@needs_ffmpeg
def test_recording_in_a_video_container_becomes_audio(crew, story, send, tmp_path):
    # A phone's recorder may write sound only into an MP4 (and say video/mp4).
    data = sample_audio(tmp_path / "voice.m4a")
    data = data.replace(b"ftypM4A ", b"ftypisom", 1)
    assert send(story(), data, filetype="video/mp4").status_code == 204
    media = StoryMedia.objects.get()
    assert (media.source_type, media.kind, media.state) == ("video/mp4", "audio", "ready")


@needs_ffmpeg
def test_webm_video_without_sound(crew, story, send, tmp_path):
    data = sample_video(tmp_path / "clip.webm", audio=False)
    assert send(story(), data, filetype="video/webm").status_code == 204
    media = StoryMedia.objects.get()
    assert (media.kind, media.state) == (MediaKind.VIDEO, MediaState.READY), media.error
    web = probe_json(_local(media.web_file, tmp_path, ".mp4"))
    assert [s["codec_type"] for s in web["streams"]] == ["video"]


@needs_ffmpeg
def test_unreadable_video_fails_and_says_so(crew, story, send, peter):
    draft = story()
    junk = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(5000)
    assert send(draft, junk, filetype="video/mp4").status_code == 204
    media = StoryMedia.objects.get()
    assert (media.state, media.error, media.web_file) == (MediaState.FAILED, "unreadable", "")
    page = peter.get(f"/app/stories/{draft.pk}/").content.decode()
    assert "could not be read as sound or video" in page and "Try again" in page


def test_without_ffmpeg_the_page_says_so_and_nothing_plays(
    crew, story, send, peter, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MIGRA_FFMPEG = str(tmp_path / "no-such-ffmpeg")
    draft = story()
    # A recording's bytes (the sniffer reads the header; nothing decodes it here).
    data = b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isomiso2" + b"\x00" * 4000
    assert send(draft, data, filetype="audio/mp4").status_code == 204
    media = StoryMedia.objects.get()
    assert (media.state, media.error) == (MediaState.FAILED, "no_ffmpeg")
    assert media.source_file  # kept, to be prepared once ffmpeg is there
    page = peter.get(f"/app/stories/{draft.pk}/").content.decode()
    assert NO_FFMPEG in page and "ffmpeg is not installed" in page
    assert "<audio" not in page
    assert peter.get(f"/app/stories/{draft.pk}/media/{media.pk}/web").status_code == 404
    # Trying again on a server that still lacks ffmpeg fails the same way.
    with django_capture_on_commit_callbacks(execute=True):
        done = peter.post(f"/app/stories/{draft.pk}/media/{media.pk}/retry/")
    assert done.status_code == 302
    media.refresh_from_db()
    assert (media.state, media.error) == (MediaState.FAILED, "no_ffmpeg")


def test_removing_a_medium_deletes_its_files(
    crew, story, peter, django_capture_on_commit_callbacks
):
    draft = story()
    data = b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isomiso2" + b"\x00" * 4000
    send_whole(peter, draft, data, filetype="audio/mp4")
    media = StoryMedia.objects.get()
    assert files_in(media_dir("private"))
    others = login_as(Client(), crew.users["sara"])
    assert others.post(f"/app/stories/{draft.pk}/media/{media.pk}/remove/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        done = peter.post(f"/app/stories/{draft.pk}/media/{media.pk}/remove/")
    assert done.status_code == 302
    assert not StoryMedia.objects.exists() and files_in(media_dir("private")) == []
    deleted = AuditEvent.objects.filter(object_type="stories.storymedia", action="delete")
    assert deleted.count() == 1


# --------------------------------------------------------------------------- the sweeper


def test_sweeper_forgets_uploads_left_alone_for_a_day(
    crew, story, peter, django_capture_on_commit_callbacks
):
    draft = story()
    old_url = create(peter, draft, 1000, filetype="video/mp4")["Location"]
    patch(peter, old_url, 0, b"\x00" * 10)
    fresh_url = create(peter, draft, 1000, filetype="video/mp4")["Location"]
    old = StoryMedia.objects.get(upload_token=old_url.rstrip("/").rsplit("/", 1)[1])
    StoryMedia.objects.filter(pk=old.pk).update(
        last_activity_at=timezone.now() - timedelta(hours=25)
    )
    # A staging file of a request that died, and a file whose row is gone.
    uploads = media_dir("uploads")
    stray = [uploads / f"{'a' * 32}.stage-0123456789abcdef", uploads / f"{'b' * 32}.part"]
    day_old = time.time() - 25 * 3600
    for path in stray:
        path.write_bytes(b"x")
        os.utime(path, (day_old, day_old))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_story_uploads.call() == 1
    assert list(StoryMedia.objects.values_list("upload_token", flat=True)) == [
        fresh_url.rstrip("/").rsplit("/", 1)[1]
    ]
    assert [p.name for p in files_in(uploads)] == [StoryMedia.objects.get().upload_file]
    assert head(peter, old_url).status_code == 404
    assert head(peter, fresh_url).status_code == 200
    # A worker enqueues it every hour.
    discover_periodic_jobs()
    job = PERIODIC_JOBS["migra.stories.tasks.sweep_story_uploads"]
    assert job.every == 3600


def test_max_bytes_follow_the_settings(settings):
    settings.MIGRA_MEDIA_VIDEO_MAX_BYTES = 5000
    settings.MIGRA_MEDIA_AUDIO_MAX_BYTES = 4000
    settings.MIGRA_MEDIA_PHOTO_MAX_BYTES = 3000
    assert media_services.max_bytes("video") == 5000
    assert media_services.max_bytes("audio") == 4000
    assert media_services.max_bytes("photo") == 3000
    assert media_services.max_bytes("") == 5000


def test_tus_headers_on_refusals(crew, story, peter):
    response = create(peter, story(), 10**12, filetype="video/mp4")
    assert response.status_code == 413 and response["Tus-Resumable"] == TUS["Tus-Resumable"]
