"""The audit trail at scale: appending one event, verifying the chain, browsing it.

Builds a trail of N events (default 200,000; `--million` for 1,000,000; or
BENCH_AUDIT_EVENTS) with correct hashes, in bulk, as audit_record would have
written them; then measures on DATABASE_URL:

- one `audit_record` call in its own transaction (lock the head, insert, move the
  head, commit): median and p95 over 2,000 appends;
- `verify_chain` over the whole trail: wall time and events per second;
- the browse page's query (count + 50 rows, newest first) for a lead-NGO admin,
  a partner admin (events of their agency's members only), with a text filter on
  the actor, and a deep page.

Run through the harness (`bench/run.py audit`), or by hand on a database of its
own; a database that already holds events is topped up to N, not rebuilt:

    DEBUG=false SECRET_KEY=... DATABASE_URL=sqlite:///var/bench_audit.sqlite3 \\
        .venv/bin/python bench/bench_audit.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
django.setup()

from django.conf import settings  # noqa: E402 - after django.setup()
from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from migra.accounts.models import Agency, Membership, User  # noqa: E402
from migra.accounts.roles import AgencyKind, Role  # noqa: E402
from migra.audit.chain import GENESIS_HASH, canonical_changes, event_hash  # noqa: E402
from migra.audit.models import AuditAction, AuditChainHead, AuditEvent  # noqa: E402
from migra.audit.selectors import audit_events_visible_to  # noqa: E402
from migra.audit.services import audit_record  # noqa: E402
from migra.audit.verify import verify_chain  # noqa: E402

BULK = 5000
APPENDS = 2000
QUERY_RUNS = 30
AGENCIES = 6
USERS_PER_AGENCY = 20

ACTIONS = (
    [AuditAction.VIEW] * 12
    + [AuditAction.UPDATE] * 4
    + [AuditAction.CREATE] * 2
    + [AuditAction.LOGIN, AuditAction.LOGOUT, AuditAction.EXPORT, AuditAction.DENIED]
)
OBJECT_TYPES = [
    "people.person",
    "cases.case",
    "cases.referral",
    "accounts.user",
    "community.meeting",
    "stories.story",
]
NAMES = ["សុខ ចាន់ណា", "ហេង ដារ៉ា", "ម៉ៅ ស្រីនិច", "Sok Chanthy", "Keo Piseth", "ឈឹម សុភា"]
STATUSES = ["open", "referred", "closed", "ក្នុងដំណើរការ"]
AGENT = "Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 Chrome/120.0 Mobile"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cast() -> tuple[User, User, list[User]]:
    """A lead-NGO admin, a partner admin, and the staff whose actions fill the trail."""
    if (lead_admin := User.objects.filter(email="bench-lead@example.org").first()) is not None:
        partner_admin = User.objects.get(email="bench-partner-0@example.org")
        staff = list(User.objects.filter(email__startswith="bench-staff-").order_by("pk"))
        return lead_admin, partner_admin, staff
    lead = Agency.objects.create(name_km="អង្គការនាំមុខ", name_en="Lead", kind=AgencyKind.LEAD_NGO)
    lead_admin = User.objects.create_user(
        email="bench-lead@example.org", password=None, full_name="Lead admin"
    )
    Membership.objects.create(
        user=lead_admin, agency=lead, role=Role.PROGRAMME_ADMIN, all_places=True
    )
    staff = []
    partner_admin = None
    for a in range(AGENCIES):
        agency = Agency.objects.create(
            name_km=f"ដៃគូ {a}", name_en=f"Partner {a}", kind=AgencyKind.PARTNER_NGO
        )
        admin = User.objects.create_user(
            email=f"bench-partner-{a}@example.org", password=None, full_name=f"Partner admin {a}"
        )
        Membership.objects.create(
            user=admin, agency=agency, role=Role.PROGRAMME_ADMIN, all_places=True
        )
        partner_admin = partner_admin or admin
        for u in range(USERS_PER_AGENCY):
            person = User.objects.create_user(
                email=f"bench-staff-{a}-{u}@example.org",
                password=None,
                full_name=f"{random.choice(NAMES)} {a}-{u}",
            )
            Membership.objects.create(
                user=person, agency=agency, role=Role.CASEWORKER, all_places=True
            )
            staff.append(person)
    assert partner_admin is not None
    return lead_admin, partner_admin, staff


def build(total: int, staff: list[User]) -> None:
    head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"hash": GENESIS_HASH})
    if head.seq >= total:
        progress(f"trail already holds {head.seq:,} events")
        return
    progress(f"building {total - head.seq:,} events on {connection.vendor} ...")
    rng = random.Random(head.seq)
    started_at = datetime.now(UTC) - timedelta(days=730)
    step = timedelta(days=730) / total
    # Staff work from a few offices and phone networks: a few hundred addresses.
    addresses = [
        f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(300)
    ]
    seq, prev = head.seq, head.hash
    clock = time.perf_counter()
    while seq < total:
        batch = []
        for _ in range(min(BULK, total - seq)):
            seq += 1
            actor = rng.choice(staff) if rng.random() < 0.95 else None
            object_type = rng.choice(OBJECT_TYPES)
            object_id = str(rng.randrange(1, 50_000))
            fields: dict[str, Any] = {
                "seq": seq,
                "at": started_at + step * seq,
                "actor_id": actor.pk if actor else None,
                "actor_label": actor.full_name if actor else "",
                "action": str(rng.choice(ACTIONS)),
                "object_type": object_type,
                "object_id": object_id,
                "object_label": f"{object_type.split('.')[1].upper()}-{object_id}",
                "changes": canonical_changes(
                    {
                        "status": {"old": rng.choice(STATUSES), "new": rng.choice(STATUSES)},
                        "note": "បានទាក់ទងតាមទូរស័ព្ទ",
                    }
                    if rng.random() < 0.3
                    else {}
                ),
                "ip": rng.choice(addresses),
                "user_agent": AGENT,
                "path": f"/app/{object_type.replace('.', '/')}/{object_id}/",
                "prev_hash": prev,
            }
            prev = event_hash(**fields)
            batch.append(AuditEvent(**fields, hash=prev))
        with transaction.atomic():
            AuditEvent.objects.bulk_create(batch)
            AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
        if seq % 50_000 < BULK:
            progress(f"  {seq:,} events ({seq / (time.perf_counter() - clock):,.0f}/s)")
    # After a bulk load, as a DBA would (autovacuum gets to it later on its own): right
    # after the load, without statistics, PostgreSQL planned verify's batch query
    # badly (0.16 s a batch instead of 1 ms).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timings(operation: Callable[[], object], runs: int, warm_up: int = 3) -> list[float]:
    for _ in range(warm_up):
        operation()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def row(measurement: str, size: str, samples: list[float]) -> str:
    p95 = statistics.quantiles(samples, n=100)[94] if len(samples) >= 20 else max(samples)
    return f"| {measurement} | {size} | {statistics.median(samples):.2f} | {p95:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=int(os.environ.get("BENCH_AUDIT_EVENTS", "200000"))
    )
    parser.add_argument("--million", action="store_true", help="1,000,000 events")
    args = parser.parse_args()
    total = 1_000_000 if args.million else args.events
    settings.DEBUG = False  # never keep every query in memory
    call_command("migrate", verbosity=0)  # no-op under the harness, which migrated already

    lead_admin, partner_admin, staff = cast()
    build(total, staff)
    size = f"{total:,} events"
    rows = []

    rng = random.Random(1)

    def append() -> None:
        audit_record(
            actor=rng.choice(staff),
            action=AuditAction.UPDATE,
            object_type="cases.case",
            object_id=str(rng.randrange(1, 50_000)),
            changes={"status": {"old": "open", "new": "referred"}, "note": "បញ្ជូនទៅ PCCT"},
        )

    progress(f"timing {APPENDS:,} appends ...")
    rows.append(
        row(
            f"audit_record: one append, own transaction ({connection.vendor})",
            size,
            timings(append, APPENDS, warm_up=50),
        )
    )

    progress("verifying the whole chain ...")
    verify_runs = []
    checked = 0
    for _ in range(3):
        started = time.perf_counter()
        report = verify_chain()
        verify_runs.append((time.perf_counter() - started) * 1000)
        if not report.ok:
            sys.exit(f"chain broken at #{report.first_broken_seq}: {report.reason}")
        checked = report.events_checked
    rate = checked / (statistics.median(verify_runs) / 1000)
    rows.append(
        f"| verify_chain, whole trail: **{rate:,.0f} events/s** (3 runs; p95 column: slowest) "
        f"| {checked:,} events | {statistics.median(verify_runs):.0f} | {max(verify_runs):.0f} |"
    )

    def first_page(user: User, **filters: str) -> Callable[[], object]:
        def run() -> object:
            events = audit_events_visible_to(user)
            if "actor" in filters:
                events = events.filter(actor_label__icontains=filters["actor"])
            page = Paginator(events, 50).get_page(filters.get("page", 1))
            return list(page.object_list)

        return run

    progress("timing the browse queries ...")
    partner_events = audit_events_visible_to(partner_admin).count()
    for label, operation, scale in (
        ("browse, first page (count + 50 rows), lead-NGO admin", first_page(lead_admin), size),
        (
            "browse, first page, partner admin (own agency's members)",
            first_page(partner_admin),
            f"{partner_events:,} of {checked:,} events",
        ),
        (
            "browse, first page, actor name contains text",
            first_page(lead_admin, actor="ដារ៉ា"),
            size,
        ),
        (
            "browse, page 2,000 (offset 99,950), lead-NGO admin",
            first_page(lead_admin, page="2000"),
            size,
        ),
    ):
        rows.append(row(f"{label} ({connection.vendor})", scale, timings(operation, QUERY_RUNS)))

    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    for line in rows:
        print(line)


if __name__ == "__main__":
    main()
