"""Cases: the filtered case list and the case page at a million cases.

Builds N cases (default 1,000,000; `--cases N` or BENCH_CASES) for persons in the
villages of the programme's five provinces, owned by six agencies, with M referrals
and services together (default 3,000,000: one referral and two services per case on
average), by bulk inserts (the services also write the audit trail and the timeline:
not what is measured here). Statuses, types, risks and due dates follow a plausible
mix: half the cases closed, a third of the open ones with a due date, some past.

Then times:
- `case_list(user, filters)` — the selector behind /app/cases/ — fetching one page
  (26 rows: 25 shown and one to know there is a next page), for random combinations
  of the filters (status, type, risk, province, agency, assigned to me, overdue), for
  three kinds of user: a supervisor who sees the whole agency, a caseworker limited
  to one province and one limited to one commune; plus the worst combinations (those
  that match nothing, so the database must prove there is nothing);
- the case page /app/cases/<id>/ over HTTP for a supervisor, and its query count for
  a case with 3 notes and with 300 notes (the count must not grow).

Run by bench/run.py (see bench/README.md), or alone on a migrated database:

    DEBUG=true DATABASE_URL=... .venv/bin/python bench/bench_cases.py --cases 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
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
PROVINCES = ("01", "03", "06", "17", "22")  # the programme's five provinces
QUERIES_PER_USER = 300
PAGE = 26


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ms(xs: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(xs, n=100)[94] if len(xs) > 1 else xs[0]
    return statistics.median(xs) * 1000, p95 * 1000


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


STATUS = {"new": 10, "assessed": 10, "active": 30, "closed": 50}
TYPE = {
    "trafficking": 20,
    "forced_labour": 15,
    "labour_exploitation": 35,
    "unsafe_migration": 25,
    "other": 5,
}
RISK = {"low": 40, "medium": 35, "high": 20, "critical": 5}
SERVICE_KINDS = (
    "shelter",
    "medical",
    "psychosocial",
    "legal_aid",
    "repatriation",
    "reintegration",
    "vocational",
    "wage_claim",
    "family_tracing",
)


def main() -> None:  # noqa: C901 - one linear script: build, then measure
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", "1000000")))
    parser.add_argument(
        "--links",
        type=int,
        default=int(os.environ.get("BENCH_CASE_LINKS", "0")),
        help="referrals + services together (default: three per case)",
    )
    args = parser.parse_args()
    links = args.links or args.cases * 3
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
    django.setup()

    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from migra.accounts.models import Agency, Membership, User
    from migra.accounts.roles import AgencyKind, Role
    from migra.cases.models import Case, CaseNote, CaseService, Referral
    from migra.cases.selectors import CaseFilters, case_list
    from migra.people.models import Person
    from migra.places.models import Place, PlaceKind
    from migra.places.services import gazetteer_load

    rng = random.Random(20261124)
    if not Place.objects.filter(kind=PlaceKind.VILLAGE).exists():
        _log("loading the gazetteer …")
        gazetteer_load()
    provinces = {p.code: p for p in Place.objects.filter(code__in=PROVINCES)}
    villages: list[tuple[int, int, str]] = []  # (village pk, province pk, path)
    for province in provinces.values():
        for pk, path in Place.objects.filter(
            kind=PlaceKind.VILLAGE, path__startswith=province.path + "/"
        ).values_list("pk", "path"):
            villages.append((pk, province.pk, path))
    communes = list(
        Place.objects.filter(kind=PlaceKind.COMMUNE, path__startswith=provinces["17"].path + "/")
    )
    _log(f"{len(villages):,} villages in {len(provinces)} provinces")

    agencies = [
        Agency.objects.create(name_km=f"ភ្នាក់ងារ {i}", name_en=f"Agency {i}", kind=kind)
        for i, kind in enumerate(
            [AgencyKind.LEAD_NGO] + [AgencyKind.PARTNER_NGO] * 4 + [AgencyKind.PCCT]
        )
    ]
    agency_weights = [10, 30, 25, 15, 10, 10]

    def member(email: str, agency: Agency, role: str, places: list[Place] | None) -> User:
        user = User.objects.create_user(email=email, password=None, full_name=email)
        membership = Membership.objects.create(
            user=user, agency=agency, role=role, all_places=places is None
        )
        if places:
            membership.places.set(places)
        return user

    main_agency = agencies[1]
    supervisor = member("supervisor@bench.org", main_agency, Role.CASE_SUPERVISOR, None)
    province_worker = member("province@bench.org", main_agency, Role.CASEWORKER, [provinces["17"]])
    commune_worker = member("commune@bench.org", main_agency, Role.CASEWORKER, [communes[0]])
    # Everyone else who holds cases: 60 caseworkers spread over the agencies.
    workers = [
        member(f"worker{i}@bench.org", agencies[i % len(agencies)], Role.CASEWORKER, None)
        for i in range(60)
    ]
    workers_by_agency: dict[int, list[int]] = {}
    for worker in workers:
        agency_pk = worker.memberships.get().agency_id
        workers_by_agency.setdefault(agency_pk, []).append(worker.pk)
    for user in (supervisor, province_worker, commune_worker):
        workers_by_agency[main_agency.pk].append(user.pk)
    commune_villages = [v for v in villages if v[2].startswith(communes[0].path + "/")]

    # ------------------------------------------------------------------ build
    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    person_count = max(1, args.cases // 3)
    person_ids: list[tuple[int, int, int, str]] = []  # (pk, village, province, path)
    made = 0
    while made < person_count:
        size = min(BATCH, person_count - made)
        chosen = [
            rng.choice(commune_villages) if rng.random() < 0.02 else rng.choice(villages)
            for _ in range(size)
        ]
        with transaction.atomic():
            rows = Person.objects.bulk_create(
                [
                    Person(
                        agency=main_agency,
                        home_village_id=v[0],
                        province_id=v[1],
                        sex=rng.choice(("female", "male")),
                        birth_year=rng.randint(1960, 2008),
                    )
                    for v in chosen
                ]
            )
        person_ids.extend((r.pk, v[0], v[1], v[2]) for r, v in zip(rows, chosen, strict=True))
        made += size
    _log(f"{made:,} persons in {time.perf_counter() - started:.0f} s")

    made = 0
    referrals_made = 0
    services_made = 0
    links_per_case = links / args.cases
    open_statuses = ("new", "assessed", "active")
    while made < args.cases:
        size = min(BATCH, args.cases - made)
        cases = []
        for i in range(size):
            person_pk, village_pk, province_pk, _path = rng.choice(person_ids)
            agency_index = rng.choices(range(len(agencies)), weights=agency_weights)[0]
            agency = agencies[agency_index]
            status = _weighted(rng, STATUS)
            opened = now - dt.timedelta(minutes=rng.randint(0, 5 * 365 * 24 * 60))
            due = None
            if status in open_statuses and rng.random() < 0.35:
                due = today + dt.timedelta(days=rng.randint(-60, 60))
            cases.append(
                Case(
                    number=f"MG-B-{made + i + 1:07d}",
                    person_id=person_pk,
                    agency=agency,
                    assigned_to_id=rng.choice(workers_by_agency[agency.pk]),
                    case_type=_weighted(rng, TYPE),
                    risk=_weighted(rng, RISK),
                    status=status,
                    source=rng.choice(("screening", "tip", "register", "manual")),
                    origin_id=village_pk,
                    province_id=province_pk,
                    opened_at=opened,
                    closed_at=opened + dt.timedelta(days=90) if status == "closed" else None,
                    closing_reason="services_completed" if status == "closed" else "",
                    next_due_on=due,
                )
            )
        with transaction.atomic():
            rows = Case.objects.bulk_create(cases)
            referrals = []
            services = []
            for case in rows:
                count = int(links_per_case) + (rng.random() < links_per_case % 1)
                for j in range(count):
                    to = agencies[(agencies.index(case.agency) + 1 + j) % len(agencies)]
                    if j % 3 == 0:
                        referrals.append(
                            Referral(
                                case_id=case.pk,
                                from_agency_id=case.agency_id,
                                to_agency=to,
                                sent_at=case.opened_at + dt.timedelta(days=2),
                                reason="bench",
                                urgency="routine",
                                requested_services=["legal_aid"],
                                due_on=(case.opened_at + dt.timedelta(days=16)).date(),
                                shared_parts=["summary"],
                                shared="{}",
                                status="completed" if case.status == "closed" else "accepted",
                            )
                        )
                    else:
                        services.append(
                            CaseService(
                                case_id=case.pk,
                                kind=rng.choice(SERVICE_KINDS),
                                status="delivered" if case.status == "closed" else "planned",
                                agency_id=case.agency_id,
                            )
                        )
            Referral.objects.bulk_create(referrals, batch_size=BATCH)
            CaseService.objects.bulk_create(services, batch_size=BATCH)
        referrals_made += len(referrals)
        services_made += len(services)
        made += size
        if made % 100_000 < BATCH:
            _log(
                f"{made:,} cases, {referrals_made:,} referrals, {services_made:,} services, "
                f"{time.perf_counter() - started:.0f} s"
            )
    # Two cases to open: one with a few notes, one with many.
    few, many = Case.objects.filter(agency=main_agency).order_by("-opened_at")[:2]
    for case, count in ((few, 3), (many, 300)):
        CaseNote.objects.bulk_create(
            CaseNote(case=case, author=supervisor, agency=main_agency, at=now, text=f"note {i}")
            for i in range(count)
        )
    build = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    size = f"{made:,} cases, {referrals_made + services_made:,} referrals and services"
    _log(f"built {size} in {build:.0f} s")

    # ------------------------------------------------------------------ the list
    province_choices = [None, *provinces.values()]
    filter_names = ("status", "case_type", "risk", "province", "agency", "mine", "overdue")

    def random_filters(user: User) -> CaseFilters:
        chosen = {name for name in filter_names if rng.random() < 0.35}
        return CaseFilters(
            status=_weighted(rng, STATUS) if "status" in chosen else "",
            case_type=_weighted(rng, TYPE) if "case_type" in chosen else "",
            risk=_weighted(rng, RISK) if "risk" in chosen else "",
            province=rng.choice(province_choices[1:]) if "province" in chosen else None,
            agency=main_agency if "agency" in chosen else None,
            mine="mine" in chosen,
            overdue="overdue" in chosen,
            today=today,
        )

    def time_list(user: User, filters: CaseFilters) -> tuple[float, int]:
        t0 = time.perf_counter()
        rows = list(case_list(user, filters)[:PAGE])
        return time.perf_counter() - t0, len(rows)

    users = [
        ("supervisor, whole agency", supervisor),
        ("caseworker, one province", province_worker),
        ("caseworker, one commune", commune_worker),
    ]
    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    all_times: list[float] = []
    for label, user in users:
        for _ in range(20):  # warm up
            time_list(user, random_filters(user))
        times, empty = [], 0
        for _ in range(QUERIES_PER_USER):
            seconds, rows = time_list(user, random_filters(user))
            times.append(seconds)
            empty += rows == 0
        all_times += times
        median, p95 = _ms(times)
        print(
            f"| case list, one page, random filter combinations — {label} "
            f"({QUERIES_PER_USER} lists, {empty} empty) | {size} | {median:.1f} | {p95:.1f} |"
        )
    median, p95 = _ms(all_times)
    print(f"| case list, all of the above | {size} | {median:.1f} | {p95:.1f} |")

    # Every combination of the filters once (province 17, status closed + overdue
    # matches nothing: the database must look through its index to say so).
    combo_times = []
    for user in (supervisor, province_worker, commune_worker):
        for mask in itertools.product((False, True), repeat=len(filter_names)):
            chosen = {n for n, on in zip(filter_names, mask, strict=True) if on}
            filters = CaseFilters(
                status="closed" if "status" in chosen else "",
                case_type="other" if "case_type" in chosen else "",
                risk="critical" if "risk" in chosen else "",
                province=provinces["17"] if "province" in chosen else None,
                agency=main_agency if "agency" in chosen else None,
                mine="mine" in chosen,
                overdue="overdue" in chosen,
                today=today,
            )
            combo_times.append(time_list(user, filters)[0])
    median, p95 = _ms(combo_times)
    print(
        f"| case list, every combination of the 7 filters with the rarest values "
        f"(×3 users, {len(combo_times)} lists; worst {max(combo_times) * 1000:.0f} ms) "
        f"| {size} | {median:.1f} | {p95:.1f} |"
    )

    # ------------------------------------------------------------------ the case page
    # The bench runs with DEBUG off and no collectstatic: plain static storage, so the
    # pages can name their static files without a manifest.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(supervisor, backend="migra.accounts.backends.EmailOrPhoneBackend")
        device = TOTPDevice.objects.create(user=supervisor, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        counts = {}
        client.get(f"/app/cases/{few.pk}/")  # the session's first request loads more
        for case in (few, many):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(f"/app/cases/{case.pk}/")
            if response.status_code != 200:
                raise SystemExit(f"case page answered {response.status_code}")
            counts[case.pk] = len(captured.captured_queries)
        pks = list(
            Case.objects.filter(agency=main_agency).order_by("?").values_list("pk", flat=True)[:220]
        )
        times = []
        for i, pk in enumerate(pks):
            t0 = time.perf_counter()
            response = client.get(f"/app/cases/{pk}/")
            seconds = time.perf_counter() - t0
            if response.status_code != 200:
                raise SystemExit(f"case page answered {response.status_code}")
            if i >= 20:
                times.append(seconds)
        median, p95 = _ms(times)
        print(
            f"| case page over HTTP (supervisor; render included), {len(times)} cases "
            f"| {size} | {median:.1f} | {p95:.1f} |"
        )
        many_times = []
        for _ in range(30):
            t0 = time.perf_counter()
            client.get(f"/app/cases/{many.pk}/")
            many_times.append(time.perf_counter() - t0)
        median, p95 = _ms(many_times)
        print(f"| case page with 300 notes, 30 loads | {size} | {median:.1f} | {p95:.1f} |")
        print(
            f"| queries for the case page: 3 notes / 300 notes | {size} | "
            f"{counts[few.pk]} / {counts[many.pk]} | — |"
        )
    print(f"| build (bulk insert) | {size} | {build * 1000:.0f} | — |")


if __name__ == "__main__":
    main()
