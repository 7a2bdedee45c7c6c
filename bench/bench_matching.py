"""People matching (migra.lib.matching): quality, speed, and a dedupe of a million.

Pure Python, no database (the harness runs it once per database all the same). Prints
one Markdown table with its own header (measurement | size | result):

- quality on the labelled set bench/people_quality/pairs.tsv (synthetic, see
  docs/matching.md): precision and recall at LIKELY_THRESHOLD, MATCH_THRESHOLD and a
  few other thresholds; blocking recall (true pairs sharing a lookup key);
- speed: score() per pair, blocking_keys() per person (median, p95);
- a synthetic million (BENCH_MATCHING_PEOPLE, default 1,000,000) with 1 % planted
  duplicates: largest blocks, candidate pairs, candidates per lookup, and a full
  in-memory dedupe (blocking + scoring) on BENCH_MATCHING_WORKERS processes (default:
  the number of cores), with its wall time and the share of planted duplicates found.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "people_quality"))

import make_pairs  # noqa: E402
from synth import Sampler, facts, from_columns, written  # noqa: E402

from migra.lib import matching as M  # noqa: E402

PEOPLE = int(os.environ.get("BENCH_MATCHING_PEOPLE", "1000000"))
WORKERS = int(os.environ.get("BENCH_MATCHING_WORKERS", str(os.cpu_count() or 1)))
PAIRS_FILE = HERE / "people_quality" / "pairs.tsv"


def _row(measurement: str, size: str, result: str) -> str:
    return f"| {measurement} | {size} | {result} |"


def _ms(xs: list[float]) -> str:
    p95 = statistics.quantiles(xs, n=100)[94] if len(xs) > 1 else xs[0]
    return f"median {statistics.median(xs) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms"


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- quality


def load_pairs() -> list[tuple[str, str, M.PersonFacts, M.PersonFacts]]:
    rows = []
    lines = [ln for ln in PAIRS_FILE.read_text(encoding="utf-8").splitlines() if ln]
    for line in lines:
        if line.startswith("#") or line.startswith("id\t"):
            continue
        cols = line.split("\t")
        rows.append((cols[1], cols[2], from_columns(cols[4:11]), from_columns(cols[11:18])))
    return rows


def quality() -> None:
    pairs = load_pairs()
    same = [p for p in pairs if p[0] == "same"]
    diff = [p for p in pairs if p[0] != "same"]
    scores = [(p[0], p[1], M.score(p[2], p[3]).score) for p in pairs]
    size = f"{len(same)} true pairs, {len(diff)} hard non-matches"
    thresholds = sorted({0.3, 0.4, M.LIKELY_THRESHOLD, 0.7, 0.8, M.MATCH_THRESHOLD, 0.95})
    for t in thresholds:
        tp = sum(1 for label, _k, s in scores if label == "same" and s >= t)
        fp = sum(1 for label, _k, s in scores if label != "same" and s >= t)
        name = {M.LIKELY_THRESHOLD: " (LIKELY)", M.MATCH_THRESHOLD: " (MATCH)"}.get(t, "")
        print(
            _row(
                f"quality at threshold {t:.2f}{name}",
                size,
                f"recall {tp / len(same):.3f}, precision {tp / max(1, tp + fp):.3f}",
            )
        )
    t = M.LIKELY_THRESHOLD
    for kind, n in sorted(Counter(p[1] for p in diff).items()):
        fp = sum(1 for label, k, s in scores if k == kind and s >= t)
        print(_row(f"non-matches scored ≥ LIKELY: {kind}", f"{n} pairs", f"{fp} ({fp / n:.1%})"))
    for kind, n in sorted(Counter(p[1] for p in same).items()):
        found = sum(1 for label, k, s in scores if k == kind and s >= t)
        print(_row(f"true pairs scored ≥ LIKELY: {kind}", f"{n} pairs", f"{found / n:.1%}"))
    met = sum(1 for p in same if M.lookup_keys(p[2]) & M.blocking_keys(p[3]))
    print(
        _row(
            "blocking recall (true pair shares a lookup key)",
            f"{len(same)} pairs",
            f"{met / len(same):.1%}",
        )
    )


# --------------------------------------------------------------------------- speed


def speed() -> None:
    pairs = load_pairs()
    for _ in range(2):  # warm the name-key caches as a running server would be
        for _l, _k, a, b in pairs:
            M.score(a, b)
    times: list[float] = []
    for _ in range(5):
        for _l, _k, a, b in pairs:
            t0 = time.perf_counter()
            M.score(a, b)
            times.append(time.perf_counter() - t0)
    print(_row("score(), warm", f"{len(pairs)} pairs × 5", _ms(times)))
    times = []
    for _l, _k, a, b in pairs:
        M._word_keys.cache_clear()
        M._word_spellings.cache_clear()
        M._part.cache_clear()
        t0 = time.perf_counter()
        M.score(a, b)
        times.append(time.perf_counter() - t0)
    print(_row("score(), cold (matching caches emptied)", f"{len(pairs)} pairs", _ms(times)))
    people = [p[2] for p in pairs] + [p[3] for p in pairs]
    times = []
    for f in people:
        t0 = time.perf_counter()
        M.lookup_keys(f)
        times.append(time.perf_counter() - t0)
    times = []
    for f in people:
        t0 = time.perf_counter()
        M.blocking_keys(f)
        times.append(time.perf_counter() - t0)
    print(_row("blocking_keys(), warm", f"{len(people)} people", _ms(times)))
    hostile = M.PersonFacts(names=("ចាន់ធា 😀 " * 100_000,) * 50, phones=("1" * 10**6,))
    t0 = time.perf_counter()
    M.score(hostile, hostile)
    M.blocking_keys(hostile)
    print(
        _row(
            "score() + blocking_keys(), 50 names of 1 MB",
            "1",
            f"{(time.perf_counter() - t0) * 1000:.1f} ms",
        )
    )


# --------------------------------------------------------------------------- a million

_INDEX: M.DedupeIndex | None = None


def _dedupe_part(part: int) -> tuple[int, list[tuple[int, int]], float]:
    assert _INDEX is not None
    stats = M.DedupeStats()
    t0 = time.perf_counter()
    found = [
        (i, j)
        for i, j, _m in M.find_duplicates((), index=_INDEX, part=part, parts=WORKERS, stats=stats)
    ]
    return stats.pairs_scored, found, time.perf_counter() - t0


def million() -> None:
    global _INDEX
    s = Sampler(4242)
    rng = s.rng
    planted = max(1, PEOPLE // 200)  # pairs: 1 % of the records are duplicates
    t0 = time.perf_counter()
    people: list[M.PersonFacts] = []
    truth: set[tuple[int, int]] = set()
    for _label, _kind, _note, a, b in make_pairs.same_person(s, planted):
        truth.add((len(people), len(people) + 1))
        people += [a, b]
    while len(people) < PEOPLE:
        p = s.person(year_range=(1945, 2020))
        r = rng.random()
        script = "khmer" if r < 0.55 else "latin" if r < 0.9 else "both"
        exact = rng.random() < 0.6
        year = p.birth_year if exact else p.birth_year + rng.randint(-2, 2)
        village = (
            p.village if rng.random() < 0.85 else (p.village[:6] if rng.random() < 0.7 else None)
        )
        people.append(
            facts(
                written(rng, p, script=script),
                year,
                exact,
                village,
                (p.phone,) if rng.random() < 0.5 else (),
                (p.document,) if p.document and rng.random() < 0.2 else (),
                p.sex,
            )
        )
    # shuffle so planted pairs are not neighbours
    order = list(range(len(people)))
    rng.shuffle(order)
    where = {old: new for new, old in enumerate(order)}
    people = [people[i] for i in order]
    truth = {tuple(sorted((where[i], where[j]))) for i, j in truth}  # type: ignore[misc]
    size = f"{len(people):,} people ({len(truth):,} planted duplicate pairs)"
    _log(f"generated {size} in {time.perf_counter() - t0:.0f} s")
    fam = Counter(
        min(M._word_keys(p.names[0].split()[0]), default="") for p in people[:100_000] if p.names
    )
    top = ", ".join(f"{n} {c / 1000:.1f} %" for n, c in fam.most_common(5))
    print(_row("most common family names by key (first 100,000 people)", size, top))

    t0 = time.perf_counter()
    index = M.build_index(people)
    t_index = time.perf_counter() - t0
    _log(f"index built in {t_index:.0f} s")
    print(_row("blocking: profiles + keys + blocks of everyone", size, f"{t_index:.0f} s"))
    sizes = sorted(((len(v), k) for k, v in index.blocks.items()), reverse=True)
    total_pairs = sum(n * (n - 1) // 2 for n, _k in sizes)
    print(_row("blocks", size, f"{len(sizes):,} blocks, {sum(n for n, _k in sizes):,} entries"))
    print(
        _row(
            "largest blocks (synthetic keys)",
            size,
            "; ".join(f"{index.keys[k]}: {n:,}" for n, k in sizes[:6]),
        )
    )
    for prefix in ("n:", "w:", "p:", "d:"):
        kind = [n for n, k in sizes if index.keys[k].startswith(prefix)]
        if kind:
            print(
                _row(
                    f"blocks {prefix}…: largest, share of people in it, pairs",
                    f"{len(kind):,} blocks",
                    f"{kind[0]:,} ({kind[0] / len(people):.2%}); "
                    f"{sum(n * (n - 1) // 2 for n in kind):,} pairs",
                )
            )
    print(_row("candidate pairs (Σ block pairs, repeats included)", size, f"{total_pairs:,}"))
    # candidates a registration would fetch: the union of its lookup keys' blocks
    ids = {k: i for i, k in enumerate(index.keys)}
    cands = []
    for i in rng.sample(range(len(people)), 2000):
        found: set[int] = set()
        for key in M.lookup_keys(people[i]):
            kid = ids.get(key)
            if kid is not None:
                found.update(index.blocks[kid])
        cands.append(len(found - {i}))
    cands.sort()
    print(
        _row(
            "candidates per lookup (lookup_keys of a registered person)",
            "2,000 people",
            f"median {statistics.median(cands):.0f}, p95 {cands[int(len(cands) * 0.95)]}, "
            f"max {cands[-1]}",
        )
    )
    del ids

    _INDEX = index
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(WORKERS) as pool:
        results = pool.map(_dedupe_part, range(WORKERS))
    t_dedupe = time.perf_counter() - t0
    scored = sum(r[0] for r in results)
    found = {pair for r in results for pair in r[1]}
    hit = len(found & truth)
    print(_row("pairs scored in the dedupe (each once)", size, f"{scored:,}"))
    print(_row(f"dedupe: scoring on {WORKERS} processes", size, f"{t_dedupe:.0f} s"))
    print(
        _row(
            "dedupe: blocking + scoring, total",
            size,
            f"{t_index + t_dedupe:.0f} s ({(t_index + t_dedupe) / 60:.1f} min)",
        )
    )
    print(
        _row(
            "dedupe: planted duplicates found (≥ LIKELY)",
            f"{len(truth):,} pairs",
            f"{hit / len(truth):.1%}",
        )
    )
    print(
        _row(
            "dedupe: pairs reported (≥ LIKELY)",
            size,
            f"{len(found):,} ({len(found) - hit:,} not planted)",
        )
    )


def main() -> None:
    print("| measurement | size | result |")
    print("|---|---|---|")
    quality()
    speed()
    if PEOPLE:
        million()


if __name__ == "__main__":
    main()
