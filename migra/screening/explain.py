"""The result page's reading of a screening: the stored explanation (keys and counts, see
`migra.screening.rules.assess`) joined with the rows of the catalogue version the
screening used, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from migra.screening.labels import (
    ANSWER_LABELS,
    DIMENSION_LABELS,
    EXPLOITATION_LABELS,
    FORCED_LABOUR_CLAUSES,
    FORCED_LABOUR_NAMES,
    GROUP_LABELS,
    PATTERN_LABELS,
)
from migra.screening.models import Indicator, ResultCode, Screening, SourceLabel, Strength


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _row(rows: dict[str, Indicator], key: str, language: str | None) -> dict[str, Any]:
    row = rows.get(key)
    if row is None:  # cannot happen for a stored screening; shown rather than hidden
        return {"key": key, "question": key, "name": "", "strength": "", "source": ""}
    name = FORCED_LABOUR_NAMES.get(row.topic) if row.list_code == "FL" else None
    return {
        "key": key,
        "question": row.question(language),
        "name": str(name) if name else row.name,
        "strength": _label(Strength, row.strength) if row.strength else "",
        "source": row.source,
        "source_label": _label(SourceLabel, row.source),
        "disputed": row.disputed,
        "confidence": row.confidence,
    }


def explain(screening: Screening, language: str | None) -> dict[str, Any]:
    data = screening.explanation or {}
    catalogue = screening.catalogue
    rows = {i.key: i for i in catalogue.indicators.all()}
    result = data.get("result", screening.result)

    trafficking = []
    for entry in data.get("trafficking", []):
        item: dict[str, Any] = {
            "label": str(EXPLOITATION_LABELS.get(entry["exploitation"], entry["exploitation"])),
            "list": entry["list"],
            "available": entry["available"],
            "indicated": entry["indicated"],
            "verified": entry.get("verified", False),
            "gap": catalogue.gaps.get(entry["list"], ""),
        }
        if entry["available"]:
            positive = set()
            dimensions = []
            for dim in entry.get("dimensions", []):
                if dim["positive"]:
                    positive.add(dim["code"])
                dimensions.append(
                    {
                        "code": dim["code"],
                        "label": str(DIMENSION_LABELS.get(dim["code"], dim["code"])),
                        "positive": dim["positive"],
                        "pattern": str(PATTERN_LABELS.get(dim["pattern"] or "", "")),
                        "strong": dim["strong"],
                        "medium": dim["medium"],
                        "weak": dim["weak"],
                        "yes": [_row(rows, k, language) for k in dim["yes"]],
                        "unknown": len(dim.get("unknown", [])),
                    }
                )
            item["dimensions"] = dimensions
            item["requirement"] = [
                {
                    "labels": [str(DIMENSION_LABELS.get(d, d)) for d in group],
                    "met": any(d in positive for d in group),
                }
                for group in entry.get("requirement", [])
            ]
        trafficking.append(item)

    forced = data.get("forced_labour", {})
    forced_view = {
        "indicated": forced.get("indicated", False),
        "clause": str(FORCED_LABOUR_CLAUSES.get(forced.get("clause") or "", "")),
        "present": [
            {
                **_row(rows, p["key"], language),
                "via": [_row(rows, k, language) for k in p.get("via", [])],
            }
            for p in forced.get("present", [])
        ],
    }
    rights = data.get("labour_rights", {})
    rules = catalogue.rules or {}
    group = data.get("group", screening.group)
    notes = []
    if "dimension_rule" in data.get("unverified", []):
        notes.append(
            _(
                "When a dimension counts as met (two strong, or one strong and one more, "
                "or three medium, or two medium and one weak): %(confidence)s"
            )
            % {"confidence": rules.get("dimension", {}).get("confidence", "")}
        )
    if "trafficking_rule" in data.get("unverified", []):
        notes.append(
            _("Which dimensions together indicate trafficking: %(confidence)s")
            % {"confidence": rules.get("trafficking", {}).get(group, {}).get("confidence", "")}
        )
    answered = []
    for key, value in screening.answers.items():
        answered.append(
            {**_row(rows, key, language), "answer": str(ANSWER_LABELS.get(value, value))}
        )
    answered.sort(key=lambda a: rows[a["key"]].position if a["key"] in rows else 0)
    yes_sources = sorted(
        {
            rows[k].source
            for k, v in screening.answers.items()
            if v == "yes" and k in rows and rows[k].list_code != "FL"
        }
    )
    met = [
        dim["label"]
        for item in trafficking
        if item["available"]
        for dim in item.get("dimensions", [])
        if dim["positive"]
    ]
    return {
        "result": result,
        "met": list(dict.fromkeys(met)),
        "result_label": _label(ResultCode, result),
        "findings": [_label(ResultCode, f) for f in data.get("findings", [])],
        "group_label": str(GROUP_LABELS.get(group, group)),
        "trafficking": trafficking,
        "forced_labour": forced_view,
        "forced_labour_rule": rules.get("forced_labour", {}).get("confidence", ""),
        "labour_rights": {
            "indicated": rights.get("indicated", False),
            "yes": [_row(rows, k, language) for k in rights.get("yes", [])],
        },
        "unknown": len(data.get("unknown", [])),
        "could_become": _label(ResultCode, data["could_become"])
        if data.get("could_become")
        else "",
        "catalogue": catalogue,
        "rules_id": data.get("rules_id", ""),
        "engine": data.get("engine", ""),
        "unverified_notes": notes,
        "yes_sources": [{"code": code, "label": _label(SourceLabel, code)} for code in yes_sources],
        "answered": answered,
    }
