"""The page shells in a real browser: phone width, fonts, the menu, CSP, logging out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from migra.accounts.models import User
from migra.config.tests.browser import DESKTOP, PHONE, browser_marks, log_in, new_page, overflow

pytestmark = browser_marks


def _log_in(page: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    log_in(page, live_server, client)


@pytest.fixture
def sokha(transactional_db: None) -> User:
    return User.objects.create_user(
        email="sokha@example.org", password="x" * 12, full_name="ចាន់ សុខា", language="km"
    )


@pytest.mark.parametrize("language", ["km", "en", "th"])
def test_public_home_on_a_phone(
    browser: Any, live_server: Any, transactional_db: None, language: str
) -> None:
    page, problems = new_page(browser, PHONE)
    page.goto(f"{live_server.url}/{language}/")
    assert overflow(page) == 0, "the page scrolls sideways at 360 px"
    # The page's text is set in the vendored fonts: the Latin subset of the page's
    # own family, and the Khmer and Thai subsets for the language names.
    used = page.evaluate(
        "document.fonts.ready.then(() => [...document.fonts]"
        ".filter(f => f.status === 'loaded')"
        ".map(f => f.family + (f.unicodeRange.startsWith('U+0-FF') ? ' latin' : ' script')))"
    )
    page_family = "Noto Sans Thai" if language == "th" else "Noto Sans Khmer"
    assert {f"{page_family} latin", "Noto Sans Khmer script", "Noto Sans Thai script"} <= set(
        used
    ), used
    # Every font file the stylesheet declares is served and is a valid font.
    statuses = page.evaluate(
        "Promise.all([...document.fonts].map(f => f.load().then(() => 'loaded', () => "
        "'error ' + f.family + ' ' + f.weight + ' ' + f.unicodeRange.slice(0, 9))))"
    )
    assert len(statuses) == 8 and set(statuses) == {"loaded"}, statuses
    # Every link and button is big enough for a thumb.
    sizes = page.eval_on_selector_all(
        ".topbar a, .topbar button, .page .button",
        "els => els.map(e => [e.textContent.trim(), e.getBoundingClientRect().height])",
    )
    assert sizes and all(height >= 44 for _text, height in sizes), sizes
    assert problems == [], problems  # no CSP violation, no script error


def test_the_menu_button_opens_the_navigation_on_a_phone(
    browser: Any, live_server: Any, sokha: User
) -> None:
    page, problems = new_page(browser, PHONE)
    _log_in(page, live_server, sokha)
    page.goto(f"{live_server.url}/app/")
    toggle = page.locator("[data-menu-toggle]")
    menu = page.locator("#topbar-menu")
    assert toggle.is_visible()
    assert not menu.is_visible()
    toggle.click()
    assert menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator(".mainnav a").first.is_visible()
    page.keyboard.press("Escape")
    assert not menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert overflow(page) == 0
    assert problems == [], problems


def test_the_navigation_is_a_row_on_a_wide_screen(
    browser: Any, live_server: Any, sokha: User
) -> None:
    page, _problems = new_page(browser, DESKTOP)
    _log_in(page, live_server, sokha)
    page.goto(f"{live_server.url}/app/")
    assert not page.locator("[data-menu-toggle]").is_visible()
    assert page.locator(".mainnav").is_visible()
    assert page.locator(".usermenu summary").is_visible()
    assert "ចាន់ សុខា" in page.locator(".usermenu summary").inner_text()


def test_without_javascript_the_menu_is_simply_open(
    browser: Any, live_server: Any, sokha: User
) -> None:
    page, _problems = new_page(browser, PHONE, java_script_enabled=False)
    _log_in(page, live_server, sokha)
    page.goto(f"{live_server.url}/app/")
    assert page.locator("#topbar-menu").is_visible()
    assert not page.locator("[data-menu-toggle]").is_visible()


def test_logging_out_from_the_user_menu(browser: Any, live_server: Any, sokha: User) -> None:
    page, problems = new_page(browser, DESKTOP)
    _log_in(page, live_server, sokha)
    page.goto(f"{live_server.url}/app/")
    page.locator(".usermenu summary").click()
    page.locator(".usermenu__panel button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/app/login/")
    page.goto(f"{live_server.url}/app/")
    assert page.url.startswith(f"{live_server.url}/app/login/")  # the session is gone
    assert problems == [], problems


def test_switching_language_before_login(browser: Any, live_server: Any, sokha: User) -> None:
    page, _problems = new_page(browser, PHONE)
    page.goto(f"{live_server.url}/app/login/")
    assert page.locator("html").get_attribute("lang") == "km"
    page.locator(".langswitch a[lang=en]").click()
    page.wait_for_url(f"{live_server.url}/app/login/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator('.langswitch a[lang=en][aria-current="true"]').count() == 1
