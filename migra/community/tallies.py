"""Monthly tallies behind the commune and province summaries.

A province holds millions of register entries and of meeting attendances; counting
them on every page load is too slow on a phone's budget. The services keep two small
tables up to date in the same transaction as the record they change:

- RegisterTally: entries by commune, agency and, while away, destination, sector and
  channel; once returned, month and reason of return;
- AttendanceTally: per group and month, members ticked off by sex and age band (their
  age at the meeting) and guests counted by sex and age band.

Returns and attendance are counted twice: in a month's row (`day` "") and in a day's
row, so a period counts its whole months from month rows and the odd days at either
end from day rows, never from the records themselves.

Each write calls `tally_*(record, -1)` before it changes the record and
`tally_*(record, +1)` after, so the tallies move with the record whatever changed.
`tallies_rebuild()` recounts everything from the records (after a bulk import, and
daily for attendance, since a person's sex or year of birth may be corrected in the
registry after the meeting); a test proves that the kept tallies equal a rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Model, Sum

from migra.community.models import (
    AttendanceTally,
    Group,
    GuestAgeBand,
    GuestSex,
    Meeting,
    MeetingGuests,
    RegisterEntry,
    RegisterTally,
)

UNKNOWN_BAND = "unknown"


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def age_band(age: int | None) -> str:
    """The broad age band (meeting guests' bands) of an age in whole years."""
    if age is None or age < 0:
        return UNKNOWN_BAND
    if age < 18:
        return GuestAgeBand.UNDER_18.value
    if age < 60:
        return GuestAgeBand.FROM_18.value
    return GuestAgeBand.FROM_60.value


def _bump(model: type[Model], key: dict[str, Any], deltas: dict[str, int]) -> None:
    """Add `deltas` to the row of `key`, making it when missing. Two writers making the
    same row at once: the second's insert fails on the unique key and it adds instead."""
    deltas = {name: n for name, n in deltas.items() if n}
    if not deltas:
        return
    increments = {name: F(name) + n for name, n in deltas.items()}
    if model._default_manager.filter(**key).update(**increments):
        return
    try:
        with transaction.atomic():
            model._default_manager.create(**key, **deltas)
    except IntegrityError:
        model._default_manager.filter(**key).update(**increments)


def _entry_keys(entry: RegisterEntry) -> list[dict[str, Any]]:
    """The tally rows that count `entry`: one while away; once returned, its month's row
    and its day's row (the odd days at either end of a period are counted by day)."""
    key: dict[str, Any] = {"commune_id": entry.commune_id, "agency_id": entry.agency_id}
    if entry.returned_on is None:
        key.update(
            returned_month="",
            day="",
            destination_id=entry.destination_id or 0,
            sector=entry.sector,
            channel=entry.channel,
            return_reason="",
        )
        return [key]
    key.update(
        returned_month=month_of(entry.returned_on),
        day="",
        destination_id=0,
        sector="",
        channel="",
        return_reason=entry.return_reason,
    )
    return [key, {**key, "day": entry.returned_on.isoformat()}]


def tally_entry(entry: RegisterEntry, sign: int) -> None:
    """Count `entry` (as it is now) in or out of the register tally."""
    for key in _entry_keys(entry):
        _bump(RegisterTally, key, {"entries": sign})


Cell = tuple[int, dt.date, str, str]  # group, day of the meeting, sex, age band


def _member_cells(meetings: Any) -> Iterable[tuple[Cell, int]]:
    """((group, day, sex, band), members) for the ticked members of `meetings`."""
    through = Meeting.attendees.through
    rows = (
        through.objects.filter(meeting__in=meetings)
        .order_by()
        .values_list(
            "meeting__group_id",
            "meeting__held_on",
            "groupmember__person__sex",
            "groupmember__person__birth_year",
        )
        .annotate(n=Count("pk"))
    )
    for group_id, day, sex, birth_year, n in rows:
        band = age_band(None if birth_year is None else day.year - birth_year)
        yield (group_id, day, sex or GuestSex.OTHER.value, band), n


def _guest_cells(meetings: Any) -> Iterable[tuple[Cell, int]]:
    rows = (
        MeetingGuests.objects.filter(meeting__in=meetings)
        .order_by()
        .values_list("meeting__group_id", "meeting__held_on", "sex", "age_band")
        .annotate(n=Sum("count"))
    )
    for group_id, day, sex, band, n in rows:
        yield (group_id, day, sex, band), n or 0


def _attendance_rows(meetings: Any) -> dict[tuple[int, str, str, str, str], list[int]]:
    """Tally rows of `meetings`: (group, month, day, sex, band) → [members, guests], a
    month's row (day "") and a day's row for each cell."""
    rows: dict[tuple[int, str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for column, cells in ((0, _member_cells(meetings)), (1, _guest_cells(meetings))):
        for (group_id, day, sex, band), n in cells:
            month = month_of(day)
            rows[(group_id, month, "", sex, band)][column] += n
            rows[(group_id, month, day.isoformat(), sex, band)][column] += n
    return rows


def tally_meeting(meeting: Meeting, sign: int) -> None:
    """Count `meeting`'s attendance (as saved now) in or out of the attendance tally."""
    one = Meeting.objects.filter(pk=meeting.pk)
    for (group_id, month, day, sex, band), (members, guests) in _attendance_rows(one).items():
        _bump(
            AttendanceTally,
            {"group_id": group_id, "month": month, "day": day, "sex": sex, "age_band": band},
            {"members": sign * members, "guests": sign * guests},
        )


def _rebuild_register(commune_ids: Iterable[int]) -> int:
    made = 0
    for commune_id in commune_ids:
        entries = RegisterEntry.objects.filter(commune_id=commune_id).order_by()
        away = (
            entries.filter(returned_on__isnull=True)
            .values_list("agency_id", "destination_id", "sector", "channel")
            .annotate(n=Count("pk"))
        )
        returned = (
            entries.filter(returned_on__isnull=False)
            .values_list("agency_id", "returned_on", "return_reason")
            .annotate(n=Count("pk"))
        )
        rows = [
            RegisterTally(
                commune_id=commune_id,
                agency_id=agency_id,
                destination_id=destination_id or 0,
                sector=sector,
                channel=channel,
                entries=n,
            )
            for agency_id, destination_id, sector, channel, n in away
        ]
        by_month: dict[tuple[int, str, str], int] = defaultdict(int)
        for agency_id, day, reason, n in returned:
            by_month[(agency_id, month_of(day), reason)] += n
            rows.append(
                RegisterTally(
                    commune_id=commune_id,
                    agency_id=agency_id,
                    returned_month=month_of(day),
                    day=day.isoformat(),
                    return_reason=reason,
                    entries=n,
                )
            )
        rows += [
            RegisterTally(
                commune_id=commune_id,
                agency_id=agency_id,
                returned_month=month,
                return_reason=reason,
                entries=n,
            )
            for (agency_id, month, reason), n in by_month.items()
        ]
        with transaction.atomic():
            RegisterTally.objects.filter(commune_id=commune_id).delete()
            RegisterTally.objects.bulk_create(rows, batch_size=2000)
        made += len(rows)
    return made


def _rebuild_attendance(group_ids: Iterable[int]) -> int:
    made = 0
    for group_id in group_ids:
        with transaction.atomic():
            # Locked: a meeting recorded meanwhile waits, then adds to the new rows.
            Group.objects.select_for_update().filter(pk=group_id).first()
            rows = _attendance_rows(Meeting.objects.filter(group_id=group_id))
            AttendanceTally.objects.filter(group_id=group_id).delete()
            AttendanceTally.objects.bulk_create(
                (
                    AttendanceTally(
                        group_id=g,
                        month=month,
                        day=day,
                        sex=sex,
                        age_band=band,
                        members=m,
                        guests=n,
                    )
                    for (g, month, day, sex, band), (m, n) in rows.items()
                ),
                batch_size=2000,
            )
        made += len(rows)
    return made


def tallies_rebuild(*, register: bool = True, attendance: bool = True) -> dict[str, int]:
    """Recount the tallies from the records, one commune or group per transaction;
    returns how many tally rows were made."""
    made = {"register": 0, "attendance": 0}
    if register:
        communes = (
            RegisterEntry.objects.order_by("commune_id").values_list("commune_id", flat=True)
        ).distinct()
        stale = set(RegisterTally.objects.values_list("commune_id", flat=True).distinct())
        made["register"] = _rebuild_register(sorted(set(communes) | stale))
    if attendance:
        groups = Group.objects.order_by("pk").values_list("pk", flat=True)
        made["attendance"] = _rebuild_attendance(list(groups))
    return made


def _kept() -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Every non-zero tally row: its key and its counts."""
    kept: dict[tuple[Any, ...], tuple[int, ...]] = {}
    register = RegisterTally.objects.exclude(entries=0).values_list(
        "commune_id",
        "agency_id",
        "returned_month",
        "day",
        "destination_id",
        "sector",
        "channel",
        "return_reason",
        "entries",
    )
    for *key, entries in register:
        kept[("register", *key)] = (entries,)
    attendance = AttendanceTally.objects.exclude(members=0, guests=0).values_list(
        "group_id", "month", "day", "sex", "age_band", "members", "guests"
    )
    for group_id, month, day, sex, band, members, guests in attendance:
        kept[("attendance", group_id, month, day, sex, band)] = (members, guests)
    return kept


def tallies_differences() -> int:
    """How many tally rows differ from a recount (0: the tallies are exact). Recounts
    inside a transaction that is rolled back, so nothing changes."""
    kept = _kept()

    class _Undo(Exception):
        pass

    recount: dict[tuple[Any, ...], tuple[int, ...]] = {}
    try:
        with transaction.atomic():
            tallies_rebuild()
            recount.update(_kept())
            raise _Undo
    except _Undo:
        pass
    return sum(1 for key in kept.keys() | recount.keys() if kept.get(key) != recount.get(key))
