"""The reviewed table of Khmer personal names and name syllables.

The table lives in ``data/names.tsv`` (one row per Khmer spelling: the popular Latin
spellings, most common first; the kind of entry; where it was checked). It is read once
per process. See docs/khmer-names.md for the sources and how the table was reviewed.

Pure Python: imports nothing from Django.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from migra.lib.khmer.normalize import normalize

KINDS = ("family", "given", "syllable")
TABLE_RESOURCE = "data/names.tsv"


def clean_name_text(text: str) -> str:
    """Khmer normal form (migra.lib.khmer.normalize): NFC, no zero-width characters,
    clusters in canonical order, lone surrogates replaced. Table keys go through it too."""
    return normalize(text)


@dataclass(frozen=True, slots=True)
class NameEntry:
    khmer: str
    spellings: tuple[str, ...]  # most common first
    kind: str  # family | given | syllable
    sources: tuple[str, ...]


@functools.cache
def name_entries() -> tuple[NameEntry, ...]:
    """Every row of the table, in file order. Raises ValueError on a malformed row."""
    text = resources.files("migra.lib.khmer").joinpath(TABLE_RESOURCE).read_text(encoding="utf-8")
    entries: list[NameEntry] = []
    header_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        if not header_seen:
            header_seen = True
            if columns[0] == "khmer":
                continue
        if len(columns) != 4:
            raise ValueError(f"{TABLE_RESOURCE}:{number}: expected 4 tab-separated columns")
        khmer, spellings, kind, sources = columns
        names = tuple(s.strip() for s in spellings.split(",") if s.strip())
        if not khmer.strip() or not names or kind not in KINDS:
            raise ValueError(f"{TABLE_RESOURCE}:{number}: bad row {line!r}")
        entries.append(
            NameEntry(
                khmer=clean_name_text(khmer.strip()),
                spellings=names,
                kind=kind,
                sources=tuple(s for s in sources.split(";") if s),
            )
        )
    return tuple(entries)


@functools.cache
def name_table() -> dict[str, NameEntry]:
    """Khmer spelling → entry. A spelling listed twice keeps its first row."""
    table: dict[str, NameEntry] = {}
    for entry in name_entries():
        table.setdefault(entry.khmer, entry)
    return table


@functools.cache
def longest_khmer_key() -> int:
    return max((len(k) for k in name_table()), default=0)
