"""The summary tallies: the services keep them equal to a recount from the records,
periods that do not fall on month ends count their odd days from the records, two
writers at once lose nothing, and `migra community tallies` recounts and checks."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from migra.community import services
from migra.community.apps import _count_tallies_once
from migra.community.models import (
    AttendanceTally,
    Group,
    GroupMember,
    RegisterEntry,
    RegisterTally,
)
from migra.community.summaries import _month_split, place_summary, summary_reach
from migra.community.tallies import tallies_differences, tallies_rebuild

pytestmark = pytest.mark.django_db

D = dt.date


def _add(world: Any, person: Any, **fields: Any) -> RegisterEntry:
    return services.register_entry_add(
        actor=world.users["gina"],
        commune=world.places["010201"],
        person=person,
        confirm_possible_duplicate=True,
        **fields,
    )


def _update(world: Any, entry: RegisterEntry, **fields: Any) -> RegisterEntry:
    return services.register_entry_update(
        actor=world.users["gina"], entry=entry, expected_version=entry.version, **fields
    )


def _meet(world: Any, group: Group, held_on: dt.date, attendees: list[GroupMember], **kw: Any):
    return services.meeting_record(
        actor=world.users["gina"],
        group=group,
        held_on=held_on,
        topics=["safe_migration"],
        attendees=[m.pk for m in attendees],
        **kw,
    )


@pytest.fixture
def recorded(
    world: Any, group: Group, members: list[GroupMember], register: Callable[..., Any]
) -> dict[str, Any]:
    """A register and meetings written through the services only."""
    th, sk = world.places["TH"], world.places["TH-27"]
    people = [register(f"ម {i}") for i in range(6)]
    a = _add(world, people[0], destination=sk, sector="construction", channel="broker")
    b = _add(world, people[1], destination=th, sector="factory", channel="own")
    c = _add(world, people[2], departed_on=D(2024, 1, 5))
    _add(world, people[3], departed_on=D(2023, 2, 1), returned_on=D(2024, 3, 31),
         return_reason="family")  # fmt: skip
    # Changes of every kind: a return, a new destination, a return moved to another month.
    c = _update(world, c, departed_on=D(2024, 1, 5), returned_on=D(2025, 2, 14),
                return_reason="problem")  # fmt: skip
    b = _update(world, b, destination=sk, sector="factory", channel="broker")
    c = _update(world, c, departed_on=D(2024, 1, 5), returned_on=D(2025, 3, 1),
                return_reason="problem")  # fmt: skip
    _meet(world, group, D(2025, 4, 5), members[:2], guests={("female", "under_18"): 2})
    _meet(world, group, D(2025, 4, 30), members, guests={("male", "60_plus"): 1})
    _meet(world, group, D(2024, 11, 5), members[1:])
    return {"a": a, "b": b, "c": c}


def test_the_services_keep_the_tallies_equal_to_a_recount(world, recorded):
    # Two away rows; each of the two returns in a month row and a day row.
    assert RegisterTally.objects.exclude(entries=0, day="").filter(returned_month="").count() == 2
    assert RegisterTally.objects.exclude(entries=0).exclude(returned_month="").count() == 4
    assert RegisterTally.objects.exclude(entries=0).exclude(day="").count() == 2
    assert AttendanceTally.objects.exclude(members=0, guests=0).exists()
    assert tallies_differences() == 0
    # And a recount changes no figure.
    reach = summary_reach(world.users["gina"], world.places["010201"])
    before = place_summary(reach, since=D(2024, 1, 1), until=D(2025, 12, 31))
    tallies_rebuild()
    after = place_summary(reach, since=D(2024, 1, 1), until=D(2025, 12, 31))
    assert before == after
    assert after.away_total == 2 and after.returns_total == 2
    assert {r.code: r.count for r in after.away_by_channel} == {"broker": 2}
    assert after.member_attendances == 2 + 3 + 2 and after.guest_attendances == 3


def test_a_wrong_tally_is_found_and_recounted(world, recorded):
    row = RegisterTally.objects.exclude(entries=0).first()
    RegisterTally.objects.filter(pk=row.pk).update(entries=row.entries + 7)
    assert tallies_differences() == 1
    assert RegisterTally.objects.get(pk=row.pk).entries == row.entries + 7  # check changes nothing
    with pytest.raises(CommandError, match="differ"):
        call_command("community", "tallies", "--check")
    call_command("community", "tallies")
    assert tallies_differences() == 0
    call_command("community", "tallies", "--check")


def test_the_command_refuses_what_it_does_not_know():
    with pytest.raises(CommandError, match="Say what to do"):
        call_command("community")
    with pytest.raises(CommandError):
        call_command("community", "recount-everything")
    with pytest.raises(CommandError):
        call_command("community", "tallies", "--check", "x" * 10_000)


def test_records_kept_before_the_tallies_are_counted_after_migrate(world, recorded):
    RegisterTally.objects.all().delete()
    AttendanceTally.objects.all().delete()
    _count_tallies_once()
    assert RegisterTally.objects.exists() and AttendanceTally.objects.exists()
    assert tallies_differences() == 0


@pytest.mark.parametrize(
    ("since", "until", "months", "edges"),
    [
        (None, None, (None, None), []),
        (D(2025, 1, 1), D(2025, 12, 31), ("2025-01", "2025-12"), []),
        (
            D(2024, 11, 24),
            D(2025, 11, 24),
            ("2024-12", "2025-10"),
            [(D(2024, 11, 24), D(2024, 11, 30)), (D(2025, 11, 1), D(2025, 11, 24))],
        ),
        (D(2025, 3, 2), D(2025, 3, 30), None, [(D(2025, 3, 2), D(2025, 3, 30))]),
        (D(2025, 3, 2), D(2025, 4, 30), ("2025-04", "2025-04"), [(D(2025, 3, 2), D(2025, 3, 31))]),
        (None, D(2024, 2, 28), (None, "2024-01"), [(D(2024, 2, 1), D(2024, 2, 28))]),
        (None, D(2024, 2, 29), (None, "2024-02"), []),
        (D(2024, 12, 31), None, ("2025-01", None), [(D(2024, 12, 31), D(2024, 12, 31))]),
    ],
)
def test_month_split(since, until, months, edges):
    assert _month_split(since, until) == (months, edges)


def test_any_period_counts_exactly_what_the_records_hold(world, recorded):
    """Every period over two years (starting and ending on awkward days) gives the same
    returns and attendance as counting the records one by one."""
    reach = summary_reach(world.users["frank"], world.places["010201"])
    entries = list(RegisterEntry.objects.filter(returned_on__isnull=False))
    days = [D(2024, 1, 1) + dt.timedelta(days=n) for n in range(0, 760, 23)]
    checked = 0
    for since in days[::3]:
        for until in days:
            if until < since:
                continue
            s = place_summary(reach, since=since, until=until)
            expected = sum(1 for e in entries if since <= e.returned_on <= until)
            assert s.returns_total == expected, (since, until)
            meetings = {D(2025, 4, 5): (2, 2), D(2025, 4, 30): (3, 1), D(2024, 11, 5): (2, 0)}
            people = [v for k, v in meetings.items() if since <= k <= until]
            assert s.member_attendances == sum(m for m, _g in people), (since, until)
            assert s.guest_attendances == sum(g for _m, g in people), (since, until)
            checked += 1
    assert checked > 100


def test_members_are_counted_by_their_age_at_the_meeting(world, group, members, register):
    # Born 2007: under 18 at a meeting in 2024, 18 or over at one in 2026.
    person = members[0].person
    person.birth_year = 2007
    person.save(update_fields=["birth_year"])
    _meet(world, group, D(2024, 6, 1), members[:1])
    _meet(world, group, D(2026, 1, 10), members[:1])
    reach = summary_reach(world.users["gina"], world.places["010201"])
    s = place_summary(reach, until=D(2026, 1, 31))
    rows = {(r.sex, r.age_band): r.members for r in s.attendance}
    assert rows[("female", "under_18")] == 1 and rows[("female", "18_59")] == 1


@pytest.mark.django_db(transaction=True)
def test_two_facilitators_adding_at_once_lose_no_count(world, group, register):
    """Four register entries with the same summary values, written at the same moment:
    the one tally row they share counts four (its first insert races)."""
    people = [register(f"ព {i}") for i in range(4)]
    start = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def run(person: Any, actor: Any) -> None:
        try:
            start.wait()
            services.register_entry_add(
                actor=actor,
                commune=world.places["010201"],
                person=person,
                sector="fishing",
                channel="own",
            )
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    actors = [world.users["gina"], world.users["ivan"]] * 2
    threads = [threading.Thread(target=run, args=pa) for pa in zip(people, actors, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    row = RegisterTally.objects.get(sector="fishing", channel="own", returned_month="")
    assert row.entries == 4
    assert tallies_differences() == 0
