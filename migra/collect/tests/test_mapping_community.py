"""Community submissions → records (migra/collect/mapping/community.py): a meeting, a
register entry and its news, a problem with its short screening — made through the
same services as the web pages, as the sender; refused with a clear MappingProblem,
nothing half-made; never made twice.

Instances are written as ODK Collect sends them (namespaces, meta/instanceID,
questions left unanswered sent empty or left out)."""

# The community fixtures (world, group, members …) are imported below and used by name
# as test arguments, which ruff reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET
from django.db import connection
from django.utils import timezone

from migra.accounts.tests.conftest import Cast
from migra.collect import services as collect_services
from migra.collect.instances import parse_instance
from migra.collect.mapping import MappedRecord, MappingInput, MappingProblem, map_submission
from migra.collect.mapping.community import form_token
from migra.collect.models import BuiltinForm, FormState, Submission, SubmissionState, XForm
from migra.collect.xlsform import compile_xlsform
from migra.community import services
from migra.community.models import (
    FollowUp,
    Group,
    GroupMember,
    Meeting,
    MeetingGuests,
    MemberRole,
    RegisterEntry,
    RegisterProblem,
    Sector,
    Topic,
)
from migra.community.selectors import problems_waiting
from migra.community.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    group,
    members,
    other_group,
    register,
    world,
)
from migra.people.models import Person
from migra.screening.models import Mode, Screening

pytestmark = pytest.mark.django_db

VERSION = "2026112501"
IID = "uuid:0b7d6a52-2f7e-4d2b-9a51-3c1f5e0a0001"


def today() -> dt.date:
    return timezone.localdate()


def ago(days: int) -> str:
    return (today() - dt.timedelta(days=days)).isoformat()


def xml(builtin: str, body: str, instance_id: str = IID) -> bytes:
    return (
        '<?xml version="1.0"?>'
        f'<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
        f'xmlns:odk="http://www.opendatakit.org/xforms" id="migra_{builtin}" version="{VERSION}">'
        f"{body}<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def given(user: Any, builtin: str, body: str, instance_id: str = IID) -> MappingInput:
    parsed = parse_instance(xml(builtin, body, instance_id))
    return MappingInput(
        submission=Submission(instance_id=parsed.instance_id), root=parsed.root, actor=user
    )


def run(user: Any, builtin: str, body: str, instance_id: str = IID) -> MappedRecord:
    """Map directly: the record, or the MappingProblem raised."""
    return map_submission(builtin, given(user, builtin, body, instance_id))


def refused(user: Any, builtin: str, body: str, *words: str) -> str:
    with pytest.raises(MappingProblem) as caught:
        run(user, builtin, body)
    for word in words:
        assert word in caught.value.message, caught.value.message
    return caught.value.message


def submit(user: Any, builtin: str, body: str, instance_id: str = IID) -> Submission:
    """Through the collect service, as a phone's POST would end (state, problem, record)."""
    form, _made = XForm.objects.get_or_create(
        form_id=f"migra_{builtin}",
        defaults={"title": builtin, "builtin": builtin, "state": FormState.OPEN},
    )
    data = xml(builtin, body, instance_id)
    parsed = parse_instance(data)
    submission = Submission.objects.create(
        form=form,
        form_version=VERSION,
        instance_id=parsed.instance_id,
        xml=data.decode(),
        xml_sha256=parsed.sha256,
        submitted_by=user,
        state=SubmissionState.WAITING,
    )
    return collect_services.submission_process(submission=submission, actor=user)


def nothing_made() -> None:
    assert Meeting.objects.count() == 0
    assert FollowUp.objects.count() == 0
    assert MeetingGuests.objects.count() == 0


# --------------------------------------------------------------------------- meeting


def meeting_body(shg: Group, **fields: str) -> str:
    values = {
        "group": str(shg.pk),
        "held_on": ago(2),
        "venue": "វត្តភូមិ",
        "topics": "safe_migration documents",
        "present": "",
        "attendance_total": "",
        "guests": "<guests_female_18_59>3</guests_female_18_59><guests_male_under_18/>",
        "decisions": "Meet again next month.\nInvite the village chief.",
        "follow_up": "",
    }
    values.update(fields)
    out = []
    for name, value in values.items():
        if name in ("present", "follow_up", "guests") and value.startswith("<"):
            out.append(value if name != "guests" else f"<guests>{value}</guests>")
        elif name in ("present", "follow_up"):
            continue
        else:
            out.append(f"<{name}>{value}</{name}>")
    return "".join(out)


def present(number: str = "", name: str = "", sex: str = "", age: str = "") -> str:
    return (
        f"<present><person_number>{number}</person_number><person_name>{name}</person_name>"
        f"<person_sex>{sex}</person_sex><person_age>{age}</person_age></present>"
    )


def follow_up(action: str, due_on: str) -> str:
    return f"<follow_up><action>{action}</action><due_on>{due_on}</due_on></follow_up>"


def test_a_meeting_is_recorded_with_members_by_number_and_by_name(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    gina = world.users["gina"]
    body = meeting_body(
        group,
        present=present(number=str(members[0].person_id))
        + present(name="ម៉ៅ សុភា", sex="female", age="24")
        + present(name="Heng Dara", sex="female", age="24"),
        attendance_total="6",
        follow_up=follow_up("Visit the Sok family", ago(0)),
    )
    done = submit(gina, BuiltinForm.MEETING, body)
    assert (done.state, done.problem) == (SubmissionState.DONE, "")
    made = Meeting.objects.get()
    assert (done.record_type, done.record_id) == ("community.meeting", str(made.pk))
    assert made.group == group and made.recorded_by == gina
    assert made.held_on == today() - dt.timedelta(days=2)
    assert made.venue == "វត្តភូមិ"
    assert made.decisions == "Meet again next month.\nInvite the village chief."
    assert made.token == uuid.UUID(IID[5:])
    assert sorted(made.topics.values_list("code", flat=True)) == ["documents", "safe_migration"]
    assert sorted(made.attendees.values_list("pk", flat=True)) == sorted(m.pk for m in members)
    assert made.guests == 3
    assert list(made.guest_counts.values_list("sex", "age_band", "count")) == [
        ("female", "18_59", 3)
    ]
    follow = FollowUp.objects.get()
    assert (follow.owner, follow.due_on, follow.action) == (gina, today(), "Visit the Sok family")


def test_the_same_meeting_processed_again_is_one_meeting(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    gina = world.users["gina"]
    body = meeting_body(group, follow_up=follow_up("Call the chief", ago(0)))
    first = run(gina, BuiltinForm.MEETING, body)
    second = run(gina, BuiltinForm.MEETING, body)
    assert first == second
    assert Meeting.objects.count() == 1 and FollowUp.objects.count() == 1


def test_a_meeting_with_no_one_listed_counts_heads(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    record = run(
        world.users["gina"], BuiltinForm.MEETING, meeting_body(group, attendance_total="5")
    )
    made = Meeting.objects.get(pk=record.record_id)
    assert made.attendees.count() == 0 and made.guests == 3


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", ["group"]),
        ("999999", ["group", "999999"]),
        ("abc", ["group", "abc"]),
        ("-3", ["group"]),
        ("1" * 40, ["group"]),
        ("១", ["group"]),
    ],
)
def test_an_unknown_or_malformed_group_is_refused(
    world: Cast, group: Group, value: str, words: list[str]
) -> None:
    refused(world.users["gina"], BuiltinForm.MEETING, meeting_body(group, group=value), *words)
    nothing_made()


def test_a_group_the_sender_does_not_run_is_refused(
    world: Cast,
    group: Group,
    other_group: Group,
) -> None:
    message = refused(
        world.users["gina"], BuiltinForm.MEETING, meeting_body(other_group), "does not run"
    )
    assert str(other_group.pk) in message
    nothing_made()


def test_someone_who_is_not_a_member_or_unknown_is_refused(
    world: Cast,
    group: Group,
    members: list[GroupMember],
    register: Callable[..., Any],
) -> None:
    gina = world.users["gina"]
    outsider = register("ចាន់ ថា")
    body = meeting_body(group, present=present(number=str(outsider.pk)))
    refused(gina, BuiltinForm.MEETING, body, "present[1]/person_number", str(outsider.pk))
    body = meeting_body(group, present=present(name="Nobody Known", sex="male"))
    refused(gina, BuiltinForm.MEETING, body, "present[1]/person_name")
    body = meeting_body(group, present=present(number="12x"))
    refused(gina, BuiltinForm.MEETING, body, "present[1]/person_number", "12x")
    nothing_made()


def test_two_members_of_one_name_need_their_numbers(
    world: Cast, group: Group, members: list[GroupMember], register: Callable[..., Any]
) -> None:
    twin = register("សុខ ចាន់")
    services.group_member_add(
        actor=world.users["gina"], group=group, person=twin, role=MemberRole.MIGRANT_FAMILY
    )
    body = meeting_body(group, present=present(name="សុខ ចាន់", sex="female", age="24"))
    refused(world.users["gina"], BuiltinForm.MEETING, body, "several members")
    nothing_made()


def test_a_merged_person_number_leads_to_the_member(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    old = Person.objects.create(
        agency=world.agencies["lead"],
        home_village=world.places["01020101"],
        sex="female",
        merged_into=members[1].person,
    )
    body = meeting_body(group, present=present(number=str(old.pk)))
    record = run(world.users["gina"], BuiltinForm.MEETING, body)
    assert list(Meeting.objects.get(pk=record.record_id).attendees.all()) == [members[1]]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"held_on": ago(-3)}, ["Recording the meeting", "held_on"]),
        ({"held_on": "2025-02-30"}, ["held_on", "2025-02-30"]),
        ({"held_on": "yesterday"}, ["held_on"]),
        ({"held_on": ""}, ["held_on"]),
        ({"topics": "no_such_topic"}, ["topics"]),
        ({"topics": ""}, ["topics"]),
        ({"topics": " ".join(["safe_migration"] * 60)}, ["topics"]),
        ({"attendance_total": "500"}, ["attendance_total"]),
        ({"attendance_total": "-1"}, ["attendance_total"]),
        ({"decisions": "x" * 5000}, ["decisions"]),
        ({"venue": "ក" * 300}, ["venue"]),
        ({"guests": "<guests_female_18_59>99999</guests_female_18_59>"}, ["guests"]),
        ({"follow_up": follow_up("Too early", ago(30))}, ["follow_up"]),
        ({"follow_up": follow_up("", ago(0))}, ["follow_up"]),
        ({"follow_up": follow_up("No date", "")}, ["follow_up[1]/due_on"]),
        ({"follow_up": follow_up("a", ago(0)) * 21}, ["follow_up", "21"]),
        ({"present": present(number="1") * 501}, ["present", "501"]),
    ],
)
def test_values_the_service_or_the_form_refuses_leave_nothing(
    world: Cast,
    group: Group,
    members: list[GroupMember],
    fields: dict[str, str],
    words: list[str],
) -> None:
    done = submit(world.users["gina"], BuiltinForm.MEETING, meeting_body(group, **fields))
    assert done.state == SubmissionState.NEEDS_ATTENTION
    for word in words:
        assert word in done.problem, done.problem
    nothing_made()


def test_hostile_text_is_kept_as_text(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    hostile = "&lt;script&gt;alert(1)&lt;/script&gt; '; DROP TABLE x; --"
    record = run(world.users["gina"], BuiltinForm.MEETING, meeting_body(group, decisions=hostile))
    assert Meeting.objects.get(pk=record.record_id).decisions == (
        "<script>alert(1)</script> '; DROP TABLE x; --"
    )


def test_a_follow_up_of_someone_who_is_not_a_facilitator_is_refused(
    world: Cast, group: Group
) -> None:
    # ivan runs groups in the commune but does not facilitate this group.
    body = meeting_body(group, follow_up=follow_up("Visit", ago(0)))
    refused(world.users["ivan"], BuiltinForm.MEETING, body, "follow_up")
    nothing_made()


# --------------------------------------------------------------------------- register entry


def entry_body(**fields: str) -> str:
    values = {
        "province": "01",
        "district": "0102",
        "commune": "010201",
        "group": "",
        "person_number": "",
        "person_name": "ស្រី ណែត",
        "person_sex": "female",
        "person_age": "22",
        "person_village": "01020101",
        "person_phone": "012 345 678",
        "confirm_new": "no",
        "departed_on": ago(40),
        "destination_country": "TH",
        "destination_area": "TH-27",
        "sector": "agriculture",
        "channel": "broker",
        "documents_held": "passport",
        "debt_amount": "150.5",
        "debt_currency": "USD",
        "last_contact_on": ago(10),
        "returned_on": "",
        "return_reason": "",
    }
    values.update(fields)
    return "".join(f"<{k}>{v}</{k}>" for k, v in values.items() if v is not None)


def test_a_new_migrant_is_registered_and_entered(world: Cast, group: Group) -> None:
    gina = world.users["gina"]
    done = submit(gina, BuiltinForm.REGISTER_ENTRY, entry_body(group=str(group.pk)))
    assert (done.state, done.problem) == (SubmissionState.DONE, "")
    entry = RegisterEntry.objects.get()
    assert (done.record_type, done.record_id) == ("community.registerentry", str(entry.pk))
    assert entry.commune == world.places["010201"] and entry.group == group
    assert entry.destination == world.places["TH-27"]
    assert (entry.sector, entry.channel, entry.documents_held) == (
        "agriculture",
        "broker",
        ["passport"],
    )
    assert (str(entry.debt_amount), entry.debt_currency) == ("150.50", "USD")
    assert entry.token == uuid.UUID(IID[5:])
    person = entry.person
    assert [n.value for n in person.names.all()] == ["ស្រី ណែត"]
    assert (person.sex, person.home_village, person.birth_year) == (
        "female",
        world.places["01020101"],
        today().year - 22,
    )
    assert person.phones.get().value == "+85512345678"
    assert person.created_by == gina


def test_the_same_entry_processed_again_registers_once(world: Cast) -> None:
    gina = world.users["gina"]
    first = run(gina, BuiltinForm.REGISTER_ENTRY, entry_body())
    second = run(gina, BuiltinForm.REGISTER_ENTRY, entry_body())
    assert first == second
    assert RegisterEntry.objects.count() == 1 and Person.objects.count() == 1


def test_a_registered_person_by_number_and_only_a_country(
    world: Cast, register: Callable[..., Any]
) -> None:
    person = register("ម៉ៅ សុភា")
    body = entry_body(person_number=str(person.pk), person_name="", destination_area="")
    record = run(world.users["gina"], BuiltinForm.REGISTER_ENTRY, body)
    entry = RegisterEntry.objects.get(pk=record.record_id)
    assert entry.person == person and entry.destination == world.places["TH"]
    assert Person.objects.count() == 1


def test_a_possible_duplicate_waits_for_a_person_to_decide(
    world: Cast, register: Callable[..., Any]
) -> None:
    gina = world.users["gina"]
    known = register("ស្រី ណែត")  # same name, sex, village; age 24 against 22
    done = submit(gina, BuiltinForm.REGISTER_ENTRY, entry_body())
    assert done.state == SubmissionState.NEEDS_ATTENTION
    assert str(known.pk) in done.problem and "person_number" in done.problem
    assert "confirm_new" in done.problem
    assert RegisterEntry.objects.count() == 0 and Person.objects.count() == 1
    # The person fixing it names the registered person: processed again, made.
    fixed = done.xml.replace(
        "<person_number></person_number>", f"<person_number>{known.pk}</person_number>"
    )
    alice = world.users["alice"]
    done = collect_services.submission_reprocess(
        actor=alice, submission=done, row_version=done.row_version, xml=fixed
    )
    assert done.state == SubmissionState.DONE, done.problem
    assert RegisterEntry.objects.get().person == known
    assert Person.objects.count() == 1


def test_confirming_someone_else_registers_them(world: Cast, register: Callable[..., Any]) -> None:
    register("ស្រី ណែត")
    run(world.users["gina"], BuiltinForm.REGISTER_ENTRY, entry_body(confirm_new="yes"))
    assert Person.objects.count() == 2 and RegisterEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"commune": "999999"}, ["commune", "999999"]),
        ({"commune": "../../etc"}, ["commune"]),
        ({"commune": ""}, ["commune"]),
        ({"commune": "170101"}, ["may not"]),  # not gina's commune
        ({"commune": "01020101"}, ["commune"]),  # a village
        ({"person_name": ""}, ["person_name"]),
        ({"person_name": "ក" * 500}, ["person_name"]),
        ({"person_sex": "robot"}, ["person_sex"]),
        ({"person_age": "250"}, ["person_age"]),
        ({"person_age": "twenty"}, ["person_age"]),
        ({"person_age": ""}, ["person_age"]),
        ({"person_village": ""}, ["person_village"]),
        ({"person_phone": "not a phone"}, ["person_phone"]),
        ({"person_number": "999999999"}, ["person_number", "999999999"]),
        ({"person_number": str(2**70)}, ["person_number"]),
        ({"departed_on": ago(-1)}, ["departed_on"]),
        ({"returned_on": ago(50)}, ["returned_on"]),
        ({"return_reason": "contract_ended"}, ["returned_on"]),
        ({"destination_country": "XX"}, ["destination_country", "XX"]),
        ({"destination_country": "010201", "destination_area": ""}, ["destination"]),
        ({"sector": "mining"}, ["sector"]),
        ({"channel": "teleport"}, ["channel"]),
        ({"documents_held": "passport spaceship"}, ["documents_held"]),
        ({"debt_amount": "1e400"}, ["debt_amount"]),
        ({"debt_amount": "NaN"}, ["debt_amount"]),
        ({"debt_amount": "-5"}, ["debt_amount"]),
        ({"debt_currency": ""}, ["debt_currency"]),
        ({"confirm_new": "maybe"}, ["confirm_new"]),
    ],
)
def test_entry_values_refused_leave_no_person_and_no_entry(
    world: Cast, fields: dict[str, str], words: list[str]
) -> None:
    done = submit(world.users["gina"], BuiltinForm.REGISTER_ENTRY, entry_body(**fields))
    assert done.state == SubmissionState.NEEDS_ATTENTION
    for word in words:
        assert word in done.problem, done.problem
    assert RegisterEntry.objects.count() == 0 and Person.objects.count() == 0


def test_a_group_of_another_commune_is_refused(world: Cast, other_group: Group) -> None:
    # hana's group is in 010202; the entry is in 010201. gina does not run it either.
    refused(
        world.users["gina"],
        BuiltinForm.REGISTER_ENTRY,
        entry_body(group=str(other_group.pk)),
        "does not run",
    )
    assert RegisterEntry.objects.count() == 0 and Person.objects.count() == 0


# --------------------------------------------------------------------------- register update


@pytest.fixture
def entry(world: Cast, register: Callable[..., Any]) -> RegisterEntry:
    return services.register_entry_add(
        actor=world.users["gina"],
        commune=world.places["010201"],
        person=register("ស្រី ពៅ"),
        departed_on=today() - dt.timedelta(days=100),
        destination=world.places["TH-27"],
        sector=Sector.CONSTRUCTION,
        channel="broker",
        documents_held=["passport"],
        last_contact_on=today() - dt.timedelta(days=60),
    )


def update_body(**fields: str) -> str:
    values = {
        "who_note": "",
        "person_number": "",
        "person_name": "ស្រី ពៅ",
        "person_sex": "female",
        "person_age": "24",
        "last_contact_on": ago(1),
        "returned": "no",
        "returned_on": "",
        "return_reason": "",
        "destination_country": "",
        "destination_area": "",
        "sector": "",
        "documents_held": "",
        "debt_amount": "",
        "debt_currency": "",
    }
    values.update(fields)
    return "".join(f"<{k}>{v}</{k}>" for k, v in values.items())


def test_news_found_by_name_changes_only_what_it_gives(world: Cast, entry: RegisterEntry) -> None:
    done = submit(world.users["gina"], BuiltinForm.REGISTER_UPDATE, update_body(sector="factory"))
    assert (done.state, done.problem) == (SubmissionState.DONE, "")
    assert (done.record_type, done.record_id) == ("community.registerentry", str(entry.pk))
    fresh = RegisterEntry.objects.get()
    assert fresh.version == entry.version + 1
    assert fresh.last_contact_on == today() - dt.timedelta(days=1)
    assert fresh.sector == "factory"
    assert (fresh.channel, fresh.destination, fresh.documents_held) == (
        "broker",
        world.places["TH-27"],
        ["passport"],
    )
    assert fresh.returned_on is None


def test_news_of_a_return_by_number(world: Cast, entry: RegisterEntry) -> None:
    body = update_body(
        person_number=str(entry.person_id),
        person_name="",
        returned="yes",
        returned_on=ago(3),
        return_reason="problem",
        last_contact_on=ago(90),  # older than the contact known: the known one stays
        debt_amount="2000",
        debt_currency="THB",
    )
    run(world.users["gina"], BuiltinForm.REGISTER_UPDATE, body)
    fresh = RegisterEntry.objects.get()
    assert (fresh.returned_on, fresh.return_reason) == (today() - dt.timedelta(days=3), "problem")
    assert fresh.last_contact_on == today() - dt.timedelta(days=60)
    assert (str(fresh.debt_amount), fresh.debt_currency) == ("2000.00", "THB")


def test_news_of_a_move_to_another_country(world: Cast, entry: RegisterEntry) -> None:
    make = world.places["TH"]
    run(world.users["gina"], BuiltinForm.REGISTER_UPDATE, update_body(destination_country="TH"))
    assert RegisterEntry.objects.get().destination == make


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"person_name": "Somebody Else Entirely"}, ["person_name"]),
        ({"person_name": ""}, ["person_number"]),
        ({"person_number": "99999"}, ["person_number", "99999"]),
        ({"returned": "yes", "returned_on": ""}, ["returned_on"]),
        ({"returned": "yes", "returned_on": ago(200)}, ["returned_on"]),
        ({"returned": "perhaps"}, ["returned"]),
        ({"last_contact_on": ago(-5)}, ["last_contact_on"]),
        ({"sector": "mining"}, ["sector"]),
        ({"destination_country": "ZZ"}, ["destination_country"]),
        ({"debt_amount": "abc", "debt_currency": "USD"}, ["debt_amount"]),
    ],
)
def test_news_refused_changes_nothing(
    world: Cast, entry: RegisterEntry, fields: dict[str, str], words: list[str]
) -> None:
    done = submit(world.users["gina"], BuiltinForm.REGISTER_UPDATE, update_body(**fields))
    assert done.state == SubmissionState.NEEDS_ATTENTION
    for word in words:
        assert word in done.problem, done.problem
    assert RegisterEntry.objects.get().version == entry.version


def test_news_of_someone_not_in_the_register(world: Cast, register: Callable[..., Any]) -> None:
    person = register("ចាន់ ថា")
    body = update_body(person_number=str(person.pk), person_name="")
    message = refused(world.users["gina"], BuiltinForm.REGISTER_UPDATE, body, str(person.pk))
    assert "register" in message


def test_news_of_someone_another_team_keeps_is_refused(world: Cast, entry: RegisterEntry) -> None:
    # hana runs groups in another commune: she may not see the person nor the entry.
    body = update_body(person_number=str(entry.person_id), person_name="")
    refused(world.users["hana"], BuiltinForm.REGISTER_UPDATE, body, "person_number")
    assert RegisterEntry.objects.get().version == entry.version


# --------------------------------------------------------------------------- problem


def problem_body(
    *, screen: bool = True, answers: str | None = None, age_band: str = "25-34", **fields: str
) -> str:
    values = {
        "who_note": "",
        "person_number": "",
        "person_name": "ស្រី ពៅ",
        "person_sex": "female",
        "person_age": "24",
        "problems": "unpaid_wages confined",
        "noted_on": ago(0),
        "note": "Her sister called.",
        "screen_now": "yes" if screen else "no",
    }
    values.update(fields)
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    if screen:
        if answers is None:
            answers = (
                "<q_dest_wages_withheld>yes</q_dest_wages_withheld>"
                "<q_work_low_no_pay>yes</q_work_low_no_pay>"
                "<q_dest_confined>yes</q_dest_confined>"
                "<q_recruit_misled_work>no</q_recruit_misled_work>"
                "<q_dest_threats>unknown</q_dest_threats><q_dest_violence/>"
            )
        body += f"<screening><screening_note/><age_band>{age_band}</age_band>{answers}</screening>"
    return body


def test_a_problem_and_its_screening_in_one_submission(world: Cast, entry: RegisterEntry) -> None:
    gina = world.users["gina"]
    done = submit(gina, BuiltinForm.PROBLEM, problem_body())
    assert (done.state, done.problem) == (SubmissionState.DONE, "")
    problems = RegisterProblem.objects.filter(entry=entry)
    assert sorted(problems.values_list("kind", flat=True)) == ["confined", "unpaid_wages"]
    assert {p.note for p in problems} == {"Her sister called."}
    screening = Screening.objects.get()
    assert (done.record_type, done.record_id) == ("screening.screening", str(screening.pk))
    assert screening.person_id == entry.person_id
    assert (screening.mode, screening.sex, screening.age_band) == (Mode.GUIDED, "female", "25-34")
    assert screening.place == entry.person.home_village
    assert screening.token == uuid.UUID(IID[5:])
    assert screening.screened_by == gina
    assert set(screening.answers.values()) == {"yes", "no", "unknown"}
    # The screening picks the problem up: it no longer waits on the home page.
    assert not problems_waiting(gina).exists()


def test_a_problem_without_screening(world: Cast, entry: RegisterEntry) -> None:
    body = problem_body(screen=False, person_number=str(entry.person_id), person_name="")
    record = run(world.users["gina"], BuiltinForm.PROBLEM, body)
    assert record == MappedRecord("community.registerentry", str(entry.pk))
    assert RegisterProblem.objects.count() == 2 and Screening.objects.count() == 0
    assert problems_waiting(world.users["gina"]).count() == 2


def test_a_child_is_asked_the_child_questions(world: Cast, entry: RegisterEntry) -> None:
    answers = "<q_recruit_misled_education>yes</q_recruit_misled_education>"
    run(world.users["gina"], BuiltinForm.PROBLEM, problem_body(answers=answers, age_band="15-17"))
    screening = Screening.objects.get()
    assert screening.group == "child"
    assert list(screening.answers) == ["CL-1.02"]


def test_the_same_problem_processed_again_is_made_once(world: Cast, entry: RegisterEntry) -> None:
    gina = world.users["gina"]
    first = run(gina, BuiltinForm.PROBLEM, problem_body())
    second = run(gina, BuiltinForm.PROBLEM, problem_body())
    assert first == second
    assert RegisterProblem.objects.count() == 2 and Screening.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"problems": ""}, ["problems"]),
        ({"problems": "kidnapped_by_aliens"}, ["problems"]),
        ({"noted_on": ago(-2)}, ["noted_on"]),
        ({"noted_on": ago(400)}, ["noted_on"]),  # before the departure
        ({"note": "x" * 5000}, ["note"]),
        ({"screen_now": "sometimes"}, ["screen_now"]),
        ({"answers": "<q_dest_documents>maybe</q_dest_documents>"}, ["screening"]),
        ({"answers": "<q_not_a_question>yes</q_not_a_question>"}, ["not_a_question"]),
        ({"answers": ""}, ["screening"]),
        ({"age_band": "ancient"}, ["age_band"]),
        ({"age_band": ""}, ["age_band"]),
        ({"person_name": "Nobody Here"}, ["person_name"]),
    ],
)
def test_a_refused_problem_or_screening_leaves_nothing(
    world: Cast, entry: RegisterEntry, kwargs: dict[str, Any], words: list[str]
) -> None:
    done = submit(world.users["gina"], BuiltinForm.PROBLEM, problem_body(**kwargs))
    assert done.state == SubmissionState.NEEDS_ATTENTION
    for word in words:
        assert word in done.problem.lower() or word in done.problem, done.problem
    assert RegisterProblem.objects.count() == 0 and Screening.objects.count() == 0


def test_a_problem_of_someone_without_an_entry_is_refused(
    world: Cast, register: Callable[..., Any]
) -> None:
    person = register("ចាន់ ថា")
    body = problem_body(person_number=str(person.pk), person_name="")
    refused(world.users["gina"], BuiltinForm.PROBLEM, body, "register")
    assert RegisterProblem.objects.count() == 0 and Screening.objects.count() == 0


def test_two_people_of_one_name_in_the_register_need_a_number(
    world: Cast, entry: RegisterEntry, register: Callable[..., Any]
) -> None:
    twin = register("ស្រី ពៅ")
    services.register_entry_add(
        actor=world.users["gina"],
        commune=world.places["010201"],
        person=twin,
        confirm_possible_duplicate=True,
    )
    message = refused(world.users["gina"], BuiltinForm.PROBLEM, problem_body(), "person_number")
    assert str(twin.pk) in message and str(entry.person_id) in message


# --------------------------------------------------------------------------- the forms themselves


def skeleton(builtin: str) -> Any:
    """The blank instance of the shipped form, as JavaRosa starts it."""
    from pathlib import Path

    path = Path(collect_services.BUILTIN_FORMS_DIR) / f"{builtin}.xlsx"
    xform = compile_xlsform(path.read_bytes(), validate=False).xml
    root = SafeET.fromstring(xform.encode())
    xf = "{http://www.w3.org/2002/xforms}"
    return root.find(f"{{http://www.w3.org/1999/xhtml}}head/{xf}model/{xf}instance")[0]


def fill(builtin: str, values: dict[str, str]) -> str:
    """The shipped form's own blank instance with these answers (repeat templates
    dropped, as ODK Collect sends it): proves the mappers read the form's names."""
    from xml.etree import ElementTree as ET

    xf = "{http://www.w3.org/2002/xforms}"
    data = skeleton(builtin)
    for node in list(data.iter()):
        for child in list(node):
            if any(key.endswith("template") for key in child.attrib):
                node.remove(child)
    for path, value in values.items():
        found = data.find("/".join(xf + part for part in path.split("/")))
        assert found is not None, path
        found.text = value
    for node in data.iter():
        node.tag = node.tag.rsplit("}", 1)[-1]
    return "".join(ET.tostring(child, encoding="unicode") for child in data if child.tag != "meta")


def test_the_shipped_forms_instances_map(
    world: Cast, group: Group, members: list[GroupMember], entry: RegisterEntry
) -> None:
    gina = world.users["gina"]
    meeting = fill(
        BuiltinForm.MEETING,
        {
            "group": str(group.pk),
            "held_on": ago(1),
            "topics": "documents",
            "present/person_number": str(members[2].person_id),
            "guests/guests_other_60_plus": "2",
        },
    )
    made = run(gina, BuiltinForm.MEETING, meeting, "uuid:" + str(uuid.uuid4()))
    assert Meeting.objects.get(pk=made.record_id).guests == 2
    new = fill(
        BuiltinForm.REGISTER_ENTRY,
        {
            "commune": "010201",
            "person_name": "ហេង សុខា",
            "person_sex": "male",
            "person_age": "30",
            "person_village": "01020101",
            "confirm_new": "no",
            "destination_country": "TH",
        },
    )
    made = run(gina, BuiltinForm.REGISTER_ENTRY, new, "uuid:" + str(uuid.uuid4()))
    assert RegisterEntry.objects.get(pk=made.record_id).destination == world.places["TH"]
    update = fill(
        BuiltinForm.REGISTER_UPDATE,
        {"person_number": str(entry.person_id), "last_contact_on": ago(0), "returned": "no"},
    )
    run(gina, BuiltinForm.REGISTER_UPDATE, update, "uuid:" + str(uuid.uuid4()))
    assert RegisterEntry.objects.get(pk=entry.pk).last_contact_on == today()
    problem = fill(
        BuiltinForm.PROBLEM,
        {
            "person_number": str(entry.person_id),
            "problems": "threatened",
            "noted_on": ago(0),
            "screen_now": "yes",
            "screening/age_band": "18-24",
            "screening/q_dest_threats": "yes",
        },
    )
    record = run(gina, BuiltinForm.PROBLEM, problem, "uuid:" + str(uuid.uuid4()))
    assert record.record_type == "screening.screening"


def test_the_form_token_is_the_instance_id() -> None:
    def token(instance_id: str) -> uuid.UUID:
        return form_token(
            MappingInput(
                submission=Submission(instance_id=instance_id),
                root=SafeET.fromstring("<d/>"),
                actor=None,  # type: ignore[arg-type]
            )
        )

    assert token(IID) == uuid.UUID(IID[5:])
    assert token("UUID:" + IID[5:]) == uuid.UUID(IID[5:])
    # Not a uuid (another OpenRosa client): a stable token made from it.
    assert token("odk:abc") == token("odk:abc") != token("odk:abd")


# --------------------------------------------------------------------------- at the same moment


def run_together(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run the calls at the same moment, each in its own thread and connection."""
    start = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []

    def go(call: Callable[[], Any]) -> None:
        try:
            start.wait()
            results.append(call())
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_one_meeting_when_the_same_instance_is_mapped_at_once(
    world: Cast, group: Group, members: list[GroupMember]
) -> None:
    # A transactional test starts with empty tables: the topic catalogue is seeded here.
    Topic.objects.get_or_create(
        code="safe_migration", defaults={"name_km": "សុវត្ថិភាព", "name_en": "Safe migration"}
    )
    gina = world.users["gina"]
    body = meeting_body(
        group,
        topics="safe_migration",
        present=present(number=str(members[0].person_id)),
        follow_up=follow_up("Visit", ago(0)),
    )
    results, errors = run_together([lambda: run(gina, BuiltinForm.MEETING, body)] * 3)
    assert errors == [] and len(set(results)) == 1
    assert Meeting.objects.count() == 1 and FollowUp.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_person_and_one_entry_when_the_same_instance_is_mapped_at_once(world: Cast) -> None:
    gina = world.users["gina"]
    results, errors = run_together(
        [lambda: run(gina, BuiltinForm.REGISTER_ENTRY, entry_body(destination_area=""))] * 3
    )
    assert errors == [] and len(set(results)) == 1
    assert RegisterEntry.objects.count() == 1 and Person.objects.count() == 1
