"""Reach: unique people reached, the basis of the programme's beneficiaries figure.

Registered persons are counted once across every activity that registers itself here
as a *reach source*, a person merged into another counting as the survivor. People
present but not registered (anonymous counts) are reported separately, labelled as
such, and never added into the unique figure: the same person may be counted at
several events.

A source is registered once, at start-up (in its app's `AppConfig.ready`):

    register_reach_source(
        "community.meetings",
        persons=meeting_persons,      # (*, filters) -> QuerySet of person ids
        anonymous=meeting_guests,     # (*, filters) -> int, or None
    )

`persons(filters)` returns a queryset of `values_list("person_id", flat=True)` rows
(any number, duplicates allowed) of the persons the source reached under the
filters' period, place and category; `anonymous(filters)` the number of people the
source counted without registering them. Sex and age band are applied here to the
registered persons; a source's anonymous counter applies them itself.

Age bands: the seven fine bands (`AgeBand`) and the three broad ones (`BroadAgeBand`:
under 18, 18 to 59, 60 and over), each made of whole fine bands. Event head counts are
kept in fine bands, so they answer both (a broad band sums its fine bands); meeting
guests are counted in broad bands only, so they answer a broad band and are left out
under a fine one (`age_band_is_fine`). See docs/outreach.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from migra.outreach.models import (
    AGE_BAND_RANGES,
    BROAD_AGE_BANDS,
    AgeBand,
    Attendance,
    AudienceCount,
)
from migra.people.models import Person
from migra.places.models import Place, PlaceKind


@dataclass(frozen=True)
class ReachFilters:
    since: dt.date | None = None
    until: dt.date | None = None
    province_id: int | None = None
    commune_id: int | None = None
    sex: str | None = None
    age_band: str | None = None
    category: str | None = None


PersonsFn = Callable[[ReachFilters], QuerySet[Any]]
AnonymousFn = Callable[[ReachFilters], int]


@dataclass(frozen=True)
class ReachSource:
    key: str
    persons: PersonsFn
    anonymous: AnonymousFn | None


_SOURCES: dict[str, ReachSource] = {}


def register_reach_source(
    key: str, *, persons: PersonsFn, anonymous: AnonymousFn | None = None
) -> None:
    """Add an activity to the reach figures. Registering the same key again replaces
    it only with the same functions (a second app may not take another's key)."""
    existing = _SOURCES.get(key)
    if existing is not None and (existing.persons, existing.anonymous) != (persons, anonymous):
        raise ValueError(f"reach source {key!r} is already registered")
    _SOURCES[key] = ReachSource(key=key, persons=persons, anonymous=anonymous)


def reach_sources() -> list[ReachSource]:
    return [_SOURCES[key] for key in sorted(_SOURCES)]


# --------------------------------------------------------------------------- outreach events


def _event_q(filters: ReachFilters, prefix: str) -> Q:
    q = Q()
    if filters.since is not None:
        q &= Q(**{f"{prefix}date__gte": filters.since})
    if filters.until is not None:
        q &= Q(**{f"{prefix}date__lte": filters.until})
    if filters.province_id is not None:
        q &= Q(**{f"{prefix}province_id": filters.province_id})
    if filters.commune_id is not None:
        q &= Q(**{f"{prefix}commune_id": filters.commune_id})
    return q


def event_attendance_persons(filters: ReachFilters) -> QuerySet[Any]:
    q = _event_q(filters, "event__")
    if filters.category:
        q &= Q(category=filters.category)
    return Attendance.objects.filter(q).values_list("person_id", flat=True)


def age_band_is_fine(band: str | None) -> bool:
    """A fine band (`AgeBand`: "18-24" …), finer than the broad bands some sources count in."""
    return bool(band) and band in AgeBand.values


def fine_age_bands(band: str) -> tuple[str, ...]:
    """The fine bands a band filter covers: a broad band's, or a fine band itself."""
    return BROAD_AGE_BANDS.get(band, (band,))


def event_anonymous_count(filters: ReachFilters) -> int:
    q = _event_q(filters, "event__")
    for name in ("sex", "category"):
        value = getattr(filters, name)
        if value:
            q &= Q(**{name: value})
    if filters.age_band:
        q &= Q(age_band__in=fine_age_bands(filters.age_band))
    return int(AudienceCount.objects.filter(q).aggregate(total=Sum("count"))["total"] or 0)


def register_builtin_sources() -> None:
    register_reach_source(
        "outreach.events", persons=event_attendance_persons, anonymous=event_anonymous_count
    )


# --------------------------------------------------------------------------- counting


def _place_id(value: Place | str | int | None, kind: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, Place):
        return value.pk
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    found = Place.objects.filter(code=str(value), kind=kind).values_list("pk", flat=True).first()
    if found is None:
        return -1  # no such place: nothing reached there
    return int(found)


def reach_filters(
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    province: Place | str | int | None = None,
    commune: Place | str | int | None = None,
    sex: str | None = None,
    age_band: str | None = None,
    category: str | None = None,
) -> ReachFilters:
    return ReachFilters(
        since=since,
        until=until,
        province_id=_place_id(province, PlaceKind.PROVINCE),
        commune_id=_place_id(commune, PlaceKind.COMMUNE),
        sex=sex or None,
        age_band=age_band or None,
        category=category or None,
    )


def _person_q(filters: ReachFilters) -> Q:
    q = Q()
    if filters.sex:
        q &= Q(sex=filters.sex)
    if filters.age_band:
        low, high = AGE_BAND_RANGES.get(filters.age_band, (-1, -2))
        year = (filters.until or timezone.localdate()).year
        q &= Q(birth_year__gte=year - high, birth_year__lte=year - low)
    return q


def _survivor_id(pk: int) -> int:
    seen: set[int] = set()
    current = pk
    while current not in seen:
        seen.add(current)
        following = Person.objects.filter(pk=current).values_list("merged_into_id", flat=True)
        nxt = following.first()
        if nxt is None:
            return current
        current = int(nxt)
    return current


def count_unique(filters: ReachFilters) -> int:
    """Registered persons reached under `filters`, each counted once (survivors of
    merges stand for the records merged into them)."""
    sources = reach_sources()
    if not sources:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A parallel hash semi-join over millions of attendances spills to disk
            # batch after batch (minutes with the default work_mem); the serial plan
            # (merge join on the person indexes) takes well under a second.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        return _count_unique(filters, sources)


def _count_unique(filters: ReachFilters, sources: list[ReachSource]) -> int:
    reached = Q()
    for i, source in enumerate(sources):
        part = Q(pk__in=source.persons(filters))
        reached = part if i == 0 else reached | part
    roots = (
        Person.objects.filter(reached)
        .filter(_person_q(filters))
        .annotate(root=Coalesce("merged_into_id", "pk"))
        .values("root")
        .distinct()
    )
    total = roots.count()
    # A survivor merged again later (A → B, then B → C): A's root B is itself merged.
    # Rare, and found among merged records only (a small indexed set); put right here.
    intermediates = list(
        Person.objects.filter(
            merged_into__isnull=False,
            pk__in=Person.objects.filter(merged_into__isnull=False).values("merged_into_id"),
        ).values_list("pk", flat=True)
    )
    if intermediates:
        chained = set(roots.filter(root__in=intermediates).values_list("root", flat=True))
        if chained:
            finals = {_survivor_id(pk) for pk in chained}
            already = set(roots.filter(root__in=sorted(finals)).values_list("root", flat=True))
            total += len(finals - already) - len(chained)
    return total


def count_anonymous(filters: ReachFilters) -> int:
    """People counted without being registered, summed over the sources. Not unique."""
    return sum(s.anonymous(filters) for s in reach_sources() if s.anonymous is not None)


def unique_people_reached(
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    province: Place | str | int | None = None,
    commune: Place | str | int | None = None,
    sex: str | None = None,
    age_band: str | None = None,
    category: str | None = None,
) -> int:
    """Registered persons reached by any activity, each once. Places are those of the
    activities (a Place, its code or its id); sex and age band (at the end of the
    period) those of the person's record. Anonymous counts are not in this figure:
    see `anonymous_people_counted`."""
    return count_unique(
        reach_filters(
            since=since,
            until=until,
            province=province,
            commune=commune,
            sex=sex,
            age_band=age_band,
            category=category,
        )
    )


def anonymous_people_counted(
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    province: Place | str | int | None = None,
    commune: Place | str | int | None = None,
    sex: str | None = None,
    age_band: str | None = None,
    category: str | None = None,
) -> int:
    """Head counts of people present but not registered. A person may be counted at
    several activities: report this figure separately, labelled as such."""
    return count_anonymous(
        reach_filters(
            since=since,
            until=until,
            province=province,
            commune=commune,
            sex=sex,
            age_band=age_band,
            category=category,
        )
    )
