"""Khmer name romanisation and name keys: speed per name, and how well spellings meet.

Pure Python, no database (the harness runs it once per database all the same). Prints
one Markdown table with its own header (measurement | size | result):

- time of name_keys / romanize per name, cold (caches emptied before every call) and
  warm, median and p95, over every family and given name of the table and over
  two-word names built from them;
- round trip: the share of the table's listed Latin spellings whose keys meet the keys
  of their Khmer name (by construction of the table path this should be 100 %);
- held-out spellings: realistic spellings that are *not* in the table (typed the
  French way, the English way, with doubled letters …), share that meet their name;
- different names: the test set of different-name pairs, and every pair of table names
  whose spelling lists are disjoint; share that wrongly meet;
- the rule-based fallback alone (table bypassed) against the table.
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from migra.lib.khmer import romanize as R  # noqa: E402 - after sys.path
from migra.lib.khmer.names import name_entries, name_table  # noqa: E402
from migra.lib.khmer.tests.test_romanize import DIFFERENT  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_NAMES_ROUNDS", "20"))

# Realistic spellings of table names that the table does not list.
HELD_OUT = [
    ("សុភា", "Sopheah"),
    ("ចាន់ធា", "Chantea"),
    ("ចាន់ធា", "Chanthar"),
    ("ចាន់", "Chann"),
    ("សុខ", "Sukh"),
    ("ស្រីពៅ", "Sreipov"),
    ("ស្រីពៅ", "Sray Pov"),
    ("វណ្ណា", "Vannah"),
    ("វណ្ណា", "Wanna"),
    ("ដារ៉ា", "Darra"),
    ("សុផល", "Sophall"),
    ("វិចិត្រ", "Vichhet"),
    ("ពិសិដ្ឋ", "Pisetth"),
    ("សំណាង", "Somnang"),
    ("សំណាង", "Samnaang"),
    ("កែវ", "Keov"),
    ("កែវ", "Kaew"),
    ("ញឹម", "Nyem"),
    ("ញឹម", "Gnem"),
    ("ឈឹម", "Chim"),
    ("សុខា", "Sokhar"),
    ("រតនា", "Ratanna"),
    ("បុប្ផា", "Boupha"),
    ("ធារី", "Thearry"),
    ("ធារី", "Teary"),
    ("ចន្ធូ", "Chantou"),
    ("ស្រីល័ក្ខ", "Sreileak"),
    ("ស្រីនិច", "Sreinich"),
    ("គឹម", "Kym"),
    ("ខៀវ", "Khiew"),
    ("ហ៊ុន", "Houn"),
    ("មាស", "Meass"),
    ("មាស", "Mes"),
    ("នួន", "Nuorn"),
    ("ជា", "Chear"),
    ("សុភាព", "Sopheab"),
    ("ចិន្តា", "Chendar"),
    ("ពិសី", "Pisay"),
    ("ធីតា", "Thyda"),
    ("ម៉ាលី", "Malie"),
    ("រស្មី", "Reaksmei"),
    ("វាសនា", "Vesna"),
    ("សុជាតិ", "Socheath"),
    ("ចំរើន", "Chomroeun"),
    ("ឧត្តម", "Oudam"),
    ("សុវណ្ណ", "Sowann"),
    ("វុទ្ធី", "Vutthy"),
    ("វុទ្ធី", "Wuthy"),
    ("រិទ្ធី", "Rithey"),
    ("យឹម", "Yeum"),
    ("ទេព", "Tepp"),
    ("ប៊ុន", "Bunn"),
    ("ឈុន", "Chhoun"),
    ("ស៊ុន", "Soon"),
    ("ស្រេង", "Sreang"),
]


def _clear_caches() -> None:
    R._word_variants.cache_clear()  # noqa: SLF001 - measuring the cold path
    R.fold_latin.cache_clear()


def _time(function: Callable[[str], object], names: list[str], cold: bool) -> list[float]:
    for name in names:  # warm up imports and the table
        function(name)
    samples: list[float] = []
    for _ in range(ROUNDS):
        for name in names:
            if cold:
                _clear_caches()
            started = time.perf_counter()
            function(name)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _row(measurement: str, size: str, result: str) -> str:
    return f"| {measurement} | {size} | {result} |"


def _timing(samples: list[float]) -> str:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=100)[94]
    return f"median {median:.3f} ms, p95 {p95:.3f} ms"


def _share(hits: int, total: int) -> str:
    return f"{hits / total:.2%} ({hits:,} of {total:,})" if total else "n/a"


def _meet(a: str, b: str) -> bool:
    return bool(R.name_keys(a) & R.name_keys(b))


def _norm(spelling: str) -> str:
    return spelling.replace(" ", "").lower()


def main() -> None:
    entries = [e for e in name_entries() if e.kind in ("family", "given")]
    family = [e for e in entries if e.kind == "family"]
    given = [e for e in entries if e.kind == "given"]
    khmer = [e.khmer for e in entries]
    latin = [e.spellings[0] for e in entries]
    full = [f"{f.khmer} {g.khmer}" for f, g in zip(family, itertools.cycle(given), strict=False)]
    print("| measurement | size | result |")
    print("|---|---|---|")
    print(f"{len(entries)} names, {ROUNDS} rounds", file=sys.stderr)
    size = f"{len(khmer)} names × {ROUNDS}"
    print(_row("name_keys, Khmer name, cold", size, _timing(_time(R.name_keys, khmer, True))))
    print(_row("name_keys, Khmer name, warm", size, _timing(_time(R.name_keys, khmer, False))))
    print(_row("name_keys, Latin name, cold", size, _timing(_time(R.name_keys, latin, True))))
    print(_row("romanize, Khmer name, cold", size, _timing(_time(R.romanize, khmer, True))))
    print(
        _row(
            "name_keys, family + given name in Khmer, cold",
            f"{len(full)} names × {ROUNDS}",
            _timing(_time(R.name_keys, full, True)),
        )
    )
    print(
        _row(
            "name_keys, 1 MB paste, cold",
            f"1 × {ROUNDS}",
            _timing(_time(R.name_keys, ["ចាន់ធា " * 150_000], True)),
        )
    )

    # -- quality
    pairs = [(e.khmer, s) for e in entries for s in e.spellings]
    hits = sum(_meet(k, s) for k, s in pairs)
    print(
        _row(
            "round trip: listed spelling meets its Khmer name",
            f"{len(pairs)} spellings of {len(entries)} names",
            _share(hits, len(pairs)),
        )
    )
    table = name_table()
    held_out = [
        (k, s) for k, s in HELD_OUT if _norm(s) not in {_norm(x) for x in table[k].spellings}
    ]
    hits = sum(_meet(k, s) for k, s in held_out)
    missed = ", ".join(f"{s} ({table[k].spellings[0]})" for k, s in held_out if not _meet(k, s))
    print(
        _row(
            "held-out spelling (not in the table) meets its Khmer name",
            f"{len(held_out)} spellings",
            _share(hits, len(held_out)) + (f"; missed: {missed}" if missed else ""),
        )
    )
    wrong = sum(_meet(a, b) for a, b in DIFFERENT)
    print(
        _row(
            "different names wrongly meet (test set)",
            f"{len(DIFFERENT)} pairs",
            _share(wrong, len(DIFFERENT)),
        )
    )
    keys = {e.khmer: R.name_keys(e.khmer) for e in entries}
    spellings = {e.khmer: {_norm(s) for s in e.spellings} for e in entries}
    total = wrong = 0
    for a, b in itertools.combinations(entries, 2):
        if spellings[a.khmer] & spellings[b.khmer]:
            continue  # two Khmer spellings of one name (ដារ៉ា / ដារា Dara)
        total += 1
        wrong += bool(keys[a.khmer] & keys[b.khmer])
    print(
        _row(
            "different table names wrongly meet (all pairs, disjoint spellings)",
            f"{total:,} pairs",
            _share(wrong, total),
        )
    )
    agree = exact = 0
    everything = name_entries()
    for entry in everything:
        rules = [R._capitalise(t) for _, t in R._fallback(entry.khmer, True, True)]  # noqa: SLF001
        rule_keys = set().union(*(R._spelling_keys(s) for s in rules))  # noqa: SLF001
        table_keys = set().union(*(R._spelling_keys(s) for s in entry.spellings))  # noqa: SLF001
        agree += bool(rule_keys & table_keys)
        exact += bool(rules) and rules[0] == entry.spellings[0]
    size = f"{len(everything)} table entries"
    print(
        _row(
            "rules alone (table bypassed): keys meet the table's",
            size,
            _share(agree, len(everything)),
        )
    )
    print(_row("rules alone: first spelling = table's first", size, _share(exact, len(everything))))


if __name__ == "__main__":
    main()
