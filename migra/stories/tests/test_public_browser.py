"""The public pages in a real browser, in Khmer on a 360 px phone: no serious or
critical accessibility problem found by axe-core (vendored, test-only:
tests/vendor/axe-core), no sideways scrolling, no console error (CSP)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migra.config.tests.browser import browser_marks, new_page, overflow
from migra.stories import services
from migra.stories.models import StoryPhoto

pytestmark = browser_marks

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
LONG_KHMER = "ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាពនិងការការពារពលករចំណាកស្រុក" * 3


def _axe_problems(page: Any) -> list[str]:
    """Serious and critical violations of the WCAG 2 A/AA rules (and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol: the page's CSP (scripts
        # from 'self' only) is untouched.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, impact: v.impact,
                          nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 120))}));
        }"""
    )
    return [json.dumps(v, ensure_ascii=False) for v in result]


def test_public_pages_have_no_serious_accessibility_problems(
    browser: Any, live_server: Any, transactional_db: None, crew: Any, published: Any
) -> None:
    story = published(photos=2, name_shown="ស្រីពៅ", title_km=LONG_KHMER, themes=["debt", "wages"])
    photo = StoryPhoto.objects.filter(story=story).first()
    editor = crew.users["edna"]
    collection = services.collection_create(
        actor=editor, title_km="ហួសពីអ្វីដែលគេបានប្រាប់", intro_km=f"<p>{LONG_KHMER}</p>"
    )
    item = services.collection_story_add(
        actor=editor, collection_id=collection.pk, expected_version=1, story_id=story.pk
    )
    services.collection_update(
        actor=editor,
        collection_id=collection.pk,
        expected_version=item.collection.version,
        title_km=collection.title_km,
        intro_km=collection.intro_km,
        cover_id=photo.pk if photo else None,
        is_published=True,
    )
    paths = [
        "/km/",
        "/km/stories/",
        f"/km/stories/{story.pk}/",
        "/km/stories/?q=ការធ្វើ&theme=debt",
        "/km/collections/",
        f"/km/collections/{collection.pk}/",
        "/km/search/?q=ការធ្វើ",
        "/km/report/",
    ]
    page, problems = new_page(browser)
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == "km"
        assert overflow(page) == 0, f"{path} scrolls sideways at 360 px"
        assert _axe_problems(page) == [], path
    assert problems == []
    # The check itself works: a picture without a text alternative is critical.
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert any('"image-alt"' in problem for problem in _axe_problems(page))
    assert page.evaluate("axe.version") == "4.14.1"
