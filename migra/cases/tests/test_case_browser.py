"""The case pages in a real browser on a 360 px wide phone: nothing scrolls sideways,
no script or style breaks the content security policy (errors in the console).

MIGRA_SCREENSHOTS=/some/folder keeps a full-page screenshot of each page."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from migra.accounts.models import User
from migra.accounts.tests.conftest import login_as
from migra.cases import services
from migra.config.tests.browser import browser_marks, log_in, new_page, overflow

SCREENSHOTS = os.environ.get("MIGRA_SCREENSHOTS", "")

pytestmark = browser_marks


def _open(browser: Any, live_server: Any, user: User, path: str, name: str) -> list[str]:
    page, problems = new_page(browser)
    log_in(page, live_server, login_as(Client(), user))
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.status == 200, path
    sideways = overflow(page)
    if sideways:
        problems.append(f"{path} scrolls sideways by {sideways}px at 360 px")
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"case-{name}.png"), full_page=True)
    page.context.close()
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
