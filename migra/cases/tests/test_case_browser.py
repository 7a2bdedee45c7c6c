"""The case pages in a real browser on a 360 px wide phone: nothing scrolls sideways,
no script or style breaks the content security policy (errors in the console).

MIGRA_SCREENSHOTS=/some/folder keeps a full-page screenshot of each page."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from migra.accounts.models import User
from migra.accounts.tests.conftest import login_as
from migra.cases import services

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
        page.screenshot(path=os.path.join(SCREENSHOTS, f"case-{name}.png"), full_page=True)
    context.close()
    return problems


@pytest.mark.django_db(transaction=True)
def test_case_pages_fit_a_phone(
    browser: Any, live_server: Any, cast: Any, bm_case: Any, abroad: Any
) -> None:
    carol = cast.users["carol"]
    today = timezone.localdate()
    services.case_service_add(
        actor=carol,
        case=bm_case,
        kind="wage_claim",
        agency=cast.agencies["legal"],
        currency="THB",
        amount_claimed="45000",
        due_on=today - dt.timedelta(days=2),
        note="Employer in Sa Kaeo refuses to pay three months of wages",
    )
    services.case_task_add(
        actor=carol,
        case=bm_case,
        title="Call the family in Ou Thum",
        due_on=today,
        assigned_to=carol,
    )
    services.case_note_add(actor=carol, case=bm_case, text="ជួបគាត់នៅមជ្ឈមណ្ឌល។ " * 8)
    problems: list[str] = []
    for path, name in (
        ("/app/cases/", "list"),
        (f"/app/cases/{bm_case.pk}/", "detail"),
        (f"/app/cases/{bm_case.pk}/edit/", "edit"),
        (f"/app/cases/new/?person={bm_case.person_id}", "new"),
        ("/app/cases/new/?q=Sok", "pick"),
        (f"/app/cases/{bm_case.pk}/services/{bm_case.services.get().pk}/", "service"),
        (f"/app/cases/{bm_case.pk}/timeline/", "timeline"),
    ):
        problems += _open(browser, live_server, carol, path, name)
    assert problems == []
