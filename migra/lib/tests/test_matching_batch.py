"""migra.lib.matching batch dedupe: the rule-out before the full score never drops a
pair that would have scored; the parts and the processes give what one pass gives."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migra.lib.matching as matching
from migra.lib.khmer.tests.test_normalize import PROPERTIES
from migra.lib.matching import (
    LIKELY_THRESHOLD,
    MATCH_THRESHOLD,
    DedupeStats,
    PersonFacts,
    build_index,
    find_duplicates,
    find_duplicates_in_processes,
)

# A small world, so that people meet often: a few names in both scripts, two communes.
FAMILY = ["សុខ", "Sok", "ចាន់", "Chan", "Chann", "ហេង", "Heng", "Keo"]
GIVEN = ["ចាន់ធា", "Chanta", "Chantha", "សុភា", "Sophea", "Sopheak", "ដារា", "Dara", "Vibol"]
VILLAGES = ["17010101", "17010102", "170101", "17020101", "01020101", "01", None]
PHONES = ["+85512555101", "+85512555102", "+85512555103"]
DOCUMENTS = [("passport", "N1234567"), ("passport", "N7654321"), ("kh_id", "010203040")]

names = st.lists(
    st.tuples(st.sampled_from(FAMILY), st.sampled_from(GIVEN), st.booleans()).map(
        lambda t: f"{t[1]} {t[0]}" if t[2] else f"{t[0]} {t[1]}"
    )
    | st.sampled_from(GIVEN + FAMILY),
    max_size=3,
)
people = st.builds(
    PersonFacts,
    names=names.map(tuple),
    birth_year=st.none() | st.integers(1950, 2015),
    birth_year_exact=st.booleans(),
    village_code=st.sampled_from(VILLAGES),
    phones=st.lists(st.sampled_from(PHONES), max_size=2).map(tuple),
    documents=st.lists(st.sampled_from(DOCUMENTS), max_size=2).map(tuple),
    sex=st.sampled_from(["f", "m", None]),
)


def _total(a: PersonFacts, b: PersonFacts) -> float:
    pa, pb = matching._profile(a), matching._profile(b)
    return matching.PRIOR + sum(w for _c, _d, w in matching._evidence(pa, pb))


@settings(PROPERTIES, max_examples=600)
@given(people, people)
def test_the_bound_is_never_below_the_score(a: PersonFacts, b: PersonFacts) -> None:
    pa, pb = matching._profile(a), matching._profile(b)
    assert matching._best_total(pa, pb) + 1e-9 >= _total(a, b)
    for threshold in (0.05, LIKELY_THRESHOLD, 0.7, MATCH_THRESHOLD):
        if matching._ruled_out(pa, pb, threshold):
            assert matching.score(a, b).score < threshold


def test_what_is_ruled_out() -> None:
    def ruled_out(a: PersonFacts, b: PersonFacts) -> bool:
        return matching._ruled_out(matching._profile(a), matching._profile(b), LIKELY_THRESHOLD)

    sok = PersonFacts(names=("Sok Chanta",), birth_year=2000, village_code="17010101", sex="f")
    assert ruled_out(sok, PersonFacts(names=("Sok Chanta",), birth_year=2000, sex="m"))
    assert ruled_out(sok, PersonFacts(names=("Sok Chanta",), birth_year=1975, sex="f"))
    assert ruled_out(sok, PersonFacts(names=("Sok Chanta",), birth_year=2004, village_code="01"))
    # another province alone does not rule out the same name and age
    assert not ruled_out(
        sok, PersonFacts(names=("Sok Chanta",), birth_year=2000, village_code="01")
    )
    # the same name could still make these likely: scored in full
    assert not ruled_out(sok, PersonFacts(names=("Sok Chanta",), birth_year=2001))
    assert not ruled_out(sok, PersonFacts(names=("x",), village_code="17010101", sex="f"))
    # a shared document outweighs a different sex (a typing error)
    with_id = PersonFacts(names=("Sok Chanta",), documents=(("kh_id", "1"),), sex="f")
    assert not ruled_out(with_id, PersonFacts(documents=(("kh_id", "1"),), sex="m"))


def _population(seed: int, size: int) -> list[PersonFacts]:
    rng = random.Random(seed)
    out = []
    for _ in range(size):
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        out.append(
            PersonFacts(
                names=(f"{family} {given}",) if rng.random() < 0.9 else (given,),
                birth_year=rng.randint(1960, 2010) if rng.random() < 0.9 else None,
                birth_year_exact=rng.random() < 0.5,
                village_code=rng.choice(VILLAGES),
                phones=(rng.choice(PHONES),) if rng.random() < 0.1 else (),
                documents=(rng.choice(DOCUMENTS),) if rng.random() < 0.05 else (),
                sex=rng.choice(["f", "m", None]),
            )
        )
    return out


@pytest.mark.parametrize("threshold", [0.05, LIKELY_THRESHOLD, MATCH_THRESHOLD])
def test_rule_out_finds_exactly_what_scoring_everything_finds(threshold: float) -> None:
    crowd = _population(11, 400)
    index = build_index(crowd)
    quick, slow = DedupeStats(), DedupeStats()
    with_rule = {
        (i, j, m.score) for i, j, m in find_duplicates((), threshold, index=index, stats=quick)
    }
    without = {
        (i, j, m.score)
        for i, j, m in find_duplicates((), threshold, index=index, stats=slow, rule_out=False)
    }
    assert with_rule == without
    assert with_rule  # the crowd does hold duplicates
    assert quick.pairs_ruled_out > 0
    assert quick.pairs_scored + quick.pairs_ruled_out == slow.pairs_scored
    assert slow.pairs_ruled_out == 0


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_processes_find_what_one_pass_finds(workers: int) -> None:
    crowd = _population(12, 300)
    index = build_index(crowd)
    expected = sorted((i, j, m.score) for i, j, m in find_duplicates((), index=index))
    seen: list[tuple[int, int]] = []
    stats = DedupeStats()
    found = find_duplicates_in_processes(
        index,
        workers=workers,
        stats=stats,
        progress=lambda s, done, parts: seen.append((done, parts)),
    )
    assert sorted((i, j, m.score) for i, j, m in found) == expected
    assert len({(i, j) for i, j, _m in found}) == len(found)
    parts = max(matching.DEDUPE_PARTS, 4 * workers)
    assert seen == [(k, parts) for k in range(1, parts + 1)]
    one = DedupeStats()
    list(find_duplicates((), index=index, stats=one))
    assert stats.pairs_scored == one.pairs_scored
    assert stats.pairs_ruled_out == one.pairs_ruled_out
    assert matching._SHARED is None  # nothing left behind


def test_reasons_come_back_from_the_workers() -> None:
    crowd = [
        PersonFacts(names=("សុខ ចាន់ធា",), birth_year=2001, village_code="17010101"),
        PersonFacts(names=("Sok Chanta",), birth_year=2002, village_code="17010101"),
    ]
    [(i, j, match)] = find_duplicates_in_processes(build_index(crowd), workers=2)
    assert (i, j) == (0, 1)
    assert {r.code for r in match.reasons} >= {"name_variants", "same_village"}


def test_oversized_blocks_are_skipped_and_counted() -> None:
    crowd = [PersonFacts(names=(f"Person {n}",), phones=("+85512555101",)) for n in range(7)]
    stats = DedupeStats()
    assert find_duplicates_in_processes(build_index(crowd), max_block=5, stats=stats) == []
    assert stats.skipped_blocks == 1
    assert stats.skipped_people == 7


@pytest.mark.parametrize("workers", [0, -1, 10**6])
def test_bad_worker_counts_are_refused(workers: int) -> None:
    with pytest.raises(ValueError, match="workers"):
        find_duplicates_in_processes(build_index([]), workers=workers)
