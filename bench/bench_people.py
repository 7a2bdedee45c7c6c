"""People registry: candidate lookup at registration over a million persons.

Builds N persons (default 1,000,000; `--persons N` or BENCH_PEOPLE_PERSONS) with the
synthetic names of bench/people_quality/synth.py (Khmer script, Latin spellings or
both; Zipf-distributed family and given names; real village codes), one phone each,
an identity document for 30 %, their encrypted names/phones/documents and their
blind-indexed blocking keys (`PersonKey`), by bulk inserts (the registration service
also writes the audit trail and the search index: not what is measured here).

Then times `person_candidates(user, facts)` — the whole lookup behind the registration
panel: blind-index the lookup keys, one indexed GROUP BY over `PersonKey`, load and
decrypt the candidate set, score it, filter by permission — for ≥ 200 registrations of
an existing person typed again (the other script or a Latin spelling, an approximate
age, the same village), for a caseworker who sees the whole agency.

Run by bench/run.py (see bench/README.md), or alone on a migrated database:

    DEBUG=true DATABASE_URL=... .venv/bin/python bench/bench_people.py --persons 20000

The database it leaves behind is what `migra people dedupe` is timed on (by hand, with
the same DATABASE_URL; docs/benchmarks.md): build it into a file of your own, e.g.
`DATABASE_URL=sqlite:////tmp/p1m.sqlite3` after `migra migrate` (about 10-16 minutes
for a million on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "people_quality"))

BATCH = 5000
QUERIES = 200


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ms(xs: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(xs, n=100)[94] if len(xs) > 1 else xs[0]
    return statistics.median(xs) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--persons", type=int, default=int(os.environ.get("BENCH_PEOPLE_PERSONS", "1000000"))
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
    django.setup()

    from django.db import connection, transaction
    from synth import Sampler, written

    from migra.accounts.models import Agency, Membership, User
    from migra.accounts.roles import AgencyKind, Role
    from migra.people.identity import (
        blocking_indexes,
        document_index,
        document_normal,
        facts_for,
        phone_index,
    )
    from migra.people.models import IdentityDocument, Person, PersonKey, PersonName, PersonPhone
    from migra.people.selectors import person_candidates
    from migra.places.models import Place, PlaceKind
    from migra.places.services import gazetteer_load

    total = args.persons
    if not Place.objects.filter(kind=PlaceKind.VILLAGE).exists():
        _log("loading the gazetteer …")
        gazetteer_load()
    villages = dict(Place.objects.filter(kind=PlaceKind.VILLAGE).values_list("code", "pk"))
    provinces = dict(Place.objects.filter(kind=PlaceKind.PROVINCE).values_list("code", "pk"))
    agency = Agency.objects.create(name_km="មជ្ឈមណ្ឌល", name_en="Bench", kind=AgencyKind.PARTNER_NGO)
    worker = User.objects.create_user(email="bench@example.org", password=None, full_name="Bench")
    Membership.objects.create(user=worker, agency=agency, role=Role.CASEWORKER, all_places=True)

    sampler = Sampler(20261124)
    rng = random.Random(7)
    kept: list[tuple[object, int, str]] = []  # persons typed again later
    keep_every = max(1, total // (QUERIES * 5))
    started = time.perf_counter()
    made = 0
    key_rows = 0
    while made < total:
        size = min(BATCH, total - made)
        people = []
        for _ in range(size):
            person = sampler.person()
            if person.village not in villages:
                continue
            script = rng.choice(("khmer", "khmer", "latin", "both"))
            names = written(rng, person, script=script)
            document = sampler.document() if rng.random() < 0.3 else None
            people.append((person, names, document))
        with transaction.atomic():
            rows = Person.objects.bulk_create(
                [
                    Person(
                        agency=agency,
                        home_village_id=villages[p.village],
                        province_id=provinces.get(p.village[:2]),
                        sex="female" if p.sex == "f" else "male",
                        birth_year=p.birth_year,
                        birth_year_exact=rng.random() < 0.4,
                    )
                    for p, _names, _doc in people
                ]
            )
            ids = [r.pk for r in rows]
            if None in ids:
                raise SystemExit("bulk_create gave no ids: this database is too old")
            names_rows, phones_rows, docs_rows, keys_rows = [], [], [], []
            for j, (pk, row, (p, names, document)) in enumerate(
                zip(ids, rows, people, strict=True)
            ):
                for i, name in enumerate(names):
                    script = "latin" if name.isascii() else "km"
                    names_rows.append(
                        PersonName(person_id=pk, script=script, value=name, is_primary=i == 0)
                    )
                phones_rows.append(
                    PersonPhone(person_id=pk, value=p.phone, value_index=phone_index(p.phone))
                )
                documents = ()
                if document is not None:
                    normal = document_normal(document[1])
                    documents = ((document[0], normal),)
                    docs_rows.append(
                        IdentityDocument(
                            person_id=pk,
                            kind="other",
                            number=normal,
                            number_index=document_index(normal),
                        )
                    )
                facts = facts_for(
                    names=names,
                    birth_year=row.birth_year,
                    birth_year_exact=row.birth_year_exact,
                    village_code=p.village,
                    phones=(p.phone,),
                    documents=documents,
                    sex=row.sex,
                )
                for key in sorted(blocking_indexes(facts)):
                    keys_rows.append(PersonKey(person_id=pk, key=key))
                if (made + j) % keep_every == 0 and len(kept) < QUERIES * 2:
                    kept.append((p, pk, row.sex))
            PersonName.objects.bulk_create(names_rows, batch_size=BATCH)
            PersonPhone.objects.bulk_create(phones_rows, batch_size=BATCH)
            IdentityDocument.objects.bulk_create(docs_rows, batch_size=BATCH)
            PersonKey.objects.bulk_create(keys_rows, batch_size=BATCH)
            key_rows += len(keys_rows)
        made += size
        if made % 100_000 < BATCH:
            _log(f"{made:,} persons, {key_rows:,} keys, {time.perf_counter() - started:.0f} s")
    build = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _log(f"built {made:,} persons ({key_rows:,} keys) in {build:.0f} s")

    # Registrations of kept persons typed again: Latin spelling, approximate age.
    year = 2026
    queries = []
    for person, pk, sex in kept[: QUERIES + 20]:
        script = rng.choice(("latin", "khmer"))
        names = written(rng, person, script=script)
        queries.append(
            (
                pk,
                facts_for(
                    names=names,
                    birth_year=year - (year - person.birth_year + rng.choice((-1, 0, 1))),
                    birth_year_exact=False,
                    village_code=person.village,
                    sex=sex,
                ),
            )
        )
    for _pk, facts in queries[:20]:  # warm up
        person_candidates(worker, facts)
    times, sizes, found = [], [], 0
    for pk, facts in queries[20:]:
        t0 = time.perf_counter()
        result = person_candidates(worker, facts)
        times.append(time.perf_counter() - t0)
        sizes.append(len(result.visible))
        found += any(c.person.pk == pk for c in result.visible)
    median, p95 = _ms(times)
    size = f"{made:,} persons, {key_rows:,} keys"
    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    print(
        f"| candidate lookup at registration (keys → one indexed query → decrypt and "
        f"score the candidates → permission filter), {len(times)} registrations; the "
        f"person typed again was listed in {found}/{len(times)}; "
        f"{statistics.mean(sizes):.1f} candidates shown on average | {size} | "
        f"{median:.1f} | {p95:.1f} |"
    )
    print(f"| build (bulk insert, encryption, blocking keys) | {size} | {build * 1000:.0f} | — |")


if __name__ == "__main__":
    main()
