"""The Facebook box on a 360 px phone in Khmer: no sideways scrolling (a long error
from Facebook included), buttons at least 44 px high, no console error (CSP)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from migra.config.tests.browser import browser_marks, log_in, new_page, overflow
from migra.sharing import services
from migra.sharing.models import FacebookPost, FacebookState
from migra.sharing.tests.conftest import publish

pytestmark = browser_marks


def test_the_facebook_box_on_a_phone_in_khmer(
    browser: Any,
    live_server: Any,
    transactional_db: None,
    crew: Any,
    story: Any,
    facebook_on: Any,
    clock: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    edna = crew.users["edna"]
    edna.language = "km"
    edna.save(update_fields=["language"])
    for _ in range(services.MAX_POST_ATTEMPTS):
        facebook_on.error(400, 200, "(#200)" + "x" * 150)
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    while post.state == FacebookState.QUEUED:
        clock.now = post.next_attempt_at
        services.facebook_process_due()
        post.refresh_from_db()
    page, problems = new_page(browser)
    client = Client()
    client.force_login(edna)
    log_in(page, live_server, client)
    page.goto(f"{live_server.url}/app/stories/{shown.pk}/#facebook")
    assert page.locator("html").get_attribute("lang") == "km"
    box = page.locator("#facebook")
    assert box.is_visible()
    assert overflow(page) == 0
    button = box.locator("button")
    assert button.bounding_box()["height"] >= 44
    assert problems == []
