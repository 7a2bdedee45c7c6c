"""Golden tests: the shipped catalogue and rules, frozen.

If a strength, a row, a rule parameter or the engine changes, one of these fails. That
is the point: a change to the rules must be deliberate — ship it as a new catalogue
version and update these tables in the same review, saying why (see docs/screening.md).
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from migra.screening import rules
from migra.screening.loader import shipped_files

SHIPPED = next(iter(shipped_files()))
RULES = rules.rules_from_data(SHIPPED.rules)
ROWS = [
    rules.Row(
        key=r["key"],
        list_code=r["list_code"],
        topic=r["topic"],
        dimension=r["dimension"],
        strength=r["strength"],
        also_from=tuple(r["also_from"]),
    )
    for r in SHIPPED.rows
]

# Strengths per list and dimension, row by row (S strong, M medium, W weak): the [S2]
# values of the reference data. AL-3.13 and AL-3.14 are the disputed "?" rows.
STRENGTHS = """
AL-1 SMMMMMMMMW
AL-2 SMMMMMMMMM
AL-3 MMMMMMMMMMMMMMWW
AL-4 SMMMMMMMW
AL-5 SSSSMMMMMMMMMMW
AL-6 MMMMMWW
CL-1 SSMMMMMMMM
CL-2 SSSSMMMMMM
CL-3 MMMMMMMMMMMMMMM
CL-4 SMMMMMMM
CL-5 SSSSSSSSMMMMMMM
CL-6 MMMMMMM
"""


def test_every_strength_is_as_shipped() -> None:
    found: dict[str, str] = {}
    for row in ROWS:
        if row.list_code == "FL":
            continue
        group = row.key.split(".")[0]
        found[group] = found.get(group, "") + row.strength[0].upper()
    expected = dict(line.split() for line in STRENGTHS.strip().splitlines())
    assert found == expected


def test_sources_and_disputed_rows_are_as_shipped() -> None:
    sources = {(r["list_code"], r["source"]) for r in SHIPPED.rows}
    assert sources == {("AL", "S2"), ("CL", "S2"), ("FL", "P")}
    assert {r["key"] for r in SHIPPED.rows if r["disputed"]} == {"AL-3.13", "AL-3.14"}
    assert all(r["confidence"] for r in SHIPPED.rows)


def test_the_rule_parameters_are_as_shipped() -> None:
    assert RULES.rules_id == "migra-screening-rules-1"
    assert [(p.code, p.strong, p.medium, p.weak, p.medium_or_weak) for p in RULES.patterns] == [
        ("a", 2, 0, 0, 0),
        ("b", 1, 0, 0, 1),
        ("c", 0, 3, 0, 0),
        ("d", 0, 2, 1, 0),
    ]
    recruitment = (
        "deceptive_recruitment",
        "coercive_recruitment",
        "recruitment_abuse_of_vulnerability",
    )
    assert RULES.combinations == {
        "adult": (
            recruitment,
            ("exploitative_conditions",),
            ("coercion_at_destination", "abuse_of_vulnerability_at_destination"),
        ),
        "child": (recruitment, ("exploitative_conditions",)),
    }
    assert RULES.dimension_verified is False
    assert RULES.combination_verified is False
    assert RULES.fl_alone == {"FL-03", "FL-05", "FL-09"}
    assert RULES.fl_menace == {f"FL-0{n}" for n in range(3, 10)}
    assert (RULES.fl_min_total, RULES.fl_min_menace) == (2, 1)
    assert RULES.rights_dimensions == {
        "deceptive_recruitment",
        "coercive_recruitment",
        "exploitative_conditions",
        "coercion_at_destination",
    }
    assert RULES.child_under == 18
    assert {code: (s.group, s.exploitation) for code, s in RULES.lists.items()} == {
        "AL": ("adult", "labour"),
        "AS": ("adult", "sexual"),
        "CL": ("child", "labour"),
        "CS": ("child", "sexual"),
        "FL": ("any", "forced_labour"),
    }


class Golden(NamedTuple):
    case: str
    group: str
    answers: str  # topics answered yes; "?topic": don't know
    result: str
    dimensions_met: str
    forced_labour: str  # the clause of the forced-labour rule, or "-"
    could_become: str


# Answer sets (topics answered yes, "?" for don't know) and what they must give.
# Dimensions: 1 deceptive recruitment, 2 coercive recruitment, 3 recruitment by abuse of
# vulnerability, 4 exploitative conditions, 5 coercion at destination, 6 abuse of
# vulnerability at destination.
GOLDEN = [
    Golden(
        "returned worker (done-when)",
        "adult",
        (
            "recruit_misled_work recruit_misled_pay work_excessive_hours "
            "work_low_no_pay dest_documents dest_confined"
        ),
        "trafficking_labour",
        "1 4 5",
        "alone",
        "-",
    ),
    Golden(
        "same, a child",
        "child",
        (
            "recruit_misled_work recruit_misled_pay work_excessive_hours "
            "work_low_no_pay dest_documents dest_confined"
        ),
        "trafficking_labour",
        "1 4 5",
        "alone",
        "-",
    ),
    Golden(
        "child, no coercion at destination",
        "child",
        ("recruit_misled_education recruit_misled_pay work_excessive_hours work_no_education"),
        "trafficking_labour",
        "1 4",
        "-",
        "-",
    ),
    Golden(
        "same answers, an adult",
        "adult",
        ("recruit_misled_education recruit_misled_pay work_excessive_hours work_no_education"),
        "labour_rights",
        "4",
        "-",
        "-",
    ),
    Golden(
        "adult, education promise is weak",
        "adult",
        (
            "recruit_misled_education recruit_misled_pay "
            "recruit_misled_conditions work_excessive_hours work_pay_cut "
            "dest_dependent dest_unfamiliar_place dest_economic_hardship"
        ),
        "trafficking_labour",
        "1 4 6",
        "-",
        "-",
    ),
    Golden(
        "deceived and exploited, not coerced",
        "adult",
        ("recruit_misled_work recruit_misled_pay work_excessive_hours work_low_no_pay"),
        "labour_rights",
        "1 4",
        "-",
        "-",
    ),
    Golden(
        "coerced at destination only",
        "adult",
        ("dest_documents dest_debt_bondage"),
        "forced_labour",
        "5",
        "alone",
        "-",
    ),
    Golden(
        "documents kept and overtime",
        "adult",
        ("dest_documents work_excessive_hours"),
        "forced_labour",
        "-",
        "menace_plus",
        "-",
    ),
    Golden(
        "documents kept alone",
        "adult",
        ("dest_documents"),
        "labour_rights",
        "-",
        "-",
        "-",
    ),
    Golden(
        "three medium in recruitment",
        "adult",
        ("recruit_misled_pay recruit_misled_conditions recruit_misled_papers"),
        "labour_rights",
        "1",
        "-",
        "-",
    ),
    Golden(
        "vulnerability only",
        "adult",
        (
            "recruit_economic_hardship recruit_family_situation "
            "recruit_personal_situation dest_unfamiliar_place"
        ),
        "none",
        "3",
        "-",
        "-",
    ),
    Golden(
        "one threat alone",
        "adult",
        ("dest_threat_exposure"),
        "labour_rights",
        "-",
        "-",
        "-",
    ),
    Golden(
        "nothing",
        "adult",
        ("-"),
        "none",
        "-",
        "-",
        "-",
    ),
    Golden(
        "one unknown away from trafficking",
        "adult",
        (
            "recruit_misled_work recruit_misled_pay work_excessive_hours "
            "work_low_no_pay dest_documents ?dest_debt_bondage"
        ),
        "forced_labour",
        "1 4",
        "menace_plus",
        "trafficking_labour",
    ),
    Golden(
        "forced labour questions only",
        "adult",
        ("fl_restriction_of_movement"),
        "forced_labour",
        "-",
        "alone",
        "-",
    ),
    Golden(
        "forced labour, no menace",
        "adult",
        ("fl_deception fl_excessive_overtime fl_abusive_conditions"),
        "labour_rights",
        "-",
        "-",
        "-",
    ),
    Golden(
        "child, coerced recruitment",
        "child",
        ("recruit_violence recruit_threats work_low_no_pay work_pay_cut work_poor_living"),
        "trafficking_labour",
        "2 4",
        "-",
        "-",
    ),
]


def _answers(words: str, group: str) -> dict[str, str]:
    """Topics -> yes/unknown, as the service maps them: to the keys of the group's lists."""
    lists = {s.code for s in RULES.lists_for(group)} | {RULES.fl_list}
    by_topic: dict[str, list[str]] = {}
    for row in ROWS:
        if row.list_code in lists:
            by_topic.setdefault(row.topic, []).append(row.key)
    answers: dict[str, str] = {}
    for word in words.split():
        if word == "-":
            continue
        value = "unknown" if word.startswith("?") else "yes"
        topic = word.lstrip("?")
        assert topic in by_topic, f"unknown topic {topic}"
        for key in by_topic[topic]:
            answers[key] = value
    return answers


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: c.case)
def test_golden_answer_sets(case: Golden) -> None:
    result = rules.assess(
        rows=ROWS, answers=_answers(case.answers, case.group), group=case.group, rules=RULES
    )
    labour = next(t for t in result["trafficking"] if t["exploitation"] == "labour")
    met = [
        str(rules.DIMENSIONS.index(d["code"]) + 1) for d in labour["dimensions"] if d["positive"]
    ]
    assert result["result"] == case.result
    assert (" ".join(met) or "-") == case.dimensions_met
    assert (result["forced_labour"]["clause"] or "-") == case.forced_labour
    assert (result["could_become"] or "-") == case.could_become
    sexual = next(t for t in result["trafficking"] if t["exploitation"] == "sexual")
    assert sexual["available"] is False
