"""Offline web forms in a real browser: Debian's Chromium at phone size, the service
worker from /app/sw.js, the network cut with Playwright's offline mode.

The facilitator opens the meeting form once with network; without network it opens
again (with a new form number), is filled and sent, and waits on the phone; when the
network returns it is sent by itself, exactly one meeting is recorded, and sending
the same form again still leaves one. Then: a session that ended while offline (the
form waits, the page asks to log in, and after the new login, which changes the CSRF
cookie, it is sent); a form the server refuses (the page says why); pages about
people never kept; another login on the phone.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from migra.accounts.models import User
from migra.accounts.tests.conftest import PASSWORD, cast  # noqa: F401  (fixture)
from migra.community import services
from migra.community.models import Group, GroupMember, Meeting, MemberRole
from migra.community.tests.conftest import world  # noqa: F401  (fixture)
from migra.config.tests.browser import browser_marks, new_page, overflow
from migra.people.services import NameInput, person_register

pytestmark = browser_marks

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Long enough for a slow shared machine; a step that works takes well under a second.
WAIT_MS = 20000

KEPT_PATHS = """async () => {
  const cache = await caches.open("migra-pages");
  return (await cache.keys()).map((request) => new URL(request.url).pathname);
}"""

QUEUE = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("migra-offline", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const items = await new Promise((resolve, reject) => {
    const request = db.transaction("queue").objectStore("queue").getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  db.close();
  return items;
}"""

# Put a copy of a queued form back as waiting (what a phone does when the answer to
# a form it sent was lost), then ask the worker to send.
SEND_AGAIN = """async (item) => {
  const copy = Object.assign({}, item, { status: "waiting", tries: 0 });
  delete copy.id;
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("migra-offline", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction("queue", "readwrite");
    tx.objectStore("queue").add(copy);
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
  const registration = await navigator.serviceWorker.ready;
  registration.active.postMessage({ type: "send" });
}"""


@pytest.fixture
def phone(
    browser: Any, live_server: Any, transactional_db: None
) -> Iterator[tuple[Any, list[str]]]:
    """A phone-sized page and its console errors; closed (with its service worker)
    before the database is emptied."""
    page, problems = new_page(browser)
    yield page, problems
    page.context.close()


def _until(page: Any, script: str, arg: Any = None) -> Any:
    """Evaluate `script` in the page until it gives something true. (Playwright's own
    wait_for_function evaluates a string inside the page, which the CSP forbids.)"""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {WAIT_MS} ms: {script}")
        time.sleep(0.1)


def _log_in_with_the_form(page: Any, live_server: Any, login: str | None, password: str) -> None:
    page.goto(f"{live_server.url}/app/login/")
    page.fill("input[name=username]", login or "")
    page.fill("input[name=password]", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/app/(?!login/).*"))


def _open_and_keep(page: Any, url: str) -> str:
    """Open a form with network, wait until the worker controls the page and keeps the
    form; return the form number the server gave."""
    # A page whose loading began before the worker was active stays without it: wait
    # for the worker (installed by the page already open) before opening the form.
    _until(
        page,
        """() => navigator.serviceWorker.getRegistration("/app/")
          .then((registration) => !!(registration && registration.active))""",
    )
    page.goto(url)
    _until(page, "() => navigator.serviceWorker.controller !== null")
    _until(
        page,
        """async (path) => {
          const cache = await caches.open("migra-pages");
          return !!(await cache.match(location.origin + path));
        }""",
        "/" + url.split("/", 3)[3],
    )
    return str(page.input_value("input[name=token]"))


def _fill_meeting(page: Any, held_on: str) -> str:
    page.fill("input[name=held_on]", held_on)
    page.fill("input[name=venue]", "វត្តភូមិ")
    page.locator("input[name=topics]").first.check()
    page.locator("input[name=attendees]").first.check()
    return str(page.input_value("input[name=token]"))


def _status(page: Any) -> str | None:
    return page.locator("#offline-items li").first.get_attribute("data-status")


def _wait_status(page: Any, status: str, count: int = 1) -> None:
    try:
        _until(
            page,
            "([status, count]) => document.querySelectorAll("
            "`#offline-items li[data-status=${status}]`).length === count",
            [status, count],
        )
    except AssertionError:
        kept = [{k: v for k, v in item.items() if k != "entries"} for item in page.evaluate(QUEUE)]
        raise AssertionError(f"no {count} form(s) {status!r}; on the phone: {kept}") from None


def test_demo_facilitator_records_a_meeting_offline_once(
    live_server: Any, transactional_db: None, phone: Any
) -> None:
    from migra.community.demo import GROUP_NAME
    from migra.community.tests.test_editing import seed_topics

    seed_topics()  # an earlier transactional test may have emptied the seeded topics
    call_command("demo", "--allow-production")

    group = Group.objects.get(name=GROUP_NAME)
    before = Meeting.objects.filter(group=group).count()
    page, problems = phone
    context = page.context
    _log_in_with_the_form(page, live_server, "012 345 601", "Migra-demo-2026")
    form_url = f"{live_server.url}/app/community/groups/{group.pk}/meetings/new/"
    online_token = _open_and_keep(page, form_url)
    assert UUID.match(online_token)

    context.set_offline(True)
    # Without network the form opens from the phone, in Khmer, as a new form, under
    # the same Content-Security-Policy.
    response = page.goto(form_url)
    assert response is not None and response.from_service_worker
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("html").get_attribute("lang") == "km"
    assert page.locator("input[name=held_on]").count() == 1
    token = _fill_meeting(page, timezone.localdate().isoformat())
    assert UUID.match(token) and token != online_token
    assert overflow(page) == 0
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/app/offline/?saved=*")
    assert page.locator("#offline-saved").is_visible()
    _wait_status(page, "waiting")
    assert overflow(page) == 0
    assert Meeting.objects.filter(group=group).count() == before
    queued = page.evaluate(QUEUE)
    assert len(queued) == 1
    assert dict(queued[0]["entries"])["token"] == token

    context.set_offline(False)
    _wait_status(page, "sent")
    assert page.locator("#offline-items li .offline-item__sent").count() == 1
    assert Meeting.objects.filter(group=group).count() == before + 1
    meeting = Meeting.objects.get(token=token)
    assert meeting.group_id == group.pk and meeting.venue == "វត្តភូមិ"
    # Once sent, the phone keeps no word of what was written.
    assert "entries" not in page.evaluate(QUEUE)[0]

    # The same form sent again (its answer lost): still one meeting.
    page.evaluate(SEND_AGAIN, queued[0])
    _wait_status(page, "sent", count=2)
    assert Meeting.objects.filter(group=group).count() == before + 1
    assert problems == []


@pytest.fixture
def khmer_group(world: Any) -> tuple[Group, User]:  # noqa: F811
    gina: User = world.users["gina"]
    gina.language = "km"
    gina.save(update_fields=["language"])
    from migra.community.tests.test_editing import seed_topics

    seed_topics()
    group = services.group_create(
        actor=gina,
        name="ក្រុមជួយខ្លួនឯង បន្ទាយនាង",
        commune=world.places["010201"],
        villages=[world.places["01020101"]],
    )
    person = person_register(
        actor=gina,
        names=[NameInput(value="ម៉ៅ សុភាព")],
        sex="female",
        home_village=world.places["01020101"],
        approximate_age=40,
    )
    services.group_member_add(
        actor=gina, group=group, person=person, role=MemberRole.RETURNED_MIGRANT
    )
    return group, gina


def _queue_one_meeting(page: Any, live_server: Any, group: Group, held_on: str) -> str:
    form_url = f"{live_server.url}/app/community/groups/{group.pk}/meetings/new/"
    _open_and_keep(page, form_url)
    page.context.set_offline(True)
    page.goto(form_url)
    token = _fill_meeting(page, held_on)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/app/offline/?saved=*")
    _wait_status(page, "waiting")
    return token


def test_a_session_ended_offline_keeps_the_form_until_the_next_login(
    live_server: Any, transactional_db: None, phone: Any, khmer_group: Any
) -> None:
    group, gina = khmer_group
    page, problems = phone
    _log_in_with_the_form(page, live_server, gina.email, PASSWORD)
    token = _queue_one_meeting(page, live_server, group, timezone.localdate().isoformat())

    Session.objects.all().delete()  # the session ends while the phone is offline
    page.context.set_offline(False)
    _wait_status(page, "login")
    assert page.locator("#offline-login").is_visible()
    assert not Meeting.objects.exists()

    # A new login gives a new CSRF cookie: the form is sent with a fresh token.
    page.locator("#offline-login a").click()
    page.fill("input[name=username]", gina.email or "")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/app/offline/")
    _wait_status(page, "sent")
    assert Meeting.objects.get().token is not None
    assert str(Meeting.objects.get().token) == token
    assert problems == []


def test_a_refused_form_says_why(
    live_server: Any, transactional_db: None, phone: Any, khmer_group: Any
) -> None:
    group, gina = khmer_group
    page, problems = phone
    _log_in_with_the_form(page, live_server, gina.email, PASSWORD)
    form_url = f"{live_server.url}/app/community/groups/{group.pk}/meetings/new/"
    page.goto(form_url)
    label = page.inner_text("label[for=id_held_on]").strip()
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    _queue_one_meeting(page, live_server, group, future)

    page.context.set_offline(False)
    _wait_status(page, "refused")
    reasons = page.locator("#offline-items li .offline-item__reasons li").all_inner_texts()
    assert reasons and reasons[0].startswith(label + ":")
    assert not Meeting.objects.exists()
    # Every page says a form is not sent yet, and leads to it.
    page.goto(f"{live_server.url}/app/community/")
    _until(page, "() => document.getElementById('offline-banner') !== null")
    assert page.locator("#offline-banner").get_attribute("data-count") == "1"
    assert overflow(page) == 0
    page.locator("#offline-banner a").click()
    page.wait_for_url("**/app/offline/")
    _wait_status(page, "refused")
    # Not sent again by itself; the person can take it off the phone.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#offline-items li button").click()
    _until(page, "() => document.querySelectorAll('#offline-items li').length === 0")
    assert page.locator("#offline-empty").is_visible()
    assert problems == []


def test_pages_about_people_are_never_kept(
    live_server: Any,
    transactional_db: None,
    phone: Any,
    khmer_group: Any,
    world: Any,  # noqa: F811
) -> None:
    group, gina = khmer_group
    member = GroupMember.objects.select_related("person").get(group=group)
    entry = services.register_entry_add(
        actor=gina,
        commune=world.places["010201"],
        person=member.person,
        departed_on=dt.date(2025, 1, 5),
        destination=world.places["TH-27"],
        channel="broker",
    )
    page, problems = phone
    _log_in_with_the_form(page, live_server, gina.email, PASSWORD)
    _open_and_keep(page, f"{live_server.url}/app/community/register/new/")
    for path in (
        f"/app/community/register/{entry.pk}/",
        f"/app/community/register/{entry.pk}/edit/",
        f"/app/people/{member.person_id}/",
        f"/app/community/groups/{group.pk}/",
        "/app/community/",
        "/app/offline/",
    ):
        page.goto(f"{live_server.url}{path}")
    _until(page, f"async () => ({KEPT_PATHS})().then((paths) => paths.length === 2)")
    assert sorted(page.evaluate(KEPT_PATHS)) == ["/app/community/register/new/", "/app/offline/"]

    # Without network a person's page shows the kept-forms page, not the person.
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/app/community/register/{entry.pk}/")
    assert page.locator("#offline-queue").count() == 1
    assert "ម៉ៅ សុភាព" not in page.content()
    _until(page, "() => document.querySelectorAll('#offline-pages a').length === 1")
    assert page.locator("#offline-pages a").get_attribute("href") == "/app/community/register/new/"
    assert problems == []


def test_another_login_on_the_phone_neither_sees_nor_sends_the_form(
    live_server: Any,
    transactional_db: None,
    phone: Any,
    khmer_group: Any,
    world: Any,  # noqa: F811
) -> None:
    group, gina = khmer_group
    page, problems = phone
    _log_in_with_the_form(page, live_server, gina.email, PASSWORD)
    _queue_one_meeting(page, live_server, group, timezone.localdate().isoformat())
    Session.objects.all().delete()  # gina's session ends while the phone is offline
    page.context.set_offline(False)
    _wait_status(page, "login")
    page.goto(f"{live_server.url}/app/login/")
    # Logged out: no kept page stays on the phone; the waiting form does.
    _until(page, f"async () => ({KEPT_PATHS})().then((paths) => paths.length === 0)")
    assert len(page.evaluate(QUEUE)) == 1

    ivan: User = world.users["ivan"]
    _log_in_with_the_form(page, live_server, ivan.email, PASSWORD)
    page.goto(f"{live_server.url}/app/offline/")
    _wait_status(page, "other")
    assert page.locator("#offline-login").is_hidden()
    assert page.locator("#offline-send").is_hidden()
    assert not Meeting.objects.exists()
    assert problems == []


def test_no_worker_is_installed_while_a_second_factor_is_owed(
    live_server: Any,
    transactional_db: None,
    phone: Any,
    world: Any,  # noqa: F811
) -> None:
    """The app answers such a login with a redirect to the second step, the worker's
    script too: installing from there would fail (a console error)."""
    page, problems = phone
    carol: User = world.users["carol"]  # a caseworker: two-step login
    _log_in_with_the_form(page, live_server, carol.email, PASSWORD)
    assert "/app/two-factor/" in page.url
    page.wait_for_load_state("networkidle")
    registered = page.evaluate(
        "async () => !!(await navigator.serviceWorker.getRegistration('/app/'))"
    )
    assert registered is False
    assert problems == []


def test_a_form_too_big_to_keep_says_so_and_keeps_nothing(
    live_server: Any,
    transactional_db: None,
    phone: Any,
    khmer_group: Any,  # noqa: F811
) -> None:
    group, gina = khmer_group
    page, problems = phone
    _log_in_with_the_form(page, live_server, gina.email, PASSWORD)
    form_url = f"{live_server.url}/app/community/groups/{group.pk}/meetings/new/"
    _open_and_keep(page, form_url)
    page.context.set_offline(True)
    page.goto(form_url)
    _fill_meeting(page, timezone.localdate().isoformat())
    # More than the phone keeps for one form (10 MB).
    page.evaluate(
        """() => {
          const extra = document.createElement("input");
          extra.type = "hidden";
          extra.name = "extra";
          extra.value = "ក".repeat(4e6);
          document.querySelector("main form").appendChild(extra);
        }"""
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/app/offline/?kept=0")
    assert page.locator("#offline-not-kept").is_visible()
    assert page.locator("#offline-saved").is_hidden()
    assert page.evaluate(QUEUE) == []
    assert problems == []
