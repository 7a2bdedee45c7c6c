"""Write bench/people_quality/pairs.tsv: the labelled set for migra.lib.matching.

    .venv/bin/python bench/people_quality/make_pairs.py

Deterministic (seed 20260401): running it again gives the same file. Each row is a pair
of person records with a label (`same` / `different`) and the kind of pair; columns
a_* and b_* are the two records (see synth.COLUMNS). Synthetic — see docs/matching.md.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_names import HELD_OUT  # noqa: E402 - spellings the name table does not list
from synth import COLUMNS, Person, Sampler, facts, to_columns, written  # noqa: E402

from migra.lib.matching import PersonFacts  # noqa: E402

SEED = 20260401
TRUE_PAIRS = 700
OUT = HERE / "pairs.tsv"
Pair = tuple[str, str, str, PersonFacts, PersonFacts]  # label, kind, note, a, b


def _coarse(rng: random.Random, village: str) -> str | None:
    """The place a second worker records: mostly the village, sometimes less."""
    r = rng.random()
    if r < 0.25:
        return village[:6]  # only the commune known
    if r < 0.30:
        return None  # no place recorded
    return village


def same_person(s: Sampler, n: int) -> list[Pair]:
    rng = s.rng
    pairs: list[Pair] = []
    for _ in range(n):
        p = s.person()
        notes: list[str] = []
        # scripts: one in Khmer, the other in Latin letters (or both in Latin, or both)
        scripts = rng.choice(
            [("khmer", "latin")] * 5
            + [("latin", "latin")] * 2
            + [("both", "latin")]
            + [("khmer", "both")]
        )
        notes.append("+".join(scripts))
        swap = rng.random() < 0.15
        if swap:
            notes.append("swapped")
        typo_in = None
        if rng.random() < 0.3 and "latin" in scripts[1] + scripts[0]:
            typo_in = rng.choice(("family", "given", "given"))
            notes.append("typo_" + typo_in)
        # ages: one exact date of birth, the other an approximate age (±2 years)
        r = rng.random()
        if r < 0.55:
            ya, ea = p.birth_year, True
            yb, eb = p.birth_year + rng.randint(-2, 2), False
            notes.append(f"age_drift_{yb - ya:+d}")
        elif r < 0.75:
            ya, ea = p.birth_year + rng.randint(-1, 1), False
            yb, eb = p.birth_year + rng.randint(-1, 1), False
            notes.append("both_approximate")
        elif r < 0.9:
            ya, ea, yb, eb = p.birth_year, True, p.birth_year, True
        else:
            ya, ea, yb, eb = p.birth_year, True, None, False
            notes.append("one_without_age")
        village_b = _coarse(rng, p.village)
        if village_b != p.village:
            notes.append("commune_only" if village_b else "no_place")
        r = rng.random()
        phones_a: tuple[str, ...] = ()
        phones_b: tuple[str, ...] = ()
        if r < 0.3:
            phones_a = (p.phone,)
            notes.append("phone_one_side")
        elif r < 0.5:
            phones_a = phones_b = (p.phone,)
            notes.append("same_phone")
        elif r < 0.6:
            phones_a, phones_b = (p.phone,), (s.phone(),)
            notes.append("other_phone")
        docs_a: tuple[tuple[str, str], ...] = ()
        docs_b: tuple[tuple[str, str], ...] = ()
        if p.document and rng.random() < 0.15:
            docs_a = docs_b = (p.document,)
            notes.append("same_document")
        elif p.document and rng.random() < 0.15:
            docs_a = (p.document,)
        sex_b = p.sex if rng.random() > 0.1 else None
        a = facts(written(rng, p, script=scripts[0]), ya, ea, p.village, phones_a, docs_a, p.sex)
        # the typo and the swap are in the second worker's record
        b = facts(
            written(rng, p, script=scripts[1], swap=swap, typo_in=typo_in),
            yb,
            eb,
            village_b,
            phones_b,
            docs_b,
            sex_b,
        )
        pairs.append(("same", "same_person", ",".join(notes), a, b))
    return pairs


def held_out_spellings(s: Sampler) -> list[Pair]:
    """Same person, the Latin record spelled in a way the name table does not list."""
    rng = s.rng
    pairs: list[Pair] = []
    for khmer, latin in HELD_OUT:
        p = s.person()
        given_km, given_lat = khmer, latin
        year = p.birth_year
        a = facts((f"{p.family.khmer} {given_km}",), year, True, p.village, (), (), None)
        b = facts(
            (f"{p.family.spellings[0]} {given_lat}",),
            year + rng.randint(-2, 2),
            False,
            p.village if rng.random() < 0.7 else p.village[:6],
            (),
            (),
            None,
        )
        pairs.append(("same", "held_out_spelling", f"{khmer}={latin}", a, b))
    return pairs


def _script(rng: random.Random) -> str:
    return rng.choice(("khmer", "latin", "latin", "both"))


def _record(
    rng: random.Random, p: Person, *, phone: bool = False, exact: bool | None = None
) -> PersonFacts:
    exact = rng.random() < 0.5 if exact is None else exact
    year = p.birth_year if exact else p.birth_year + rng.randint(-2, 2)
    return facts(
        written(rng, p, script=_script(rng)),
        year,
        exact,
        p.village,
        (p.phone,) if phone else (),
        (),
        p.sex,
    )


def different_people(s: Sampler) -> list[Pair]:
    rng = s.rng
    pairs: list[Pair] = []
    # siblings: same family name and village, different given name and age
    for _ in range(220):
        a = s.person(year_range=(1975, 2010))
        given = s.given()
        while given.khmer == a.given.khmer:
            given = s.given()
        gap = rng.choice((1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12))
        b = Person(
            a.family,
            given,
            "f" if given.khmer.startswith("ស្រី") else rng.choice("fm"),
            a.birth_year + gap * rng.choice((-1, 1)),
            a.village,
            a.phone,
            s.document(),
        )
        shared_phone = rng.random() < 0.3  # a household phone
        note = f"gap_{gap}" + (",household_phone" if shared_phone else "")
        pairs.append(
            (
                "different",
                "siblings",
                note,
                _record(rng, a, phone=shared_phone),
                _record(rng, b, phone=shared_phone),
            )
        )
    # common names: two different people with the same very common name
    common_f = s.families[:5]
    common_g = s.givens[:12]
    for _ in range(180):
        fam, giv = rng.choice(common_f), rng.choice(common_g)
        a = s.person()
        b = s.person()
        a = Person(fam, giv, a.sex, a.birth_year, a.village, a.phone, a.document)
        r = rng.random()
        village = b.village
        note = "other_province"
        if r < 0.25:  # same commune, other village
            village = rng.choice(s.by_commune[a.village[:6]])
            note = "same_commune"
        elif r < 0.5:
            same_province = [v for v in s.by_commune if v[:2] == a.village[:2]]
            village = rng.choice(s.by_commune[rng.choice(same_province)])
            note = "same_province"
        b = Person(fam, giv, a.sex, b.birth_year, village, b.phone, b.document)
        note += f",gap_{abs(a.birth_year - b.birth_year)}"
        pairs.append(("different", "common_name", note, _record(rng, a), _record(rng, b)))
    # parent and child with the same names, about 25 years apart, same village
    for _ in range(100):
        child = s.person(year_range=(1985, 2010))
        gap = rng.randint(20, 35)
        parent = Person(
            child.family,
            child.given,
            child.sex,
            child.birth_year - gap,
            child.village,
            child.phone,
            s.document(),
        )
        shared_phone = rng.random() < 0.4
        pairs.append(
            (
                "different",
                "parent_child",
                f"gap_{gap}" + (",household_phone" if shared_phone else ""),
                _record(rng, parent, phone=shared_phone),
                _record(rng, child, phone=shared_phone),
            )
        )
    # different sex, same names, similar age, same province
    for _ in range(100):
        a = s.person()
        same_village = rng.random() < 0.3
        village = (
            a.village
            if same_village
            else rng.choice(
                s.by_commune[rng.choice([c for c in s.by_commune if c[:2] == a.village[:2]])]
            )
        )
        b = Person(
            a.family,
            a.given,
            "m" if a.sex == "f" else "f",
            a.birth_year + rng.randint(-3, 3),
            village,
            s.phone(),
            s.document(),
        )
        note = "same_village" if same_village else "same_province"
        pairs.append(("different", "different_sex", note, _record(rng, a), _record(rng, b)))
    # same given name, different family name, same village, similar age
    for _ in range(60):
        a = s.person()
        fam = s.family()
        while fam.khmer == a.family.khmer:
            fam = s.family()
        b = Person(
            fam, a.given, a.sex, a.birth_year + rng.randint(-2, 2), a.village, s.phone(), None
        )
        pairs.append(
            ("different", "same_given_name", "same_village", _record(rng, a), _record(rng, b))
        )
    return pairs


def main() -> None:
    s = Sampler(SEED)
    pairs = same_person(s, TRUE_PAIRS) + held_out_spellings(s) + different_people(s)
    header = ["id", "label", "kind", "note"]
    header += [f"a_{c}" for c in COLUMNS] + [f"b_{c}" for c in COLUMNS]
    lines = [
        "# Synthetic labelled pairs for migra.lib.matching (bench/people_quality/make_pairs.py,"
        f" seed {SEED}). Not real people. See docs/matching.md.",
        "\t".join(header),
    ]
    for number, (label, kind, note, a, b) in enumerate(pairs, start=1):
        lines.append("\t".join([str(number), label, kind, note, *to_columns(a), *to_columns(b)]))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    same = sum(1 for p in pairs if p[0] == "same")
    print(f"{OUT}: {same} same-person pairs, {len(pairs) - same} different", file=sys.stderr)


if __name__ == "__main__":
    main()
