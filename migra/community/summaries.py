"""Summaries of the migration register and the meetings for a commune or a province.

Every number is counted in the database (GROUP BY); only the grouped rows (a few
dozen) come back to Python. Who may see a place's summary:

- a facilitator (Perm.MANAGE_GROUPS) for the places of their membership, counting
  their agency's groups and register only;
- an M&E officer or an authority officer (Perm.VIEW_STATISTICS) for their places,
  counting every agency;
- a donor viewer (Perm.VIEW_AGGREGATES_ONLY) likewise, but counts under 5 are shown
  as "< 5" (`masked`), since they may not see the records behind them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import memberships_of
from migra.cases.models import Case as CaseRecord
from migra.community.models import (
    AttendanceTally,
    Channel,
    GroupStatus,
    GuestAgeBand,
    GuestSex,
    Meeting,
    ProblemKind,
    RegisterEntry,
    RegisterProblem,
    RegisterTally,
    ReturnReason,
    Sector,
)
from migra.community.models import Group as CommunityGroup
from migra.community.tallies import month_of
from migra.places.models import Place, PlaceKind
from migra.screening.models import Screening

UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class SummaryReach:
    """What the user may count in a place: the communes, the agencies (None: every
    agency) and whether small numbers are masked."""

    place: Place
    commune_ids: tuple[int, ...]
    agency_ids: tuple[int, ...] | None
    masked: bool


def _inside(place: Place, container: Place) -> bool:
    return place.path == container.path or place.path.startswith(container.path + "/")


def summary_reach(user: Any, place: Place) -> SummaryReach | None:
    """The user's reach over `place` for summaries, or None when they have none.

    A membership counts only when it covers the whole place (a facilitator of one
    commune gets no province summary)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if place.kind not in (PlaceKind.COMMUNE, PlaceKind.PROVINCE):
        return None
    statistics = aggregates = False
    group_agencies: set[int] = set()
    if user.is_superuser:
        statistics = True
    for membership in memberships_of(user):
        covers = membership.all_places or any(_inside(place, p) for p in membership.places.all())
        if not covers:
            continue
        perms = ROLE_PERMISSIONS.get(membership.role, frozenset())
        if Perm.VIEW_STATISTICS in perms:
            statistics = True
        if Perm.VIEW_AGGREGATES_ONLY in perms:
            aggregates = True
        if Perm.MANAGE_GROUPS in perms:
            group_agencies.add(membership.agency_id)
    if not (statistics or aggregates or group_agencies):
        return None
    communes = Place.objects.filter(kind=PlaceKind.COMMUNE).filter(
        Q(path=place.path) | Q(path__startswith=place.path + "/")
    )
    commune_ids = tuple(communes.order_by("pk").values_list("pk", flat=True))
    if statistics:
        return SummaryReach(place, commune_ids, None, masked=False)
    if group_agencies:
        # Facilitators see their own agency's records unmasked.
        return SummaryReach(place, commune_ids, tuple(sorted(group_agencies)), masked=False)
    return SummaryReach(place, commune_ids, None, masked=True)


@dataclasses.dataclass(frozen=True)
class Row:
    code: str
    label: str
    count: int


@dataclasses.dataclass(frozen=True)
class ProblemRow:
    code: str
    label: str
    count: int
    waiting: int


@dataclasses.dataclass(frozen=True)
class AttendanceRow:
    sex: str
    age_band: str
    label: str
    members: int
    guests: int


@dataclasses.dataclass
class Summary:
    reach: SummaryReach
    since: dt.date | None
    until: dt.date | None
    away_total: int = 0
    away_by_country: list[Row] = dataclasses.field(default_factory=list)
    away_by_destination: list[Row] = dataclasses.field(default_factory=list)
    away_by_sector: list[Row] = dataclasses.field(default_factory=list)
    away_by_channel: list[Row] = dataclasses.field(default_factory=list)
    returns_total: int = 0
    returns_by_reason: list[Row] = dataclasses.field(default_factory=list)
    problems_total: int = 0
    problems_waiting: int = 0
    problems_by_kind: list[ProblemRow] = dataclasses.field(default_factory=list)
    meetings_held: int = 0
    groups_met: int = 0
    member_attendances: int = 0
    guest_attendances: int = 0
    attendance: list[AttendanceRow] = dataclasses.field(default_factory=list)
    groups_active: int = 0


def _labelled(counts: dict[str, int], choices: list[tuple[str, Any]]) -> list[Row]:
    rows = [Row(code, str(label), counts[code]) for code, label in choices if counts.get(code)]
    rest = sum(n for code, n in counts.items() if code not in dict(choices))
    if rest:
        rows.append(Row(UNKNOWN, _("Not recorded"), rest))
    return rows


def _period(field: str, since: dt.date | None, until: dt.date | None) -> Q:
    q = Q()
    if since is not None:
        q &= Q(**{f"{field}__gte": since})
    if until is not None:
        q &= Q(**{f"{field}__lte": until})
    return q


def _entries(reach: SummaryReach) -> Any:
    entries = RegisterEntry.objects.filter(commune_id__in=reach.commune_ids)
    if reach.agency_ids is not None:
        entries = entries.filter(agency_id__in=reach.agency_ids)
    return entries


def _tally_slices(
    rows: Any,
    month_field: str,
    months: tuple[str | None, str | None] | None,
    edges: list[tuple[dt.date | None, dt.date]],
) -> list[Any]:
    """The tally rows that add up to a period: month rows of the whole months, day rows
    of the odd days at either end."""
    slices = []
    if months is not None:
        slices.append(rows.filter(_month_q(month_field, months), day=""))
    for first, last in edges:
        days = rows.filter(day__lte=last.isoformat()).exclude(day="")
        if first is not None:
            days = days.filter(day__gte=first.isoformat())
        slices.append(days)
    return slices


def _register_tallies(reach: SummaryReach) -> Any:
    tallies = RegisterTally.objects.filter(commune_id__in=reach.commune_ids).order_by()
    if reach.agency_ids is not None:
        tallies = tallies.filter(agency_id__in=reach.agency_ids)
    return tallies


def _groups(reach: SummaryReach) -> Any:
    groups = CommunityGroup.objects.filter(commune_id__in=reach.commune_ids)
    if reach.agency_ids is not None:
        groups = groups.filter(agency_id__in=reach.agency_ids)
    return groups


def _month_split(
    since: dt.date | None, until: dt.date | None
) -> tuple[tuple[str | None, str | None] | None, list[tuple[dt.date | None, dt.date]]]:
    """Split a period into whole months, counted from the tallies ((first, last) as
    "YYYY-MM", None for an open end; None when no whole month), and the odd days at
    either end, counted from the records."""
    first = last = None
    if since is not None:
        first = since if since.day == 1 else _next_month(since)
    if until is not None:
        following = until + dt.timedelta(days=1)
        last = until if following.day == 1 else until.replace(day=1) - dt.timedelta(days=1)
    if first is not None and last is not None and first > last:
        return None, [(since, until)] if since is not None and until is not None else []
    edges: list[tuple[dt.date | None, dt.date]] = []
    if since is not None and first is not None and since < first:
        edges.append((since, first - dt.timedelta(days=1)))
    if until is not None and last is not None and until > last:
        edges.append((last + dt.timedelta(days=1), until))
    months = (month_of(first) if first else None, month_of(last) if last else None)
    return months, edges


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _month_q(field: str, months: tuple[str | None, str | None]) -> Q:
    first, last = months
    q = Q()
    if first is not None:
        q &= Q(**{f"{field}__gte": first})
    if last is not None:
        q &= Q(**{f"{field}__lte": last})
    return q


def place_summary(
    reach: SummaryReach, *, since: dt.date | None = None, until: dt.date | None = None
) -> Summary:
    """The summary of the place within `reach`; the period (both ends included)
    applies to returns, problems and meetings; "away" is as of now. Away, returns and
    attendance come from the monthly tallies (tallies.py), the odd days at either end
    of the period from the records."""
    summary = Summary(reach=reach, since=since, until=until)
    months, edges = _month_split(since, until)
    tallies = _register_tallies(reach)

    # Away: the tally rows still away, rolled up by destination, sector and channel.
    by_destination: dict[int | None, int] = defaultdict(int)
    by_sector: dict[str, int] = defaultdict(int)
    by_channel: dict[str, int] = defaultdict(int)
    grouped = (
        tallies.filter(returned_month="")
        .values_list("destination_id", "sector", "channel")
        .annotate(n=Sum("entries"))
    )
    for destination_id, sector, channel, n in grouped:
        if not n:
            continue
        by_destination[destination_id or None] += n
        by_sector[sector or UNKNOWN] += n
        by_channel[channel or UNKNOWN] += n
        summary.away_total += n
    places = {
        p.pk: p for p in Place.objects.filter(pk__in=[k for k in by_destination if k is not None])
    }
    roots = {p.path.split("/")[0] for p in places.values()}
    countries = {p.path: p for p in Place.objects.filter(path__in=roots)}
    by_country: dict[str, int] = defaultdict(int)
    for destination_id, n in by_destination.items():
        place = places.get(destination_id) if destination_id is not None else None
        root = place.path.split("/")[0] if place is not None else UNKNOWN
        by_country[root] += n
    summary.away_by_country = sorted(
        (
            Row(code, countries[code].name if code in countries else _("Not recorded"), n)
            for code, n in by_country.items()
        ),
        key=lambda r: (-r.count, r.label),
    )
    summary.away_by_destination = sorted(
        (
            Row(
                places[k].path if k is not None else UNKNOWN,
                places[k].name if k is not None else _("Not recorded"),
                n,
            )
            for k, n in by_destination.items()
        ),
        key=lambda r: (-r.count, r.label),
    )
    summary.away_by_sector = _labelled(by_sector, list(Sector.choices))
    summary.away_by_channel = _labelled(by_channel, list(Channel.choices))

    # Returns in the period, by reason: whole months from month rows, odd days from day rows.
    returns: dict[str, int] = defaultdict(int)
    returned = tallies.exclude(returned_month="")
    for rows in _tally_slices(returned, "returned_month", months, edges):
        for reason, n in rows.values_list("return_reason").annotate(n=Sum("entries")):
            returns[reason] += n or 0
    returns = {reason: n for reason, n in returns.items() if n}
    summary.returns_total = sum(returns.values())
    summary.returns_by_reason = _labelled(returns, list(ReturnReason.choices))

    # Problems reported in the period, and those no screening or case has picked up.
    screened = Screening.objects.filter(
        person=OuterRef("person"), at__date__gte=OuterRef("noted_on")
    )
    case_opened = CaseRecord.objects.filter(
        person=OuterRef("person"), opened_at__date__gte=OuterRef("noted_on")
    )
    problems = (
        RegisterProblem.objects.filter(commune_id__in=reach.commune_ids)
        .filter(Q() if reach.agency_ids is None else Q(agency_id__in=reach.agency_ids))
        .filter(_period("noted_on", since, until))
        .order_by()
        .values_list("kind")
        .annotate(
            n=Count("pk"),
            waiting=Count("pk", filter=~Q(Exists(screened)) & ~Q(Exists(case_opened))),
        )
        .values_list("kind", "n", "waiting")
    )
    kinds = {kind: (n, waiting) for kind, n, waiting in problems}
    summary.problems_by_kind = [
        ProblemRow(code, str(label), *kinds[code])
        for code, label in ProblemKind.choices
        if code in kinds
    ]
    summary.problems_total = sum(n for n, _w in kinds.values())
    summary.problems_waiting = sum(w for _n, w in kinds.values())

    # Meetings held in the period and who came.
    groups = _groups(reach)
    # The ids as a list, not a subquery: PostgreSQL then reads the meetings and tallies
    # of those few groups from their (group, …) indexes instead of scanning them all.
    group_ids = list(groups.values_list("pk", flat=True))
    meetings = Meeting.objects.filter(group_id__in=group_ids).filter(
        _period("held_on", since, until)
    )
    held = meetings.order_by().aggregate(n=Count("pk"), groups=Count("group_id", distinct=True))
    summary.meetings_held = held["n"] or 0
    summary.groups_met = held["groups"] or 0
    # Who came, by sex and age band at the meeting, from the tallies likewise.
    attendance: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    tallied = AttendanceTally.objects.filter(group_id__in=group_ids).order_by()
    for rows in _tally_slices(tallied, "month", months, edges):
        cells = rows.values_list("sex", "age_band").annotate(m=Sum("members"), g=Sum("guests"))
        for sex, band, members_n, guests_n in cells:
            attendance[(sex, band)][0] += members_n or 0
            attendance[(sex, band)][1] += guests_n or 0
    bands = [*GuestAgeBand.choices, (UNKNOWN, _("Age not known"))]
    for sex, sex_label in GuestSex.choices:
        for band, band_label in bands:
            members_n, guests_n = attendance.get((sex, band), (0, 0))
            if members_n or guests_n:
                summary.attendance.append(
                    AttendanceRow(sex, band, f"{sex_label}, {band_label}", members_n, guests_n)
                )
    summary.member_attendances = sum(r.members for r in summary.attendance)
    summary.guest_attendances = sum(r.guests for r in summary.attendance)

    summary.groups_active = groups.filter(status=GroupStatus.ACTIVE).count()
    return summary
