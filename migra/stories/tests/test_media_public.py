"""What the public may play: ready, not hidden audio and video of published stories,
served with HTTP Range (seeking) and ETags; everything else is a 404. Consent: audio
and video need VOICE, media showing a face need PHOTO, at publication and when a
consent is withdrawn later."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client

from migra.people.models import Consent
from migra.people.services import consent_withdraw
from migra.stories import media_services, services
from migra.stories.media_files import parse_range
from migra.stories.models import MediaState, Story, StoryMedia, StoryState
from migra.stories.tests.conftest import advance, login_as
from migra.stories.tests.media_helpers import (  # noqa: F401  (fixtures, used by name)
    media_dirs,
    ready_media,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dirs")]

DATA = bytes(range(256)) * 40  # 10240 bytes


def _url(media: StoryMedia, rendition: str = "web") -> str:
    return f"/stories/media/{media.pk}/{rendition}"


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _published_with(crew, story, **flags):  # type: ignore[no-untyped-def]
    draft = story()
    media = ready_media(draft, **flags)
    return advance(crew, draft, StoryState.PUBLISHED), media


# --------------------------------------------------------------------------- serving


def test_published_video_is_served_whole_and_in_ranges(crew, story):
    _story, media = _published_with(crew, story, data=DATA)
    visitor = Client()
    whole = visitor.get(_url(media))
    assert whole.status_code == 200 and _body(whole) == DATA
    assert whole["Content-Type"] == "video/mp4" and whole["Accept-Ranges"] == "bytes"
    assert whole["Cache-Control"] == "public, no-cache"
    assert whole["X-Content-Type-Options"] == "nosniff"
    etag = whole["ETag"]
    cases = {
        "bytes=0-99": (0, 99),
        "bytes=100-": (100, len(DATA) - 1),
        "bytes=-50": (len(DATA) - 50, len(DATA) - 1),
        "bytes=10000-99999": (10000, len(DATA) - 1),
    }
    for header, (first, last) in cases.items():
        part = visitor.get(_url(media), headers={"Range": header})
        assert part.status_code == 206, header
        assert part["Content-Range"] == f"bytes {first}-{last}/{len(DATA)}"
        assert part["Content-Length"] == str(last - first + 1)
        assert _body(part) == DATA[first : last + 1]
    # Past the end: 416; several ranges or nonsense: the whole file.
    past = visitor.get(_url(media), headers={"Range": f"bytes={len(DATA)}-"})
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{len(DATA)}"
    for header in ("bytes=0-1,5-9", "bytes=9-1", "items=0-5", "bytes=٠-٥", "bytes=-"):
        assert visitor.get(_url(media), headers={"Range": header}).status_code == 200, header
    # Revalidation: 304 when unchanged; If-Range with another ETag gets the whole file.
    assert visitor.get(_url(media), headers={"If-None-Match": etag}).status_code == 304
    stale = visitor.get(_url(media), headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and _body(stale) == DATA
    assert (
        visitor.get(_url(media), headers={"Range": "bytes=0-9", "If-Range": etag}).status_code
        == 206
    )
    assert visitor.head(_url(media)).status_code == 200
    poster = visitor.get(_url(media, "poster"))
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    for rendition in ("original", "source", "web.mp4", "../web"):
        assert visitor.get(_url(media, rendition)).status_code == 404


def test_parse_range():
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=-100", 10) == (0, 9)
    assert parse_range("bytes=-0", 10) == "unsatisfiable"
    assert parse_range("bytes=10-", 10) == "unsatisfiable"
    assert parse_range("bytes=0-5", 0) is None
    assert parse_range("bytes=" + "9" * 40 + "-", 10) is None


def test_only_published_ready_shown_media_are_public(crew, story):
    published, shown = _published_with(crew, story)
    hidden = ready_media(published, hidden=True)
    not_ready = ready_media(published)
    StoryMedia.objects.filter(pk=not_ready.pk).update(state=MediaState.PROCESSING)
    draft = story()
    in_draft = ready_media(draft)
    approved = advance(crew, story(), StoryState.APPROVED)
    in_approved = ready_media(approved)
    visitor = Client()
    assert visitor.get(_url(shown)).status_code == 200
    for media in (hidden, not_ready, in_draft, in_approved):
        assert visitor.get(_url(media)).status_code == 404
        assert visitor.get(_url(media, "poster")).status_code == 404
    # Withdrawn: gone at once, and not kept by a browser (no-cache: it asks again).
    services.story_withdraw(
        actor=crew.users["alice"], story_id=published.pk, expected_version=published.version
    )
    assert visitor.get(_url(shown)).status_code == 404
    # Staff see renditions through the story's access check only.
    assert (
        login_as(Client(), crew.users["charlie"])
        .get(f"/app/stories/{draft.pk}/media/{in_draft.pk}/web")
        .status_code
        == 403
    )
    assert (
        login_as(Client(), crew.users["peter"])
        .get(f"/app/stories/{draft.pk}/media/{in_draft.pk}/web")
        .status_code
        == 200
    )


def test_public_players_template(crew, story):
    published, video = _published_with(crew, story, caption="<b>នៅភូមិ</b>")
    audio = ready_media(published, kind="audio")
    ready_media(published, hidden=True)
    html = render_to_string("stories/public/_media.html", {"story_id": published.pk})
    assert html.count("<video") == 1 and html.count("<audio") == 1
    assert f'src="/stories/media/{video.pk}/web"' in html
    assert f'poster="/stories/media/{video.pk}/poster"' in html
    assert f'src="/stories/media/{audio.pk}/web"' in html
    assert 'preload="none"' in html and "&lt;b&gt;នៅភូមិ&lt;/b&gt;" in html
    draft = story()
    ready_media(draft)
    assert "<video" not in render_to_string("stories/public/_media.html", {"story_id": draft.pk})
    assert render_to_string("stories/public/_media.html", {"story_id": "x"}).strip() == ""


def test_public_story_page_shows_the_players(crew, story):
    published, video = _published_with(crew, story)
    page = Client().get(f"/en/stories/{published.pk}/")
    assert page.status_code == 200
    assert f"/stories/media/{video.pk}/web" in page.content.decode()


# --------------------------------------------------------------------------- consent


@pytest.fixture
def about(crew, person, consent):  # type: ignore[no-untyped-def]
    """A draft about a registered person who gave STORY consent (and `consents`)."""

    def _about(story, *consents: str, **kwargs):  # type: ignore[no-untyped-def]
        someone = person()
        for purpose in ("story", *consents):
            consent(someone, purpose)
        draft = story(**kwargs)
        return services.story_person_link(
            actor=None, story_id=draft.pk, expected_version=draft.version, person_id=someone.pk
        )

    return _about


def _publish(crew, story):  # type: ignore[no-untyped-def]
    return advance(crew, story, StoryState.PUBLISHED)


def _withdraw(crew, person, purpose: str) -> None:  # type: ignore[no-untyped-def]
    consent = Consent.objects.filter(person=person, purpose=purpose).latest("at", "pk")
    consent_withdraw(actor=crew.users["gina"], consent=consent)


def test_voice_in_media_needs_voice_consent(crew, story, about):
    draft = about(story)
    ready_media(draft, kind="audio", has_voice=True)
    with pytest.raises(ValidationError) as caught:
        _publish(crew, draft)
    assert caught.value.params["missing"] == ["voice"]  # type: ignore[index]
    assert Story.objects.get(pk=draft.pk).state == StoryState.APPROVED
    with_voice = about(story, "voice")
    ready_media(with_voice, kind="audio", has_voice=True)
    assert _publish(crew, with_voice).state == StoryState.PUBLISHED


def test_face_in_a_video_needs_photo_consent(crew, story, about):
    draft = about(story, "voice")
    ready_media(draft, show_face=True)
    with pytest.raises(ValidationError) as caught:
        _publish(crew, draft)
    assert caught.value.params["missing"] == ["photo"]  # type: ignore[index]
    # Left out by the editor: no consent needed for it.
    story_now = Story.objects.get(pk=draft.pk)
    media = StoryMedia.objects.get(story=draft)
    media_services.story_media_update(
        actor=crew.users["edna"],
        story_id=draft.pk,
        media_id=media.pk,
        caption="",
        show_face=True,
        has_voice=True,
        hidden=True,
    )
    published = services.story_publish(
        actor=crew.users["edna"], story_id=draft.pk, expected_version=story_now.version
    )
    assert published.state == StoryState.PUBLISHED


def test_voice_withdrawn_hides_the_recordings_of_a_text_story(crew, story, about):
    draft = about(story, "voice", "photo")
    audio = ready_media(draft, kind="audio", has_voice=True)
    silent = ready_media(draft, has_voice=False, show_face=True)
    published = _publish(crew, draft)
    assert Client().get(_url(audio)).status_code == 200
    _withdraw(crew, published.person, "voice")
    fresh = Story.objects.get(pk=published.pk)
    assert fresh.state == StoryState.PUBLISHED  # the text stays
    assert StoryMedia.objects.get(pk=audio.pk).hidden is True
    assert StoryMedia.objects.get(pk=silent.pk).hidden is False
    assert Client().get(_url(audio)).status_code == 404
    assert Client().get(_url(silent)).status_code == 200


def test_voice_withdrawn_withdraws_a_video_story(crew, story, about):
    draft = about(story, "voice", kind="video")
    video = ready_media(draft)
    published = _publish(crew, draft)
    _withdraw(crew, published.person, "voice")
    fresh = Story.objects.get(pk=published.pk)
    assert (fresh.state, fresh.withdrawn_reason) == (StoryState.WITHDRAWN, "consent_voice")
    assert Client().get(_url(video)).status_code == 404


def test_photo_withdrawn_hides_videos_showing_a_face(crew, story, about):
    draft = about(story, "voice", "photo")
    face = ready_media(draft, show_face=True)
    voice_only = ready_media(draft, kind="audio")
    published = _publish(crew, draft)
    _withdraw(crew, published.person, "photo")
    assert Story.objects.get(pk=published.pk).state == StoryState.PUBLISHED
    assert StoryMedia.objects.get(pk=face.pk).hidden is True
    assert StoryMedia.objects.get(pk=voice_only.pk).hidden is False
    assert Client().get(_url(face)).status_code == 404
    assert Client().get(_url(voice_only)).status_code == 200


def test_media_flags_changed_by_whom_and_when_allowed(crew, story):
    draft = story()
    media = ready_media(draft, has_voice=True)
    changed = media_services.story_media_update(
        actor=crew.users["peter"],
        story_id=draft.pk,
        media_id=media.pk,
        caption="  <script>x</script> នៅភូមិ ",
        show_face=True,
        has_voice=False,
        hidden=True,  # an author cannot leave it out: that is the editor's
    )
    assert (changed.caption, changed.show_face, changed.has_voice, changed.hidden) == (
        "<script>x</script> នៅភូមិ",
        True,
        False,
        False,
    )
    for who in ("sara", "charlie"):
        with pytest.raises(Exception) as caught:
            media_services.story_media_update(
                actor=crew.users[who],
                story_id=draft.pk,
                media_id=media.pk,
                caption="",
                show_face=False,
                has_voice=False,
            )
        assert type(caught.value).__name__ == "PermissionDenied"
    with pytest.raises(ValidationError):
        media_services.story_media_update(
            actor=crew.users["peter"],
            story_id=draft.pk,
            media_id=media.pk,
            caption="x" * 301,
            show_face=False,
            has_voice=False,
        )
    with pytest.raises(ValidationError):
        media_services.story_media_update(
            actor=crew.users["peter"],
            story_id=draft.pk,
            media_id=media.pk,
            caption="",
            show_face="yes",  # type: ignore[arg-type]
            has_voice=False,
        )
    submitted = advance(crew, draft, StoryState.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        media_services.story_media_update(
            actor=crew.users["peter"],
            story_id=submitted.pk,
            media_id=media.pk,
            caption="",
            show_face=False,
            has_voice=False,
        )
    assert caught.value.code == "state"


def test_media_forms_over_http(crew, story, django_capture_on_commit_callbacks):
    draft = story()
    media = ready_media(draft, has_voice=True)
    peter = login_as(Client(), crew.users["peter"])
    base = f"/app/stories/{draft.pk}/media/{media.pk}"
    hostile = '"><script>alert(1)</script>'
    done = peter.post(f"{base}/", {f"m{media.pk}-caption": hostile, f"m{media.pk}-show_face": "on"})
    assert done.status_code == 302 and done["Location"].endswith("#media")
    media.refresh_from_db()
    assert (media.caption, media.show_face, media.has_voice) == (hostile, True, False)
    page = peter.get(f"/app/stories/{draft.pk}/").content.decode()
    assert hostile not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    too_long = peter.post(f"{base}/", {f"m{media.pk}-caption": "x" * 400}, follow=True)
    assert "check the caption" in too_long.content.decode()
    media.refresh_from_db()
    assert media.caption == hostile
    # Someone else: a logged 403, nothing changed; a medium of another story: refused.
    sara = login_as(Client(), crew.users["sara"])
    for action in ("", "remove/", "retry/"):
        assert sara.post(f"{base}/{action}").status_code == 403
    other = ready_media(story())
    assert peter.post(f"/app/stories/{draft.pk}/media/{other.pk}/remove/").status_code == 302
    assert StoryMedia.objects.filter(pk=other.pk).exists()
    # An editor leaves it out during the review, over HTTP.
    reviewing = advance(crew, draft, StoryState.IN_REVIEW)
    edna = login_as(Client(), crew.users["edna"])
    edna.post(f"{base}/", {f"m{media.pk}-show_face": "on", f"m{media.pk}-hidden": "on"})
    media.refresh_from_db()
    assert media.hidden is True and media.caption == hostile  # the caption is the author's
    assert "Left out" in edna.get(f"/app/stories/{reviewing.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        refused = peter.post(f"{base}/remove/", follow=True)
    assert StoryMedia.objects.filter(pk=media.pk).exists()  # not a draft any more
    assert refused.status_code == 200
