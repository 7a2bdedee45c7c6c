"""The rules engine on its own (pure Python): each rule's boundary.

Rows here are made up (one small list per case) so that each test shows exactly which
counts it sets; the shipped catalogue is tested in test_golden.py.
"""

from __future__ import annotations

import copy
import itertools
import subprocess
import sys
from typing import Any

import pytest

from migra.screening import rules
from migra.screening.loader import read_catalogue_file, shipped_files
from migra.screening.rules import ADULT, CHILD, DIMENSIONS, Row

SHIPPED = next(iter(shipped_files()))
RULES_DATA: dict[str, Any] = SHIPPED.rules
RULES = rules.rules_from_data(RULES_DATA)

D1, D2, D3, D4, D5, D6 = DIMENSIONS


def _formula(s: int, m: int, w: int) -> bool:
    """Rule 1 as written in the reference: S>=2 or (S>=1 and M+W>=1) or M>=3 or (M>=2 and W>=1)."""
    return s >= 2 or (s >= 1 and m + w >= 1) or m >= 3 or (m >= 2 and w >= 1)


# --------------------------------------------------------------------------- rule 1


def test_the_patterns_are_exactly_the_formula() -> None:
    for s, m, w in itertools.product(range(5), repeat=3):
        positive, _pattern = rules.dimension_status(s, m, w, RULES.patterns)
        assert positive == _formula(s, m, w), (s, m, w)


@pytest.mark.parametrize(
    ("counts", "positive", "pattern"),
    [
        # (a) two strong: just met / just not met
        ((2, 0, 0), True, "a"),
        ((1, 0, 0), False, None),  # a single strong alone does not count
        # (b) one strong + one medium or weak
        ((1, 1, 0), True, "b"),
        ((1, 0, 1), True, "b"),
        ((0, 1, 0), False, None),
        # (c) three medium
        ((0, 3, 0), True, "c"),
        ((0, 2, 0), False, None),
        # (d) two medium + one weak
        ((0, 2, 1), True, "d"),
        ((0, 2, 0), False, None),
        # one medium and any number of weak never counts
        ((0, 1, 1), False, None),
        ((0, 1, 9), False, None),
        # weak alone never counts
        ((0, 0, 1), False, None),
        ((0, 0, 9), False, None),
        ((0, 0, 0), False, None),
    ],
)
def test_dimension_boundaries(counts: tuple[int, int, int], positive: bool, pattern: str) -> None:
    assert rules.dimension_status(*counts, RULES.patterns) == (positive, pattern)


# --------------------------------------------------------------------------- helpers


def _rows(list_code: str, spec: dict[str, list[str]]) -> list[Row]:
    """Rows named <dimension number>.<strength letter><n>, e.g. 4.s1, 4.m2."""
    out = []
    for dim, strengths in spec.items():
        for n, strength in enumerate(strengths, start=1):
            number = DIMENSIONS.index(dim) + 1
            key = f"{list_code}-{number}.{n:02d}"
            out.append(Row(key, list_code, f"t{number}_{n}", dim, strength))
    return out


FL_ROWS = [
    Row(f"FL-{n:02d}", "FL", f"fl_{n}", also_from=(("t5_1",) if n == 7 else ()))
    for n in range(1, 12)
]
SIX = {d: ["strong", "strong", "medium", "medium", "medium", "weak"] for d in DIMENSIONS}
ADULT_ROWS = _rows("AL", SIX)
CHILD_ROWS = _rows("CL", SIX)
ROWS = ADULT_ROWS + CHILD_ROWS + FL_ROWS


def _yes(list_code: str, *names: str) -> dict[str, str]:
    """'4.s1' -> the first strong row of dimension 4 (s1, s2 strong; m1-m3; w1)."""
    index = {"s1": 1, "s2": 2, "m1": 3, "m2": 4, "m3": 5, "w1": 6}
    out = {}
    for name in names:
        dim, which = name.split(".")
        out[f"{list_code}-{dim}.{index[which]:02d}"] = "yes"
    return out


def _assess(answers: dict[str, str], group: str = ADULT, rows: list[Row] = ROWS) -> dict[str, Any]:
    return rules.assess(rows=rows, answers=answers, group=group, rules=RULES)


def _labour(result: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in result["trafficking"] if t["exploitation"] == "labour")


def _positive(result: dict[str, Any]) -> set[str]:
    return {d["code"] for d in _labour(result)["dimensions"] if d["positive"]}


# --------------------------------------------------------------------------- rule 1 in assess


@pytest.mark.parametrize(
    ("names", "met"),
    [
        (("4.s1", "4.s2"), True),
        (("4.s1",), False),
        (("4.s1", "4.w1"), True),
        (("4.m1", "4.m2", "4.m3"), True),
        (("4.m1", "4.m2"), False),
        (("4.m1", "4.m2", "4.w1"), True),
        (("4.m1", "4.w1"), False),
        (("4.w1",), False),
    ],
)
def test_a_dimension_in_an_assessment(names: tuple[str, ...], met: bool) -> None:
    result = _assess(_yes("AL", *names))
    assert (D4 in _positive(result)) is met
    dimension = next(d for d in _labour(result)["dimensions"] if d["code"] == D4)
    assert sorted(dimension["yes"]) == sorted(_yes("AL", *names))


# --------------------------------------------------------------------------- rule 2


ADULT_TRAFFICKING = ("1.s1", "1.m1", "4.s1", "4.m1", "5.s1", "5.s2")


def test_adults_need_recruitment_exploitation_and_coercion() -> None:
    result = _assess(_yes("AL", *ADULT_TRAFFICKING))
    assert result["result"] == "trafficking_labour"
    assert _labour(result)["met"] == [[D1], [D4], [D5]]
    assert result["unverified"] == ["dimension_rule", "trafficking_rule"]


@pytest.mark.parametrize(
    "missing",
    [("1.s1", "1.m1"), ("4.s1", "4.m1"), ("5.s1", "5.s2")],
    ids=["no recruitment", "no exploitation", "no coercion"],
)
def test_adults_missing_one_element_get_no_trafficking(missing: tuple[str, ...]) -> None:
    names = [n for n in ADULT_TRAFFICKING if n not in missing]
    assert _assess(_yes("AL", *names))["result"] != "trafficking_labour"


def test_any_recruitment_dimension_and_either_destination_dimension_count() -> None:
    names = ("3.m1", "3.m2", "3.m3", "4.s1", "4.m1", "6.m1", "6.m2", "6.w1")
    result = _assess(_yes("AL", *names))
    assert result["result"] == "trafficking_labour"
    assert _labour(result)["met"] == [[D3], [D4], [D6]]


def test_children_need_no_means_at_destination() -> None:
    names = ("1.s1", "1.m1", "4.s1", "4.m1")
    assert _assess(_yes("CL", *names), CHILD)["result"] == "trafficking_labour"
    # The same facts for an adult: no coercion at destination, no trafficking.
    assert _assess(_yes("AL", *names), ADULT)["result"] != "trafficking_labour"


def test_children_still_need_recruitment_and_exploitation() -> None:
    assert _assess(_yes("CL", "4.s1", "4.m1"), CHILD)["result"] != "trafficking_labour"
    assert _assess(_yes("CL", "1.s1", "1.m1"), CHILD)["result"] != "trafficking_labour"


def test_each_group_reads_its_own_list() -> None:
    # Answers on the adult list do not count for a child, and the other way round.
    assert _assess(_yes("AL", *ADULT_TRAFFICKING), CHILD)["result"] == "none"
    assert _assess(_yes("CL", *ADULT_TRAFFICKING), ADULT)["result"] == "none"


def test_a_list_without_rows_is_not_available_never_guessed() -> None:
    result = _assess(_yes("AL", *ADULT_TRAFFICKING))
    sexual = next(t for t in result["trafficking"] if t["exploitation"] == "sexual")
    assert sexual == {
        "exploitation": "sexual",
        "list": "AS",
        "available": False,
        "indicated": False,
        "requirement": sexual["requirement"],
        "verified": False,
    }
    assert "trafficking_sexual" not in result["findings"]


def test_a_sexual_list_added_as_data_is_assessed_without_code() -> None:
    rows = ROWS + _rows("AS", SIX)
    result = _assess(_yes("AS", *ADULT_TRAFFICKING), rows=rows)
    assert result["result"] == "trafficking_sexual"
    both = _assess({**_yes("AS", *ADULT_TRAFFICKING), **_yes("AL", *ADULT_TRAFFICKING)}, rows=rows)
    assert both["result"] == "trafficking_labour"
    assert both["findings"][:2] == ["trafficking_labour", "trafficking_sexual"]


# --------------------------------------------------------------------------- rule 3


def _fl(*numbers: int) -> dict[str, str]:
    return {f"FL-{n:02d}": "yes" for n in numbers}


@pytest.mark.parametrize("alone", [3, 5, 9])
def test_forced_labour_one_indicator_alone(alone: int) -> None:
    result = _assess(_fl(alone))
    assert result["result"] == "forced_labour"
    assert result["forced_labour"]["clause"] == "alone"


@pytest.mark.parametrize("menace", [4, 6, 7, 8])
def test_forced_labour_one_menace_alone_is_not_enough(menace: int) -> None:
    result = _assess(_fl(menace))
    assert result["forced_labour"]["indicated"] is False
    assert result["result"] == "labour_rights"


def test_forced_labour_two_with_one_menace() -> None:
    result = _assess(_fl(7, 11))
    assert result["result"] == "forced_labour"
    assert result["forced_labour"]["clause"] == "menace_plus"


def test_forced_labour_two_without_menace_is_not_enough() -> None:
    result = _assess(_fl(1, 2, 10, 11))
    assert result["forced_labour"]["indicated"] is False


def test_a_trafficking_answer_counts_for_the_linked_forced_labour_indicator() -> None:
    # FL-07 counts from topic t5_1 (the first strong row of dimension 5).
    result = _assess({**_yes("AL", "5.s1"), **_fl(11)})
    assert result["forced_labour"]["present"] == [
        {"key": "FL-07", "via": ["AL-5.01"]},
        {"key": "FL-11", "via": []},
    ]
    assert result["result"] == "forced_labour"


# --------------------------------------------------------------------------- rules 4 and 5


@pytest.mark.parametrize("names", [("1.m1",), ("2.m1",), ("4.w1",), ("5.m1",)])
def test_labour_rights_from_recruitment_work_or_coercion(names: tuple[str, ...]) -> None:
    result = _assess(_yes("AL", *names))
    assert result["result"] == "labour_rights"
    assert result["labour_rights"]["yes"] == list(_yes("AL", *names))


@pytest.mark.parametrize("names", [("3.m1",), ("6.m1", "6.m2")])
def test_vulnerability_alone_is_no_violation(names: tuple[str, ...]) -> None:
    assert _assess(_yes("AL", *names))["result"] == "none"


def test_no_answers_and_all_no_give_no_indication() -> None:
    assert _assess({})["result"] == "none"
    everything_no = {r.key: "no" for r in ROWS}
    result = _assess(everything_no)
    assert result["result"] == "none"
    assert result["findings"] == []


# --------------------------------------------------------------------------- unknown answers


def test_dont_know_counts_as_not_present() -> None:
    answers = {**_yes("AL", "4.s1"), "AL-4.03": "unknown"}
    result = _assess(answers)
    assert D4 not in _positive(result)
    assert result["unknown"] == ["AL-4.03"]


def test_dont_know_says_what_the_result_could_become() -> None:
    answers = {**_yes("AL", "1.s1", "1.m1", "4.s1", "4.m1", "5.s1"), "AL-5.02": "unknown"}
    result = _assess(answers)
    assert result["result"] == "labour_rights"
    assert result["could_become"] == "trafficking_labour"


def test_dont_know_that_changes_nothing_is_not_flagged() -> None:
    answers = {**_yes("AL", *ADULT_TRAFFICKING), "AL-6.01": "unknown"}
    result = _assess(answers)
    assert result["result"] == "trafficking_labour"
    assert result["could_become"] is None


def test_only_yes_no_unknown_are_answers() -> None:
    with pytest.raises(rules.RulesError):
        _assess({"AL-1.01": "maybe"})
    with pytest.raises(rules.RulesError):
        _assess({}, group="elder")


def test_keys_outside_the_rows_are_ignored() -> None:
    assert _assess({"XX-9.99": "yes", "AL-9.01": "yes"})["result"] == "none"


# --------------------------------------------------------------------------- the parameters


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("dimension", "patterns"), []),
        (("dimension", "patterns"), [{"code": "x"}]),
        (("dimension", "patterns"), [{"code": "x", "strong": -1}]),
        (("dimension", "patterns"), [{"code": "x", "strong": True}]),
        (("dimension", "patterns"), [{"code": "x", "huge": 1}]),
        (("trafficking", "adult", "all_of"), []),
        (("trafficking", "child", "all_of"), [["nowhere"]]),
        (("labour_rights", "dimensions"), ["nowhere"]),
        (("lists",), {"AL": {"group": "adult", "exploitation": "labour"}}),
        (("lists", "AL"), {"group": "elder", "exploitation": "labour"}),
        (("id",), ""),
        (("dimension",), ["not", "an", "object"]),
        (("trafficking", "adult"), 7),
        (("lists", "AL"), None),
    ],
)
def test_broken_rule_parameters_are_refused(path: tuple[str, ...], value: Any) -> None:
    data = copy.deepcopy(RULES_DATA)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(rules.RulesError):
        rules.rules_from_data(data)


def test_rows_the_rules_cannot_use_are_refused() -> None:
    with pytest.raises(rules.RulesError, match="dimension"):
        rules.check_rows([Row("AL-1.01", "AL", "t", "nowhere", "strong"), *FL_ROWS], RULES)
    with pytest.raises(rules.RulesError, match="strength"):
        rules.check_rows([Row("AL-1.01", "AL", "t", D1, "huge"), *FL_ROWS], RULES)
    with pytest.raises(rules.RulesError, match="twice"):
        rules.check_rows([*FL_ROWS, FL_ROWS[0]], RULES)
    with pytest.raises(rules.RulesError, match="missing rows"):
        rules.check_rows(FL_ROWS[:3], RULES)
    with pytest.raises(rules.RulesError, match="no dimension or strength"):
        rules.check_rows([*FL_ROWS[:-1], Row("FL-11", "FL", "x", strength="strong")], RULES)
    with pytest.raises(rules.RulesError, match="also_from"):
        rules.check_rows([*FL_ROWS[:-1], Row("FL-11", "FL", "x", also_from=("nowhere",))], RULES)


def test_the_rules_module_imports_no_django() -> None:
    code = (
        "import sys; import migra.screening.rules; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    # A fixed command: this Python running the fixed line above.
    run = subprocess.run([sys.executable, "-c", code], check=False)  # noqa: S603
    assert run.returncode == 0


def test_the_shipped_file_reads_back() -> None:
    assert SHIPPED.path is not None
    assert read_catalogue_file(SHIPPED.path).content_hash == SHIPPED.content_hash
