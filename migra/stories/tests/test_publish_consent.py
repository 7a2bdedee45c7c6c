"""Publishing is refused unless the consents hold: STORY of the linked person, REAL_NAME
when the real name is shown, VOICE for audio and video, PHOTO for a face; a story
linked to nobody needs the editor's confirmation, which is recorded."""

from __future__ import annotations

import pytest

from migra.audit.models import AuditEvent
from migra.stories import services
from migra.stories.models import Story, StoryState
from migra.stories.selectors import story_consent_checks
from migra.stories.tests.conftest import advance, upload


def _approved(crew, story, person=None, *, faces: int = 0, **kwargs):  # type: ignore[no-untyped-def]
    draft = story(**kwargs)
    for _number in range(faces):
        services.story_photo_add(
            actor=crew.users["peter"], story_id=draft.pk, upload=upload(), show_face=True
        )
    if person is not None:
        draft = services.story_person_link(
            actor=None, story_id=draft.pk, expected_version=draft.version, person_id=person.pk
        )
    return advance(crew, draft, StoryState.APPROVED)


def _publish(crew, story: Story, **kwargs):  # type: ignore[no-untyped-def]
    return services.story_publish(
        actor=crew.users["edna"], story_id=story.pk, expected_version=story.version, **kwargs
    )


def _refused(crew, story: Story, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ConsentMissing) as caught:
        _publish(crew, story, **kwargs)
    fresh = Story.objects.get(pk=story.pk)
    assert (fresh.state, fresh.version) == (StoryState.APPROVED, story.version)
    assert caught.value.code == "consent_missing"
    return list(caught.value.params["missing"])


def test_no_person_needs_the_editors_confirmation(crew, story):
    approved = _approved(crew, story)
    assert _refused(crew, approved) == ["no_person"]
    done = _publish(crew, approved, confirm_no_person=True)
    assert done.state == StoryState.PUBLISHED
    assert done.no_person_confirmed_by == crew.users["edna"]
    assert done.no_person_confirmed_at is not None
    events = AuditEvent.objects.filter(object_type="stories.story", object_id=str(done.pk))
    [event] = [e for e in events if "consents" in e.changes]
    assert event.changes["no_person_confirmed"] is True


def test_no_person_and_a_real_name_or_a_face_cannot_be_published(crew, story):
    named = _approved(crew, story, name_shown="សុខ ដារ៉ា", name_is_real=True)
    assert sorted(_refused(crew, named, confirm_no_person=True)) == ["real_name"]
    face = _approved(crew, story, faces=1)
    assert _refused(crew, face, confirm_no_person=True) == ["photo"]


def test_story_consent_of_the_linked_person(crew, story, person, consent):
    someone = person()
    approved = _approved(crew, story, someone)
    assert _refused(crew, approved, confirm_no_person=True) == ["story"]
    consent(someone, "story", given=False)
    assert _refused(crew, approved) == ["story"]
    consent(someone, "story")
    done = _publish(crew, approved)
    assert done.state == StoryState.PUBLISHED
    assert done.no_person_confirmed_at is None


def test_real_name_needs_real_name_consent(crew, story, person, consent):
    someone = person()
    consent(someone, "story")
    approved = _approved(crew, story, someone, name_shown="សុខ ដារ៉ា", name_is_real=True)
    assert _refused(crew, approved) == ["real_name"]
    consent(someone, "real_name")
    assert _publish(crew, approved).state == StoryState.PUBLISHED


def test_a_pseudonym_needs_no_real_name_consent(crew, story, person, consent):
    someone = person()
    consent(someone, "story")
    approved = _approved(crew, story, someone, name_shown="ស្រីពៅ")
    assert _publish(crew, approved).state == StoryState.PUBLISHED


def test_a_face_needs_photo_consent(crew, story, person, consent):
    someone = person()
    consent(someone, "story")
    approved = _approved(crew, story, someone, faces=2)
    assert _refused(crew, approved) == ["photo"]
    consent(someone, "photo")
    assert _publish(crew, approved).state == StoryState.PUBLISHED


def test_hiding_the_face_photos_lets_it_through(crew, story, person, consent):
    someone = person()
    consent(someone, "story")
    approved = _approved(crew, story, someone, faces=1)
    photo = approved.photos.get()
    services.story_photo_update(
        actor=crew.users["edna"],
        story_id=approved.pk,
        photo_id=photo.pk,
        caption="",
        show_face=True,
        hidden=True,
    )
    assert _publish(crew, approved).state == StoryState.PUBLISHED


@pytest.mark.parametrize("kind", ["audio_story", "video"])
def test_voice_kinds_need_voice_consent(crew, story, person, consent, kind):
    someone = person()
    consent(someone, "story")
    approved = _approved(crew, story, someone, kind=kind)
    assert _refused(crew, approved) == ["voice"]
    consent(someone, "voice")
    assert _publish(crew, approved).state == StoryState.PUBLISHED


def test_withdrawn_consent_before_publishing_blocks(crew, story, person, consent):
    someone = person()
    given = consent(someone, "story")
    approved = _approved(crew, story, someone)
    from migra.people.services import consent_withdraw

    consent_withdraw(actor=crew.users["gina"], consent=given)
    assert _refused(crew, approved) == ["story"]


def test_checklist_says_what_is_missing(crew, story, person, consent):
    someone = person()
    consent(someone, "story")
    approved = _approved(crew, story, someone, faces=1, name_shown="ស្រីពៅ")
    checks = {c.code: (c.required, c.allowed) for c in story_consent_checks(approved)}
    assert checks == {
        "story": (True, True),
        "real_name": (False, False),
        "voice": (False, False),
        "photo": (True, False),
    }
