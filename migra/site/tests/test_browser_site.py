"""The public website's pages in a real browser at phone width: nothing scrolls
sideways, the menu opens without JavaScript, tap targets are big enough, images keep
their place, no CSP violation or script error; and the editor's preview on a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from migra.accounts.tests.conftest import Cast, login_as
from migra.config.tests.browser import DESKTOP, PHONE, browser_marks, log_in, new_page, overflow
from migra.site.models import Event, NewsItem, Page, Partner
from migra.site.tests.conftest import jpeg_upload

pytestmark = browser_marks


@pytest.fixture
def content(
    transactional_db: None,
    crew: Cast,
    news: Callable[..., NewsItem],
    event: Callable[..., Event],
    partner: Callable[..., Partner],
) -> dict[str, Any]:
    item = news(
        title_km="យុវជនអប់រំមិត្តភក្តិរៀនប្រមូលរឿងរ៉ាវដោយប្រុងប្រយ័ត្ន និងដោយការយល់ព្រម",
        summary_km="សេចក្តីសង្ខេបវែងមួយដែលត្រូវតែបត់បន្ទាត់នៅលើទូរស័ព្ទតូចៗ។",
        cover=jpeg_upload(size=(1600, 900)),
    )
    happening = event(title_km="ថ្ងៃចំណាកស្រុកដោយសុវត្ថិភាព", place_code="010201", venue="សាលាឃុំ")
    partner(name_km="មជ្ឈមណ្ឌលវិបត្តិស្ត្រី", url="https://example.org/", logo=jpeg_upload())
    return {"news": item, "event": happening}


@pytest.mark.parametrize("language", ["km", "en", "th"])
def test_public_pages_on_a_phone(
    browser: Any, live_server: Any, content: dict[str, Any], language: str
) -> None:
    paths = [
        f"/{language}/",
        f"/{language}/advice/",
        f"/{language}/advice/warning-signs/",
        f"/{language}/advice/who-to-call/",
        f"/{language}/news/",
        f"/{language}/news/{content['news'].pk}/",
        f"/{language}/events/",
        f"/{language}/events/{content['event'].pk}/",
        f"/{language}/partners/",
        f"/{language}/contact/",
        f"/{language}/about/",
    ]
    page, problems = new_page(browser, PHONE)
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        assert overflow(page) == 0, f"{path} scrolls sideways at 360 px"
        # Links in the menu, the page's buttons and the card titles are thumb-sized.
        sizes = page.eval_on_selector_all(
            ".sitenav summary, .page .button, .item-card__title a, .link-list a, .more-link",
            "els => els.filter(e => e.offsetParent !== null)"
            ".map(e => [e.textContent.trim(), e.getBoundingClientRect().height])",
        )
        assert all(height >= 44 for _text, height in sizes), (path, sizes)
        # Every image has its size, so nothing jumps while it loads.
        sized = page.eval_on_selector_all(
            ".page img",
            "els => els.every(e => e.getAttribute('width') && e.getAttribute('height'))",
        )
        assert sized, path
    assert problems == [], problems


def test_the_menu_opens_without_javascript_on_a_phone(
    browser: Any, live_server: Any, content: dict[str, Any]
) -> None:
    page, problems = new_page(browser, PHONE, java_script_enabled=False)
    page.goto(f"{live_server.url}/km/")
    assert not page.locator(".sitenav__bar").is_visible()
    links = page.locator(".sitenav__fold li a")
    assert not links.first.is_visible()
    page.locator(".sitenav__fold summary").click()
    assert links.first.is_visible()
    heights = page.eval_on_selector_all(
        ".sitenav__fold li a", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    page.locator(".sitenav__fold li a[href='/km/advice/']").click()
    page.wait_for_url(f"{live_server.url}/km/advice/")
    assert overflow(page) == 0
    assert problems == [], problems


def test_the_menu_is_a_bar_on_a_wide_screen(
    browser: Any, live_server: Any, content: dict[str, Any]
) -> None:
    page, problems = new_page(browser, DESKTOP)
    page.goto(f"{live_server.url}/en/news/")
    assert page.locator(".sitenav__bar").is_visible()
    assert not page.locator(".sitenav__fold").is_visible()
    current = page.locator(".sitenav__bar a[aria-current='page']")
    assert current.inner_text() == "News"
    assert problems == [], problems


def test_the_preview_on_a_phone(
    browser: Any, live_server: Any, content: dict[str, Any], crew: Cast
) -> None:
    client = login_as(Client(), crew.users["edna"])
    page, problems = new_page(browser, PHONE)
    log_in(page, live_server, client)
    item = content["news"]
    page.goto(f"{live_server.url}/app/site/news/{item.pk}/")
    assert overflow(page) == 0
    page.fill("#id_title_km", "ចំណងជើងដែលមិនទាន់រក្សាទុក")
    page.locator("button[value=preview]").click()
    page.wait_for_selector(".preview-banner")
    assert "ចំណងជើងដែលមិនទាន់រក្សាទុក" in page.locator("h1").inner_text()
    assert page.locator("meta[name=robots]").get_attribute("content") == "noindex, nofollow"
    assert overflow(page) == 0
    # Saving from under the preview keeps the change.
    page.locator(".preview-form button[value=save]").click()
    page.wait_for_url(f"{live_server.url}/app/site/news/{item.pk}/")
    item.refresh_from_db()
    assert item.title_km == "ចំណងជើងដែលមិនទាន់រក្សាទុក"
    assert problems == [], problems


def test_a_page_without_its_translation_on_a_phone(
    browser: Any, live_server: Any, content: dict[str, Any], fixed_pages: dict[str, Page]
) -> None:
    page, problems = new_page(browser, PHONE)
    page.goto(f"{live_server.url}/th/news/{content['news'].pk}/")
    assert page.locator(".langnote").is_visible()
    assert page.locator("h1").get_attribute("lang") == "km"
    assert overflow(page) == 0
    assert problems == [], problems
