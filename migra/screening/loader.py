"""Reading the shipped catalogue files (`migra/screening/catalogue/*.json`) and loading them.

A shipped file is one catalogue version: its rule parameters, the GAP notes of lists
left empty on purpose, the questions per topic (Khmer, English, Thai) and the rows of
each list with their source label and confidence. `read_catalogue_file` checks a
file completely (rules, rows, questions) before anything is written.

`install_shipped` takes the model classes as arguments so that the data migration
(with `apps.get_model`) and the `migra screening load` command share it. It is
idempotent: a file already loaded (same key) is skipped; a file whose content changed
after it was loaded is reported, never loaded twice — a correction ships as a new file
with a new key. A shipped file is published when it is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migra.screening import rules

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
FORMAT = 1
LANGUAGES = ("km", "en", "th")
MAX_QUESTION = 400
MAX_NAME = 200
MAX_CONFIDENCE = 600
SOURCE_LABELS = ("P", "S1", "S2", "M")
KEY_RE = re.compile(r"^[A-Z]{2}-[0-9]{1,2}(\.[0-9]{2})?$")
TOPIC_RE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")


class CatalogueFileError(ValueError):
    """A shipped catalogue file cannot be used; nothing was loaded."""


@dataclass
class CatalogueFile:
    key: str
    title: str
    note: str
    rules: dict[str, Any]
    gaps: dict[str, str]
    rows: list[dict[str, Any]]  # Indicator field values, in order
    content_hash: str
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)


def _text(value: Any, limit: int, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogueFileError(f"{what} must be a non-empty text")
    if len(value) > limit:
        raise CatalogueFileError(f"{what} is longer than {limit} characters")
    return value.strip()


def parse_catalogue(raw: bytes, *, path: Path | None = None) -> CatalogueFile:
    """Check a catalogue file and return what to load."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CatalogueFileError(f"not a JSON file: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CatalogueFileError(f"unknown catalogue format (expected format {FORMAT})")
    key = _text(data.get("key"), 60, "key")
    try:
        parsed_rules = rules.rules_from_data(data.get("rules", {}))
    except rules.RulesError as error:
        raise CatalogueFileError(f"rules: {error}") from None
    questions = data.get("questions")
    indicators = data.get("indicators")
    if not isinstance(questions, dict) or not isinstance(indicators, dict):
        raise CatalogueFileError("the file needs questions and indicators")
    gaps = data.get("gaps") or {}
    rows: list[dict[str, Any]] = []
    position = 0
    for list_code, items in indicators.items():
        if list_code not in parsed_rules.lists:
            raise CatalogueFileError(f"list {list_code} is not named in the rules")
        if not isinstance(items, list):
            raise CatalogueFileError(f"list {list_code} must be a list of rows")
        if not items and list_code not in gaps and list_code != parsed_rules.fl_list:
            raise CatalogueFileError(f"list {list_code} is empty: say why in gaps")
        for item in items:
            position += 1
            rows.append(_row(item, list_code, questions, position))
    try:
        rule_rows = [_rule_row(r) for r in rows]
        rules.check_rows(rule_rows, parsed_rules)
    except rules.RulesError as error:
        raise CatalogueFileError(str(error)) from None
    return CatalogueFile(
        key=key,
        title=str(data.get("title", ""))[:300],
        note=str(data.get("note", ""))[:4000],
        rules=data["rules"],
        gaps={str(k): str(v) for k, v in gaps.items()},
        rows=rows,
        content_hash=hashlib.sha256(raw).hexdigest(),
        path=path,
    )


def _row(item: Any, list_code: str, questions: dict[str, Any], position: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise CatalogueFileError(f"a row of {list_code} is not an object")
    key = item.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key) or not key.startswith(list_code):
        raise CatalogueFileError(f"{list_code}: bad key {key!r}")
    topic = item.get("topic")
    if not isinstance(topic, str) or not TOPIC_RE.match(topic):
        raise CatalogueFileError(f"{key}: bad topic")
    texts = item.get("question") or questions.get(topic)
    if not isinstance(texts, dict):
        raise CatalogueFileError(f"{key}: no question for topic {topic}")
    source = item.get("source")
    if source not in SOURCE_LABELS:
        raise CatalogueFileError(f"{key}: source must be one of {', '.join(SOURCE_LABELS)}")
    guided = item.get("guided")
    if guided is not None and (isinstance(guided, bool) or not isinstance(guided, int)):
        raise CatalogueFileError(f"{key}: guided must be a position number")
    also_from = item.get("also_from", [])
    if not isinstance(also_from, list) or not all(isinstance(t, str) for t in also_from):
        raise CatalogueFileError(f"{key}: also_from must be a list of topics")
    return {
        "key": key,
        "list_code": list_code,
        "dimension": str(item.get("dimension", "")),
        "strength": str(item.get("strength", "")),
        "topic": topic,
        "name": _text(item.get("name"), MAX_NAME, f"{key} name"),
        **{
            f"question_{lang}": _text(texts.get(lang), MAX_QUESTION, f"{key} question ({lang})")
            for lang in LANGUAGES
        },
        "source": source,
        "disputed": bool(item.get("disputed", False)),
        "confidence": _text(item.get("confidence"), MAX_CONFIDENCE, f"{key} confidence"),
        "also_from": also_from,
        "guided_order": guided,
        "position": position,
    }


def _rule_row(row: dict[str, Any]) -> rules.Row:
    return rules.Row(
        key=row["key"],
        list_code=row["list_code"],
        topic=row["topic"],
        dimension=row["dimension"],
        strength=row["strength"],
        also_from=tuple(row["also_from"]),
    )


def read_catalogue_file(path: Path) -> CatalogueFile:
    return parse_catalogue(path.read_bytes(), path=path)


def shipped_files(directory: Path = CATALOGUE_DIR) -> Iterator[CatalogueFile]:
    """The shipped catalogue files, in the order of their names."""
    for path in sorted(directory.glob("*.json")):
        yield read_catalogue_file(path)


@dataclass
class InstallReport:
    created: list[int] = field(default_factory=list)  # version numbers
    skipped: list[str] = field(default_factory=list)  # keys already loaded
    changed: list[str] = field(default_factory=list)  # keys whose file changed since


def install_shipped(
    catalogue_model: Any,
    indicator_model: Any,
    *,
    now: Any,
    files: list[CatalogueFile] | None = None,
) -> InstallReport:
    """Load each shipped file not loaded yet as a new, published catalogue version.

    Run inside a transaction (the callers do)."""
    report = InstallReport()
    for shipped in files if files is not None else list(shipped_files()):
        existing = catalogue_model.objects.filter(shipped_key=shipped.key).first()
        if existing is not None:
            if existing.content_hash and existing.content_hash != shipped.content_hash:
                report.changed.append(shipped.key)
            else:
                report.skipped.append(shipped.key)
            continue
        last = catalogue_model.objects.order_by("-number").first()
        version = catalogue_model.objects.create(
            number=(last.number + 1) if last else 1,
            shipped_key=shipped.key,
            content_hash=shipped.content_hash,
            title=shipped.title,
            note=shipped.note,
            rules=shipped.rules,
            gaps=shipped.gaps,
            published_at=now,
        )
        indicator_model.objects.bulk_create(
            [indicator_model(catalogue=version, **row) for row in shipped.rows]
        )
        report.created.append(version.number)
    return report
