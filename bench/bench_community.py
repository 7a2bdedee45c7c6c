"""Community: commune and province summaries and the facilitator home page at scale.

Builds, by bulk inserts, in 25 communes (the first five, by code, of each of the
programme's five provinces):
- persons (default 1,500,000; BENCH_COMMUNITY_PERSONS, default 30 % of the entries),
  created minimally as bench_cases.py does;
- register entries (default 5,000,000; `--entries N` or BENCH_COMMUNITY_ENTRIES):
  departures over eight years to Thai provinces and other countries, a mix of
  sectors and channels, 30 % still away, the others returned with a reason;
- problems on 2 % of the entries (BENCH_COMMUNITY_PROBLEMS);
- one group per commune with 40 members, and meetings (default 500,000;
  BENCH_COMMUNITY_MEETINGS) over five years, each with ~10 members ticked off and
  guests counted in two sex and age cells.

Then times over HTTP (a TOTP-verified session; render included), BENCH_COMMUNITY_RUNS
times each (default 120, after 10 warm-up loads):
- the commune summary /app/community/summary/commune/<code>/ for an M&E officer of
  the lead NGO, random communes, for the last 12 months and for all dates;
- the province summary /app/community/summary/province/<code>/, likewise;
- the commune summary for the commune's facilitator (their agency's records only);
- the facilitator home page /app/community/.

Target (issue 6): p95 ≤ 200 ms. Run by bench/run.py (see bench/README.md), or alone
on a migrated database:

    DEBUG=true DATABASE_URL=... .venv/bin/python bench/bench_community.py --entries 20000
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
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 5000
PROVINCES = ("01", "03", "06", "17", "22")  # the programme's five provinces
COMMUNES_PER_PROVINCE = 5
MEMBERS_PER_GROUP = 40
WARM_UP = 10

SECTOR = {
    "construction": 30,
    "agriculture": 25,
    "factory": 20,
    "fishing": 8,
    "domestic_work": 7,
    "entertainment": 5,
    "other": 3,
    "": 2,
}
CHANNEL = {"licensed_agency": 20, "broker": 35, "own": 30, "irregular": 13, "": 2}
REASON = {"contract_ended": 50, "family": 25, "problem": 10, "deported": 10, "other": 5}
PROBLEM = (
    "unpaid_wages",
    "documents_taken",
    "confined",
    "threatened",
    "injured",
    "arrested",
    "missing",
    "other",
)


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ms(xs: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(xs, n=100)[94] if len(xs) > 1 else xs[0]
    return statistics.median(xs) * 1000, p95 * 1000


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def main() -> None:  # noqa: C901, PLR0915 - one linear script: build, then measure
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=_env("BENCH_COMMUNITY_ENTRIES", 5_000_000))
    args = parser.parse_args()
    entries_total = args.entries
    persons_total = _env("BENCH_COMMUNITY_PERSONS", max(100, entries_total * 3 // 10))
    meetings_total = _env("BENCH_COMMUNITY_MEETINGS", max(100, entries_total // 10))
    problems_total = _env("BENCH_COMMUNITY_PROBLEMS", entries_total // 50)
    runs = _env("BENCH_COMMUNITY_RUNS", 120)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
    django.setup()

    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import OuterRef, Subquery
    from django.test import Client, override_settings
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from migra.accounts.models import Agency, Membership, User
    from migra.accounts.roles import AgencyKind, Role
    from migra.community.models import (
        Group,
        GroupMember,
        Meeting,
        MeetingGuests,
        RegisterEntry,
        RegisterProblem,
    )
    from migra.community.tallies import tallies_rebuild
    from migra.people.models import Person
    from migra.places.models import Place, PlaceKind
    from migra.places.services import gazetteer_load

    rng = random.Random(20261124)
    if not Place.objects.filter(kind=PlaceKind.VILLAGE).exists():
        _log("loading the gazetteer …")
        gazetteer_load()
    provinces = list(Place.objects.filter(kind=PlaceKind.PROVINCE, code__in=PROVINCES))
    communes: list[Place] = []
    for province in provinces:
        communes += list(
            Place.objects.filter(
                kind=PlaceKind.COMMUNE, path__startswith=province.path + "/"
            ).order_by("code")[:COMMUNES_PER_PROVINCE]
        )
    if not communes:
        raise SystemExit("no communes in the gazetteer")
    province_of = {
        c.pk: next(p.pk for p in provinces if c.path.startswith(p.path + "/")) for c in communes
    }
    villages: dict[int, list[int]] = {
        c.pk: list(Place.objects.filter(parent=c).values_list("pk", flat=True)) or [c.pk]
        for c in communes
    }
    destinations: list[int | None] = list(
        Place.objects.filter(path__startswith="TH/").values_list("pk", flat=True)[:30]
    )
    destinations += list(
        Place.objects.filter(kind=PlaceKind.COUNTRY)
        .exclude(code="KH")
        .values_list("pk", flat=True)[:5]
    )
    destinations.append(None)
    _log(f"{len(communes)} communes, {len(destinations) - 1} destinations")

    lead = Agency.objects.create(name_km="អង្គការនាំមុខ", name_en="Lead", kind=AgencyKind.LEAD_NGO)
    partner = Agency.objects.create(name_km="ដៃគូ", name_en="Partner", kind=AgencyKind.PARTNER_NGO)

    def member(email: str, role: str, places: list[Place] | None) -> User:
        user = User.objects.create_user(email=email, password=None, full_name=email)
        membership = Membership.objects.create(
            user=user, agency=lead, role=role, all_places=places is None
        )
        if places:
            membership.places.set(places)
        return user

    me_officer = member("me@bench.org", Role.ME_OFFICER, None)
    facilitators = {
        c.pk: member(f"facilitator{i}@bench.org", Role.SHG_FACILITATOR, [c])
        for i, c in enumerate(communes)
    }

    # ------------------------------------------------------------------ build
    # Plain INSERTs (executemany) of rows made here: the same rows bulk_create would
    # write, five times faster, so that 5,000,000 entries build in minutes.
    def inserter(model: Any, varying: list[str], template: Any) -> Any:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        fixed = [f for f in fields if f.attname not in varying]
        by_name = {f.attname: f for f in fields}
        columns = [by_name[name].column for name in varying] + [f.column for f in fixed]
        constants = tuple(
            f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fixed
        )
        sql = (
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "
            f"({', '.join(connection.ops.quote_name(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )

        def insert(rows: list[tuple[Any, ...]]) -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, [row + constants for row in rows])

        return insert

    started = time.perf_counter()
    today = timezone.localdate()
    insert_persons = inserter(
        Person, ["home_village_id", "province_id", "sex", "birth_year"], Person(agency=lead)
    )
    made = 0
    while made < persons_total:
        size = min(BATCH, persons_total - made)
        rows = []
        for _ in range(size):
            c = rng.choice(communes)
            rows.append(
                (
                    rng.choice(villages[c.pk]),
                    province_of[c.pk],
                    rng.choice(("female", "male")),
                    rng.randint(1960, 2008),
                )
            )
        insert_persons(rows)
        made += size
    commune_of_village = {v: c for c, vs in villages.items() for v in vs}
    persons_by_commune: dict[int, list[int]] = {c.pk: [] for c in communes}
    for pk, village in Person.objects.filter(agency=lead).values_list("pk", "home_village_id"):
        persons_by_commune[commune_of_village[village]].append(pk)
    _log(f"{made:,} persons in {time.perf_counter() - started:.0f} s")

    groups = {}
    members_of: dict[int, list[int]] = {}
    for commune in communes:
        group = Group.objects.create(agency=lead, name=f"SHG {commune.code}", commune=commune)
        group.facilitators.add(facilitators[commune.pk])
        groups[commune.pk] = group
        pool = persons_by_commune[commune.pk] or persons_by_commune[communes[0].pk]
        people = rng.sample(pool, min(MEMBERS_PER_GROUP, len(pool)))
        rows = GroupMember.objects.bulk_create(
            GroupMember(group=group, person_id=p, role="migrant_family") for p in people
        )
        members_of[group.pk] = [r.pk for r in rows]

    insert_entries = inserter(
        RegisterEntry,
        [
            "agency_id",
            "commune_id",
            "group_id",
            "person_id",
            "departed_on",
            "destination_id",
            "sector",
            "channel",
            "last_contact_on",
            "returned_on",
            "return_reason",
        ],
        RegisterEntry(),
    )
    made = 0
    while made < entries_total:
        size = min(BATCH, entries_total - made)
        rows = []
        for _ in range(size):
            commune = rng.choice(communes)
            pool = persons_by_commune[commune.pk] or persons_by_commune[communes[0].pk]
            departed = today - dt.timedelta(days=rng.randint(30, 8 * 365))
            away = rng.random() < 0.3
            returned = (
                None if away else min(today, departed + dt.timedelta(days=rng.randint(60, 1500)))
            )
            rows.append(
                (
                    lead.pk if rng.random() < 0.85 else partner.pk,
                    commune.pk,
                    groups[commune.pk].pk,
                    rng.choice(pool),
                    departed,
                    rng.choice(destinations),
                    _weighted(rng, SECTOR),
                    _weighted(rng, CHANNEL),
                    None if rng.random() < 0.1 else today - dt.timedelta(days=rng.randint(0, 400)),
                    returned,
                    "" if away else _weighted(rng, REASON),
                )
            )
        insert_entries(rows)
        made += size
        if made % 500_000 < BATCH:
            _log(f"{made:,} entries, {time.perf_counter() - started:.0f} s")
    entries_made = made

    first, last = (
        RegisterEntry.objects.order_by("pk").values_list("pk", flat=True)[:1][0],
        (RegisterEntry.objects.order_by("-pk").values_list("pk", flat=True)[:1][0]),
    )
    insert_problems = inserter(RegisterProblem, ["entry_id", "kind", "noted_on"], RegisterProblem())
    made = 0
    while made < problems_total:
        size = min(BATCH, problems_total - made)
        insert_problems(
            [
                (
                    rng.randint(first, last),
                    rng.choice(PROBLEM),
                    today - dt.timedelta(days=rng.randint(0, 3 * 365)),
                )
                for _ in range(size)
            ]
        )
        made += size
    problems_made = made
    # The problems' commune, agency and person, copied from their entries as the model does.
    entry = RegisterEntry.objects.filter(pk=OuterRef("entry_id"))
    RegisterProblem.objects.filter(commune__isnull=True).update(
        commune_id=Subquery(entry.values("commune_id")[:1]),
        agency_id=Subquery(entry.values("agency_id")[:1]),
        person_id=Subquery(entry.values("person_id")[:1]),
    )

    group_list = list(groups.values())
    through = Meeting.attendees.through
    insert_meetings = inserter(Meeting, ["group_id", "held_on", "guests"], Meeting(venue=""))
    made = 0
    while made < meetings_total:
        size = min(BATCH, meetings_total - made)
        insert_meetings(
            [
                (rng.choice(group_list).pk, today - dt.timedelta(days=rng.randint(0, 5 * 365)), 3)
                for _ in range(size)
            ]
        )
        made += size
    meetings_made = made
    attendances = 0
    links: list[Any] = []
    guests: list[Any] = []

    def flush() -> None:
        with transaction.atomic():
            through.objects.bulk_create(links, batch_size=BATCH)
            MeetingGuests.objects.bulk_create(guests, batch_size=BATCH)
        links.clear()
        guests.clear()

    for meeting_pk, group_pk in Meeting.objects.order_by("pk").values_list("pk", "group_id"):
        pool = members_of[group_pk]
        for member_pk in rng.sample(pool, min(len(pool), rng.randint(6, 14))):
            links.append(through(meeting_id=meeting_pk, groupmember_id=member_pk))
        guests.append(MeetingGuests(meeting_id=meeting_pk, sex="female", age_band="18_59", count=2))
        guests.append(
            MeetingGuests(meeting_id=meeting_pk, sex="male", age_band="under_18", count=1)
        )
        attendances += min(len(pool), 14)
        if len(links) >= 10 * BATCH:
            flush()
    flush()
    attendances = through.objects.count()
    built = time.perf_counter() - started
    _log(f"records built in {built:.0f} s; counting the tallies …")
    t0 = time.perf_counter()
    tallies = tallies_rebuild()
    recount = time.perf_counter() - t0
    build = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does to a loaded table, done before timing rather than
            # during it: statistics, and the visibility map that index-only scans need.
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    size = (
        f"{entries_made:,} register entries, {persons_total:,} persons, "
        f"{problems_made:,} problems, {meetings_made:,} meetings, {attendances:,} attendances"
    )
    _log(f"built {size} in {build:.0f} s (tallies: {tallies}, {recount:.0f} s)")

    # ------------------------------------------------------------------ over HTTP
    # DEBUG off and no collectstatic: plain static storage (as bench_cases.py).
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    def logged_in(user: User) -> Client:
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(user, backend="migra.accounts.backends.EmailOrPhoneBackend")
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    year_ago = (today - dt.timedelta(days=365)).isoformat()
    period = {"since": year_ago, "until": today.isoformat()}

    def timed(client: Client, urls: list[tuple[str, dict[str, str]]]) -> list[float]:
        times = []
        for i in range(WARM_UP + runs):
            url, params = urls[i % len(urls)]
            t0 = time.perf_counter()
            response = client.get(url, params)
            seconds = time.perf_counter() - t0
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            if i >= WARM_UP:
                times.append(seconds)
        return times

    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    with override_settings(STORAGES=plain_static):
        officer = logged_in(me_officer)
        shuffled = communes[:]
        rng.shuffle(shuffled)
        commune_urls = [f"/app/community/summary/commune/{c.code}/" for c in shuffled]
        province_urls = [f"/app/community/summary/province/{p.code}/" for p in provinces]
        rows = [
            ("commune summary, M&E officer, last 12 months", officer, commune_urls, period),
            ("commune summary, M&E officer, all dates", officer, commune_urls, {}),
            ("province summary, M&E officer, last 12 months", officer, province_urls, period),
            ("province summary, M&E officer, all dates", officer, province_urls, {}),
        ]
        for label, client, urls, params in rows:
            median, p95 = _ms(timed(client, [(u, params) for u in urls]))
            print(f"| {label} over HTTP, {runs} loads | {size} | {median:.1f} | {p95:.1f} |")
        busiest = max(communes, key=lambda c: len(persons_by_commune[c.pk]))
        facilitator = logged_in(facilitators[busiest.pk])
        median, p95 = _ms(
            timed(facilitator, [(f"/app/community/summary/commune/{busiest.code}/", period)])
        )
        print(
            f"| commune summary, its facilitator, last 12 months over HTTP, {runs} loads "
            f"| {size} | {median:.1f} | {p95:.1f} |"
        )
        median, p95 = _ms(timed(facilitator, [("/app/community/", {})]))
        print(
            f"| facilitator home page over HTTP, {runs} loads | {size} | {median:.1f} | {p95:.1f} |"
        )
    # The price of keeping the tallies: an entry's return recorded through the service
    # (one tally row out, one in), on random entries still away.
    from migra.community.services import register_entry_update

    away = list(
        RegisterEntry.objects.filter(returned_on__isnull=True, agency=lead)
        .order_by("?")
        .values_list("pk", flat=True)[: WARM_UP + runs]
    )
    writes = []
    for i, pk in enumerate(away):
        entry = RegisterEntry.objects.select_related("commune", "agency").get(pk=pk)
        facilitator_user = facilitators[entry.commune_id]
        t0 = time.perf_counter()
        register_entry_update(
            actor=facilitator_user,
            entry=entry,
            expected_version=entry.version,
            departed_on=entry.departed_on,
            destination=entry.destination,
            sector=entry.sector,
            channel=entry.channel,
            returned_on=today,
            return_reason="family",
        )
        if i >= WARM_UP:
            writes.append(time.perf_counter() - t0)
    median, p95 = _ms(writes)
    print(
        f"| a return recorded through the service (tallies kept), {len(writes)} entries "
        f"| {size} | {median:.1f} | {p95:.1f} |"
    )
    print(f"| build (bulk insert, then tallies) | {size} | {build * 1000:.0f} | — |")
    print(f"| tallies recounted from the records | {size} | {recount * 1000:.0f} | — |")


if __name__ == "__main__":
    main()
