"""Search: index build time, query latency and recall over synthetic Khmer/English text.

Builds N documents (default 1,000,000; `--docs N` or BENCH_SEARCH_DOCS to scale down)
of realistic lengths — register notes (1–2 sentences), case notes (3–8), stories
(15–40) and person records (blind name keys + a short note) — from a vocabulary of
real Khmer words of the programme's domain written without spaces, as Khmer is,
with Latin names and English sentences mixed in. Then:

- index build: segmentation (ICU) and row insert, then the full-text indexes
  (SQLite: FTS5 unicode61 + trigram, rebuilt in one go; PostgreSQL: GIN indexes on
  the two tsvectors and pg_trgm, created after the load, then VACUUM ANALYZE);
- latency of `engine.match` (query analysis + the tiered SQL) over ≥ 50 queries:
  short Khmer words, Latin name spellings, substrings, one- and two-character Khmer
  queries; for a superuser and for a caseworker scoped to one agency and province.
  Loading the records and cutting snippets are not included (they need the records'
  own tables);
- recall of the quality set (bench/search_quality/): ≥ 200 query → document pairs,
  searched in a separate small index so that ranking among a million look-alikes does
  not hide a match: the expected document must be among the first 20 results.

Run by bench/run.py (see bench/README.md), or alone on a migrated database:

    DEBUG=true DATABASE_URL=... .venv/bin/python bench/bench_search.py --docs 20000
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
django.setup()

from django.db import connection, transaction  # noqa: E402 - after django.setup()
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from migra.lib.khmer.names import name_entries  # noqa: E402
from migra.search import engine  # noqa: E402
from migra.search.models import SearchDocument  # noqa: E402
from migra.search.services import _hashed_names  # noqa: E402
from migra.search.tokens import analyse, index_tokens  # noqa: E402

SEED = 20250303
QUALITY_DIR = ROOT / "bench" / "search_quality"
BATCH = 5000
WARM_UP = 10
REPEAT = 5
MIGRATION_SQL = "migra.search.migrations.0002_fulltext_indexes"

# Real Khmer words of the programme's domain: migration, work, villages, family,
# law and help, places, time, and the small words that hold sentences together.
VOCABULARY = """
ការ ធ្វើការ ការងារ កម្មករ ពលករ ចំណាកស្រុក ជួញដូរ មនុស្ស ប្រទេស ថៃ ម៉ាឡេស៊ី កូរ៉េ ជប៉ុន
ព្រំដែន លិខិតឆ្លងដែន ទិដ្ឋាការ ប័ណ្ណការងារ កិច្ចសន្យា ប្រាក់ខែ បំណុល ខ្ចី ប្រាក់ ក្រុមហ៊ុន
ភ្នាក់ងារ ឈ្មួញកណ្តាល ភូមិ ឃុំ ស្រុក ខេត្ត ក្រុង គ្រួសារ ឪពុក ម្តាយ កូន ប្រពន្ធ ប្តី បងប្អូន
ស្ត្រី បុរស ក្មេង យុវជន សាលារៀន រៀន ធ្វើដំណើរ ឡានក្រុង រថយន្ត ទូក នេសាទ កសិកម្ម ស្រែ
ចម្ការ សំណង់ រោងចក្រ កាត់ដេរ ផ្ទះ អ្នកបម្រើ ភោជនីយដ្ឋាន ផ្សារ លក់ ទិញ សុខភាព ជំងឺ
មន្ទីរពេទ្យ ប៉ូលិស តុលាការ មេធាវី ច្បាប់ សិទ្ធិ ជំនួយ អង្គការ ប្រជុំ ការពារ សុវត្ថិភាព
គ្រោះថ្នាក់ អំពើហិង្សា បង្ខំ ឃុំខ្លួន រត់គេច ត្រឡប់ មកវិញ ម៉ោង ថ្ងៃ ខែ ឆ្នាំ ពេល យប់
ព្រឹក ល្ងាច ទឹក បាយ អាហារ ដេក ឈឺ ខ្លាច សប្បាយ ពិបាក ក្រីក្រ ធនាគារ ផ្ញើ ទូរស័ព្ទ
ព័ត៌មាន ដំបូន្មាន ស្នើសុំ ជួយ ឯកសារ អត្តសញ្ញាណប័ណ្ណ ចុះឈ្មោះ បញ្ជី និយោជក ម្ចាស់
ប្រធាន មេក្រុម កម្រៃ ថ្លៃ សេវា ដឹកជញ្ជូន ឆ្លងកាត់ ច្រក ប៉ោយប៉ែត សៀមរាប បន្ទាយមានជ័យ
កំពង់ចាម កំពង់ធំ ឧត្តរមានជ័យ បាងកក ភ្នំពេញ បាន នៅ ទៅ មក និង ដែល ជា មាន គាត់ ខ្ញុំ
យើង គេ ពី ក្នុង មិន ត្រូវ អាច ចង់ ដើម្បី ព្រោះ ប៉ុន្តែ ហើយ ច្រើន តិច ថ្មី ចាស់ ធំ តូច ល្អ
អាក្រក់ ស្គាល់ ប្រាប់ សួរ ឆ្លើយ និយាយ ស្តាប់ មើល ដឹង យល់ ភ័យ ទុក្ខ រីករាយ សង្ឃឹម
អនាគត ជីវិត ការសិក្សា វិញ្ញាបនបត្រ បណ្តុះបណ្តាល ជំនាញ ចំណេះដឹង ការយល់ដឹង ផ្សព្វផ្សាយ
សហគមន៍ អាជ្ញាធរ មន្ត្រី ក្រសួង នាយកដ្ឋាន ការិយាល័យ គណៈកម្មាធិការ ជាតិ ខេត្តក្រុង
ការស្តារ នីតិសម្បទា ស្នាក់នៅ ជម្រក ការប្រឹក្សា ចិត្តសាស្ត្រ វេជ្ជបណ្ឌិត ថ្នាំ ការព្យាបាល
ចំណាយ ចំណូល សន្សំ ដីធ្លី ដំណាំ ស្រូវ ដំឡូង ចេក ស្វាយ គោ ជ្រូក មាន់ ត្រី ព្រៃ ភ្នំ ទន្លេ
សមុទ្រ កំពង់ផែ នាវា អ្នកនេសាទ ឧស្សាហកម្ម ការដ្ឋាន ជាងសំណង់ ជាងកាត់ដេរ អ្នកលក់
""".split()

ENGLISH = (
    "returned from Thailand with debt",
    "worked on a fishing boat for two years",
    "the broker kept her passport",
    "referred to the legal aid office",
    "no contract and no salary for six months",
    "crossed the border at Poipet",
    "needs shelter and counselling",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94] if len(samples) > 1 else samples[0]


def fmt(n: float) -> str:
    return f"{n:,.1f}"


class Corpus:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names = [e for e in name_entries() if e.kind in ("family", "given")]
        self.family = [e for e in self.names if e.kind == "family"]
        self.given = [e for e in self.names if e.kind == "given"]

    def sentence(self) -> str:
        rng = self.rng
        words = rng.choices(VOCABULARY, k=rng.randint(5, 14))
        # Khmer runs words together; a space separates phrases now and then.
        text = "".join(w + (" " if rng.random() < 0.12 else "") for w in words).strip()
        if rng.random() < 0.1:
            text += " " + rng.choice(ENGLISH)
        if rng.random() < 0.08:
            person = rng.choice(self.given)
            text += " " + person.spellings[0]
        return text + "។"

    def text(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def name(self) -> tuple[str, str]:
        family, given = self.rng.choice(self.family), self.rng.choice(self.given)
        return (
            f"{family.khmer} {given.khmer}",
            f"{family.spellings[0]} {given.spellings[0]}",
        )


AGENCIES = list(range(1, 18))
PROVINCES = ["KH/01", "KH/03", "KH/06", "KH/17", "KH/22"]


def make_document(corpus: Corpus, n: int) -> SearchDocument:
    rng = corpus.rng
    roll = rng.random()
    names = ""
    if roll < 0.45:
        doc_type, text = "note", corpus.text(rng.randint(1, 2))
    elif roll < 0.70:
        doc_type, text = "case", corpus.text(rng.randint(3, 8))
    elif roll < 0.80:
        doc_type, text = "story", corpus.text(rng.randint(15, 40))
    else:
        doc_type, text = "person", corpus.text(1)
        khmer, latin = corpus.name()
        names = _hashed_names([khmer, latin])
    province = rng.choice(PROVINCES)
    place = (
        f"{province}/{province[-2:]}{rng.randint(1, 9):02d}/{province[-2:]}0{rng.randint(1, 9)}01"
    )
    return SearchDocument(
        doc_type=doc_type,
        object_id=str(n),
        agency_id=rng.choice(AGENCIES),
        place_path=place,
        is_public=doc_type == "story" and rng.random() < 0.5,
        title="",
        body_tokens=" ".join(index_tokens(text)),
        name_keys=names,
        updated_at=timezone.now(),
    )


# --------------------------------------------------------------------------- indexes


def _migration_module():  # type: ignore[no-untyped-def]
    import importlib

    return importlib.import_module(MIGRATION_SQL)


def drop_fulltext() -> None:
    module = _migration_module()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in module.SQLITE_REVERSE:
                cursor.execute(statement)
        else:
            for statement in module.POSTGRES_REVERSE[:3]:  # the indexes; keep the columns
                cursor.execute(statement)


def create_fulltext() -> None:
    module = _migration_module()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in module.SQLITE:
                cursor.execute(statement)
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
            cursor.execute("INSERT INTO search_trgm(search_trgm) VALUES ('rebuild')")
        else:
            for statement in module.POSTGRES[3:]:
                cursor.execute(statement)
            # What autovacuum does to a loaded table: statistics, and the visibility
            # map that lets the engine's newest-first walks read the indexes alone.
            cursor.execute("VACUUM ANALYZE search_searchdocument")


def build(total: int) -> tuple[float, float, float]:
    """Returns (seconds making + segmenting, seconds inserting, seconds indexing)."""
    corpus = Corpus(random.Random(SEED))
    SearchDocument.objects.all().delete()
    drop_fulltext()
    making = inserting = 0.0
    n = 0
    while n < total:
        started = time.perf_counter()
        batch = [make_document(corpus, n + i) for i in range(min(BATCH, total - n))]
        making += time.perf_counter() - started
        started = time.perf_counter()
        with transaction.atomic():
            SearchDocument.objects.bulk_create(batch, batch_size=1000)
        inserting += time.perf_counter() - started
        n += len(batch)
        if n % 50_000 == 0 or n == total:
            log(f"{n:,} documents ({making:.0f} s making, {inserting:.0f} s inserting)")
    started = time.perf_counter()
    create_fulltext()
    indexing = time.perf_counter() - started
    log(f"full-text indexes: {indexing:.0f} s")
    return making, inserting, indexing


# --------------------------------------------------------------------------- queries


def query_set(rng: random.Random) -> dict[str, list[str]]:
    entries = [e for e in name_entries() if e.kind == "given"]
    khmer_words = rng.sample([w for w in VOCABULARY if len(w) >= 3], 20)
    names = [e.spellings[-1] for e in rng.sample(entries, 15)]  # last spelling: a variant
    substrings = []
    for word in rng.sample([w for w in VOCABULARY if len(w) >= 6], 15):
        start = rng.randint(1, len(word) - 4)
        substrings.append(word[start : start + 3 + rng.randint(0, 1)])
    short = [w[:1] for w in rng.sample(VOCABULARY, 5)] + [w[:2] for w in rng.sample(VOCABULARY, 5)]
    return {
        "short Khmer words": khmer_words,
        "Latin name spellings": names,
        "substrings (3–4 characters)": substrings,
        "one- and two-character Khmer": short,
    }


def time_queries(queries: list[str], where: Q) -> list[float]:
    samples = []
    for query in queries:
        for _ in range(REPEAT):
            started = time.perf_counter()
            engine.match(analyse(query), where, limit=20)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


# --------------------------------------------------------------------------- quality


def read_quality() -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    documents: dict[str, str] = {}
    with open(QUALITY_DIR / "documents.tsv", encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if row and not row[0].startswith("#"):
                documents[row[0]] = row[1]
    pairs = []
    with open(QUALITY_DIR / "queries.tsv", encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if row and not row[0].startswith("#"):
                pairs.append((row[0], row[1], row[2] if len(row) > 2 else ""))
    return documents, pairs


def measure_quality() -> tuple[int, int, list[str]]:
    documents, pairs = read_quality()
    SearchDocument.objects.all().delete()
    rows = []
    for key, text in documents.items():
        if key.startswith("person:"):
            body, names = "", _hashed_names([text])
        else:
            body, names = " ".join(index_tokens(text)), ""
        rows.append(
            SearchDocument(
                doc_type="quality",
                object_id=key,
                body_tokens=body,
                name_keys=names,
                updated_at=timezone.now(),
            )
        )
    SearchDocument.objects.bulk_create(rows)
    ids = dict(SearchDocument.objects.values_list("id", "object_id"))
    found = 0
    missed = []
    for query, expected, _kind in pairs:
        hits = engine.match(analyse(query), Q(), limit=20)
        if expected in {ids[h.id] for h in hits}:
            found += 1
        else:
            missed.append(f"{query} → {expected}")
    return found, len(pairs), missed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--docs", type=int, default=int(os.environ.get("BENCH_SEARCH_DOCS", "1000000"))
    )
    args = parser.parse_args()
    total = args.docs
    rows = []

    found, asked, missed = measure_quality()
    log(f"quality: {found}/{asked}; missed: {missed}")

    making, inserting, indexing = build(total)
    size = f"{total:,} documents"
    rows.append(f"| index build: generate + segment (ICU) | {size} | {fmt(making)} s total | |")
    rows.append(f"| index build: insert rows | {size} | {fmt(inserting)} s total | |")
    rows.append(f"| index build: full-text indexes | {size} | {fmt(indexing)} s total | |")

    rng = random.Random(SEED + 1)
    sets = query_set(rng)
    everyone = Q()
    caseworker = Q(doc_type__in=["case", "person", "note"], agency_id=3) & (
        Q(place_path="KH/01") | Q(place_path__startswith="KH/01/")
    )
    all_queries = [q for queries in sets.values() for q in queries]
    time_queries(all_queries[:WARM_UP], everyone)
    overall: list[float] = []
    for label, queries in sets.items():
        for who, where in (
            ("superuser", everyone),
            ("caseworker, 1 agency + 1 province", caseworker),
        ):
            samples = time_queries(queries, where)
            if who == "superuser":
                overall.extend(samples)
            rows.append(
                f"| search: {label}, {who} ({len(queries)} queries × {REPEAT}) | {size} "
                f"| {fmt(statistics.median(samples))} | {fmt(p95(samples))} |"
            )
    rows.append(
        f"| search: all {len(all_queries)} queries, superuser | {size} "
        f"| {fmt(statistics.median(overall))} | {fmt(p95(overall))} |"
    )
    rows.append(
        f"| quality set: recall@20 ({asked} Khmer and Latin queries) | "
        f"{len(read_quality()[0])} documents | {found / asked:.3f} | |"
    )
    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
