"""People matching (migra.lib.matching): quality, speed, and a dedupe of a million.

Pure Python, no database (the harness runs it once per database all the same). Prints
one Markdown table with its own header (measurement | size | result):

- quality on the labelled set bench/people_quality/pairs.tsv (synthetic, see
  docs/matching.md): precision and recall at LIKELY_THRESHOLD, MATCH_THRESHOLD and a
  few other thresholds; blocking recall (true pairs sharing a lookup key); each
  labelled pair deduped as a batch of two, without and with the rule-out before the
  full score (recall and precision at LIKELY and MATCH); true pairs meeting only in
  `w:` blocks;
- speed: score() per pair, blocking_keys() per person (median, p95);
- a synthetic million (BENCH_MATCHING_PEOPLE, default 1,000,000) with 1 % planted
  duplicates: largest blocks, candidate pairs, candidates per lookup, and a full
  in-memory dedupe (blocking + scoring, `find_duplicates_in_processes`, the machinery
  of `migra people dedupe`) on BENCH_MATCHING_WORKERS processes (default: the number
  of cores), with its wall time, the pairs ruled out before the full score, the share
  of planted duplicates found, and what the `w:` (word + commune) blocks contribute;
  one part of the index is scored again without the rule-out to show it finds the same.
"""

from __future__ import annotations

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
    batch_quality(pairs)


def _only_words(a: M.PersonFacts, b: M.PersonFacts) -> bool:
    """The two share filed keys and every one of them is a `w:` (word + commune) key."""
    shared = M.blocking_keys(a) & M.blocking_keys(b)
    return bool(shared) and all(k.startswith("w:") for k in shared)


def batch_quality(pairs: list[tuple[str, str, M.PersonFacts, M.PersonFacts]]) -> None:
    """Each labelled pair as a batch of two: what the batch dedupe (blocking, the
    rule-out before the full score, scoring) finds, and what the `w:` blocks add."""
    same = [p for p in pairs if p[0] == "same"]
    size = f"{len(same)} true pairs, {len(pairs) - len(same)} hard non-matches"
    met = sum(1 for p in same if any(M.find_duplicates([p[2], p[3]], 0.0)))
    print(
        _row("batch blocking recall (true pair shares a filed key)", size, f"{met / len(same):.1%}")
    )
    words = [p for p in same if _only_words(p[2], p[3])]
    found = sum(1 for p in words if M.score(p[2], p[3]).score >= M.LIKELY_THRESHOLD)
    print(
        _row(
            "true pairs meeting only in w: blocks; of them scored ≥ LIKELY",
            size,
            f"{len(words)}; {found}",
        )
    )
    for t in (M.LIKELY_THRESHOLD, M.MATCH_THRESHOLD):
        name = "LIKELY" if t == M.LIKELY_THRESHOLD else "MATCH"
        result = []
        for rule_out in (False, True):
            hits = [
                p[0] for p in pairs if any(M.find_duplicates([p[2], p[3]], t, rule_out=rule_out))
            ]
            tp = hits.count("same")
            result.append(f"recall {tp / len(same):.3f}, precision {tp / max(1, len(hits)):.3f}")
        print(
            _row(
                f"batch dedupe at {name}: without / with the rule-out",
                size,
                " / ".join(result),
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
        M._name_parts.cache_clear()
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
    index = M.build_index(people, keep_keys=True)
    t_index = time.perf_counter() - t0
    _log(f"index built in {t_index:.0f} s")
    print(_row("blocking: profiles + keys + blocks of everyone", size, f"{t_index:.0f} s"))
    starts = index.block_start
    sizes = sorted(
        (
            (starts[k + 1] - starts[k], k)
            for k in range(index.block_count)
            if starts[k + 1] > starts[k]
        ),
        reverse=True,
    )
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
                found.update(index.block(kid))
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

    def only_words(i: int, j: int) -> bool:
        shared = set(index.keys_of(i)) & set(index.keys_of(j))
        return bool(shared) and all(index.kinds[k] == ord("w") for k in shared)

    planted_words = sum(1 for i, j in truth if only_words(i, j))
    print(
        _row(
            "planted pairs meeting only in w: blocks", f"{len(truth):,} pairs", f"{planted_words:,}"
        )
    )

    def show(stats: M.DedupeStats, done: int, parts: int) -> None:
        _log(
            f"part {done}/{parts}: {stats.pairs_scored:,} scored, "
            f"{stats.pairs_ruled_out:,} ruled out"
        )

    stats = M.DedupeStats()
    t0 = time.perf_counter()
    results = M.find_duplicates_in_processes(index, workers=WORKERS, stats=stats, progress=show)
    t_dedupe = time.perf_counter() - t0
    found = {(i, j) for i, j, _m in results}
    hit = len(found & truth)
    considered = stats.pairs_scored + stats.pairs_ruled_out
    print(_row("pairs considered in the dedupe (each once)", size, f"{considered:,}"))
    print(
        _row(
            "… ruled out before the full score (cannot reach LIKELY whatever the names)",
            size,
            f"{stats.pairs_ruled_out:,} ({stats.pairs_ruled_out / max(1, considered):.1%})",
        )
    )
    print(_row("… scored in full", size, f"{stats.pairs_scored:,}"))
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
            "dedupe: planted duplicates found (≥ LIKELY); of them only through w: blocks",
            f"{len(truth):,} pairs",
            f"{hit / len(truth):.1%}; {sum(1 for i, j in found & truth if only_words(i, j)):,}",
        )
    )
    matches = sum(1 for _i, _j, m in results if m.score >= M.MATCH_THRESHOLD)
    words = sum(1 for i, j in found if only_words(i, j))
    print(
        _row(
            "dedupe: pairs reported (≥ LIKELY); ≥ MATCH; only through w: blocks",
            size,
            f"{len(found):,} ({len(found) - hit:,} not planted); {matches:,}; {words:,}",
        )
    )
    # The rule-out changes nothing found: one part of the index both ways.
    parts = M.DEDUPE_PARTS
    timings, sets = [], []
    for rule_out in (False, True):
        t0 = time.perf_counter()
        sets.append(
            {
                (i, j, m.score)
                for i, j, m in M.find_duplicates((), index=index, parts=parts, rule_out=rule_out)
            }
        )
        timings.append(time.perf_counter() - t0)
    print(
        _row(
            f"one part of {parts} (one process) scored without / with the rule-out",
            f"{len(sets[0]):,} pairs found",
            f"{timings[0]:.0f} s / {timings[1]:.0f} s; same pairs and scores: "
            f"{'yes' if sets[0] == sets[1] else 'NO'}",
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
