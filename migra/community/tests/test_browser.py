"""The facilitator's pages in a real browser: a 360 px phone, Khmer, no sideways
scrolling, no console error (CSP), and the step from a reported problem to the
screening with its answer pre-selected."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from migra.accounts.models import User
from migra.community import services
from migra.config.tests.browser import browser_marks, log_in, new_page, overflow
from migra.people.services import NameInput, person_register
from migra.screening.services import catalogue_load_shipped

pytestmark = browser_marks


def test_facilitator_home_and_problem_to_screening_on_a_phone_in_khmer(
    browser: Any, live_server: Any, transactional_db: None, world: Any
) -> None:
    catalogue_load_shipped()
    gina: User = world.users["gina"]
    gina.language = "km"
    gina.save(update_fields=["language"])
    services.group_create(actor=gina, name="ក្រុមជួយខ្លួនឯង បន្ទាយនាង", commune=world.places["010201"])
    person = person_register(
        actor=gina,
        names=[NameInput(value="សុខ ស្រីនិច")],
        sex="female",
        home_village=world.places["01020101"],
        approximate_age=22,
    )
    entry = services.register_entry_add(
        actor=gina,
        commune=world.places["010201"],
        person=person,
        departed_on=dt.date(2025, 1, 5),
        destination=world.places["TH-27"],
        channel="broker",
    )
    services.register_problem_report(actor=gina, entry=entry, problems=["unpaid_wages"])

    page, problems = new_page(browser)
    client = Client()
    client.force_login(gina)
    log_in(page, live_server, client)
    for path in (
        "/app/community/",
        f"/app/community/register/{entry.pk}/",
        "/app/community/register/new/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == "km"
        assert overflow(page) == 0, f"{path} scrolls sideways at 360 px"
    page.goto(f"{live_server.url}/app/community/register/{entry.pk}/")
    page.locator("#screen-now").click()
    page.wait_for_url("**/app/screening/new/**")
    assert page.locator('input[name="q_dest_wages_withheld"][value="yes"]').is_checked()
    assert overflow(page) == 0
    assert problems == []


def test_commune_summary_on_a_phone_in_khmer(
    browser: Any, live_server: Any, transactional_db: None, world: Any
) -> None:
    gina: User = world.users["gina"]
    gina.language = "km"
    gina.save(update_fields=["language"])
    person = person_register(
        actor=gina,
        names=[NameInput(value="សុខ ស្រីនិច")],
        sex="female",
        home_village=world.places["01020101"],
        approximate_age=22,
    )
    services.register_entry_add(
        actor=gina,
        commune=world.places["010201"],
        person=person,
        departed_on=dt.date(2025, 1, 5),
        destination=world.places["TH-27"],
        sector="construction",
        channel="broker",
    )
    page, problems = new_page(browser)
    client = Client()
    client.force_login(gina)
    log_in(page, live_server, client)
    page.goto(f"{live_server.url}/app/community/summary/commune/010201/?since=2025-01-01")
    assert page.locator("html").get_attribute("lang") == "km"
    assert page.locator('[data-summary="away"]').inner_text() == "1"
    assert overflow(page) == 0, "the summary scrolls sideways at 360 px"
    assert problems == []
