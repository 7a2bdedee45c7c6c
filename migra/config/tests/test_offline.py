"""Offline web forms over HTTP: the service worker's script and allow-list, the state
it asks for around each replay, the waiting page, the line every staff page carries,
and replays as the worker makes them (CSRF still checked, one form number → one
meeting, also when two copies arrive at once). The worker itself runs in
test_offline_browser.py."""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext

from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    PASSWORD,
    as_user,
    cast,
    login_as,
)
from migra.community.models import Meeting
from migra.community.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    group,
    members,
    register,
    world,
)
from migra.community.tests.test_editing import seed_topics
from migra.config import offline_views
from migra.config.offline_views import OFFLINE_FORMS, url_pattern

pytestmark = pytest.mark.django_db

PREFIX = "self.MIGRA_OFFLINE = "
# What sw.js rewrites in a kept form (a new form number each time it is opened) and
# how it finds the login a page was made for: the pages must keep these shapes.
TOKEN_INPUT = re.compile(r'<input type="hidden" name="token" value="[0-9a-fA-F-]{36}"')
USER_IN_PAGE = re.compile(r'<script[^>]*\sdata-offline-user="([0-9]*)"')
KEPT_NAMES = {
    "community:meeting-new",
    "community:entry-new",
    "outreach:new",
    "stories:new",
    "offline:queue",
}


def _worker(response: Any) -> tuple[dict[str, Any], str]:
    body = response.content.decode()
    first, _, rest = body.partition("\n")
    assert first.startswith(PREFIX) and first.endswith(";")
    return json.loads(first[len(PREFIX) : -1]), rest


def _meeting_data(members: list[Any], token: str, **extra: Any) -> dict[str, Any]:  # noqa: F811
    from django.utils import timezone

    data = {
        "token": token,
        "held_on": timezone.localdate().isoformat(),
        "venue": "វត្តភូមិ",
        "topics": ["safe_migration"],
        "attendees": [str(m.pk) for m in members],
    }
    data.update(extra)
    return data


# --------------------------------------------------------------------------- the script


def test_the_worker_script_is_served_for_the_app_scope(client: Client) -> None:
    response = client.get("/app/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/app/"
    assert "no-cache" in response["Cache-Control"]
    config, source = _worker(response)
    assert source == offline_views.SW_SOURCE.read_text(encoding="utf-8")
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    assert config["scope"] == "/app/"
    assert config["queueUrl"] == "/app/offline/"
    assert config["stateUrl"] == "/app/offline/state.json"
    assert all(url.startswith("/static/") for url in config["static"])


def test_the_csp_lets_the_worker_run_and_reach_only_this_site(client: Client) -> None:
    response = client.get("/app/sw.js")
    policy = dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in response["Content-Security-Policy"].split(";")
    )
    # A worker's own script is governed by worker-src, else script-src, else default-src.
    source = policy.get("worker-src") or policy.get("script-src") or policy["default-src"]
    assert source.split() == ["'self'"]
    # The worker's fetches (replays, state.json) stay on this site.
    assert policy["connect-src"].split() == ["'self'"]


def test_the_worker_script_holds_nothing_of_the_user(client: Client, world: Any) -> None:  # noqa: F811
    anonymous = client.get("/app/sw.js").content
    login_as(client, world.users["gina"])
    assert client.get("/app/sw.js").content == anonymous


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_the_worker_script_only_answers_reads(client: Client, method: str) -> None:
    assert getattr(client, method)("/app/sw.js").status_code == 405


def test_the_worker_script_ignores_hostile_queries(client: Client) -> None:
    plain = client.get("/app/sw.js").content
    hostile = client.get("/app/sw.js", {"scope": "/", "v": "</script><script>" + "x" * 20000})
    assert hostile.status_code == 200 and hostile.content == plain
    assert client.head("/app/sw.js").status_code == 200


def test_the_version_changes_with_the_script(tmp_path: Any, monkeypatch: Any) -> None:
    copy = tmp_path / "sw.js"
    copy.write_text(offline_views.SW_SOURCE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(offline_views, "SW_SOURCE", copy)
    client = Client()
    first, _ = _worker(client.get("/app/sw.js"))
    copy.write_text(copy.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
    os.utime(copy, (1, 1))
    second, source = _worker(client.get("/app/sw.js"))
    assert source.endswith("// changed\n")
    assert first["version"] != second["version"]


# --------------------------------------------------------------------------- the allow-list


def _named(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _named(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def _every_app_path() -> Iterator[tuple[str, str]]:
    """(URL name, path) for every named URL of the site, its arguments numbers."""
    with translation.override("km"):
        for name in set(_named(get_resolver().url_patterns)):
            for count in range(4):
                try:
                    yield name, reverse(name, args=[7] * count)
                except NoReverseMatch:
                    continue


def test_only_blank_forms_are_kept_and_only_listed_forms_are_queued(client: Client) -> None:
    config, _ = _worker(client.get("/app/sw.js"))
    keep = [re.compile(f["pattern"]) for f in config["forms"] if f["keep"]]
    keep += [re.compile(pattern) for pattern in config["keep"]]
    queue = [re.compile(f["pattern"]) for f in config["forms"]]
    form_names = {f.url_name for f in OFFLINE_FORMS}
    checked = 0
    for name, path in _every_app_path():
        if any(pattern.search(path) for pattern in keep):
            assert name in KEPT_NAMES, f"{path} ({name}) would be kept on the phone"
        if any(pattern.search(path) for pattern in queue):
            assert name in form_names, f"{path} ({name}) would be queued"
        checked += 1
    assert checked > 100
    for form in OFFLINE_FORMS:
        path = reverse(form.url_name, args=[123456789] * form.pks)
        assert re.search(url_pattern(form.url_name, form.pks), path)
        assert resolve(path).view_name == form.url_name


@pytest.mark.parametrize(
    "path",
    [
        "/app/community/groups/7/meetings/new/extra",
        "/app/community/groups/7/meetings/new",
        "/app/community/groups/x/meetings/new/",
        "/app/community/groups/7/8/meetings/new/",
        "/app/community/groups//meetings/new/",
        "//app/community/register/new/",
        "/app/community/register/new/../../../people/7/",
        "/app/people/7/app/community/register/new/",
        "/app/community/register/7/",
        "/app/community/groups/7/",
        "/app/people/7/",
        "/app/cases/7/",
    ],
)
def test_lookalike_paths_are_never_kept(client: Client, path: str) -> None:
    config, _ = _worker(client.get("/app/sw.js"))
    patterns = [f["pattern"] for f in config["forms"] if f["keep"]] + config["keep"]
    assert not any(re.search(pattern, path) for pattern in patterns)


def test_pages_of_a_record_are_queued_but_not_kept(client: Client) -> None:
    config, _ = _worker(client.get("/app/sw.js"))
    by_kind = {f["kind"]: f for f in config["forms"]}
    assert not by_kind["register_update"]["keep"] and not by_kind["problem"]["keep"]
    assert re.search(by_kind["register_update"]["pattern"], "/app/community/register/7/edit/")
    assert re.search(by_kind["problem"]["pattern"], "/app/community/register/7/problems/")


# --------------------------------------------------------------------------- state.json


def test_state_for_nobody(client: Client) -> None:
    response = client.get("/app/offline/state.json")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["user"] is None and data["messages"] == []
    assert len(data["csrf"]) == 64 and "csrftoken" in response.cookies


def test_state_for_a_facilitator(client: Client, world: Any) -> None:  # noqa: F811
    login_as(client, world.users["gina"])
    assert client.get("/app/offline/state.json").json()["user"] == world.users["gina"].pk


def test_state_while_a_second_factor_is_owed(client: Client, world: Any) -> None:  # noqa: F811
    carol = world.users["carol"]  # a caseworker: two-step login
    client.force_login(carol, backend="migra.accounts.backends.EmailOrPhoneBackend")
    response = client.get("/app/offline/state.json")
    # Not 200: the worker takes it as "log in first" and sends nothing.
    assert response.status_code == 302
    login_as(client, carol)
    assert client.get("/app/offline/state.json").json()["user"] == carol.pk


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_state_only_answers_reads(client: Client, method: str) -> None:
    assert getattr(client, method)("/app/offline/state.json").status_code == 405


def test_state_gives_the_replay_messages_once(
    client: Client,
    world: Any,  # noqa: F811
    group: Any,  # noqa: F811
    members: Any,  # noqa: F811
) -> None:
    login_as(client, world.users["gina"])
    url = f"/app/community/groups/{group.pk}/meetings/new/"
    assert client.post(url, _meeting_data(members, str(uuid.uuid4()))).status_code == 302
    # Without ?messages=1 nothing is taken.
    assert client.get("/app/offline/state.json").json()["messages"] == []
    for hostile in ("0", "true", "<script>", "1" * 5000):
        assert client.get("/app/offline/state.json", {"messages": hostile}).json()["messages"] == []
    left = client.get("/app/offline/state.json", {"messages": "1"}).json()["messages"]
    assert [m["level"] for m in left] == ["success"] and left[0]["text"]
    assert client.get("/app/offline/state.json", {"messages": "1"}).json()["messages"] == []


def test_state_tells_a_refusal_by_redirect(client: Client, world: Any, register: Any) -> None:  # noqa: F811
    """A problem report refused by the view redirects like a saved one; its error
    message is what tells them apart."""
    from migra.community import services

    entry = services.register_entry_add(
        actor=world.users["gina"],
        commune=world.places["010201"],
        person=register(),
        departed_on=__import__("datetime").date(2025, 1, 5),
        destination=world.places["TH-27"],
        channel="broker",
    )
    login_as(client, world.users["gina"])
    response = client.post(f"/app/community/register/{entry.pk}/problems/", {"problems": []})
    assert response.status_code == 302
    left = client.get("/app/offline/state.json", {"messages": "1"}).json()["messages"]
    assert [m["level"] for m in left] == ["error"]


# --------------------------------------------------------------------------- pages


def test_the_waiting_page_opens_without_login_in_khmer(client: Client) -> None:
    response = client.get("/app/offline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="km">' in html
    assert 'id="offline-queue"' in html and "migra/offline/queue.js" in html
    assert 'href="/app/login/?next=/app/offline/"' in html
    words = dict(re.findall(r'data-((?:kind|status)-[a-z_]+)="([^"]*)"', html))
    assert set(words) == {f"kind-{f.kind}" for f in OFFLINE_FORMS} | {
        "status-waiting",
        "status-login",
        "status-other",
        "status-refused",
        "status-sent",
    }
    with translation.override("km"):
        assert words["kind-meeting"] == gettext("Group meeting")
        assert words["status-sent"] == gettext("Sent")
    assert all(words.values())


def test_the_waiting_page_shows_no_record(client: Client, world: Any, group: Any) -> None:  # noqa: F811
    login_as(client, world.users["gina"])
    html = client.get("/app/offline/").content.decode()
    assert group.name not in html


def test_every_staff_page_carries_the_worker_line(client: Client, world: Any) -> None:  # noqa: F811
    login = client.get("/app/login/").content.decode()
    assert 'data-offline-sw="/app/sw.js"' in login
    assert USER_IN_PAGE.search(login).group(1) == "0"  # type: ignore[union-attr]
    login_as(client, world.users["gina"])
    home = client.get("/app/").content.decode()
    assert USER_IN_PAGE.search(home).group(1) == str(world.users["gina"].pk)  # type: ignore[union-attr]


@pytest.mark.parametrize("url_name", ["community:entry-new", "community:meeting-new"])
def test_kept_forms_have_the_shapes_the_worker_rewrites(
    client: Client,
    world: Any,  # noqa: F811
    group: Any,  # noqa: F811
    url_name: str,  # noqa: F811
) -> None:
    login_as(client, world.users["gina"])
    args = [group.pk] if url_name == "community:meeting-new" else []
    html = client.get(reverse(url_name, args=args)).content.decode()
    assert len(TOKEN_INPUT.findall(html)) == 1
    assert USER_IN_PAGE.search(html).group(1) == str(world.users["gina"].pk)  # type: ignore[union-attr]


# --------------------------------------------------------------------------- replays


def _csrf_in(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_replay_after_a_new_login_needs_the_fresh_csrf_token(
    world: Any,  # noqa: F811
    group: Any,  # noqa: F811
    members: Any,  # noqa: F811
) -> None:
    gina = world.users["gina"]
    client = Client(enforce_csrf_checks=True)
    client.get("/app/login/")
    page = client.post(
        "/app/login/",
        {
            "username": gina.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert page.status_code == 302
    url = f"/app/community/groups/{group.pk}/meetings/new/"
    form = client.get(url).content.decode()
    queued = _meeting_data(members, str(uuid.uuid4()), csrfmiddlewaretoken=_csrf_in(form))

    # The session ends; a new login rotates the CSRF cookie.
    client.post("/app/logout/", {"csrfmiddlewaretoken": _csrf_in(form)})
    login_page = client.get("/app/login/").content.decode()
    client.post(
        "/app/login/",
        {"username": gina.email, "password": PASSWORD, "csrfmiddlewaretoken": _csrf_in(login_page)},
    )
    # The token kept with the form no longer passes: CSRF is checked on replay.
    assert client.post(url, queued).status_code == 403
    assert not Meeting.objects.exists()
    fresh = client.get("/app/offline/state.json").json()["csrf"]
    assert client.post(url, {**queued, "csrfmiddlewaretoken": fresh}).status_code == 302
    # Sent again (its answer lost): still one meeting.
    fresh = client.get("/app/offline/state.json").json()["csrf"]
    assert client.post(url, {**queued, "csrfmiddlewaretoken": fresh}).status_code == 302
    assert Meeting.objects.count() == 1
    assert str(Meeting.objects.get().token) == queued["token"]


def test_a_replay_without_a_session_is_not_recorded(
    client: Client,
    group: Any,  # noqa: F811
    members: Any,  # noqa: F811
) -> None:
    url = f"/app/community/groups/{group.pk}/meetings/new/"
    response = client.post(url, _meeting_data(members, str(uuid.uuid4())))
    assert response.status_code == 302 and response["Location"].startswith("/app/login/")
    assert client.get("/app/offline/state.json").json()["user"] is None
    assert not Meeting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_one_form_at_once_record_one_meeting(
    world: Any,  # noqa: F811
    group: Any,  # noqa: F811
    members: Any,  # noqa: F811
) -> None:
    """Two tabs, or a replay racing a lost answer: the same form number twice at the
    same moment."""
    # An earlier transactional test emptied the tables, seeded topics included.
    seed_topics()
    url = f"/app/community/groups/{group.pk}/meetings/new/"
    data = _meeting_data(members, str(uuid.uuid4()))
    clients = [login_as(Client(), world.users["gina"]) for _ in range(2)]
    start = threading.Barrier(2)
    codes: list[int] = []

    def send(client: Client) -> None:
        try:
            start.wait()
            codes.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [302, 302]
    assert Meeting.objects.filter(group=group).count() == 1
