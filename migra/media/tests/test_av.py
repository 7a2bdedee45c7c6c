"""Sound and video: the sniffer knows what phones record (from the first bytes); ffmpeg
makes web renditions without metadata, upright, at most 720p. Samples are made with
ffmpeg (lavfi); tests that need it are skipped where it is not installed (CI has it)."""

from __future__ import annotations

import pytest

from migra.media import av
from migra.media.sniff import sniff
from migra.stories.tests.media_helpers import (
    all_tags,
    ffmpeg,
    needs_ffmpeg,
    probe_json,
    sample_audio,
    sample_video,
)


def _ftyp(brand: bytes) -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00" + brand + b"isom" + b"\x00" * 64


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (_ftyp(b"M4A "), "audio/mp4"),
        (_ftyp(b"qt  "), "video/quicktime"),
        (_ftyp(b"3gp5"), "video/3gpp"),
        (_ftyp(b"3gp4"), "video/3gpp"),
        (_ftyp(b"mp42"), "video/mp4"),
        (_ftyp(b"iso5"), "video/mp4"),
        (_ftyp(b"isom"), "video/mp4"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 32, "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + b"\x00" * 32, "audio/mpeg"),
        (b"\xff\xf1\x50\x80" + b"\x00" * 32, "audio/aac"),
        (b"OggS\x00\x02" + b"\x00" * 32, "audio/ogg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32, "audio/wav"),
        (b"#!AMR\n" + b"\x00" * 32, "audio/amr"),
        (b"#!AMR-WB\n" + b"\x00" * 32, "audio/amr-wb"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 32, "video/webm"),
    ],
)
def test_sniffs_what_phones_record(data, mime):
    kind = sniff(data)
    assert kind is not None and kind.mime == mime
    assert kind.group == mime.split("/")[0]


@pytest.mark.parametrize(
    "data",
    [
        b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 32,  # AVI: not taken
        b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska" + b"\x00" * 32,  # MKV: not taken
        b"#EXTM3U\n#EXT-X-VERSION:3\nhttp://example.org/a.ts\n",  # a playlist
        _ftyp(b"heic")[:8] + b"zzzz" + b"\x00" * 64,  # an unknown brand
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    ],
    ids=["avi", "mkv", "m3u8", "unknown-brand", "gif"],
)
def test_unknown_media_is_none(data):
    assert sniff(data) is None


def test_images_and_documents_keep_their_group():
    from migra.media.tests.images import jpeg_with_gps

    assert sniff(jpeg_with_gps((8, 8))).group == "image"
    assert sniff(b"%PDF-1.4\n%%EOF\n").group == "document"


def test_without_ffmpeg_nothing_runs(settings, tmp_path):
    settings.MIGRA_FFMPEG = str(tmp_path / "missing")
    assert av.available() is False
    with pytest.raises(av.MediaError):
        av.web_audio(tmp_path / "a.m4a", tmp_path / "b.m4a", mime="audio/mp4")


@needs_ffmpeg
def test_probe_refuses_what_is_not_media(tmp_path):
    bogus = tmp_path / "x.mp4"
    bogus.write_bytes(_ftyp(b"mp42") + b"garbage" * 100)
    with pytest.raises(av.MediaError):
        av.probe(bogus, mime="video/mp4")
    with pytest.raises(av.MediaError):
        av.probe(bogus, mime="application/x-unknown")


@needs_ffmpeg
@pytest.mark.parametrize("name", ["clip.mp4", "clip.mov", "clip.3gp", "clip.webm"])
def test_real_videos_are_sniffed_and_probed(tmp_path, name):
    path = tmp_path / name
    data = sample_video(path)
    kind = sniff(data)
    assert kind is not None and kind.group == "video"
    found = av.probe(path, mime=kind.mime)
    assert found.has_video and found.has_audio and (found.width, found.height) == (320, 240)


@needs_ffmpeg
@pytest.mark.parametrize("name", ["r.m4a", "r.mp3", "r.ogg", "r.opus", "r.wav"])
def test_real_recordings_are_sniffed_and_probed(tmp_path, name):
    path = tmp_path / name
    kind = sniff(sample_audio(path))
    assert kind is not None and kind.group == "audio"
    found = av.probe(path, mime=kind.mime)
    assert found.has_audio and not found.has_video and 0.5 < (found.duration or 0) < 2


@needs_ffmpeg
def test_portrait_phone_video_comes_out_upright_without_metadata(tmp_path):
    # A phone stores a portrait video as landscape pixels plus "rotate 90°".
    landscape = tmp_path / "landscape.mp4"
    sample_video(landscape, size="1920x1080")
    source = tmp_path / "portrait.mp4"
    ffmpeg("-i", str(landscape), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(source))
    assert "rotation" in str(probe_json(source)["streams"])
    out = tmp_path / "web.mp4"
    av.web_video(source, out, mime="video/mp4")
    probed = probe_json(out)
    video = next(s for s in probed["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (720, 1280)  # upright, at most 720p
    assert not video.get("side_data_list"), video.get("side_data_list")  # no rotation left
    tags = all_tags(probed)
    assert "location" not in tags and "rotate" not in tags and "title" not in tags
    poster = tmp_path / "poster.png"
    av.poster(out, poster, at=0.2)
    assert poster.read_bytes().startswith(b"\x89PNG")


@needs_ffmpeg
def test_small_video_is_not_enlarged(tmp_path):
    source = tmp_path / "tiny.mp4"
    sample_video(source, size="160x90")
    out = tmp_path / "web.mp4"
    av.web_video(source, out, mime="video/mp4", with_audio=True)
    video = next(s for s in probe_json(out)["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (160, 90)


@needs_ffmpeg
def test_the_input_is_read_with_the_sniffed_demuxer_only(tmp_path):
    # An MP3 posing as an MP4 is not read as an MP3.
    source = tmp_path / "a.mp3"
    sample_audio(source)
    with pytest.raises(av.MediaError):
        av.web_audio(source, tmp_path / "out.m4a", mime="video/mp4")
