"""`migra people dedupe` over the whole registry: the planted duplicates of a small
registry are found the same on one and on two processes; bad command lines are clear
errors that write nothing; the report is written atomically, mode 0600; progress goes
to stderr without names."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from migra.people.identity import person_facts
from migra.people.management.commands import people as people_command
from migra.people.models import Person
from migra.people.selectors import DedupeStats, current_person_facts, duplicate_pairs


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """--workers 2 is allowed here even on a one-core machine (fork works anyway)."""
    monkeypatch.setattr(people_command, "_cores", lambda: 2)


@pytest.fixture
def registry(cast, register, sr_village):
    """Three planted duplicate pairs and look-alikes that are other people."""
    from migra.accounts.tests.conftest import make_place
    from migra.places.models import PlaceKind

    other_village = make_place("17010102", PlaceKind.VILLAGE, "Other", cast.places["170101"])
    planted = [
        (register("សុខ ចាន់ធា", age=24), register("Sok Chanta", age=25)),
        (
            register("ហេង ស្រីនិច", age=19, phones=("012 555 101",)),
            register("Heng Sreynich", age=20, phones=("012555101",)),
        ),
        (
            register("កែវ សុភា", age=40, documents=(("passport", "N1234567"),)),
            register(
                "Keo Sophea",
                "កែវ សុភា",
                age=41,
                documents=(("passport", "n 123-4567"),),
                confirm_duplicate_document=True,  # the worker asked first
            ),
        ),
    ]
    others = [
        register("សុខ ចាន់ធា", age=52),  # her mother, same name
        register("Sok Chanta", age=24, sex="male"),  # a man of the same name
        register("សុខ វណ្ណា", age=22),  # her sister
        register("ចាន់ សុភាព", age=31, sex="male", village=other_village),
        register("Lim Dara", age=35, sex="male", village=other_village),
    ]
    return planted, others


def _pairs(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _run(output: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("people", "dedupe", str(output), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- finding


def test_planted_duplicates_are_found_alike_on_one_and_two_workers(registry, two_cores, tmp_path):
    planted, others = registry
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    _run(one, "--workers", "1")
    _run(two, "--workers", "2")
    assert one.read_bytes() == two.read_bytes()
    rows = _pairs(one)
    found = {(int(r["person_a"]), int(r["person_b"])) for r in rows}
    assert {(a.pk, b.pk) for a, b in planted} <= found
    strangers = {p.pk for p in others[:2] + others[3:]}  # mother, the man, other village
    assert not any(a in strangers or b in strangers for a, b in found)
    by_pair = {(int(r["person_a"]), int(r["person_b"])): r for r in rows}
    phone_pair, document_pair = planted[1], planted[2]
    assert by_pair[(phone_pair[0].pk, phone_pair[1].pk)]["tier"] == "match"
    assert "same_phone" in by_pair[(phone_pair[0].pk, phone_pair[1].pk)]["reasons"]
    assert "same_document" in by_pair[(document_pair[0].pk, document_pair[1].pk)]["reasons"]
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_facts_read_in_chunks_are_the_facts_of_each_person(registry):
    expected = {
        p.pk: person_facts(p)
        for p in Person.objects.prefetch_related("names", "phones", "documents").select_related(
            "home_village"
        )
    }
    read = dict(current_person_facts(chunk=3))
    assert read == expected
    assert len(read) == 11


def test_merged_and_erased_persons_are_left_out(cast, registry, supervisor):
    from migra.people.services import person_erase_approve, person_erase_request, person_merge

    (a, b), (c, d), _ = registry[0]
    person_merge(actor=supervisor, source=b, target=a)
    person_erase_request(actor=cast.users["dan"], person=c)
    person_erase_approve(actor=supervisor, person=c)
    read = {pk for pk, _facts in current_person_facts()}
    assert a.pk in read and d.pk in read
    assert b.pk not in read and c.pk not in read
    pairs = duplicate_pairs()
    assert not {b.pk, c.pk} & {p for pair in pairs for p in (pair.a, pair.b)}


def test_a_person_merged_while_the_registry_is_read_is_read_once_at_most(registry, supervisor):
    from migra.people.services import person_merge

    (a, b), *_ = registry[0]
    reading = current_person_facts(chunk=1)
    first = next(reading)
    person_merge(actor=supervisor, source=b, target=a)
    ids = [first[0]] + [pk for pk, _facts in reading]
    assert len(ids) == len(set(ids))
    assert b.pk not in ids or first[0] == b.pk


def test_progress_on_stderr_counts_only(registry, tmp_path):
    out, err = _run(tmp_path / "report.csv")
    assert "persons read: 11" in err
    assert "index built" in err
    assert "pairs scored" in err
    assert "among 11 persons" in out
    for secret in ("សុខ", "Sok", "Chanta", "Heng", "N1234567", "555"):
        assert secret not in err
        assert secret not in out


def test_show_names_reads_the_names_of_reported_persons_only(registry, tmp_path, monkeypatch):
    asked: list[int] = []
    real = people_command.person_names

    def spy(ids):
        ids = list(ids)
        asked.extend(ids)
        return real(ids)

    monkeypatch.setattr(people_command, "person_names", spy)
    output = tmp_path / "named.csv"
    out, _err = _run(output, "--show-names")
    rows = _pairs(output)
    reported = {int(r[k]) for r in rows for k in ("person_a", "person_b")}
    assert set(asked) == reported
    first = rows[0]
    assert first["names_a"] and first["names_b"]
    assert "Heng Sreynich" in out or "Keo Sophea" in out


def test_an_empty_registry_gives_a_header_only(cast, tmp_path):
    output = tmp_path / "empty.csv"
    out, _err = _run(output)
    assert output.read_text(encoding="utf-8").splitlines() == [
        "person_a,person_b,tier,score,reasons"
    ]
    assert "0 likely duplicate pairs" in out


def test_the_selector_refuses_a_bad_threshold_or_workers(cast):
    with pytest.raises(ValueError, match="threshold"):
        duplicate_pairs(threshold=1.5)
    with pytest.raises(ValueError, match="workers"):
        duplicate_pairs(workers=0)
    stats = DedupeStats()
    assert duplicate_pairs(stats=stats) == []
    assert stats.persons == 0


# --------------------------------------------------------------------------- bad input


def _nothing_written(folder: Path) -> None:
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("value", ["-0.1", "1.5", "nan", "inf", "1e999", "abc", ""])
def test_threshold_out_of_range(cast, tmp_path, value):
    with pytest.raises(CommandError, match="threshold"):
        _run(tmp_path / "out.csv", "--threshold", value)
    _nothing_written(tmp_path)


@pytest.mark.parametrize("value", ["0", "-1", "3", "99999999999999999999999", "two", "1.5", ""])
def test_bad_workers(cast, two_cores, tmp_path, value):
    with pytest.raises(CommandError, match="workers"):
        _run(tmp_path / "out.csv", "--workers", value)
    _nothing_written(tmp_path)


def test_workers_cannot_exceed_the_cores(cast, tmp_path, monkeypatch):
    monkeypatch.setattr(people_command, "_cores", lambda: 1)
    with pytest.raises(CommandError, match="between 1 and 1"):
        _run(tmp_path / "out.csv", "--workers", "2")
    _nothing_written(tmp_path)


def test_missing_directory(cast, tmp_path):
    with pytest.raises(CommandError, match="No such directory"):
        _run(tmp_path / "nope" / "out.csv")
    _nothing_written(tmp_path)


def test_parent_is_a_file(cast, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(CommandError, match="No such directory"):
        _run(tmp_path / "file" / "out.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_output_is_a_directory(cast, tmp_path):
    with pytest.raises(CommandError, match="is a folder"):
        _run(tmp_path)
    _nothing_written(tmp_path)


def test_unwritable_directory(cast, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        # root writes anywhere: take a folder no one may create files in instead
        target = locked if not os.access(locked, os.W_OK) else Path("/proc/self")
        with pytest.raises(CommandError, match="Cannot write in"):
            _run(target / "out.csv")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize(
    "path",
    [
        "x" * 100_000,  # huge
        "a" * 300 + ".csv",  # a name longer than the file system allows
        "out\x00.csv",  # NUL
        "",
    ],
)
def test_hostile_paths(cast, tmp_path, path):
    with pytest.raises(CommandError) as caught:
        _run(tmp_path / path if path else Path(path))
    assert len(str(caught.value)) < 400
    _nothing_written(tmp_path)


def test_control_characters_in_the_path_are_not_echoed_raw(cast, tmp_path):
    with pytest.raises(CommandError) as caught:
        _run(tmp_path / "\x1b[31mred" / "out.csv")
    assert "\x1b" not in str(caught.value)


# --------------------------------------------------------------------------- the file


def test_report_replaces_the_old_one_atomically_with_mode_0600(registry, tmp_path):
    output = tmp_path / "report.csv"
    output.write_text("old report\n")
    output.chmod(0o644)
    _run(output)
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert output.read_text(encoding="utf-8").startswith("person_a,")
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_a_failed_run_leaves_the_old_report_and_no_partial_file(registry, tmp_path, monkeypatch):
    output = tmp_path / "report.csv"
    output.write_text("old report\n")

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(people_command, "duplicate_pairs", broken)
    with pytest.raises(RuntimeError):
        _run(output)
    assert output.read_text() == "old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_a_khmer_file_name_is_fine(registry, tmp_path):
    output = tmp_path / ("របាយការណ៍" * 9 + ".csv")  # 81 characters, 243 bytes
    _run(output)
    assert _pairs(output)
    assert [p.name for p in tmp_path.iterdir()] == [output.name]


def test_a_full_disk_is_a_clear_error_and_leaves_nothing(registry, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(people_command.os, "fsync", full)
    with pytest.raises(CommandError, match="No space left"):
        _run(tmp_path / "report.csv")
    _nothing_written(tmp_path)


def test_the_report_is_on_the_audit_trail_with_counts_only(registry, tmp_path: Path) -> None:
    """A dedupe report is a bulk read of the registry: audited, an export when it holds
    names, with no name in the event."""
    from migra.audit.models import AuditAction, AuditEvent

    call_command("people", "dedupe", str(tmp_path / "plain.csv"), stdout=io.StringIO())
    call_command(
        "people", "dedupe", str(tmp_path / "names.csv"), "--show-names", stdout=io.StringIO()
    )
    events = list(AuditEvent.objects.filter(object_type="people.dedupe").order_by("seq"))
    assert [e.action for e in events] == [AuditAction.VIEW, AuditAction.EXPORT]
    assert events[1].changes["names"] is True and "pairs" in events[1].changes
