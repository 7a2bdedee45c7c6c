"""The shipped catalogue file and its loading: every row carries its source and
confidence, the GAP lists stay empty, questions exist in Khmer, English and Thai, and
loading is idempotent."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from migra.audit.models import AuditEvent
from migra.screening.loader import (
    CatalogueFileError,
    install_shipped,
    parse_catalogue,
    shipped_files,
)
from migra.screening.models import CatalogueVersion, Indicator
from migra.screening.services import catalogue_load_shipped

SHIPPED = next(iter(shipped_files()))
assert SHIPPED.path is not None
RAW = json.loads(SHIPPED.path.read_text(encoding="utf-8"))


def _khmer(text: str) -> bool:
    return any("\u1780" <= ch <= "\u17ff" for ch in text)


def _thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def test_the_lists_have_the_rows_of_the_reference() -> None:
    per_list = Counter(r["list_code"] for r in SHIPPED.rows)
    assert per_list == {"AL": 67, "CL": 65, "FL": 11}
    for code, expected in (("AL", [10, 10, 16, 9, 15, 7]), ("CL", [10, 10, 15, 8, 15, 7])):
        counts = Counter(r["dimension"] for r in SHIPPED.rows if r["list_code"] == code)
        assert [counts[d] for d in RAW["rules"]["trafficking"]["adult"]["all_of"][0]] == expected[
            :3
        ]
        assert list(counts.values()) == expected
    assert [r["key"] for r in SHIPPED.rows if r["list_code"] == "FL"] == [
        f"FL-{n:02d}" for n in range(1, 12)
    ]


def test_the_gap_lists_are_empty_and_say_why() -> None:
    assert RAW["indicators"]["AS"] == []
    assert RAW["indicators"]["CS"] == []
    assert RAW["gaps"]["AS"].startswith("GAP")
    assert RAW["gaps"]["CS"].startswith("GAP")


def test_every_row_has_source_confidence_and_three_questions() -> None:
    for row in SHIPPED.rows:
        assert row["source"] in {"P", "S1", "S2"}, row["key"]
        assert row["confidence"], row["key"]
        assert _khmer(row["question_km"]), row["key"]
        assert _thai(row["question_th"]), row["key"]
        assert row["question_en"].endswith("?"), row["key"]
        assert not _khmer(row["question_en"]) and not _thai(row["question_en"])
    # Never presented as ILO wording: the names are called paraphrases.
    for row in SHIPPED.rows:
        if row["source"] == "S2":
            assert "not ILO wording" in row["confidence"]
            assert "not checked against the ILO PDF" in row["confidence"]
    disputed = [r for r in SHIPPED.rows if r["disputed"]]
    assert [r["key"] for r in disputed] == ["AL-3.13", "AL-3.14"]
    assert all(r["confidence"].startswith("[?]") for r in disputed)


def test_the_guided_sets_are_short_and_reach_every_needed_dimension() -> None:
    for code in ("AL", "CL"):
        guided = [r for r in SHIPPED.rows if r["list_code"] == code and r["guided_order"]]
        assert 12 <= len(guided) <= 16
        assert sorted(r["guided_order"] for r in guided) == list(range(1, len(guided) + 1))
        dimensions = {r["dimension"] for r in guided}
        assert {"deceptive_recruitment", "exploitative_conditions"} <= dimensions
        if code == "AL":
            assert "coercion_at_destination" in dimensions
    # Every forced-labour indicator is reached from a guided adult question.
    guided_topics = {
        r["topic"] for r in SHIPPED.rows if r["list_code"] == "AL" and r["guided_order"]
    }
    for row in SHIPPED.rows:
        if row["list_code"] == "FL":
            assert set(row["also_from"]) & guided_topics, row["key"]


def test_the_child_rows_share_the_adult_topics() -> None:
    adult = {r["topic"] for r in SHIPPED.rows if r["list_code"] == "AL"}
    child = {r["topic"] for r in SHIPPED.rows if r["list_code"] == "CL"}
    assert child <= adult
    assert adult - child == {"recruit_false_law", "work_no_social_protection"}


@pytest.mark.django_db
def test_loading_is_idempotent() -> None:
    catalogue_load_shipped()
    first = CatalogueVersion.objects.get(shipped_key=SHIPPED.key)
    report = catalogue_load_shipped()
    assert report.created == []
    assert report.skipped == [SHIPPED.key]
    assert CatalogueVersion.objects.filter(shipped_key=SHIPPED.key).count() == 1
    assert Indicator.objects.filter(catalogue=first).count() == 143
    assert first.is_published
    row = Indicator.objects.get(catalogue=first, key="AL-3.13")
    assert (row.strength, row.source, row.disputed) == ("medium", "S2", True)


@pytest.mark.django_db(transaction=True)
def test_the_command_loads_once_and_reports_a_changed_file() -> None:
    CatalogueVersion.objects.all().delete()  # loaded by the migration: start empty
    out = StringIO()
    call_command("screening", "load", stdout=out)
    assert "loaded catalogue version 1" in out.getvalue()
    out = StringIO()
    call_command("screening", "load", stdout=out)
    assert f"already loaded: {SHIPPED.key}" in out.getvalue()
    assert AuditEvent.objects.filter(object_type="screening.catalogueversion").count() == 1
    # The file changed after it was loaded: reported, not loaded twice.
    CatalogueVersion.objects.filter(shipped_key=SHIPPED.key).update(content_hash="0" * 64)
    err = StringIO()
    call_command("screening", "load", stdout=StringIO(), stderr=err)
    assert "changed after it was loaded" in err.getvalue()
    assert CatalogueVersion.objects.count() == 1


def test_the_command_checks_files(tmp_path: Path) -> None:
    out = StringIO()
    call_command("screening", "check", stdout=out)
    assert f"{SHIPPED.key}: ok (AL 67, CL 65, FL 11; gaps: AS, CS)" in out.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="not a JSON file"):
        call_command("screening", "check", str(bad), stdout=StringIO())


def _broken(change) -> bytes:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(RAW))
    change(data)
    return json.dumps(data, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format=2), "format"),
        (lambda d: d["indicators"]["AL"][0].update(strength="huge"), "strength"),
        (lambda d: d["indicators"]["AL"][0].update(source="S9"), "source"),
        (lambda d: d["indicators"]["AL"][0].update(confidence=""), "confidence"),
        (lambda d: d["indicators"]["AL"][0].update(key="AL-1.02"), "twice"),
        (lambda d: d["indicators"]["AL"][0].update(key="CL-1.01"), "bad key"),
        (lambda d: d["indicators"]["AL"][0].update(topic="Bad Topic"), "bad topic"),
        (lambda d: d["questions"]["recruit_misled_work"].update(th=""), "question"),
        (lambda d: d["questions"]["recruit_misled_work"].update(km="ក" * 401), "longer"),
        (lambda d: d["indicators"].update(XX=[]), "not named"),
        (lambda d: d["gaps"].pop("AS"), "empty"),
        (lambda d: d["indicators"]["FL"][0].update(also_from=["nowhere"]), "also_from"),
        (lambda d: d["rules"]["dimension"].update(patterns=[]), "pattern"),
    ],
)
def test_a_broken_file_is_refused_whole(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CatalogueFileError, match=message):
        parse_catalogue(_broken(change))


@pytest.mark.django_db
def test_a_broken_file_loads_nothing() -> None:
    CatalogueVersion.objects.all().delete()
    with pytest.raises(CatalogueFileError):
        install_shipped(
            CatalogueVersion,
            Indicator,
            now=None,
            files=[
                parse_catalogue(_broken(lambda d: d["indicators"]["AL"][0].update(strength="x")))
            ],
        )
    assert not CatalogueVersion.objects.exists()
