"""The screening rules: from yes / no / don't-know answers to a result, with the reasons.

Pure Python: imports nothing from Django, so the rules can be read, tested and reused
on their own (a test proves the import). The numbers the rules use — which patterns
make a dimension positive, which dimensions together give an indication, which
forced-labour indicators count as a menace of penalty — are *data*: they come from the
catalogue version (`CatalogueVersion.rules`, shipped in
`migra/screening/catalogue/*.json`), so the screening result can name the version that
produced it and a corrected rule ships as a new catalogue version, not new code.

Sources of every rule (see docs/screening.md and /work/shared/reference/ilo-indicators.md):

1. **A dimension is positive** (`dimension_status`) when its ticked indicators contain
   (a) two strong, or (b) one strong and one medium or weak, or (c) three medium, or
   (d) two medium and one weak:
   ``S>=2 or (S>=1 and M+W>=1) or M>=3 or (M>=2 and W>=1)``.
   Source: ILO & European Commission, *Operational indicators of trafficking in human
   beings* (WCMS_105023, 2009), p. 3, **as quoted by one secondary compilation [S2]**;
   an independent reading recalls the same four patterns. NOT checked against the
   ILO PDF: unverified.
2. **Trafficking indication** (`_trafficking`): adults need a positive recruitment
   dimension (deceptive, coercive or abuse of vulnerability) AND exploitative
   conditions AND coercion at destination or abuse of vulnerability at destination.
   Children (under 18): the means requirement does not apply (Palermo Protocol,
   Art. 3(c)): a recruitment dimension AND exploitative conditions. Source: a common
   reading of the ILO brochure. **No source states it: unverified**, shown as such in
   every result.
3. **Forced-labour indication** (`_forced_labour`): the ILO *Indicators of forced
   labour* (SAP-FL, 2012) name eleven indicators and say that one may be enough in
   some situations and several are needed in others; **the ILO gives no threshold**.
   Migra's programme rule, built on the two elements of ILO Convention No. 29,
   Art. 2(1) (work exacted under the menace of a penalty, not offered voluntarily):
   an indication when one of the indicators that on their own keep a person from
   leaving is present (restriction of movement, physical and sexual violence, debt
   bondage), or when at least two indicators are present and at least one of them is
   a menace of penalty (restriction of movement, isolation, violence, threats,
   retention of documents, withholding of wages, debt bondage — among them the forms
   of coercion the ILO's handbook for labour inspectors names). A "yes" to a trafficking
   indicator that asks about the same fact counts for the forced-labour indicator
   (`also_from` in the catalogue). Programme decision, not ILO wording.
4. **Labour-rights violation** (`_labour_rights`): neither indication, but at least one
   "yes" in the recruitment (deceptive, coercive), exploitative-conditions or
   coercion-at-destination dimensions, or any forced-labour indicator. Programme
   decision.
5. **No indication** otherwise. "Don't know" counts as not present; when the "don't
   know" answers could change the result, the result says what it could become.

Lists with no rows (the adult and child sexual-exploitation lists today: no source was
found, see the reference) are reported as *not available*, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ENGINE_VERSION = "1"

YES = "yes"
NO = "no"
UNKNOWN = "unknown"
ANSWERS = (YES, NO, UNKNOWN)

STRONG = "strong"
MEDIUM = "medium"
WEAK = "weak"
STRENGTHS = (STRONG, MEDIUM, WEAK)

ADULT = "adult"
CHILD = "child"
GROUPS = (ADULT, CHILD)

LABOUR = "labour"
SEXUAL = "sexual"
FORCED_LABOUR = "forced_labour"
EXPLOITATIONS = (LABOUR, SEXUAL)

# The six elements of the Palermo definition, in the order of the ILO page [P].
DIMENSIONS = (
    "deceptive_recruitment",
    "coercive_recruitment",
    "recruitment_abuse_of_vulnerability",
    "exploitative_conditions",
    "coercion_at_destination",
    "abuse_of_vulnerability_at_destination",
)


class Result(StrEnum):
    TRAFFICKING_LABOUR = "trafficking_labour"
    TRAFFICKING_SEXUAL = "trafficking_sexual"
    FORCED_LABOUR = "forced_labour"
    LABOUR_RIGHTS = "labour_rights"
    NONE = "none"


# Most serious first: the result is the first finding in this order.
RESULT_ORDER = (
    Result.TRAFFICKING_LABOUR,
    Result.TRAFFICKING_SEXUAL,
    Result.FORCED_LABOUR,
    Result.LABOUR_RIGHTS,
    Result.NONE,
)
_TRAFFICKING_RESULT = {LABOUR: Result.TRAFFICKING_LABOUR, SEXUAL: Result.TRAFFICKING_SEXUAL}


class RulesError(ValueError):
    """The rule parameters or the rows of a catalogue are not usable."""


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Row:
    """One indicator of a catalogue version, as far as the rules need it."""

    key: str
    list_code: str
    topic: str
    dimension: str = ""  # "" for the forced-labour indicators
    strength: str = ""  # "" for the forced-labour indicators
    also_from: tuple[str, ...] = ()  # forced labour: topics whose "yes" counts too


@dataclass(frozen=True)
class Pattern:
    """Minimum counts of ticked indicators in one dimension."""

    code: str
    strong: int = 0
    medium: int = 0
    weak: int = 0
    medium_or_weak: int = 0

    def met(self, strong: int, medium: int, weak: int) -> bool:
        return (
            strong >= self.strong
            and medium >= self.medium
            and weak >= self.weak
            and medium + weak >= self.medium_or_weak
        )


@dataclass(frozen=True)
class ListSpec:
    code: str
    group: str  # adult, child, or "any" (forced labour)
    exploitation: str  # labour, sexual, forced_labour


@dataclass(frozen=True)
class Rules:
    rules_id: str
    patterns: tuple[Pattern, ...]
    dimension_verified: bool
    # group -> all of these groups must have a positive dimension (any one in a group)
    combinations: Mapping[str, tuple[tuple[str, ...], ...]]
    combination_verified: bool
    lists: Mapping[str, ListSpec]
    fl_list: str
    fl_alone: frozenset[str]
    fl_menace: frozenset[str]
    fl_min_total: int
    fl_min_menace: int
    rights_dimensions: frozenset[str]
    rights_forced_labour: bool
    child_under: int = 18

    def lists_for(self, group: str) -> list[ListSpec]:
        """The trafficking lists of an age group: labour first, then sexual."""
        found = [
            s for s in self.lists.values() if s.group == group and s.exploitation in EXPLOITATIONS
        ]
        return sorted(found, key=lambda s: (EXPLOITATIONS.index(s.exploitation), s.code))


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 99:
        raise RulesError(f"{what} must be a whole number between 0 and 99")
    return value


def _strs(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{what} must be a list of texts")
    return tuple(value)


def rules_from_data(data: Mapping[str, Any]) -> Rules:
    """Parse and check the rule parameters stored with a catalogue version."""
    try:
        return _parse_rules(data)
    except (AttributeError, TypeError) as error:  # a list where an object belongs …
        raise RulesError(f"the rules are malformed: {error}") from None


def _parse_rules(data: Mapping[str, Any]) -> Rules:
    if not isinstance(data, Mapping):
        raise RulesError("the rules must be an object")
    try:
        dimension = data["dimension"]
        trafficking = data["trafficking"]
        forced = data["forced_labour"]
        rights = data["labour_rights"]
        lists = data["lists"]
        rules_id = data["id"]
    except KeyError as missing:
        raise RulesError(f"the rules lack {missing}") from None
    if not isinstance(rules_id, str) or not rules_id:
        raise RulesError("the rules need an id")
    patterns = []
    for item in dimension.get("patterns", []):
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            raise RulesError("each dimension pattern needs a code")
        unknown = set(item) - {"code", "strong", "medium", "weak", "medium_or_weak"}
        if unknown:
            raise RulesError(f"unknown pattern fields: {sorted(unknown)}")
        counts = {
            k: _int(item.get(k, 0), f"pattern {item['code']}.{k}") for k in item if k != "code"
        }
        if not any(counts.values()):
            raise RulesError(f"pattern {item['code']} asks for nothing")
        patterns.append(Pattern(code=item["code"], **counts))
    if not patterns:
        raise RulesError("the dimension rule needs at least one pattern")

    specs: dict[str, ListSpec] = {}
    fl_list = ""
    for code, spec in lists.items():
        group, exploitation = spec.get("group"), spec.get("exploitation")
        if exploitation == FORCED_LABOUR:
            fl_list = code
        elif group not in GROUPS or exploitation not in EXPLOITATIONS:
            raise RulesError(f"list {code}: unknown group or exploitation")
        specs[code] = ListSpec(code=code, group=group or "any", exploitation=exploitation)
    if not fl_list:
        raise RulesError("the rules name no forced-labour list")

    combinations: dict[str, tuple[tuple[str, ...], ...]] = {}
    for group in GROUPS:
        groups = trafficking.get(group, {}).get("all_of")
        if not isinstance(groups, list) or not groups:
            raise RulesError(f"the trafficking rule for {group} needs all_of groups")
        parsed = tuple(_strs(g, f"trafficking.{group}.all_of") for g in groups)
        for dims in parsed:
            if not dims or any(d not in DIMENSIONS for d in dims):
                raise RulesError(f"trafficking.{group}: unknown or empty dimension group")
        combinations[group] = parsed

    rights_dims = frozenset(_strs(rights.get("dimensions", []), "labour_rights.dimensions"))
    if rights_dims - set(DIMENSIONS):
        raise RulesError("labour_rights names an unknown dimension")
    return Rules(
        rules_id=rules_id,
        patterns=tuple(patterns),
        dimension_verified=bool(dimension.get("verified", False)),
        combinations=combinations,
        combination_verified=all(
            bool(trafficking.get(g, {}).get("verified", False)) for g in GROUPS
        ),
        lists=specs,
        fl_list=fl_list,
        fl_alone=frozenset(_strs(forced.get("alone", []), "forced_labour.alone")),
        fl_menace=frozenset(_strs(forced.get("menace", []), "forced_labour.menace")),
        fl_min_total=_int(forced.get("min_total", 2), "forced_labour.min_total"),
        fl_min_menace=_int(forced.get("min_menace", 1), "forced_labour.min_menace"),
        rights_dimensions=rights_dims,
        rights_forced_labour=bool(rights.get("forced_labour_indicators", True)),
        child_under=_int(data.get("child_under", 18), "child_under"),
    )


def check_rows(rows: Iterable[Row], rules: Rules) -> None:
    """Refuse rows the rules cannot use (unknown list, dimension or strength; dangling
    forced-labour keys or links)."""
    keys: set[str] = set()
    topics: set[str] = set()
    fl_keys: set[str] = set()
    fl_rows = []
    for row in rows:
        if row.key in keys:
            raise RulesError(f"{row.key} appears twice")
        keys.add(row.key)
        if row.list_code not in rules.lists:
            raise RulesError(f"{row.key}: list {row.list_code} is not in the rules")
        if row.list_code == rules.fl_list:
            if row.dimension or row.strength:
                raise RulesError(f"{row.key}: forced-labour rows have no dimension or strength")
            fl_keys.add(row.key)
            fl_rows.append(row)
            continue
        topics.add(row.topic)
        if row.dimension not in DIMENSIONS:
            raise RulesError(f"{row.key}: unknown dimension {row.dimension!r}")
        if row.strength not in STRENGTHS:
            raise RulesError(f"{row.key}: unknown strength {row.strength!r}")
    named = rules.fl_alone | rules.fl_menace
    if named - fl_keys:
        raise RulesError(f"the forced-labour rule names missing rows: {sorted(named - fl_keys)}")
    for row in fl_rows:
        if set(row.also_from) - topics:
            raise RulesError(f"{row.key}: also_from names unknown topics")


# --------------------------------------------------------------------------- the rules


def dimension_status(
    strong: int, medium: int, weak: int, patterns: Sequence[Pattern]
) -> tuple[bool, str | None]:
    """Rule 1: whether a dimension with these ticked counts is positive, and by which
    pattern (the first met, in the catalogue's order)."""
    for pattern in patterns:
        if pattern.met(strong, medium, weak):
            return True, pattern.code
    return False, None


@dataclass
class _Context:
    rows: Sequence[Row]
    yes: frozenset[str]
    unknown: frozenset[str]
    group: str
    rules: Rules
    by_list: dict[str, list[Row]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for row in self.rows:
            self.by_list.setdefault(row.list_code, []).append(row)

    def delphi_rows(self) -> list[Row]:
        """Rows of the trafficking lists of the person's age group."""
        out: list[Row] = []
        for spec in self.rules.lists_for(self.group):
            out += self.by_list.get(spec.code, [])
        return out


def _dimensions(ctx: _Context, rows: Sequence[Row]) -> list[dict[str, Any]]:
    out = []
    for code in DIMENSIONS:
        in_dim = [r for r in rows if r.dimension == code]
        ticked = [r for r in in_dim if r.key in ctx.yes]
        counts = {s: sum(1 for r in ticked if r.strength == s) for s in STRENGTHS}
        positive, pattern = dimension_status(
            counts[STRONG], counts[MEDIUM], counts[WEAK], ctx.rules.patterns
        )
        out.append(
            {
                "code": code,
                "positive": positive,
                "pattern": pattern,
                **counts,
                "yes": [r.key for r in ticked],
                "unknown": [r.key for r in in_dim if r.key in ctx.unknown],
            }
        )
    return out


def _trafficking(ctx: _Context) -> list[dict[str, Any]]:
    """Rule 2, once per trafficking list of the age group (labour, sexual)."""
    out = []
    requirement = ctx.rules.combinations[ctx.group]
    for spec in ctx.rules.lists_for(ctx.group):
        rows = ctx.by_list.get(spec.code, [])
        entry: dict[str, Any] = {
            "exploitation": spec.exploitation,
            "list": spec.code,
            "available": bool(rows),
            "indicated": False,
            "requirement": [list(g) for g in requirement],
            "verified": ctx.rules.combination_verified,
        }
        if rows:
            dimensions = _dimensions(ctx, rows)
            positive = {d["code"] for d in dimensions if d["positive"]}
            met = [[d for d in g if d in positive] for g in requirement]
            entry.update(
                dimensions=dimensions,
                met=met,
                indicated=all(met),
            )
        out.append(entry)
    return out


def _forced_labour(ctx: _Context) -> dict[str, Any]:
    """Rule 3: the programme's forced-labour rule."""
    rules = ctx.rules
    by_topic: dict[str, list[str]] = {}
    for row in ctx.delphi_rows():
        by_topic.setdefault(row.topic, []).append(row.key)
    present = []
    unknown = []
    for row in ctx.by_list.get(rules.fl_list, []):
        via = [k for t in row.also_from for k in by_topic.get(t, []) if k in ctx.yes]
        if row.key in ctx.yes or via:
            present.append({"key": row.key, "via": via})
        elif row.key in ctx.unknown:
            unknown.append(row.key)
    keys = {p["key"] for p in present}
    clause = None
    if keys & rules.fl_alone:
        clause = "alone"
    elif len(keys) >= rules.fl_min_total and len(keys & rules.fl_menace) >= rules.fl_min_menace:
        clause = "menace_plus"
    return {
        "indicated": clause is not None,
        "clause": clause,
        "present": present,
        "unknown": unknown,
        "alone": sorted(rules.fl_alone),
        "menace": sorted(rules.fl_menace),
    }


def _labour_rights(ctx: _Context, forced: dict[str, Any]) -> dict[str, Any]:
    """Rule 4: signs of labour-rights violations."""
    rules = ctx.rules
    yes = [
        r.key
        for r in ctx.delphi_rows()
        if r.dimension in rules.rights_dimensions and r.key in ctx.yes
    ]
    if rules.rights_forced_labour:
        yes += [p["key"] for p in forced["present"]]
    return {"indicated": bool(yes), "yes": yes}


def _assess(ctx: _Context) -> dict[str, Any]:
    trafficking = _trafficking(ctx)
    forced = _forced_labour(ctx)
    rights = _labour_rights(ctx, forced)
    findings = [_TRAFFICKING_RESULT[t["exploitation"]] for t in trafficking if t["indicated"]]
    if forced["indicated"]:
        findings.append(Result.FORCED_LABOUR)
    # "Without indications of trafficking or forced labour": only when neither is found.
    if rights["indicated"] and not findings:
        findings.append(Result.LABOUR_RIGHTS)
    findings.sort(key=RESULT_ORDER.index)
    result = findings[0] if findings else Result.NONE
    return {
        "result": str(result),
        "findings": [str(f) for f in findings],
        "trafficking": trafficking,
        "forced_labour": forced,
        "labour_rights": rights,
    }


def assess(
    *,
    rows: Sequence[Row],
    answers: Mapping[str, str],
    group: str,
    rules: Rules,
) -> dict[str, Any]:
    """Apply the rules to one set of answers (indicator key -> yes / no / unknown).

    Returns a JSON-ready explanation: the result, every finding, per list the
    dimensions with their counts, the pattern that made them positive and the keys
    answered yes; the forced-labour indicators present (and through which answers);
    the rule and engine versions; whether the "don't know" answers could change the
    result. Keys that are not rows of the catalogue are ignored (callers refuse them).
    """
    if group not in GROUPS:
        raise RulesError(f"unknown age group {group!r}")
    if any(v not in ANSWERS for v in answers.values()):
        raise RulesError("answers must be yes, no or unknown")
    known = {r.key for r in rows}
    yes = frozenset(k for k, v in answers.items() if v == YES and k in known)
    unknown = frozenset(k for k, v in answers.items() if v == UNKNOWN and k in known)
    ctx = _Context(rows=rows, yes=yes, unknown=unknown, group=group, rules=rules)
    explanation = _assess(ctx)
    relevant = {r.key for r in ctx.delphi_rows()} | {
        r.key for r in ctx.by_list.get(rules.fl_list, [])
    }
    unknown_relevant = sorted(unknown & relevant)
    could_become = None
    if unknown_relevant:
        worst = _assess(
            _Context(rows=rows, yes=yes | unknown, unknown=frozenset(), group=group, rules=rules)
        )
        if RESULT_ORDER.index(Result(worst["result"])) < RESULT_ORDER.index(
            Result(explanation["result"])
        ):
            could_become = worst["result"]
    unverified = []
    if not rules.dimension_verified:
        unverified.append("dimension_rule")
    if not rules.combination_verified:
        unverified.append("trafficking_rule")
    explanation.update(
        engine=ENGINE_VERSION,
        rules_id=rules.rules_id,
        group=group,
        unknown=unknown_relevant,
        could_become=could_become,
        unverified=unverified,
    )
    return explanation
