"""`migra people dedupe`: a CSV of likely duplicates from the key blocks; no names on
the screen unless asked."""

from __future__ import annotations

import csv
import io

from django.core.management import call_command


def test_dedupe_reports_the_pair_without_names(cast, register, tmp_path):
    a = register("សុខ ចាន់ធា", age=24)
    b = register("Sok Chanta", age=25)
    register("កែវ សុភា", age=60, sex="male")
    output = tmp_path / "dupes.csv"
    out = io.StringIO()
    call_command("people", "dedupe", str(output), stdout=out)
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [(int(r["person_a"]), int(r["person_b"])) for r in rows] == [(a.pk, b.pk)]
    assert float(rows[0]["score"]) >= 0.5
    assert "names_a" not in rows[0]
    printed = out.getvalue()
    assert "1 likely duplicate pairs" in printed
    for secret in ("សុខ", "Sok", "Chanta"):
        assert secret not in printed
        assert secret not in output.read_text(encoding="utf-8")


def test_dedupe_show_names(cast, register, tmp_path):
    register("សុខ ចាន់ធា", age=24)
    register("Sok Chanta", age=25)
    output = tmp_path / "dupes.csv"
    out = io.StringIO()
    call_command("people", "dedupe", str(output), "--show-names", stdout=out)
    assert "Sok Chanta" in out.getvalue()
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert {rows[0]["names_a"], rows[0]["names_b"]} == {"សុខ ចាន់ធា", "Sok Chanta"}


def test_merged_persons_are_not_reported(cast, register, supervisor, tmp_path):
    from migra.people.services import person_merge

    a = register("សុខ ចាន់ធា", age=24)
    b = register("Sok Chanta", age=25)
    person_merge(actor=supervisor, source=b, target=a)
    output = tmp_path / "dupes.csv"
    call_command("people", "dedupe", str(output), stdout=io.StringIO())
    assert list(csv.DictReader(output.open(encoding="utf-8"))) == []


def test_strongest_pairs_come_first_with_their_tier(cast, register, tmp_path):
    # Same name and age only: a pair to review. Same phone too: near-certain.
    register("ចាន់ សុភាព", age=31, sex="male")
    register("Chan Sopheap", age=32, sex="male")
    c = register("សុខ ចាន់ធា", age=24, phones=("012 555 101",))
    d = register("Sok Chanta", age=24, phones=("012555101",))
    output = tmp_path / "dupes.csv"
    out = io.StringIO()
    call_command("people", "dedupe", str(output), stdout=out)
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert len(rows) == 2
    assert (int(rows[0]["person_a"]), int(rows[0]["person_b"])) == (c.pk, d.pk)
    assert rows[0]["tier"] == "match"
    assert "same_phone" in rows[0]["reasons"]
    assert float(rows[0]["score"]) >= float(rows[1]["score"])
    assert rows[1]["tier"] in {"match", "likely"}
    assert "near-certain" in out.getvalue()


def test_unknown_action_is_a_clear_error(cast):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Say what to do"):
        call_command("people", stdout=io.StringIO())
