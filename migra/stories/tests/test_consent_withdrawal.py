"""Consent withdrawal unpublishes at once, in the same transaction: the story is no
longer published and no longer found by the public search; for PHOTO, the photos
showing a face are hidden and the story stays."""

from __future__ import annotations

import pytest

from migra.audit.models import AuditEvent
from migra.people.models import Consent
from migra.people.services import (
    consent_withdraw,
    person_erase_approve,
    person_erase_request,
    person_merge,
    person_unmerge,
)
from migra.search.selectors import search_public
from migra.stories.models import Collection, Story, StoryPhoto, StoryState

WORD = "ប្រាក់ឈ្នួល"


def _public_ids() -> set[str]:
    return {r.object_id for r in search_public(WORD, doc_types=["story"])}


def _withdraw(crew, person, purpose: str) -> None:  # type: ignore[no-untyped-def]
    consent = Consent.objects.filter(person=person, purpose=purpose).latest("at", "pk")
    consent_withdraw(actor=crew.users["gina"], consent=consent)


def test_withdrawing_story_consent_unpublishes_and_unindexes(crew, published):
    story = published()
    assert str(story.pk) in _public_ids()
    _withdraw(crew, story.person, "story")
    fresh = Story.objects.get(pk=story.pk)
    assert fresh.state == StoryState.WITHDRAWN
    assert fresh.withdrawn_reason == "consent_story"
    assert fresh.withdrawn_by == crew.users["gina"]
    assert str(story.pk) not in _public_ids()
    event = AuditEvent.objects.filter(object_type="stories.story", object_id=str(story.pk)).latest(
        "seq"
    )
    assert event.changes["automatic"] is True and event.changes["reason"] == "consent_story"


def test_withdrawing_real_name_consent_unpublishes_a_named_story(crew, published):
    named = published(consents=("real_name",), name_shown="សុខ ដារ៉ា", name_is_real=True)
    pseudonym = published(name_shown="ស្រីពៅ", person_obj=named.person)
    _withdraw(crew, named.person, "real_name")
    assert Story.objects.get(pk=named.pk).withdrawn_reason == "consent_real_name"
    # The pseudonymous story of the same person needs no real-name consent: it stays.
    assert Story.objects.get(pk=pseudonym.pk).state == StoryState.PUBLISHED


def test_withdrawing_voice_consent_unpublishes_audio(crew, published):
    audio = published(consents=("voice",), kind="audio_story")
    _withdraw(crew, audio.person, "voice")
    assert Story.objects.get(pk=audio.pk).withdrawn_reason == "consent_voice"


def test_withdrawing_photo_consent_hides_the_faces_only(crew, published):
    story = published(consents=("photo",), faces=1, photos=1)
    face = StoryPhoto.objects.get(story=story, show_face=True)
    other = StoryPhoto.objects.get(story=story, show_face=False)
    cover = Collection.objects.create(title_km="លើសពីអ្វីដែលបានប្រាប់", cover=face)
    _withdraw(crew, story.person, "photo")
    fresh = Story.objects.get(pk=story.pk)
    assert fresh.state == StoryState.PUBLISHED
    assert StoryPhoto.objects.get(pk=face.pk).hidden is True
    assert StoryPhoto.objects.get(pk=other.pk).hidden is False
    assert Collection.objects.get(pk=cover.pk).cover is None
    assert str(story.pk) in _public_ids()


def test_a_refusal_recorded_later_unpublishes_too(crew, published, consent):
    story = published()
    consent(story.person, "story", given=False)
    assert Story.objects.get(pk=story.pk).state == StoryState.WITHDRAWN
    assert str(story.pk) not in _public_ids()


def test_other_purposes_leave_the_story(crew, published, consent):
    story = published()
    consent(story.person, "services")
    _withdraw(crew, story.person, "services")
    assert Story.objects.get(pk=story.pk).state == StoryState.PUBLISHED


def test_erasure_unpublishes(crew, published):
    from migra.accounts.models import Membership, User
    from migra.accounts.roles import Role

    story = published()
    boss = User.objects.create_user(email="boss@example.org", password="x" * 20, full_name="B")
    Membership.objects.create(
        user=boss, agency=crew.agencies["lead"], role=Role.CASE_SUPERVISOR, all_places=True
    )
    person_erase_request(actor=crew.users["gina"], person=story.person)
    person_erase_approve(actor=boss, person=story.person)
    fresh = Story.objects.get(pk=story.pk)
    assert fresh.state == StoryState.WITHDRAWN and fresh.withdrawn_reason == "person_erased"
    assert str(story.pk) not in _public_ids()


def test_merge_unpublishes_the_merged_away_record(crew, published, person, consent):
    from migra.accounts.models import Membership, User
    from migra.accounts.roles import Role

    boss = User.objects.create_user(email="boss@example.org", password="x" * 20, full_name="B")
    Membership.objects.create(
        user=boss, agency=crew.agencies["lead"], role=Role.CASE_SUPERVISOR, all_places=True
    )
    story = published()
    survivor = person("សុខ ដារ៉ា")
    kept = published(person_obj=survivor)
    merge = person_merge(actor=boss, source=story.person, target=survivor)
    fresh = Story.objects.get(pk=story.pk)
    assert fresh.state == StoryState.WITHDRAWN and fresh.withdrawn_reason == "person_merged"
    assert fresh.person_id == survivor.pk  # moved with the person's records
    assert Story.objects.get(pk=kept.pk).state == StoryState.PUBLISHED
    person_unmerge(actor=boss, merge=merge)
    assert Story.objects.get(pk=story.pk).person_id == story.person_id


def test_the_withdrawal_and_the_unpublishing_are_one_transaction(crew, published, monkeypatch):
    from migra.stories import services

    story = published()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("index down")

    monkeypatch.setattr(services, "search_index_delete", broken)
    consent = Consent.objects.get(person=story.person, purpose="story")
    with pytest.raises(RuntimeError):
        consent_withdraw(actor=crew.users["gina"], consent=consent)
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
    assert Story.objects.get(pk=story.pk).state == StoryState.PUBLISHED
