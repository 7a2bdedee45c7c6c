"""Helpers of the story media tests: a tus client over Django's test client, sample
media made with ffmpeg (lavfi testsrc/sine: no binary fixtures), and a fixture giving
each test its own upload, private and media directories.

Use the fixture in a test module (the directories: `media_dir("uploads")` …):
    from migra.stories.tests.media_helpers import media_dirs  # noqa: F401
    pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dirs")]
"""

from __future__ import annotations

import base64
import json
import subprocess  # noqa: S404  (ffmpeg/ffprobe in tests, argument lists)
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from migra.media import av

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"
GPS = "+13.3622+103.8597/"  # Siem Reap

needs_ffmpeg = pytest.mark.skipif(
    not av.available(), reason="ffmpeg is not installed (CI installs it: ci-system-packages.sh)"
)


@pytest.fixture
def media_dirs(settings: Any, tmp_path: Path) -> dict[str, Path]:
    """Fresh directories for uploads in progress, private files and renditions."""
    dirs = {name: tmp_path / name for name in ("uploads", "private", "media")}
    settings.MIGRA_UPLOAD_DIR = str(dirs["uploads"])
    settings.MIGRA_PRIVATE_MEDIA_DIR = str(dirs["private"])
    settings.MEDIA_ROOT = str(dirs["media"])
    return dirs


def files_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def media_dir(name: str) -> Path:
    """The test's "uploads", "private" or "media" directory (set by `media_dirs`)."""
    from django.conf import settings

    return Path(
        {
            "uploads": settings.MIGRA_UPLOAD_DIR,
            "private": settings.MIGRA_PRIVATE_MEDIA_DIR,
            "media": settings.MEDIA_ROOT,
        }[name]
    )


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def metadata(**values: str) -> str:
    return ",".join(f"{key} {b64(value)}" for key, value in values.items())


def uploads_url(story: Any) -> str:
    return f"/app/stories/{story.pk}/uploads/"


def create(
    client: Client,
    story: Any,
    length: int | str,
    *,
    headers: dict[str, str] | None = None,
    **meta: str,
) -> Any:
    """tus creation (POST) with Upload-Length and the metadata given."""
    sent = {**TUS, "Upload-Length": str(length), **(headers or {})}
    if meta:
        sent["Upload-Metadata"] = metadata(**meta)
    return client.post(uploads_url(story), headers=sent)


def patch(
    client: Client, url: str, offset: int, data: bytes, *, headers: dict[str, str] | None = None
) -> Any:
    return client.generic(
        "PATCH",
        url,
        data=data,
        content_type=OFFSET_TYPE,
        headers={**TUS, "Upload-Offset": str(offset), **(headers or {})},
    )


def head(client: Client, url: str) -> Any:
    return client.head(url, headers=TUS)


def send_whole(client: Client, story: Any, data: bytes, **meta: str) -> Any:
    """Create an upload and send it in one PATCH; the PATCH response."""
    created = create(client, story, len(data), **meta)
    assert created.status_code == 201, created.content
    return patch(client, created["Location"], 0, data)


# --------------------------------------------------------------------------- samples


def ffmpeg(*arguments: str) -> None:
    path = av.ffmpeg_path()
    assert path is not None
    subprocess.run(  # noqa: S603
        [path, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *arguments], check=True
    )


def sample_video(
    path: Path,
    *,
    size: str = "320x240",
    seconds: float = 1,
    location: str = GPS,
    audio: bool = True,
    extra: tuple[str, ...] = (),
) -> bytes:
    """A short test-pattern video (with a 440 Hz tone), tagged with a GPS position, a
    title and a phone maker, as a phone would. The container follows the name ending."""
    inputs = ["-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=10"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast"] if path.suffix != ".webm" else []
    if path.suffix == ".webm":
        codecs = ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"]
    elif audio:
        codecs += ["-c:a", "aac"]
    ffmpeg(
        *inputs,
        *codecs,
        "-shortest",
        "-metadata",
        f"location={location}",
        "-metadata",
        "title=Sok Dara at home",
        "-metadata",
        "make=PhoneMaker",
        *extra,
        str(path),
    )
    return path.read_bytes()


def sample_audio(path: Path, *, seconds: float = 1, location: str = GPS) -> bytes:
    """A short tone tagged with a GPS position and a title; the format follows the name
    ending (.m4a, .mp3, .ogg, .opus, .wav)."""
    codec = {
        ".m4a": ["-c:a", "aac"],
        ".mp3": ["-c:a", "libmp3lame"],
        ".ogg": ["-c:a", "libopus"],
        ".opus": ["-c:a", "libopus"],
        ".wav": [],
    }[path.suffix]
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={seconds}",
        *codec,
        "-metadata",
        f"location={location}",
        "-metadata",
        "title=Sok Dara at home",
        str(path),
    )
    return path.read_bytes()


def probe_json(path: Path) -> dict[str, Any]:
    found = av.ffprobe_path()
    assert found is not None
    out = subprocess.run(  # noqa: S603
        [found, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        check=True,
        capture_output=True,
    ).stdout
    return dict(json.loads(out))


def all_tags(probed: dict[str, Any]) -> dict[str, str]:
    """Every tag of the container and of its streams, in one dict."""
    tags = dict((probed.get("format") or {}).get("tags") or {})
    for stream in probed.get("streams") or []:
        tags.update(stream.get("tags") or {})
    return tags


def run_on_commit(capture: Callable[..., Any]) -> Callable[[Callable[[], Any]], Any]:
    """`with_worker(lambda: …)`: do something and run the tasks it enqueued on commit
    (the test settings run tasks at once: ImmediateBackend)."""

    def with_worker(action: Callable[[], Any]) -> Any:
        with capture(execute=True):
            return action()

    return with_worker


def ready_media(
    story: Any,
    *,
    kind: str = "video",
    data: bytes = bytes(range(256)) * 40,
    show_face: bool = False,
    has_voice: bool = True,
    hidden: bool = False,
    caption: str = "",
) -> Any:
    """A prepared medium, straight in the database (for tests about who sees what, not
    about how it is made): its web rendition holds `data`, a video also has a poster."""
    import secrets

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from migra.stories.models import MediaState, StoryMedia

    extension = "m4a" if kind == "audio" else "mp4"
    web = default_storage.save(
        f"stories/media/{secrets.token_hex(16)}.{extension}", ContentFile(data)
    )
    poster = ""
    if kind == "video":
        poster = default_storage.save(
            f"stories/media/{secrets.token_hex(16)}.jpg", ContentFile(b"\xff\xd8poster")
        )
    now = timezone.now()
    return StoryMedia.objects.create(
        story=story,
        kind=kind,
        state=MediaState.READY,
        upload_token=secrets.token_hex(16),
        upload_length=len(data),
        upload_offset=len(data),
        source_type="audio/mp4" if kind == "audio" else "video/mp4",
        source_file=f"stories/originals/{secrets.token_hex(16)}.{extension}",
        web_file=web,
        poster_file=poster,
        web_bytes=len(data),
        width=320 if kind == "video" else None,
        height=240 if kind == "video" else None,
        duration=1.0,
        caption=caption,
        show_face=show_face,
        has_voice=has_voice,
        hidden=hidden,
        position=StoryMedia.objects.filter(story=story).count() + 1,
        created_at=now,
        last_activity_at=now,
    )
