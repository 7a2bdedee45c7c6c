"""Referral pages in a real browser at phone width: nothing scrolls sideways, nothing
breaks the content security policy."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from migra.accounts.models import User
from migra.accounts.tests.conftest import login_as
from migra.cases.models import Referral
from migra.cases.referral_services import referral_accept, referral_service_add
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
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)
    page.context.close()
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
