"""What every browser test shares: Debian's Chromium driven by Playwright, a phone-sized
page that records console errors, logging in through a session cookie, and the check
that a page does not scroll sideways.

Use: `from migra.config.tests.browser import PHONE, browser_marks, new_page, overflow,
log_in` and `pytestmark = browser_marks`; the `browser` fixture is in the root
conftest.py.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's
# hosts, which a closed test network refuses.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

browser_marks = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed"),
]


def new_page(
    browser: Any, viewport: dict[str, int] = PHONE, **options: Any
) -> tuple[Any, list[str]]:
    """A page in a fresh context, and the list its console errors and uncaught script
    errors are added to (a CSP violation is a console error)."""
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def overflow(page: Any) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def log_in(page: Any, live_server: Any, client: Client) -> None:
    """Give the page the session of a test client that is already logged in."""
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
