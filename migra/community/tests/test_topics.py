"""The catalogue of meeting topics: programme admins of the lead NGO add, rename,
reorder and take topics out of use; facilitators see the result in the meeting form;
meetings keep the topics they had."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from migra.accounts.tests.conftest import Cast
from migra.audit.models import AuditAction, AuditEvent
from migra.community import services
from migra.community.models import Group, GroupMember, Meeting, Topic
from migra.community.selectors import topic_stamp
from migra.community.tests.test_editing import run_together, seed_topics

pytestmark = pytest.mark.django_db

URL = "/app/community/topics/"


def _codes() -> list[str]:
    return list(Topic.objects.order_by("order", "pk").values_list("code", flat=True))


def _denied() -> int:
    return AuditEvent.objects.filter(action=AuditAction.DENIED).count()


def _topic(code: str) -> Topic:
    return Topic.objects.get(code=code)


# --------------------------------------------------------------------------- who


@pytest.mark.parametrize(
    ("user", "read", "manage"),
    [
        ("alice", 200, True),  # programme admin of the lead NGO
        ("bob", 200, False),  # programme admin of a partner NGO: reads only
        ("gina", 200, False),  # facilitator: reads only
        ("carol", 403, False),
        ("erin", 403, False),
        ("frank", 403, False),
        ("charlie", 403, False),
    ],
)
def test_who_reads_and_who_manages(
    world: Cast, as_user: Any, user: str, read: int, manage: bool
) -> None:
    client = as_user(world.users[user])
    page = client.get(URL)
    assert page.status_code == read
    if read == 200:
        html = page.content.decode()
        assert "ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព" in html and "safe_migration" in html
        assert ("Add a topic" in html) is manage
        assert ("Take out of use" in html) is manage
    documents = _topic("documents")
    before = _denied()
    writes = [
        client.post(URL, {"name_km": "ថ្មី", "name_en": "New"}),
        client.get(f"{URL}{documents.pk}/edit/"),
        client.post(f"{URL}{documents.pk}/move/", {"direction": "up"}),
        client.post(f"{URL}{documents.pk}/use/", {"in_use": "0"}),
    ]
    if manage:
        assert [r.status_code for r in writes] == [302, 200, 302, 302]
    else:
        assert [r.status_code for r in writes] == [403] * 4
        assert _denied() == before + 4
        assert Topic.objects.count() == 7 and _topic("documents").is_active


def test_the_menu_shows_the_topics_to_programme_admins(world: Cast, as_user: Any) -> None:
    assert URL in as_user(world.users["alice"]).get("/app/").content.decode()
    assert URL not in as_user(world.users["gina"]).get("/app/").content.decode()


def test_services_refuse_those_who_may_not_manage(world: Cast) -> None:
    topic = _topic("documents")
    for user in ("bob", "gina"):
        with pytest.raises(PermissionDenied):
            services.topic_add(actor=world.users[user], name_km="ក", name_en="K")
        with pytest.raises(PermissionDenied):
            services.topic_set_in_use(actor=world.users[user], topic=topic, in_use=False)
    assert _denied() == 4 and Topic.objects.count() == 7


# --------------------------------------------------------------------------- adding


def test_add_a_topic_and_meet_about_it(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any
) -> None:
    admin = as_user(world.users["alice"])
    response = admin.post(
        URL,
        {
            "name_km": "  សិទ្ធិ​ពលករ  ",  # spaces and a zero-width space typed around
            "name_en": "Workers' rights!",
            "name_th": "สิทธิแรงงาน",
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.order_by("-order").first()
    assert topic is not None
    assert topic.code == "workers_rights" and topic.name_km == "សិទ្ធិពលករ"
    assert _codes()[-1] == "workers_rights"
    event = AuditEvent.objects.filter(object_type="community.topic").get()
    assert event.changes == {"code": "workers_rights", "order": 8}
    # Offered at once in the facilitator's meeting form, in Khmer for a Khmer reader.
    gina = world.users["gina"]
    form = as_user(gina).get(f"/app/community/groups/{group.pk}/meetings/new/")
    assert 'value="workers_rights"' in form.content.decode()
    meeting = services.meeting_record(
        actor=gina, group=group, held_on=timezone.localdate(), topics=["workers_rights"]
    )
    assert [t.code for t in meeting.topics.all()] == ["workers_rights"]


def test_codes_typed_or_made(world: Cast) -> None:
    alice = world.users["alice"]
    typed = services.topic_add(actor=alice, name_km="ក", name_en="A", code="custom_1")
    assert typed.code == "custom_1"
    khmer_only = services.topic_add(actor=alice, name_km="ខ", name_en="១២៣")  # no Latin letter
    assert khmer_only.code == "topic"
    again = services.topic_add(actor=alice, name_km="គ", name_en="٣")
    assert again.code == "topic_2"
    long = services.topic_add(actor=alice, name_km="ឃ", name_en="Very " * 30)
    assert len(long.code) <= 40 and long.code.startswith("very_very")
    numbered = services.topic_add(actor=alice, name_km="ង", name_en="2025 campaign")
    assert numbered.code == "topic_2025_campaign"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name_km": ""}, "name_km"),
        ({"name_en": "   "}, "name_en"),
        ({"name_km": "ក" * 201}, "name_km"),
        ({"name_en": "x" * 201}, "name_en"),
        ({"name_th": "x" * 201}, "name_th"),
        ({"name_en": "Bad\x07bell"}, "name_en"),
        ({"name_km": "ឯកសារ"}, "name_km"),  # taken by "documents"
        ({"name_en": "SAFE  migration"}, "name_en"),  # taken, whatever the case and spaces
        ({"name_th": "เอกสาร"}, "name_th"),
        ({"code": "documents"}, "code"),
        ({"code": "Has Space"}, "code"),
        ({"code": "1starts_with_digit"}, "code"),
        ({"code": "ខ្មែរ"}, "code"),
        ({"code": "x"}, "code"),
        ({"code": "x" * 41}, "code"),
        ({"code": "<script>"}, "code"),
    ],
)
def test_add_bad_input(world: Cast, as_user: Any, data: dict, field: str) -> None:
    values = {"name_km": "ប្រធានបទថ្មី", "name_en": "A new topic", "name_th": "", "code": ""}
    values.update(data)
    response = as_user(world.users["alice"]).post(URL, values)
    assert response.status_code == 400, data
    assert Topic.objects.count() == 7
    with pytest.raises(ValidationError) as caught:
        services.topic_add(actor=world.users["alice"], **values)
    assert field in caught.value.message_dict


def test_hostile_names_are_escaped(world: Cast, group: Group, as_user: Any) -> None:
    alice = world.users["alice"]
    services.topic_add(actor=alice, name_km="<script>alert(1)</script>", name_en="<b>bold</b>")
    for client, url in (
        (as_user(alice), URL),
        (as_user(world.users["gina"]), f"/app/community/groups/{group.pk}/meetings/new/"),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;" in html or "&lt;b&gt;" in html


# --------------------------------------------------------------------------- renaming


def test_rename_with_the_stamp_of_what_was_shown(world: Cast, as_user: Any) -> None:
    admin = as_user(world.users["alice"])
    topic = _topic("documents")
    page = admin.get(f"{URL}{topic.pk}/edit/").content.decode()
    found = re.search(r'name="stamp" value="(\w+)"', page)
    assert found is not None and found.group(1) == topic_stamp(topic)
    data = {
        "stamp": found.group(1),
        "name_km": "ឯកសារធ្វើដំណើរ",
        "name_en": "Travel documents",
        "name_th": "เอกสารเดินทาง",
    }
    assert admin.post(f"{URL}{topic.pk}/edit/", data).status_code == 302
    topic.refresh_from_db()
    assert topic.name_en == "Travel documents" and topic.code == "documents"
    event = AuditEvent.objects.filter(
        object_type="community.topic", action=AuditAction.UPDATE
    ).get()
    assert event.changes == {"code": "documents", "renamed": ["km", "en", "th"]}
    # The same form again: someone (this one) renamed it since: a conflict, kept.
    data["name_en"] = "Papers"
    response = admin.post(f"{URL}{topic.pk}/edit/", data)
    assert response.status_code == 400 and "Someone else saved" in response.content.decode()
    topic.refresh_from_db()
    assert topic.name_en == "Travel documents"


@pytest.mark.parametrize(
    "bad",
    [
        {"stamp": ""},
        {"stamp": "x" * 65},
        {"name_km": ""},
        {"name_en": "Safe migration"},  # another topic's name
        {"name_en": "x" * 201},
        {"name_th": "bad\x00null"},
    ],
)
def test_rename_bad_input(world: Cast, as_user: Any, bad: dict) -> None:
    topic = _topic("documents")
    data = {
        "stamp": topic_stamp(topic),
        "name_km": topic.name_km,
        "name_en": "Papers",
        "name_th": topic.name_th,
        **bad,
    }
    response = as_user(world.users["alice"]).post(f"{URL}{topic.pk}/edit/", data)
    assert response.status_code == 400, bad
    assert _topic("documents").name_en == "Documents"


def test_renaming_its_own_names_is_not_a_duplicate(world: Cast) -> None:
    topic = _topic("documents")
    renamed = services.topic_rename(
        actor=world.users["alice"],
        topic=topic,
        expected_stamp=topic_stamp(topic),
        name_km=topic.name_km,
        name_en="DOCUMENTS",
        name_th=topic.name_th,
    )
    assert renamed.name_en == "DOCUMENTS"


def test_unknown_topic_is_404(world: Cast, as_user: Any) -> None:
    admin = as_user(world.users["alice"])
    assert admin.get(f"{URL}999999/edit/").status_code == 404
    assert admin.post(f"{URL}999999/move/", {"direction": "up"}).status_code == 404


# --------------------------------------------------------------------------- order


def test_move_up_and_down(world: Cast, as_user: Any) -> None:
    admin = as_user(world.users["alice"])
    first = _codes()
    documents = _topic("documents")
    assert admin.post(f"{URL}{documents.pk}/move/", {"direction": "up"}).status_code == 302
    moved = _codes()
    assert moved.index("documents") == first.index("documents") - 1
    assert list(Topic.objects.order_by("order").values_list("order", flat=True)) == list(
        range(1, 8)
    )
    admin.post(f"{URL}{documents.pk}/move/", {"direction": "down"})
    assert _codes() == first
    # At the edges nothing moves; a bad direction changes nothing either.
    top = _topic(first[0])
    admin.post(f"{URL}{top.pk}/move/", {"direction": "up"})
    bottom = _topic(first[-1])
    admin.post(f"{URL}{bottom.pk}/move/", {"direction": "down"})
    admin.post(f"{URL}{documents.pk}/move/", {"direction": "sideways"})
    admin.post(f"{URL}{documents.pk}/move/", {})
    assert _codes() == first
    # The meeting form follows the catalogue's order.
    admin.post(f"{URL}{bottom.pk}/move/", {"direction": "up"})
    assert _codes()[-2] == first[-1]


def test_move_and_use_need_post(world: Cast, as_user: Any) -> None:
    admin = as_user(world.users["alice"])
    topic = _topic("documents")
    assert admin.get(f"{URL}{topic.pk}/move/").status_code == 405
    assert admin.get(f"{URL}{topic.pk}/use/").status_code == 405


# --------------------------------------------------------------------------- out of use


def test_out_of_use_is_not_offered_but_old_meetings_keep_it(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any
) -> None:
    gina = world.users["gina"]
    old = services.meeting_record(
        actor=gina,
        group=group,
        held_on=timezone.localdate() - dt.timedelta(days=3),
        topics=["reintegration"],
    )
    reintegration = _topic("reintegration")
    admin = as_user(world.users["alice"])
    assert admin.post(f"{URL}{reintegration.pk}/use/", {"in_use": "0"}).status_code == 302
    assert not _topic("reintegration").is_active
    assert "out of use" in admin.get(URL).content.decode()
    facilitator = as_user(gina)
    form = facilitator.get(f"/app/community/groups/{group.pk}/meetings/new/").content.decode()
    assert 'value="reintegration"' not in form
    response = facilitator.post(
        f"/app/community/groups/{group.pk}/meetings/new/",
        {"held_on": timezone.localdate().isoformat(), "topics": ["reintegration"]},
    )
    assert response.status_code == 400
    assert Meeting.objects.count() == 1
    assert [t.code for t in old.topics.all()] == ["reintegration"]
    page = facilitator.get(f"/app/community/groups/{group.pk}/").content.decode()
    assert reintegration.name_en in page
    # Back in use.
    admin = as_user(world.users["alice"])
    assert admin.post(f"{URL}{reintegration.pk}/use/", {"in_use": "1"}).status_code == 302
    assert _topic("reintegration").is_active
    events = AuditEvent.objects.filter(object_type="community.topic").order_by("seq")
    assert [e.changes["in_use"] for e in events] == [False, True]


def test_the_last_topic_in_use_stays(world: Cast, as_user: Any) -> None:
    alice = world.users["alice"]
    topics = list(Topic.objects.order_by("order"))
    for topic in topics[1:]:
        services.topic_set_in_use(actor=alice, topic=topic, in_use=False)
    with pytest.raises(ValidationError) as caught:
        services.topic_set_in_use(actor=alice, topic=topics[0], in_use=False)
    assert caught.value.code == "last_topic"
    response = as_user(alice).post(f"{URL}{topics[0].pk}/use/", {"in_use": "0"}, follow=True)
    assert "Keep at least one topic in use" in response.content.decode()
    assert Topic.objects.filter(is_active=True).count() == 1


@pytest.mark.parametrize("bad", [{}, {"in_use": "maybe"}, {"in_use": "<script>"}])
def test_use_bad_input(world: Cast, as_user: Any, bad: dict) -> None:
    topic = _topic("documents")
    response = as_user(world.users["alice"]).post(f"{URL}{topic.pk}/use/", bad, follow=True)
    assert response.status_code == 200 and "message--error" in response.content.decode()
    assert _topic("documents").is_active


# --------------------------------------------------------------------------- at once


@pytest.mark.django_db(transaction=True)
def test_two_admins_adding_the_same_topic_at_once_make_one(world: Cast) -> None:
    seed_topics()
    alice = world.users["alice"]

    def add() -> Topic:
        return services.topic_add(actor=alice, name_km="សិទ្ធិពលករ", name_en="Workers' rights")

    results, errors = run_together([add, add, add])
    assert len(results) == 1 and len(errors) == 2
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert Topic.objects.filter(code="workers_rights").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_admins_renaming_at_once_one_is_told(world: Cast) -> None:
    seed_topics()
    alice = world.users["alice"]
    topic = _topic("documents")
    stamp = topic_stamp(topic)

    def rename(number: int) -> Any:
        return lambda: services.topic_rename(
            actor=alice,
            topic=topic,
            expected_stamp=stamp,
            name_km=f"ឯកសារ {number}",
            name_en=f"Papers {number}",
        )

    results, errors = run_together([rename(n) for n in range(3)])
    assert len(results) == 1 and len(errors) == 2
    assert {getattr(e, "code", None) for e in errors} == {"conflict"}
    assert _topic("documents").name_en == results[0].name_en


@pytest.mark.django_db(transaction=True)
def test_moves_at_once_keep_a_clean_order(world: Cast) -> None:
    seed_topics()
    alice = world.users["alice"]
    topics = list(Topic.objects.order_by("order"))

    def move(topic: Topic, up: bool) -> Any:
        return lambda: services.topic_move(actor=alice, topic=topic, up=up)

    results, errors = run_together(
        [move(topics[2], True), move(topics[4], False), move(topics[3], True)]
    )
    assert errors == [] and len(results) == 3
    orders = list(Topic.objects.order_by("order").values_list("order", flat=True))
    assert orders == list(range(1, len(topics) + 1))
    assert set(_codes()) == {t.code for t in topics}
