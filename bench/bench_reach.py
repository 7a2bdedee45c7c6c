"""Reach: unique people reached over two million event attendances.

Builds A event attendances (default 2,000,000; `--attendances A` or
BENCH_REACH_ATTENDANCES) over A × 0.15 persons (300,000) and A / 20 outreach events
(100,000) in the villages of about 25 communes, with anonymous counts on a third of the
events and 1 % of the persons merged into another, all by bulk inserts (the services
also write the audit trail: not what is measured here).

Then times `unique_people_reached()` — every registered person reached by any reach
source, each once, merged records counted as their survivor — for the whole
programme, and for each province with activities; and `anonymous_people_counted()`
for the whole programme. Target: ≤ 1 s for the whole programme.

Run by bench/run.py (see bench/README.md), or alone on a migrated database:

    DEBUG=true DATABASE_URL=... .venv/bin/python bench/bench_reach.py --attendances 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 5000
REPEATS = 7
PER_EVENT = 20


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ms(xs: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(xs, n=100)[94] if len(xs) > 1 else xs[0]
    return statistics.median(xs) * 1000, p95 * 1000


def main() -> None:  # noqa: PLR0915 — one straight script
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--attendances",
        type=int,
        default=int(os.environ.get("BENCH_REACH_ATTENDANCES", "2000000")),
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
    django.setup()

    from django.db import connection, transaction

    from migra.accounts.models import Agency, Membership, User
    from migra.accounts.roles import AgencyKind, Role
    from migra.outreach.models import (
        AgeBand,
        Attendance,
        AudienceCategory,
        AudienceCount,
        Event,
        EventKind,
    )
    from migra.outreach.reach import anonymous_people_counted, unique_people_reached
    from migra.people.models import Person
    from migra.places.models import Place, PlaceKind
    from migra.places.services import gazetteer_load

    total = args.attendances
    n_persons = max(100, int(total * 0.15))
    n_events = max(5, total // PER_EVENT)
    if not Place.objects.filter(kind=PlaceKind.VILLAGE).exists():
        _log("loading the gazetteer …")
        gazetteer_load()
    rng = random.Random(20261124)
    communes = list(
        Place.objects.filter(kind=PlaceKind.COMMUNE, path__startswith="KH/").order_by("code")
    )
    chosen = rng.sample(communes, min(25, len(communes)))
    provinces = {p.path: p.pk for p in Place.objects.filter(kind=PlaceKind.PROVINCE)}
    villages: list[tuple[int, int, int | None]] = []  # (village, commune, province)
    for commune in chosen:
        province_id = provinces.get("/".join(commune.path.split("/")[:2]))
        for village_id in Place.objects.filter(parent=commune).values_list("pk", flat=True):
            villages.append((village_id, commune.pk, province_id))
    if not villages:
        raise SystemExit("no villages in the gazetteer")
    agency = Agency.objects.create(name_km="អង្គការ", name_en="Bench", kind=AgencyKind.LEAD_NGO)
    worker = User.objects.create_user(email="bench@example.org", password=None, full_name="Bench")
    Membership.objects.create(
        user=worker, agency=agency, role=Role.SHG_FACILITATOR, all_places=True
    )

    started = time.perf_counter()
    person_ids: list[int] = []
    sexes = ["female", "male"]
    while len(person_ids) < n_persons:
        size = min(BATCH, n_persons - len(person_ids))
        with transaction.atomic():
            rows = Person.objects.bulk_create(
                [
                    Person(
                        agency=agency,
                        home_village_id=(v := rng.choice(villages))[0],
                        province_id=v[2],
                        sex=rng.choice(sexes),
                        birth_year=rng.randint(1950, 2012),
                    )
                    for _ in range(size)
                ]
            )
        person_ids.extend(int(r.pk) for r in rows if r.pk is not None)
        if len(person_ids) < len(rows):
            raise SystemExit("bulk_create gave no ids: this database is too old")
    # 1 % of the persons are duplicates merged into another record.
    merged = rng.sample(person_ids, len(person_ids) // 100)
    merged_set = set(merged)
    survivors = [pk for pk in person_ids[: len(person_ids) // 2] if pk not in merged_set]
    with transaction.atomic():
        for pk in merged:
            Person.objects.filter(pk=pk).update(merged_into_id=rng.choice(survivors))
    _log(
        f"{len(person_ids):,} persons ({len(merged):,} merged), "
        f"{time.perf_counter() - started:.0f} s"
    )

    kinds = EventKind.values
    categories = AudienceCategory.values
    bands = AgeBand.values
    today = dt.date(2026, 11, 1)
    event_ids: list[int] = []
    while len(event_ids) < n_events:
        size = min(BATCH, n_events - len(event_ids))
        with transaction.atomic():
            rows = Event.objects.bulk_create(
                [
                    Event(
                        kind=rng.choice(kinds),
                        title="Session",
                        organiser=worker,
                        agency=agency,
                        place_id=(v := rng.choice(villages))[0],
                        commune_id=v[1],
                        province_id=v[2],
                        date=today - dt.timedelta(days=rng.randint(0, 3 * 365)),
                        created_by=worker,
                    )
                    for _ in range(size)
                ]
            )
            ids = [int(r.pk) for r in rows if r.pk is not None]
            counts = [
                AudienceCount(
                    event_id=pk,
                    sex=rng.choice(sexes),
                    age_band=rng.choice(bands),
                    category=rng.choice(categories),
                    count=rng.randint(1, 30),
                )
                for pk in ids
                if rng.random() < 0.33
            ]
            AudienceCount.objects.bulk_create(counts, batch_size=BATCH)
        event_ids.extend(ids)
    _log(f"{len(event_ids):,} events, {time.perf_counter() - started:.0f} s")

    made = 0
    pending: list[Attendance] = []
    for event_id in event_ids:
        if made >= total:
            break
        for person_id in rng.sample(person_ids, min(PER_EVENT, total - made)):
            pending.append(
                Attendance(event_id=event_id, person_id=person_id, category=rng.choice(categories))
            )
            made += 1
        if len(pending) >= BATCH * 10:
            with transaction.atomic():
                Attendance.objects.bulk_create(pending, batch_size=BATCH)
            pending = []
            if made % 200_000 < BATCH * 10:
                _log(f"{made:,} attendances, {time.perf_counter() - started:.0f} s")
    with transaction.atomic():
        Attendance.objects.bulk_create(pending, batch_size=BATCH)
    build = time.perf_counter() - started
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM too, so that index-only scans need no heap fetches, as
        # autovacuum leaves a live database.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    _log(f"built {made:,} attendances in {build:.0f} s")

    size = f"{made:,} attendances, {len(person_ids):,} persons, {len(event_ids):,} events"
    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")

    unique_people_reached()  # warm up
    times, figure = [], 0
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        figure = unique_people_reached()
        times.append(time.perf_counter() - t0)
    median, p95 = _ms(times)
    print(
        f"| unique people reached, whole programme ({figure:,} persons; merged records "
        f"counted as their survivor), {REPEATS} runs | {size} | {median:.1f} | {p95:.1f} |"
    )

    province_ids = sorted({v[2] for v in villages if v[2] is not None})
    times = []
    for _ in range(max(1, REPEATS // 2)):
        for province_id in province_ids:
            t0 = time.perf_counter()
            unique_people_reached(province=province_id)
            times.append(time.perf_counter() - t0)
    median, p95 = _ms(times)
    print(
        f"| unique people reached, one province ({len(province_ids)} provinces with "
        f"activities), {len(times)} runs | {size} | {median:.1f} | {p95:.1f} |"
    )

    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        since = today - dt.timedelta(days=365)
        unique_people_reached(since=since, until=today, province=province_ids[0])
        times.append(time.perf_counter() - t0)
    median, p95 = _ms(times)
    print(
        f"| unique people reached, one province, last 12 months, {REPEATS} runs | "
        f"{size} | {median:.1f} | {p95:.1f} |"
    )

    times, anonymous = [], 0
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        anonymous = anonymous_people_counted()
        times.append(time.perf_counter() - t0)
    median, p95 = _ms(times)
    print(
        f"| people counted without registration, whole programme ({anonymous:,}, not "
        f"unique), {REPEATS} runs | {size} | {median:.1f} | {p95:.1f} |"
    )
    print(f"| build (bulk insert) | {size} | {build * 1000:.0f} | — |")


if __name__ == "__main__":
    main()
