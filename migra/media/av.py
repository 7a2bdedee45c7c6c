"""Sound and video for the web, with ffmpeg: probe a file, make a web rendition without
any metadata, take a poster frame. Pure helpers on local files (no storage, no models);
the worker calls them (`migra.stories.media_services`), never a request.

- `available()` — whether ffmpeg and ffprobe are installed (settings `MIGRA_FFMPEG`,
  `MIGRA_FFPROBE`: a name on PATH or a path; "ffmpeg" and "ffprobe" by default).
  Without them nothing here runs: the story page says that video and audio cannot be
  prepared for the web on this server.
- `probe(path, mime=…)` — streams and duration (ffprobe).
- `web_video(src, dst, mime=…)` — H.264/AAC MP4, at most 720p (the shorter side at most
  720 px, the longer at most 1280 px), `+faststart` so a phone starts playing before
  the whole file arrived; `web_audio(src, dst, mime=…)` — AAC in an M4A file.
- `poster(video, dst)` — one frame as a PNG (callers re-encode it with
  `migra.media.photos`).

Every rendition is written with `-map_metadata -1 -map_chapters -1` and the bitexact
flags: the title, the phone's make and model, the GPS position (`location`, Apple's
`com.apple.quicktime.location.ISO6709`), creation dates and chapters of the original
stay behind; subtitles and data streams are dropped. The original may carry all of
them, so it is never served.

The input is read only with the demuxer the sniffed type names (`-f mov` for an MP4,
`-f ogg` for an Ogg …) and only from a local file (`-protocol_whitelist file`): a
file posing as something else, or a playlist pointing elsewhere, is not followed.
ffmpeg parses hostile files; run the worker as a user that may write nothing but its
own temporary directory and the media storage (docs/media.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess  # noqa: S404  (ffmpeg and ffprobe, with argument lists, never a shell)
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# The demuxer to read each sniffed type with (`migra.media.sniff` mimes).
DEMUXERS: dict[str, str] = {
    "video/mp4": "mov",
    "video/quicktime": "mov",
    "video/3gpp": "mov",
    "audio/mp4": "mov",
    "video/webm": "matroska",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/amr": "amr",
    "audio/amr-wb": "amr",
}
VIDEO_LONG_SIDE = 1280
VIDEO_SHORT_SIDE = 720
VIDEO_CRF = "28"
VIDEO_MAXRATE = "1500k"  # a 3G phone keeps up; the CRF usually stays well below it
AUDIO_BITRATE = "96k"
DEFAULT_TIMEOUT = 3 * 60 * 60  # seconds for one rendition (an hour of video on 2 cores)
PROBE_TIMEOUT = 120

# Scale so that the longer side is at most 1280 and the shorter at most 720 px, never
# up, to even sizes (H.264 4:2:0 needs them). Phone videos are turned upright first
# (ffmpeg applies the rotation before the filters), so iw and ih are as shown.
_FACTOR = f"min(1,min({VIDEO_LONG_SIDE}/max(iw,ih),{VIDEO_SHORT_SIDE}/min(iw,ih)))"
SCALE = f"scale=w='max(2,trunc({_FACTOR}*iw/2)*2)':h='max(2,trunc({_FACTOR}*ih/2)*2)',setsar=1"
STRIP = [
    "-map_metadata",
    "-1",
    "-map_chapters",
    "-1",
    "-sn",
    "-dn",
    "-fflags",
    "+bitexact",
]


class MediaError(Exception):
    """ffmpeg or ffprobe could not read or convert the file (the message is for logs:
    ffmpeg's own last lines, never shown to people)."""


@dataclass(frozen=True)
class Probe:
    has_video: bool  # a real picture stream (not an album cover)
    has_audio: bool
    width: int | None
    height: int | None
    duration: float | None  # seconds


def _binary(setting: str, default: str) -> str | None:
    name = getattr(settings, setting, None) or default
    return shutil.which(str(name))


def ffmpeg_path() -> str | None:
    return _binary("MIGRA_FFMPEG", "ffmpeg")


def ffprobe_path() -> str | None:
    return _binary("MIGRA_FFPROBE", "ffprobe")


def available() -> bool:
    """Whether both ffmpeg and ffprobe are installed."""
    return ffmpeg_path() is not None and ffprobe_path() is not None


def timeout() -> int:
    value = getattr(settings, "MIGRA_MEDIA_FFMPEG_TIMEOUT", None)
    return int(value) if value else DEFAULT_TIMEOUT


def _demuxer(mime: str) -> str:
    try:
        return DEMUXERS[mime]
    except KeyError:
        raise MediaError(f"no demuxer for {mime}") from None


def _run(arguments: list[str], *, seconds: int) -> bytes:
    try:
        done = subprocess.run(  # noqa: S603  (fixed programs, argument list, no shell)
            arguments, capture_output=True, timeout=seconds, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise MediaError(f"{Path(arguments[0]).name} took more than {seconds} s") from None
    except OSError as error:
        raise MediaError(str(error)) from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise MediaError(" / ".join(tail) or f"exit status {done.returncode}")
    return done.stdout


def _input(src: Path, mime: str) -> list[str]:
    return ["-protocol_whitelist", "file", "-f", _demuxer(mime), "-i", str(src)]


def _ffmpeg() -> list[str]:
    path = ffmpeg_path()
    if path is None:
        raise MediaError("ffmpeg is not installed")
    return [path, "-nostdin", "-hide_banner", "-loglevel", "error"]


def _number(value: object) -> float | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if number >= 0 else None


def probe(src: Path, *, mime: str) -> Probe:
    path = ffprobe_path()
    if path is None:
        raise MediaError("ffprobe is not installed")
    out = _run(
        [
            path,
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            "-protocol_whitelist",
            "file",
            "-f",
            _demuxer(mime),
            str(src),
        ],
        seconds=PROBE_TIMEOUT,
    )
    try:
        found = json.loads(out)
    except ValueError:
        raise MediaError("ffprobe gave no JSON") from None
    streams = found.get("streams") or []
    video = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    width = video[0].get("width") if video else None
    height = video[0].get("height") if video else None
    return Probe(
        has_video=bool(video),
        has_audio=bool(audio),
        width=width if isinstance(width, int) else None,
        height=height if isinstance(height, int) else None,
        duration=_number((found.get("format") or {}).get("duration")),
    )


def web_video(src: Path, dst: Path, *, mime: str, with_audio: bool = True) -> None:
    """An H.264/AAC MP4 of at most 720p without metadata, written to `dst`."""
    audio = ["-map", "0:a:0", "-c:a", "aac", "-b:a", AUDIO_BITRATE] if with_audio else ["-an"]
    _run(
        [
            *_ffmpeg(),
            *_input(src, mime),
            "-map",
            "0:v:0",
            *audio,
            *STRIP,
            "-vf",
            SCALE,
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            VIDEO_CRF,
            "-maxrate",
            VIDEO_MAXRATE,
            "-bufsize",
            "3000k",
            "-pix_fmt",
            "yuv420p",
            "-flags:v",
            "+bitexact",
            "-flags:a",
            "+bitexact",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            "-y",
            str(dst),
        ],
        seconds=timeout(),
    )


def web_audio(src: Path, dst: Path, *, mime: str) -> None:
    """The first sound stream as AAC in an M4A file without metadata (pictures — album
    covers, a video's frames — are dropped)."""
    _run(
        [
            *_ffmpeg(),
            *_input(src, mime),
            "-map",
            "0:a:0",
            "-vn",
            *STRIP,
            "-c:a",
            "aac",
            "-b:a",
            AUDIO_BITRATE,
            "-flags:a",
            "+bitexact",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            "-y",
            str(dst),
        ],
        seconds=timeout(),
    )


def poster(video: Path, dst: Path, *, at: float = 1.0) -> None:
    """One frame of a web rendition (made by `web_video`) as a PNG, `at` seconds in
    (the first frame of a shorter video)."""
    _run(
        [
            *_ffmpeg(),
            "-ss",
            f"{max(0.0, at):.2f}",
            *_input(video, "video/mp4"),
            "-frames:v",
            "1",
            "-map_metadata",
            "-1",
            "-f",
            "image2",
            "-c:v",
            "png",
            "-y",
            str(dst),
        ],
        seconds=PROBE_TIMEOUT,
    )
