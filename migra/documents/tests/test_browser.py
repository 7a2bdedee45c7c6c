"""The documents pages in a real browser: a 360 px phone, Khmer, long Khmer titles, no
sideways scrolling, buttons at least 44 px high, no console error (CSP)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from migra.config.tests.browser import browser_marks, log_in, new_page, overflow
from migra.documents import services
from migra.documents.tests.conftest import login_as
from migra.documents.tests.samples import ooxml, upload

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


def _check(page: Any, url: str) -> None:
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "km"
    assert overflow(page) == 0, f"{url} scrolls sideways at 360 px"
    assert _too_small(page) == [], url


def test_documents_pages_on_a_phone_in_khmer(
    browser: Any, live_server: Any, transactional_db: None, crew: Any, document: Any
) -> None:
    crew.users["edna"].language = "km"
    crew.users["edna"].save(update_fields=["language"])
    live = document(publish=True, title_km=LONG_KHMER, description_km=LONG_KHMER)
    services.document_version_add(
        actor=crew.users["edna"],
        document_id=live.pk,
        upload=upload(ooxml("docx"), "guide.docx"),
        note=LONG_KHMER[:300],
    )
    draft = document(title_km=LONG_KHMER, with_file=False)
    page, problems = new_page(browser)
    for path in ("/km/documents/", f"/km/documents/{live.pk}/", "/km/documents/?q=សុវត្ថិភាព"):
        _check(page, f"{live_server.url}{path}")
    assert LONG_KHMER[:20] in page.content()
    staff, staff_problems = new_page(browser)
    client = login_as(Client(), crew.users["edna"])
    log_in(staff, live_server, client)
    for path in (
        "/app/documents/",
        "/app/documents/new/",
        f"/app/documents/{live.pk}/",
        f"/app/documents/{draft.pk}/",
        f"/app/documents/{live.pk}/preview/",
    ):
        _check(staff, f"{live_server.url}{path}")
    # The preview button shows the public page's body with the unsaved title.
    staff.goto(f"{live_server.url}/app/documents/{live.pk}/")
    staff.fill("#id_title_km", "ចំណងជើងមើលជាមុន")
    staff.click("button[name=preview]")
    assert "ចំណងជើងមើលជាមុន" in staff.locator(".documents-preview").inner_text()
    assert overflow(staff) == 0
    assert problems == [] and staff_problems == []
