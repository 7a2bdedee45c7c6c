"""Concurrent work on one story: a stale edit is refused and changes nothing; two editors
publishing at once — one wins, the other is told; a consent withdrawn while an editor
publishes never leaves the story published without consent."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from migra.audit.models import AuditEvent
from migra.people.models import Consent
from migra.people.services import consent_withdraw
from migra.stories import services
from migra.stories.models import Story, StoryState
from migra.stories.tests.conftest import advance, login_as


def _race(*jobs: Callable[[], object]) -> list[str]:
    """Run the jobs at the same moment in threads; each gives "ok" or an error code."""
    start = threading.Barrier(len(jobs))
    results: list[str] = []

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait()
            job()
            results.append("ok")
        except ValidationError as error:
            results.append(str(error.code))
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_editors_publish_at_once_one_wins(crew, story):
    approved = advance(crew, story(), StoryState.APPROVED)

    def publish(who: str) -> Callable[[], object]:
        return lambda: services.story_publish(
            actor=crew.users[who],
            story_id=approved.pk,
            expected_version=approved.version,
            confirm_no_person=True,
        )

    results = _race(publish("edna"), publish("eric"))
    assert sorted(results) == ["conflict", "ok"]
    fresh = Story.objects.get(pk=approved.pk)
    assert fresh.state == StoryState.PUBLISHED and fresh.version == approved.version + 1
    published = [
        e
        for e in AuditEvent.objects.filter(object_type="stories.story", object_id=str(fresh.pk))
        if e.changes.get("to") == StoryState.PUBLISHED
    ]
    assert len(published) == 1


@pytest.mark.django_db(transaction=True)
def test_two_stale_edits_at_once_one_wins(crew, story):
    draft = story()

    def edit(title: str) -> Callable[[], object]:
        return lambda: services.story_update(
            actor=crew.users["peter"],
            story_id=draft.pk,
            expected_version=draft.version,
            kind="testimony",
            title_km=title,
            text_km="អត្ថបទ",
            place_code="01020101",
        )

    results = _race(edit("ទីមួយ"), edit("ទីពីរ"))
    assert sorted(results) == ["conflict", "ok"]
    fresh = Story.objects.get(pk=draft.pk)
    assert fresh.title_km in {"ទីមួយ", "ទីពីរ"} and fresh.version == draft.version + 1


@pytest.mark.django_db(transaction=True)
def test_withdrawal_racing_publication_never_leaves_it_published(crew, story, person, consent):
    someone = person()
    given = consent(someone, "story")
    draft = story()
    draft = services.story_person_link(
        actor=None, story_id=draft.pk, expected_version=draft.version, person_id=someone.pk
    )
    approved = advance(crew, draft, StoryState.APPROVED)
    results = _race(
        lambda: services.story_publish(
            actor=crew.users["edna"], story_id=approved.pk, expected_version=approved.version
        ),
        lambda: consent_withdraw(actor=crew.users["gina"], consent=given),
    )
    assert "ok" in results
    assert Consent.objects.get(pk=given.pk).withdrawn_at is not None
    assert Story.objects.get(pk=approved.pk).state != StoryState.PUBLISHED


def test_a_stale_page_shows_the_conflict(crew, story, client):
    approved = advance(crew, story(), StoryState.APPROVED)
    login_as(client, crew.users["edna"])
    url = f"/app/stories/{approved.pk}/publish/"
    form = {"version": str(approved.version), "confirm_no_person": "on"}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form)
    assert again.status_code == 400
    assert "Someone else changed this story" in again.content.decode()
