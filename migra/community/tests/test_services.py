"""The community services: groups, meetings, the migration register, problems."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from migra.accounts.tests.conftest import Cast
from migra.audit.models import AuditAction, AuditEvent
from migra.community import services
from migra.community.models import (
    Channel,
    FollowUp,
    Group,
    GroupMember,
    Meeting,
    MemberRole,
    RegisterEntry,
    RegisterProblem,
    Sector,
    Topic,
)
from migra.community.prefill import answers_for, prefill_answers
from migra.community.selectors import groups_visible_to, problems_waiting, quiet_entries
from migra.people.models import Person

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


def _today() -> dt.date:
    return timezone.localdate()


def test_topics_are_seeded_in_three_languages() -> None:
    topics = list(Topic.objects.all())
    assert [t.code for t in topics][:2] == ["safe_migration", "legal_channels"]
    assert len(topics) == 7
    assert all(t.name_km and t.name_en and t.name_th for t in topics)


def test_group_create_audits_and_scopes(world: Cast, group: Group) -> None:
    assert group.agency == world.agencies["lead"]
    assert list(group.facilitators.all()) == [world.users["gina"]]
    event = AuditEvent.objects.filter(object_type="community.group").get()
    assert event.changes["commune"] == "010201"
    with pytest.raises(PermissionDenied):
        services.group_create(
            actor=world.users["gina"], name="Elsewhere", commune=world.places["170101"]
        )
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 1
    assert Group.objects.count() == 1


def test_group_rejects_bad_input(world: Cast) -> None:
    gina = world.users["gina"]
    with pytest.raises(ValidationError):
        services.group_create(actor=gina, name="", commune=world.places["010201"])
    with pytest.raises(ValidationError):
        services.group_create(actor=gina, name="x" * 201, commune=world.places["010201"])
    with pytest.raises(ValidationError):  # a village is not a commune
        services.group_create(actor=gina, name="G", commune=world.places["01020101"])
    with pytest.raises(ValidationError):  # a village of another commune
        services.group_create(
            actor=gina,
            name="G",
            commune=world.places["010201"],
            villages=[world.places["010202-v"]],
        )
    assert Group.objects.count() == 0


def test_own_groups_come_first(world: Cast, group: Group) -> None:
    services.group_create(
        actor=world.users["ivan"], name="Aaa (ivan's)", commune=world.places["010201"]
    )
    names = [g.name for g in groups_visible_to(world.users["gina"])]
    assert names == ["Banteay Neang SHG", "Aaa (ivan's)"]
    names = [g.name for g in groups_visible_to(world.users["ivan"])]
    assert names == ["Aaa (ivan's)", "Banteay Neang SHG"]


def test_member_of_another_commune_group_refused(
    world: Cast, other_group: Group, register: Callable[..., Person]
) -> None:
    person = register()
    with pytest.raises(PermissionDenied):
        services.group_member_add(
            actor=world.users["gina"],
            group=other_group,
            person=person,
            role=MemberRole.RETURNED_MIGRANT,
        )
    assert not GroupMember.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).exists()


def test_meeting_record(world: Cast, group: Group, members: list[GroupMember]) -> None:
    gina = world.users["gina"]
    meeting = services.meeting_record(
        actor=gina,
        group=group,
        held_on=_today(),
        venue="Pagoda",
        topics=["safe_migration", "documents"],
        attendees=[members[0].pk, members[1].pk],
        guests={("female", "under_18"): 3, ("male", "18_59"): 1},
        decisions="Visit the family",
        follow_ups=[services.FollowUpInput(action="Call the broker", owner=gina, due_on=_today())],
    )
    assert meeting.guests == 4
    assert meeting.attendees.count() == 2
    assert sorted(t.code for t in meeting.topics.all()) == ["documents", "safe_migration"]
    follow_up = FollowUp.objects.get()
    assert follow_up.action == "Call the broker"
    event = AuditEvent.objects.filter(object_type="community.meeting").get()
    assert "Visit" not in str(event.changes) and "broker" not in str(event.changes)
    done = services.follow_up_done(actor=gina, follow_up=follow_up)
    again = services.follow_up_done(actor=gina, follow_up=follow_up)
    assert done.done_at is not None and again.done_at == done.done_at


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": "future"}, "held_on"),
        ({"held_on": None}, "held_on"),
        ({"topics": ["no_such_topic"]}, "topics"),
        ({"topics": []}, "topics"),
        ({"attendance_total": 4}, "attendance_total"),
        ({"attendance_total": -1}, "attendance_total"),
        ({"guests": {("female", "under_18"): -1}}, "guests"),
        ({"guests": {("female", "under_18"): 10**9}}, "guests"),
        ({"guests": {("alien", "under_18"): 1}}, "guests"),
        ({"decisions": "x" * 5000}, "decisions"),
        ({"venue": "x" * 300}, "venue"),
    ],
)
def test_meeting_bad_input(
    world: Cast, group: Group, members: list[GroupMember], changes: dict, field: str
) -> None:
    values: dict = {"held_on": _today(), "topics": ["safe_migration"], "attendees": []}
    values.update(changes)
    if values["held_on"] == "future":
        values["held_on"] = _today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.meeting_record(actor=world.users["gina"], group=group, **values)
    assert field in caught.value.message_dict
    assert not Meeting.objects.exists()


def test_meeting_in_the_future_has_a_clear_error(world: Cast, group: Group) -> None:
    with pytest.raises(ValidationError) as caught:
        services.meeting_record(
            actor=world.users["gina"],
            group=group,
            held_on=_today() + dt.timedelta(days=3),
            topics=["safe_migration"],
        )
    assert "future" in caught.value.message_dict["held_on"][0]


def test_attendance_larger_than_group_without_guests(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    kwargs = {
        "actor": world.users["gina"],
        "group": group,
        "held_on": _today(),
        "topics": ["documents"],
    }
    with pytest.raises(ValidationError) as caught:
        services.meeting_record(**kwargs, attendance_total=5)
    assert "guests" in caught.value.message_dict["attendance_total"][0]
    # With two guests counted, five people is right.
    meeting = services.meeting_record(**kwargs, attendance_total=5, guests={("male", "60_plus"): 2})
    assert meeting.guests == 2


def test_attendees_must_be_members_of_the_group(
    world: Cast,
    group: Group,
    other_group: Group,
    members: list[GroupMember],
    register: Callable[..., Person],
) -> None:
    stranger = services.group_member_add(
        actor=world.users["hana"],
        group=other_group,
        person=register("ចាន់ ថា", actor=world.users["hana"], village=world.places["010202-v"]),
        role=MemberRole.COMMUNITY_LEADER,
    )
    with pytest.raises(ValidationError):
        services.meeting_record(
            actor=world.users["gina"],
            group=group,
            held_on=_today(),
            topics=["documents"],
            attendees=[members[0].pk, stranger.pk],
        )


def _entry(world: Cast, person: Person, **extra: object) -> RegisterEntry:
    values: dict = {
        "actor": world.users["gina"],
        "commune": world.places["010201"],
        "person": person,
        "departed_on": _today() - dt.timedelta(days=200),
        "destination": world.places["TH-27"],
        "sector": Sector.CONSTRUCTION,
        "channel": Channel.BROKER,
        "documents_held": ["passport"],
        "debt_amount": "1500",
        "debt_currency": "USD",
    }
    values.update(extra)
    return services.register_entry_add(**values)


def test_register_entry_add_and_update(world: Cast, register: Callable[..., Person]) -> None:
    entry = _entry(world, register())
    assert entry.agency == world.agencies["lead"]
    assert entry.debt_amount == Decimal("1500.00")
    event = AuditEvent.objects.filter(object_type="community.registerentry").get()
    assert event.changes["channel"] == "broker" and event.changes["debt"] is True
    returned = _today() - dt.timedelta(days=5)
    updated = services.register_entry_update(
        actor=world.users["gina"],
        entry=entry,
        expected_version=1,
        departed_on=entry.departed_on,
        destination=entry.destination,
        sector=entry.sector,
        channel=entry.channel,
        last_contact_on=returned,
        returned_on=returned,
        return_reason="problem",
    )
    assert updated.version == 2 and updated.returned_on == returned
    # A second editor with the old version: a clear conflict, nothing changed.
    with pytest.raises(services.EntryConflict):
        services.register_entry_update(
            actor=world.users["ivan"], entry=entry, expected_version=1, sector="fishing"
        )
    assert RegisterEntry.objects.get().sector == Sector.CONSTRUCTION


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"returned_on": "before"}, "returned_on"),
        ({"departed_on": "future"}, "departed_on"),
        ({"sector": "mining"}, "sector"),
        ({"channel": "<script>"}, "channel"),
        ({"documents_held": ["passport", "x"]}, "documents_held"),
        ({"debt_amount": "lots"}, "debt_amount"),
        ({"debt_amount": "-5"}, "debt_amount"),
        ({"debt_amount": "1e30"}, "debt_amount"),
        ({"debt_amount": "NaN"}, "debt_amount"),
        ({"debt_currency": ""}, "debt_currency"),
        ({"return_reason": "family"}, "returned_on"),
        ({"destination": "village"}, "destination"),
        ({"commune": "village"}, "commune"),
    ],
)
def test_register_bad_input(
    world: Cast, register: Callable[..., Person], extra: dict, field: str
) -> None:
    departed = _today() - dt.timedelta(days=30)
    if extra.get("returned_on") == "before":
        extra = {"departed_on": departed, "returned_on": departed - dt.timedelta(days=1)}
    if extra.get("departed_on") == "future":
        extra = {"departed_on": _today() + dt.timedelta(days=1)}
    if extra.get("destination") == "village":
        extra = {"destination": world.places["01020101"]}
    if extra.get("commune") == "village":
        extra = {"commune": world.places["01020101"]}
    person = register()
    with pytest.raises(ValidationError) as caught:
        _entry(world, person, **extra)
    assert field in caught.value.message_dict
    assert not RegisterEntry.objects.exists()


def test_return_before_departure_message(world: Cast, register: Callable[..., Person]) -> None:
    with pytest.raises(ValidationError) as caught:
        _entry(
            world,
            register(),
            departed_on=dt.date(2025, 3, 1),
            returned_on=dt.date(2025, 2, 1),
        )
    assert "before the departure" in caught.value.message_dict["returned_on"][0]


def test_same_migrant_registered_twice_by_two_facilitators_warns(world: Cast) -> None:
    new = services.NewPerson(
        names=["សុខ ស្រីនិច"], sex="female", home_village=world.places["01020101"], approximate_age=22
    )
    first = services.register_entry_add(
        actor=world.users["gina"], commune=world.places["010201"], new_person=new, channel="broker"
    )
    with pytest.raises(services.PossibleDuplicate) as caught:
        services.register_entry_add(
            actor=world.users["ivan"], commune=world.places["010201"], new_person=new
        )
    assert caught.value.candidates == [first.person_id]
    assert Person.objects.count() == 1 and RegisterEntry.objects.count() == 1
    # Choosing the registered person: the open entry warns in turn.
    with pytest.raises(services.PossibleDuplicate):
        services.register_entry_add(
            actor=world.users["ivan"], commune=world.places["010201"], person=first.person
        )
    # Confirmed as a different person: registered.
    services.register_entry_add(
        actor=world.users["ivan"],
        commune=world.places["010201"],
        new_person=new,
        confirm_possible_duplicate=True,
    )
    assert Person.objects.count() == 2 and RegisterEntry.objects.count() == 2


def test_register_in_another_commune_is_refused_and_logged(
    world: Cast, register: Callable[..., Person]
) -> None:
    with pytest.raises(PermissionDenied):
        _entry(world, register(), commune=world.places["010202"])
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 1
    assert not RegisterEntry.objects.exists()


def test_person_out_of_scope_refused(world: Cast, register: Callable[..., Person]) -> None:
    person = register("ចាន់ ថា", actor=world.users["hana"], village=world.places["010202-v"])
    with pytest.raises(PermissionDenied):
        _entry(world, person)
    assert not RegisterEntry.objects.exists()


def test_problem_report_and_waiting_list(world: Cast, register: Callable[..., Person]) -> None:
    entry = _entry(world, register())
    rows = services.register_problem_report(
        actor=world.users["gina"], entry=entry, problems=["unpaid_wages", "confined"]
    )
    assert sorted(r.kind for r in rows) == ["confined", "unpaid_wages"]
    waiting = list(problems_waiting(world.users["gina"]))
    assert len(waiting) == 2
    assert list(problems_waiting(world.users["hana"])) == []
    for bad in ([], ["kidnapped"], ["<b>"]):
        with pytest.raises(ValidationError):
            services.register_problem_report(actor=world.users["gina"], entry=entry, problems=bad)
    with pytest.raises(ValidationError):
        services.register_problem_report(
            actor=world.users["gina"],
            entry=entry,
            problems=["missing"],
            noted_on=_today() + dt.timedelta(days=1),
        )
    with pytest.raises(PermissionDenied):
        services.register_problem_report(
            actor=world.users["hana"], entry=entry, problems=["missing"]
        )
    assert RegisterProblem.objects.count() == 2


def test_quiet_entries(world: Cast, register: Callable[..., Person]) -> None:
    never = _entry(world, register("សុខ ចាន់"))
    old = _entry(world, register("ម៉ៅ សុភា"), last_contact_on=_today() - dt.timedelta(days=91))
    _entry(world, register("ហេង ដារ៉ា"), last_contact_on=_today() - dt.timedelta(days=10))
    _entry(
        world,
        register("ចាន់ ដារ៉ា"),
        last_contact_on=_today() - dt.timedelta(days=150),
        returned_on=_today() - dt.timedelta(days=150),
    )
    assert {e.pk for e in quiet_entries(world.users["gina"])} == {never.pk, old.pk}
    assert not quiet_entries(world.users["hana"]).exists()


def test_prefill_map() -> None:
    assert prefill_answers("unpaid_wages")["dest_wages_withheld"] == "yes"
    assert set(prefill_answers("threatened,nonsense, injured")) == {
        "dest_threats",
        "fl_threats",
        "dest_violence",
        "work_dangerous",
        "fl_violence",
    }
    assert prefill_answers("") == {} and prefill_answers("x" * 10_000) == {}
    assert answers_for(["arrested", "missing"]) == {}


def test_prefill_topics_exist_in_the_catalogue() -> None:
    import json
    from pathlib import Path

    from migra.community.prefill import PROBLEM_SCREENING_TOPICS

    folder = Path(__file__).resolve().parents[2] / "screening" / "catalogue"
    topics: set[str] = set()
    for path in folder.glob("*.json"):
        topics |= set(json.loads(path.read_text())["questions"])
    for mapped in PROBLEM_SCREENING_TOPICS.values():
        assert set(mapped) <= topics


def test_a_screening_of_the_person_picks_the_problem_up(
    world: Cast, register: Callable[..., Person]
) -> None:
    import uuid

    from migra.screening.selectors import catalogue_current
    from migra.screening.services import catalogue_load_shipped, screening_record

    entry = _entry(world, register())
    services.register_problem_report(
        actor=world.users["gina"], entry=entry, problems=["unpaid_wages"]
    )
    assert problems_waiting(world.users["gina"]).count() == 1
    catalogue_load_shipped()
    current = catalogue_current()
    assert current is not None
    screening_record(
        actor=world.users["gina"],
        catalogue=current,
        mode="guided",
        answers={"dest_wages_withheld": "yes"},
        sex="female",
        age_band="25-34",
        place=world.places["01020101"],
        token=uuid.uuid4(),
        person=entry.person,
    )
    assert problems_waiting(world.users["gina"]).count() == 0
