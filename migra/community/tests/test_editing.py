"""Editing groups, memberships and meetings: version checks, members who left, the
attendance tallies kept through a correction, bad input on each form and the 403 for a
facilitator of another commune."""

from __future__ import annotations

import datetime as dt
import importlib
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from migra.accounts.tests.conftest import Cast
from migra.audit.models import AuditAction, AuditEvent
from migra.community import services
from migra.community.models import (
    FollowUp,
    Group,
    GroupMember,
    GroupStatus,
    Meeting,
    MemberRole,
    Topic,
)
from migra.community.tallies import tallies_differences
from migra.people.models import Person

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.localdate()


def _days_ago(days: int) -> dt.date:
    return _today() - dt.timedelta(days=days)


def _denied() -> int:
    return AuditEvent.objects.filter(action=AuditAction.DENIED).count()


def run_together(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run the calls at the same moment, each in its own thread and connection."""
    start = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            start.wait()
            results.append(call())
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def seed_topics() -> None:
    """A transactional test empties every table after it: bring the seeded topics back."""
    seed = importlib.import_module("migra.community.migrations.0002_seed_meeting_topics")
    for order, (code, km, en, th) in enumerate(seed.TOPICS, start=1):
        Topic.objects.update_or_create(
            code=code,
            defaults={"name_km": km, "name_en": en, "name_th": th, "order": order},
        )


# --------------------------------------------------------------------------- groups


def _group_data(world: Cast, **extra: Any) -> dict[str, Any]:
    data = {
        "version": "1",
        "name": "Banteay Neang SHG (new name)",
        "villages": ["01020101"],
        "facilitators": [str(world.users["gina"].pk), str(world.users["ivan"].pk)],
        "founded_on": "2023-05-01",
        "status": "active",
    }
    data.update(extra)
    return data


def test_group_edit_over_http(world: Cast, group: Group, as_user: Any) -> None:
    client = as_user(world.users["gina"])
    page = client.get(f"/app/community/groups/{group.pk}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="version" value="1"' in html and "Banteay Neang SHG" in html
    assert 'name="commune"' not in html  # the commune stays
    response = client.post(f"/app/community/groups/{group.pk}/edit/", _group_data(world))
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Banteay Neang SHG (new name)" and group.version == 2
    assert group.founded_on == dt.date(2023, 5, 1)
    assert {u.email for u in group.facilitators.all()} == {"gina@example.org", "ivan@example.org"}
    event = AuditEvent.objects.filter(
        object_type="community.group", action=AuditAction.UPDATE
    ).get()
    assert event.changes["renamed"] is True and "new name" not in str(event.changes)


def test_deactivating_is_a_status_and_the_group_stays(
    world: Cast, group: Group, as_user: Any
) -> None:
    client = as_user(world.users["gina"])
    data = _group_data(world, status="inactive", name=group.name)
    assert client.post(f"/app/community/groups/{group.pk}/edit/", data).status_code == 302
    group.refresh_from_db()
    assert group.status == GroupStatus.INACTIVE
    assert "Banteay Neang SHG" not in client.get("/app/community/").content.decode()
    listed = client.get("/app/community/groups/").content.decode()
    assert "Banteay Neang SHG" in listed and "Inactive" in listed
    assert Group.objects.count() == 1


def test_group_edit_with_a_stale_version_is_a_conflict(
    world: Cast, group: Group, as_user: Any
) -> None:
    url = f"/app/community/groups/{group.pk}/edit/"
    assert as_user(world.users["ivan"]).post(url, _group_data(world, name="Ivan's")).status_code
    response = as_user(world.users["gina"]).post(url, _group_data(world, name="Gina's"))
    assert response.status_code == 400
    assert "Someone else saved changes" in response.content.decode()
    group.refresh_from_db()
    assert group.name == "Ivan's" and group.version == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": "x" * 201},
        {"name": "Bad\x01name"},
        {"villages": ["01020201"]},  # a village of another commune
        {"villages": ["no-such-place"]},
        {"facilitators": []},
        {"facilitators": ["999999"]},
        {"facilitators": ["not a number"]},
        {"founded_on": "2999-01-01"},
        {"founded_on": "31/02/2024"},
        {"status": "zombie"},
        {"version": "x"},
        {"version": ""},
        {"version": "-1"},
        {"version": "9" * 30},
    ],
)
def test_group_edit_bad_input(world: Cast, group: Group, as_user: Any, bad: dict) -> None:
    response = as_user(world.users["gina"]).post(
        f"/app/community/groups/{group.pk}/edit/", _group_data(world, **bad)
    )
    assert response.status_code == 400, bad
    group.refresh_from_db()
    assert group.name == "Banteay Neang SHG" and group.version == 1


@pytest.mark.parametrize("who", ["hana", "alice"])  # facilitator elsewhere, programme admin
def test_group_edit_of_someone_who_does_not_run_groups_here(
    world: Cast, group: Group, as_user: Any, who: str
) -> None:
    bad = _group_data(world, facilitators=[str(world.users[who].pk)])
    response = as_user(world.users["gina"]).post(f"/app/community/groups/{group.pk}/edit/", bad)
    assert response.status_code == 400
    if who == "hana":  # offered (lead NGO), refused by the service; alice is not offered
        assert "Each facilitator must run groups in this commune" in response.content.decode()
    assert list(group.facilitators.all()) == [world.users["gina"]]


def test_hostile_group_name_is_escaped(world: Cast, group: Group, as_user: Any) -> None:
    client = as_user(world.users["gina"])
    data = _group_data(world, name="<script>alert(1)</script>")
    assert client.post(f"/app/community/groups/{group.pk}/edit/", data).status_code == 302
    html = client.get(f"/app/community/groups/{group.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_group_update_service_refuses_another_commune(world: Cast, other_group: Group) -> None:
    with pytest.raises(PermissionDenied):
        services.group_update(
            actor=world.users["gina"],
            group=other_group,
            expected_version=1,
            name="Mine now",
            facilitators=[world.users["gina"]],
        )
    assert _denied() == 1
    other_group.refresh_from_db()
    assert other_group.name == "Bat Trang SHG"


@pytest.mark.django_db(transaction=True)
def test_concurrent_group_edits_let_exactly_one_through(world: Cast, group: Group) -> None:
    people = [world.users["gina"], world.users["ivan"]]

    def edit(number: int) -> Callable[[], Group]:
        return lambda: services.group_update(
            actor=people[number % 2],
            group=group,
            expected_version=1,
            name=f"Editor {number}",
            facilitators=people,
        )

    results, errors = run_together([edit(n) for n in range(4)])
    assert len(results) == 1 and len(errors) == 3
    assert all(isinstance(e, services.EditConflict) for e in errors), errors
    assert {e.code for e in errors if isinstance(e, ValidationError)} == {"conflict"}
    group.refresh_from_db()
    assert group.version == 2 and group.name == results[0].name


# --------------------------------------------------------------------------- members


def _meeting(world: Cast, group: Group, members: list[GroupMember], **extra: Any) -> Meeting:
    values: dict[str, Any] = {
        "actor": world.users["gina"],
        "group": group,
        "held_on": _days_ago(10),
        "topics": ["documents"],
        "attendees": [m.pk for m in members],
    }
    values.update(extra)
    return services.meeting_record(**values)


def test_role_change_and_leaving_over_http(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any
) -> None:
    client = as_user(world.users["gina"])
    member = members[0]
    page = client.get(f"/app/community/members/{member.pk}/edit/")
    assert page.status_code == 200 and "សុខ ចាន់" in page.content.decode()
    url = f"/app/community/members/{member.pk}/edit/"
    data = {"version": "1", "role": "community_leader", "left_on": ""}
    assert client.post(url, data).status_code == 302
    data = {"version": "2", "role": "community_leader", "left_on": _days_ago(3).isoformat()}
    assert client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.role == MemberRole.COMMUNITY_LEADER and member.left_on == _days_ago(3)
    html = client.get(f"/app/community/groups/{group.pk}/").content.decode()
    current, _, left = html.partition("Members who left")
    assert "សុខ ចាន់" not in current and "សុខ ចាន់" in left
    assert "ម៉ៅ សុភា" in current
    # Not offered for ticking at a new meeting.
    form = client.get(f"/app/community/groups/{group.pk}/meetings/new/").content.decode()
    assert f'value="{member.pk}"' not in form and f'value="{members[1].pk}"' in form
    # A stale version: nothing changes.
    response = client.post(url, {"version": "1", "role": "returned_migrant", "left_on": ""})
    assert response.status_code == 400 and "Someone else saved" in response.content.decode()
    member.refresh_from_db()
    assert member.left_on == _days_ago(3)


def test_a_member_who_left_still_counts_in_old_meetings(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any
) -> None:
    old = _meeting(world, group, members)
    services.group_member_update(
        actor=world.users["gina"],
        member=members[0],
        expected_version=1,
        role=members[0].role,
        left_on=_days_ago(5),
    )
    assert set(old.attendees.values_list("pk", flat=True)) == {m.pk for m in members}
    assert tallies_differences() == 0
    # The old meeting's form still offers and ticks them.
    html = (
        as_user(world.users["gina"]).get(f"/app/community/meetings/{old.pk}/edit/").content.decode()
    )
    assert re.search(rf'name="attendees" value="{members[0].pk}"[^>]*checked', html)
    # A new meeting after they left cannot tick them …
    with pytest.raises(ValidationError) as caught:
        _meeting(world, group, members, held_on=_today())
    assert caught.value.error_dict["attendees"][0].code == "invalid_choice"
    # … nor count them in a head count; a meeting held before they left (recorded late) can.
    with pytest.raises(ValidationError) as caught:
        _meeting(world, group, members[1:], held_on=_today(), attendance_total=3)
    assert caught.value.error_dict["attendance_total"][0].code == "too_many"
    late = _meeting(world, group, members, held_on=_days_ago(6), attendance_total=3)
    assert late.attendees.count() == 3


@pytest.mark.parametrize(
    ("left_on", "code"),
    [
        ("future", None),  # the shared date check gives a message, no code
        ("before_meeting", "attended_later"),
        ("before_joining", "invalid"),
    ],
)
def test_leaving_bad_dates(
    world: Cast, group: Group, members: list[GroupMember], left_on: str, code: str
) -> None:
    _meeting(world, group, members)  # ten days ago, everybody there
    member = members[0]
    GroupMember.objects.filter(pk=member.pk).update(joined_on=_days_ago(400))
    member.refresh_from_db()
    day = {
        "future": _today() + dt.timedelta(days=1),
        "before_meeting": _days_ago(20),
        "before_joining": _days_ago(500),
    }[left_on]
    with pytest.raises(ValidationError) as caught:
        services.group_member_update(
            actor=world.users["gina"],
            member=member,
            expected_version=1,
            role=member.role,
            left_on=day,
        )
    assert caught.value.error_dict["left_on"][0].code == code
    assert caught.value.message_dict["left_on"]
    member.refresh_from_db()
    assert member.left_on is None and member.version == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"role": "king"},
        {"role": "<script>"},
        {"left_on": "yesterday"},
        {"left_on": "x" * 500},
        {"version": "abc"},
        {"version": ""},
    ],
)
def test_member_edit_bad_input(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any, bad: dict
) -> None:
    data = {"version": "1", "role": "returned_migrant", "left_on": "", **bad}
    response = as_user(world.users["gina"]).post(
        f"/app/community/members/{members[0].pk}/edit/", data
    )
    assert response.status_code == 400
    members[0].refresh_from_db()
    assert members[0].role == MemberRole.MIGRANT_FAMILY and members[0].version == 1


def test_a_member_who_left_cannot_be_added_again_but_can_come_back(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    gina = world.users["gina"]
    member = services.group_member_update(
        actor=gina, member=members[0], expected_version=1, role=members[0].role, left_on=_today()
    )
    with pytest.raises(ValidationError) as caught:
        services.group_member_add(
            actor=gina, group=group, person=member.person, role=MemberRole.RETURNED_MIGRANT
        )
    assert caught.value.error_dict["person"][0].code == "left"
    back = services.group_member_update(
        actor=gina, member=member, expected_version=2, role=member.role, left_on=None
    )
    assert back.left_on is None and GroupMember.objects.filter(group=group).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_member_edits_let_exactly_one_through(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    roles = [MemberRole.RETURNED_MIGRANT, MemberRole.COMMUNITY_LEADER]

    def edit(number: int) -> Callable[[], GroupMember]:
        return lambda: services.group_member_update(
            actor=world.users["gina"],
            member=members[0],
            expected_version=1,
            role=roles[number % 2],
        )

    results, errors = run_together([edit(n) for n in range(4)])
    assert len(results) == 1 and len(errors) == 3
    assert {getattr(e, "code", None) for e in errors} == {"conflict"}
    members[0].refresh_from_db()
    assert members[0].version == 2 and members[0].role == results[0].role


# --------------------------------------------------------------------------- meetings


def _edit_data(meeting: Meeting, members: list[GroupMember], **extra: Any) -> dict[str, Any]:
    data = {
        "version": str(meeting.version),
        "held_on": meeting.held_on.isoformat(),
        "venue": meeting.venue,
        "topics": [t.code for t in meeting.topics.all()],
        "attendees": [str(m.pk) for m in members],
        "decisions": "",
        "follow_up": "",
    }
    data.update(extra)
    return data


def test_meeting_edit_over_http_keeps_the_tallies_exact(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any
) -> None:
    meeting = _meeting(
        world, group, members[:2], venue="Pagoda", guests={("female", "under_18"): 2}
    )
    client = as_user(world.users["gina"])
    page = client.get(f"/app/community/meetings/{meeting.pk}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="version" value="1"' in html and 'value="Pagoda"' in html
    assert 'name="guests_female_under_18" value="2"' in html
    # Another month, other members, other guests, another topic.
    data = _edit_data(
        meeting,
        members[1:],
        held_on=_days_ago(45).isoformat(),
        venue="School",
        topics=["safe_migration", "documents"],
        guests_male_60_plus="3",
        decisions="Visit the families",
    )
    response = client.post(f"/app/community/meetings/{meeting.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting.refresh_from_db()
    assert meeting.version == 2 and meeting.venue == "School" and meeting.guests == 3
    assert meeting.held_on == _days_ago(45)
    assert set(meeting.attendees.values_list("pk", flat=True)) == {m.pk for m in members[1:]}
    assert meeting.decisions == "Visit the families"
    assert tallies_differences() == 0
    event = AuditEvent.objects.filter(
        object_type="community.meeting", action=AuditAction.UPDATE
    ).get()
    assert event.changes["members"] == 2 and "Visit" not in str(event.changes)
    # The same form again: a stale version, nothing changed.
    response = client.post(f"/app/community/meetings/{meeting.pk}/edit/", data)
    assert response.status_code == 400 and "Someone else saved" in response.content.decode()
    assert Meeting.objects.get().version == 2


@pytest.mark.parametrize(
    "extra",
    [
        {"held_on": "future"},
        {"held_on": ""},
        {"held_on": "31/02/2025"},
        {"held_on": "x" * 500},
        {"topics": []},
        {"topics": ["nonsense"]},
        {"attendees": ["999999"]},
        {"attendees": ["abc"]},
        {"guests_female_under_18": "-3"},
        {"guests_female_under_18": "10001"},
        {"guests_female_under_18": "many"},
        {"attendance_total": "9"},
        {"venue": "x" * 201},
        {"decisions": "x" * 4001},
        {"follow_up": "Call", "follow_up_owner": ""},
        {"version": "abc"},
        {"version": ""},
    ],
)
def test_meeting_edit_bad_input(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any, extra: dict
) -> None:
    meeting = _meeting(world, group, members[:1])
    if extra.get("held_on") == "future":
        extra = {"held_on": (_today() + dt.timedelta(days=1)).isoformat()}
    response = as_user(world.users["gina"]).post(
        f"/app/community/meetings/{meeting.pk}/edit/", _edit_data(meeting, members[:1], **extra)
    )
    assert response.status_code == 400, extra
    meeting.refresh_from_db()
    assert meeting.version == 1 and meeting.attendees.count() == 1


def test_meeting_edit_hostile_text_is_escaped(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any
) -> None:
    meeting = _meeting(world, group, members)
    client = as_user(world.users["gina"])
    data = _edit_data(meeting, members, venue="<img src=x onerror=alert(1)>")
    assert client.post(f"/app/community/meetings/{meeting.pk}/edit/", data).status_code == 302
    for url in (
        f"/app/community/groups/{group.pk}/",
        f"/app/community/meetings/{meeting.pk}/edit/",
    ):
        html = client.get(url).content.decode()
        assert "<img src=x" not in html and "&lt;img src=x" in html


def test_a_retired_topic_stays_on_its_meeting(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any
) -> None:
    meeting = _meeting(world, group, members, topics=["documents", "reintegration"])
    Topic.objects.filter(code="reintegration").update(is_active=False)
    client = as_user(world.users["gina"])
    html = client.get(f"/app/community/meetings/{meeting.pk}/edit/").content.decode()
    assert 'value="reintegration"' in html
    data = _edit_data(meeting, members, venue="Kept")
    assert client.post(f"/app/community/meetings/{meeting.pk}/edit/", data).status_code == 302
    assert sorted(Meeting.objects.get().topics.values_list("code", flat=True)) == [
        "documents",
        "reintegration",
    ]
    # A retired topic the meeting did not have cannot be added.
    Topic.objects.filter(code="legal_channels").update(is_active=False)
    data = _edit_data(Meeting.objects.get(), members, topics=["documents", "legal_channels"])
    assert client.post(f"/app/community/meetings/{meeting.pk}/edit/", data).status_code == 400


def test_open_follow_ups_change_done_ones_stay(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any
) -> None:
    gina, ivan = world.users["gina"], world.users["ivan"]
    group.facilitators.add(ivan)
    due = _days_ago(1)
    meeting = _meeting(
        world,
        group,
        members,
        follow_ups=[
            services.FollowUpInput(action="Call the broker", owner=gina, due_on=due),
            services.FollowUpInput(action="Visit the family", owner=gina, due_on=due),
            services.FollowUpInput(action="Done already", owner=gina, due_on=due),
        ],
    )
    call, visit, done = FollowUp.objects.order_by("pk")
    services.follow_up_done(actor=gina, follow_up=done)
    client = as_user(gina)
    html = client.get(f"/app/community/meetings/{meeting.pk}/edit/").content.decode()
    assert f'name="fu_{call.pk}_action"' in html and f'name="fu_{done.pk}_action"' not in html
    assert "Done already" in html  # shown, not editable
    data = _edit_data(meeting, members)
    data.update(
        {
            f"fu_{call.pk}_action": "Call the broker again",
            f"fu_{call.pk}_owner": str(ivan.pk),
            f"fu_{call.pk}_due_on": _today().isoformat(),
            f"fu_{visit.pk}_action": "Visit the family",
            f"fu_{visit.pk}_owner": str(gina.pk),
            f"fu_{visit.pk}_due_on": due.isoformat(),
            f"fu_{visit.pk}_remove": "on",
            "follow_up": "Bring the leaflets",
            "follow_up_owner": str(gina.pk),
            "follow_up_due_on": _today().isoformat(),
        }
    )
    response = client.post(f"/app/community/meetings/{meeting.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rows = {f.action: f for f in FollowUp.objects.all()}
    assert set(rows) == {"Call the broker again", "Done already", "Bring the leaflets"}
    assert rows["Call the broker again"].owner == ivan
    assert rows["Done already"].done_at is not None
    event = AuditEvent.objects.filter(
        object_type="community.meeting", action=AuditAction.UPDATE
    ).get()
    assert event.changes["follow_ups_changed"] == 1
    assert event.changes["follow_ups_removed"] == 1
    assert event.changes["follow_ups_added"] == 1


def test_follow_up_rules_when_a_meeting_is_corrected(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    gina = world.users["gina"]
    meeting = _meeting(
        world,
        group,
        members,
        follow_ups=[services.FollowUpInput(action="Call", owner=gina, due_on=_days_ago(8))],
    )
    follow_up = FollowUp.objects.get()
    base: dict[str, Any] = {
        "actor": gina,
        "meeting": meeting,
        "expected_version": 1,
        "held_on": meeting.held_on,
        "topics": ["documents"],
        "attendees": [m.pk for m in members],
    }
    cases: list[tuple[dict[str, Any], str, str]] = [
        # The meeting moved after its open follow-up's due date.
        ({"held_on": _days_ago(5)}, "held_on", "invalid"),
        # A follow-up for someone who does not run the group.
        (
            {
                "open_follow_ups": {
                    follow_up.pk: services.FollowUpInput(
                        action="Call", owner=world.users["hana"], due_on=_today()
                    )
                }
            },
            "follow_ups",
            "invalid_choice",
        ),
        ({"open_follow_ups": {999999: None}}, "follow_ups", "done"),
        (
            {"new_follow_ups": [services.FollowUpInput(action="", owner=gina, due_on=_today())]},
            "follow_ups",
            None,  # the shared text check: a message, no code
        ),
    ]
    for extra, field, code in cases:
        with pytest.raises(ValidationError) as caught:
            services.meeting_update(**{**base, **extra})
        assert caught.value.error_dict[field][0].code == code, extra
    services.follow_up_done(actor=gina, follow_up=follow_up)
    with pytest.raises(ValidationError) as caught:
        services.meeting_update(**base, open_follow_ups={follow_up.pk: None})
    assert caught.value.error_dict["follow_ups"][0].code == "done"
    assert FollowUp.objects.count() == 1 and Meeting.objects.get().version == 1


def test_meeting_record_refuses_a_follow_up_for_someone_outside_the_group(
    world: Cast, group: Group
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.meeting_record(
            actor=world.users["gina"],
            group=group,
            held_on=_today(),
            topics=["documents"],
            follow_ups=[
                services.FollowUpInput(action="Call", owner=world.users["alice"], due_on=_today())
            ],
        )
    assert caught.value.error_dict["follow_ups"][0].code == "invalid_choice"
    assert not Meeting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_meeting_edits_let_exactly_one_through_and_keep_the_tallies(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    seed_topics()
    meeting = _meeting(world, group, members[:1])

    def edit(number: int) -> Callable[[], Meeting]:
        return lambda: services.meeting_update(
            actor=world.users["gina"],
            meeting=meeting,
            expected_version=1,
            held_on=_days_ago(40 + number),
            topics=["documents"],
            attendees=[m.pk for m in members[: number % 3 + 1]],
            guests={("male", "18_59"): number + 1},
        )

    results, errors = run_together([edit(n) for n in range(4)])
    assert len(results) == 1 and len(errors) == 3
    assert {getattr(e, "code", None) for e in errors} == {"conflict"}
    meeting.refresh_from_db()
    assert meeting.version == 2 and meeting.held_on == results[0].held_on
    assert tallies_differences() == 0


# --------------------------------------------------------------------------- reach


def test_editing_in_another_commune_is_403_and_logged(
    world: Cast,
    group: Group,
    other_group: Group,
    members: list[GroupMember],
    register: Callable[..., Person],
    as_user: Any,
) -> None:
    meeting = _meeting(world, group, members)
    hana = as_user(world.users["hana"])
    before = _denied()
    urls = [
        ("get", f"/app/community/groups/{group.pk}/edit/"),
        ("post", f"/app/community/groups/{group.pk}/edit/"),
        ("get", f"/app/community/members/{members[0].pk}/edit/"),
        ("post", f"/app/community/members/{members[0].pk}/edit/"),
        ("get", f"/app/community/meetings/{meeting.pk}/edit/"),
        ("post", f"/app/community/meetings/{meeting.pk}/edit/"),
    ]
    for method, url in urls:
        response = getattr(hana, method)(url, {"version": "1", "name": "Taken"})
        assert response.status_code == 403, url
    assert _denied() == before + len(urls)
    group.refresh_from_db()
    assert group.version == 1 and Meeting.objects.get().version == 1
    # Not found at all: 404, not a 403.
    assert hana.get("/app/community/meetings/999999/edit/").status_code == 404
    assert hana.get("/app/community/members/999999/edit/").status_code == 404


@pytest.mark.parametrize("user", ["alice", "carol", "erin", "charlie"])
def test_editing_needs_to_run_groups(
    world: Cast, group: Group, members: list[GroupMember], as_user: Any, user: str
) -> None:
    meeting = _meeting(world, group, members)
    client = as_user(world.users[user])
    for url in (
        f"/app/community/groups/{group.pk}/edit/",
        f"/app/community/members/{members[0].pk}/edit/",
        f"/app/community/meetings/{meeting.pk}/edit/",
    ):
        assert client.get(url).status_code == 403, url
