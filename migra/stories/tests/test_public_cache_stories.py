"""The public story pages and the page cache, committed for real (transaction=True):
publishing, withdrawing and losing consent each drop the kept pages at once, and a
withdrawal racing page views never leaves a kept copy of the story behind."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from migra.people.models import Consent
from migra.people.services import consent_withdraw
from migra.site.public_cache import default_cache
from migra.stories import services
from migra.stories.models import StoryPhoto, StoryState
from migra.stories.tests.conftest import advance

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_memory() -> Any:
    default_cache().forget_memory()
    yield
    default_cache().forget_memory()


def _withdraw(crew: Any, story: Any) -> None:
    story.refresh_from_db()
    services.story_withdraw(
        actor=crew.users["alice"], story_id=story.pk, expected_version=story.version
    )


def test_withdrawal_drops_the_kept_story_page_and_feed(crew: Any, published: Any) -> None:
    story = published(photos=1)
    client = Client()
    detail, feed = f"/km/stories/{story.pk}/", "/km/stories/feed/rss/"
    assert client.get(detail)["X-Public-Cache"] == "miss"
    assert client.get(detail)["X-Public-Cache"] == "hit"
    assert story.title_km in client.get(feed).content.decode()
    assert client.get(feed)["X-Public-Cache"] == "hit"
    _withdraw(crew, story)
    gone = client.get(detail)
    assert gone.status_code == 410
    assert story.title_km not in gone.content.decode()
    assert story.title_km not in client.get(feed).content.decode()
    # The 410 page is kept too, and still says gone.
    again = client.get(detail)
    assert again.status_code == 410 and again["X-Public-Cache"] == "hit"


def test_publication_shows_at_once_on_kept_lists(crew: Any, published: Any, story: Any) -> None:
    client = Client()
    first = published(title_km="រឿងទីមួយ")
    assert first.title_km in client.get("/km/stories/").content.decode()
    approved = advance(crew, story(title_km="រឿងថ្មី"), StoryState.APPROVED)
    services.story_publish(
        actor=crew.users["edna"],
        story_id=approved.pk,
        expected_version=approved.version,
        confirm_no_person=True,
    )
    page = client.get("/km/stories/")
    assert page["X-Public-Cache"] == "miss"
    assert "រឿងថ្មី" in page.content.decode()


def test_consent_withdrawal_takes_the_story_down_at_once(crew: Any, published: Any) -> None:
    story = published()
    client = Client()
    detail = f"/km/stories/{story.pk}/"
    client.get(detail)
    assert client.get(detail)["X-Public-Cache"] == "hit"
    consent = Consent.objects.get(person=story.person, purpose="story")
    consent_withdraw(actor=crew.users["gina"], consent=consent)
    assert client.get(detail).status_code == 410


def test_photo_consent_loss_hides_the_photo_from_the_kept_page(crew: Any, published: Any) -> None:
    story = published(consents=("photo",), faces=1)
    photo = StoryPhoto.objects.get(story=story)
    client = Client()
    detail = f"/km/stories/{story.pk}/"
    assert f"/photos/{photo.pk}/" in client.get(detail).content.decode()
    consent = Consent.objects.get(person=story.person, purpose="photo")
    consent_withdraw(actor=crew.users["gina"], consent=consent)
    page = client.get(detail)
    assert page.status_code == 200
    assert f"/photos/{photo.pk}/" not in page.content.decode()
    assert client.get(f"/km/stories/{story.pk}/photos/{photo.pk}/web.jpg").status_code == 404


def test_a_logged_in_editor_never_fills_the_public_cache(crew: Any, published: Any) -> None:
    story = published()
    editor = Client()
    editor.force_login(crew.users["edna"])
    seen = editor.get(f"/km/stories/{story.pk}/")
    assert seen.status_code == 200 and "X-Public-Cache" not in seen
    assert Client().get(f"/km/stories/{story.pk}/")["X-Public-Cache"] == "miss"


def test_withdrawal_racing_page_views_leaves_no_kept_copy(crew: Any, published: Any) -> None:
    story = published()
    detail = f"/km/stories/{story.pk}/"
    stop = threading.Event()
    errors: list[BaseException] = []

    def visit() -> None:
        client = Client()
        try:
            while not stop.is_set():
                status = client.get(detail).status_code
                if status not in (200, 410):
                    errors.append(AssertionError(status))
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    visitors = [threading.Thread(target=visit) for _ in range(2)]
    for thread in visitors:
        thread.start()
    try:
        _withdraw(crew, story)
    finally:
        stop.set()
        for thread in visitors:
            thread.join()
    assert errors == []
    for _ in range(3):
        assert Client().get(detail).status_code == 410
