"""The facilitator's pages in a real browser: a 360 px phone, Khmer, no sideways
scrolling, no console error (CSP), and the step from a reported problem to the
screening with its answer pre-selected."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

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


def _khmer(user: User) -> User:
    user.language = "km"
    user.save(update_fields=["language"])
    return user


def _fit_a_phone_in_khmer(page: Any, live_server: Any, *paths: str) -> None:
    """Each page is in Khmer, does not scroll sideways at 360 px, and its buttons are
    tall enough to tap."""
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == "km"
        assert overflow(page) == 0, f"{path} scrolls sideways at 360 px"
        for button in page.locator("main button:visible, main a.btn:visible").all():
            box = button.bounding_box()
            assert box is not None and box["height"] >= 44, f"{path}: a small tap target"


def test_editing_and_the_member_picker_on_a_phone_in_khmer(
    browser: Any, live_server: Any, transactional_db: None, world: Any
) -> None:
    from migra.accounts.tests.conftest import login_as
    from migra.community.models import GroupMember
    from migra.community.tests.test_editing import seed_topics

    seed_topics()
    gina = _khmer(world.users["gina"])
    group = services.group_create(
        actor=gina,
        name="ក្រុមជួយខ្លួនឯង បន្ទាយនាង",
        commune=world.places["010201"],
        villages=[world.places["01020101"]],
    )
    first = person_register(
        actor=gina,
        names=[NameInput(value="ម៉ៅ សុភាព")],
        sex="female",
        home_village=world.places["01020101"],
        approximate_age=40,
    )
    member = services.group_member_add(
        actor=gina, group=group, person=first, role="returned_migrant"
    )
    meeting = services.meeting_record(
        actor=gina,
        group=group,
        held_on=timezone.localdate() - dt.timedelta(days=3),
        venue="វត្តភូមិ",
        topics=["safe_migration"],
        attendees=[member.pk],
        guests={("female", "18_59"): 4},
        follow_ups=[
            services.FollowUpInput(
                action="ទៅលេងគ្រួសារ", owner=gina, due_on=timezone.localdate() + dt.timedelta(days=7)
            )
        ],
    )
    services.group_member_update(
        actor=gina,
        member=member,
        expected_version=1,
        role="community_leader",
        left_on=timezone.localdate(),
    )
    chan = person_register(
        actor=gina,
        names=[NameInput(value="សុខ ចាន់")],
        sex="female",
        home_village=world.places["01020101"],
        approximate_age=30,
    )

    page, problems = new_page(browser)
    client = Client()
    client.force_login(gina)
    log_in(page, live_server, client)
    _fit_a_phone_in_khmer(
        page,
        live_server,
        f"/app/community/groups/{group.pk}/",
        f"/app/community/groups/{group.pk}/edit/",
        f"/app/community/groups/{group.pk}/members/add/?q=sok+chan",
        f"/app/community/groups/{group.pk}/members/add/?person={chan.pk}",
        f"/app/community/members/{member.pk}/edit/",
        f"/app/community/meetings/{meeting.pk}/edit/",
    )

    # The type-ahead on the group page: a Latin spelling finds the Khmer name.
    page.goto(f"{live_server.url}/app/community/groups/{group.pk}/")
    page.locator("#member-q").fill("sok chan")
    option = page.locator("#member-q-listbox [role=option]").first
    option.wait_for()
    assert "សុខ ចាន់" in option.inner_text()
    option.dispatch_event("mousedown")
    page.wait_for_url(f"**/members/add/?person={chan.pk}")
    page.locator("#add-chosen").click()
    page.wait_for_url(f"**/community/groups/{group.pk}/")
    assert GroupMember.objects.filter(group=group, person=chan).exists()
    assert overflow(page) == 0
    assert problems == []

    # The topic catalogue, for a programme admin of the lead NGO, in Khmer.
    alice = _khmer(world.users["alice"])
    admin = login_as(Client(), alice)
    admin_page, admin_problems = new_page(browser)
    log_in(admin_page, live_server, admin)
    admin_page.goto(f"{live_server.url}/app/community/topics/")
    assert admin_page.locator("html").get_attribute("lang") == "km"
    assert overflow(admin_page) == 0, "the topic catalogue scrolls sideways at 360 px"
    admin_page.goto(f"{live_server.url}/app/community/topics/")
    admin_page.locator("form[action$='/move/'] button").nth(1).click()
    admin_page.wait_for_load_state()
    assert overflow(admin_page) == 0
    assert admin_problems == []


def test_the_household_of_a_register_entry_on_a_phone_in_khmer(
    browser: Any, live_server: Any, transactional_db: None, world: Any
) -> None:
    from migra.people.models import HouseholdMember

    gina = _khmer(world.users["gina"])

    def register(name: str, age: int) -> Any:
        return person_register(
            actor=gina,
            names=[NameInput(value=name)],
            sex="female",
            home_village=world.places["01020101"],
            approximate_age=age,
        )

    migrant = register("សុខ ស្រីនិច", 22)
    entry = services.register_entry_add(
        actor=gina, commune=world.places["010201"], person=migrant, channel="broker"
    )
    sister = register("សុខ ស្រីល័ក្ខណ៍ ដែលមានឈ្មោះវែងណាស់ណាស់", 19)
    services.register_household_member_add(
        actor=gina,
        entry=entry,
        new_person=services.NewPerson(
            names=["ចាន់ ស្រីមុំ"],
            sex="female",
            home_village=world.places["01020101"],
            approximate_age=52,
        ),
        relationship="parent",
        migrant_relationship="child",
    )

    page, problems = new_page(browser)
    client = Client()
    client.force_login(gina)
    log_in(page, live_server, client)
    base = f"/app/community/register/{entry.pk}"
    _fit_a_phone_in_khmer(
        page,
        live_server,
        f"{base}/",
        f"{base}/household/add/?q=%E1%9E%9F%E1%9E%BB%E1%9E%81",  # "សុខ"
        f"{base}/household/add/?person={sister.pk}",
        "/app/community/register/",
    )

    # Choose the sister on the entry page's type-ahead, then add her.
    page.goto(f"{live_server.url}{base}/")
    assert "ចាន់ ស្រីមុំ" in page.locator("#household").inner_text()
    page.locator("#member-q").fill("ស្រីល័ក្ខណ៍")
    option = page.locator("#member-q-listbox [role=option]").first
    option.wait_for()
    option.dispatch_event("mousedown")
    page.wait_for_url(f"**/household/add/?person={sister.pk}")
    page.locator("#chosen_relationship").select_option("sibling")
    page.locator("#add-chosen").click()
    page.wait_for_url(f"**/register/{entry.pk}/#household")
    assert HouseholdMember.objects.filter(person=sister, relationship="sibling").exists()
    assert "ស្រីល័ក្ខណ៍" in page.locator("#household").inner_text()
    assert overflow(page) == 0
    assert problems == []
