"""The stories pages in a real browser: a 360 px phone, Khmer, no sideways scrolling,
buttons at least 44 px high, no console error (CSP)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from migra.config.tests.browser import browser_marks, log_in, new_page, overflow
from migra.stories import services
from migra.stories.models import StoryState
from migra.stories.tests.conftest import advance, upload

pytestmark = browser_marks

LONG_KHMER = "ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាពនិងការការពារពលករចំណាកស្រុក" * 3


def _too_small(page: Any) -> list[str]:
    """Buttons and summaries in the page's main part lower than 44 px."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('main button, main summary, main .btn')]
                .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
                .map(e => e.outerHTML.slice(0, 80))"""
        )
    )


def test_story_pages_on_a_phone_in_khmer(
    browser: Any, live_server: Any, transactional_db: None, crew: Any, story: Any
) -> None:
    for name in ("peter", "edna"):
        crew.users[name].language = "km"
        crew.users[name].save(update_fields=["language"])
    draft = story(title_km=LONG_KHMER, name_shown="ស្រីពៅ", text_km=LONG_KHMER)
    for face in (True, False):
        services.story_photo_add(
            actor=crew.users["peter"],
            story_id=draft.pk,
            upload=upload(),
            caption=LONG_KHMER,
            show_face=face,
        )
    services.story_comment(actor=crew.users["peter"], story_id=draft.pk, text=LONG_KHMER)
    reviewing = advance(crew, draft, StoryState.IN_REVIEW)
    collection = services.collection_create(actor=crew.users["edna"], title_km=LONG_KHMER)
    pages = {
        "peter": ["/app/stories/", "/app/stories/new/", f"/app/stories/{draft.pk}/"],
        "edna": [
            "/app/stories/?show=queue",
            f"/app/stories/{reviewing.pk}/",
            "/app/stories/collections/",
            f"/app/stories/collections/{collection.pk}/",
        ],
    }
    for name, paths in pages.items():
        page, problems = new_page(browser)
        client = Client()
        client.force_login(crew.users[name])
        log_in(page, live_server, client)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            assert page.locator("html").get_attribute("lang") == "km"
            assert overflow(page) == 0, f"{path} scrolls sideways at 360 px"
            assert _too_small(page) == [], path
        assert problems == []
