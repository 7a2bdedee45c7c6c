"""Referral pages in a real browser at phone width: nothing scrolls sideways, nothing
breaks the content security policy."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from migra.accounts.models import User
from migra.accounts.tests.conftest import login_as
from migra.cases.models import Referral
from migra.cases.referral_services import referral_accept, referral_service_add

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = os.environ.get("MIGRA_SCREENSHOTS", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed"),
]


@pytest.fixture(autouse=True, scope="module")
def _allow_database_under_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an asyncio loop in this thread (see
    # migra/site/tests/test_browser.py): the test's own database calls are not async.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _open(browser: Any, live_server: Any, user: User, path: str, name: str) -> list[str]:
    context = browser.new_context(viewport=PHONE)
    session = login_as(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.status == 200, path
    overflow = int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )
    if overflow:
        problems.append(f"{path} scrolls sideways by {overflow}px at 360 px")
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)
    context.close()
    return problems


@pytest.mark.django_db(transaction=True)
def test_referral_pages_fit_a_phone(
    browser: Any, live_server: Any, cast: Any, sent: Referral, lawyer: User
) -> None:
    referral_accept(actor=lawyer, referral=sent)
    referral_service_add(
        actor=lawyer, referral=sent, kind="wage_claim", currency="THB", amount_claimed="48000"
    )
    carol, alice = cast.users["carol"], cast.users["alice"]
    pages = [
        (carol, reverse("cases:referral-new", args=[sent.case_id]), "new"),
        (carol, reverse("cases:detail", args=[sent.case_id]), "case"),
        (carol, reverse("cases:referral-sent"), "sent"),
        (lawyer, reverse("cases:referral-detail", args=[sent.pk]), "detail"),
        (lawyer, reverse("cases:referral-inbox"), "inbox"),
        (lawyer, reverse("cases:notifications"), "notifications"),
        (lawyer, reverse("cases:overdue"), "overdue"),
        (alice, reverse("cases:directory"), "directory"),
        (alice, reverse("cases:directory-new"), "directory-new"),
    ]
    problems: list[str] = []
    for user, path, name in pages:
        problems += _open(browser, live_server, user, path, name)
    assert problems == []
