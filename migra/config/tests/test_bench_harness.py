"""bench/run.py: how benchmark output becomes docs/benchmarks.md (no benchmark is run)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parents[3] / "bench" / "run.py"


@pytest.fixture(scope="module")
def harness():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_run", RUN_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["bench_run"]


def test_a_full_table_is_kept_as_printed(harness) -> None:
    printed = "| what | n |\n|---|---|\n| a | 1 |\n"
    assert harness.as_table(printed) == printed.strip()


def test_rows_without_a_header_get_the_standard_one(harness) -> None:
    table = harness.as_table("| lookup | 1,000 rows | 1.5 | 2.5 |\n| other | 10 | 1 | 2 |\n")
    assert table.splitlines() == [
        "| measurement | size | median (ms) | p95 (ms) |",
        "|---|---|---|---|",
        "| lookup | 1,000 rows | 1.5 | 2.5 |",
        "| other | 10 | 1 | 2 |",
    ]


def test_runs_are_added_newest_first_and_older_ones_kept(harness, tmp_path) -> None:
    results = tmp_path / "benchmarks.md"
    machine = [("CPU", "Test CPU"), ("cores (nproc)", "2")]
    first = harness.render_run(
        machine,
        [harness.Outcome("bench_x", "SQLite", markdown="| a | b |\n|---|---|\n| 1 | 2 |")],
        datetime(2026, 1, 1, 10, 0, tzinfo=UTC),
    )
    second = harness.render_run(
        machine,
        [
            harness.Outcome("bench_x", "SQLite", markdown="| a | b |\n|---|---|\n| 3 | 4 |"),
            harness.Outcome("bench_x", "PostgreSQL", error="server unreachable, not run"),
        ],
        datetime(2026, 2, 1, 10, 0, tzinfo=UTC),
    )
    harness.write_results(first, results)
    harness.write_results(second, results)

    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert text.count(harness.MARKER) == 1
    assert text.index("## 2026-02-01 10:00 UTC") < text.index("## 2026-01-01 10:00 UTC")
    assert "| 1 | 2 |" in text
    assert "| 3 | 4 |" in text
    assert "| CPU | Test CPU |" in text
    assert "Failed: server unreachable, not run" in text
    assert "Ran: bench_x." in text


def test_unknown_benchmark_names_are_refused(harness) -> None:
    with pytest.raises(SystemExit, match="no such benchmark: nonesuch"):
        harness.discover(["nonesuch"])
    assert [p.name for p in harness.discover(["bench_healthz"])] == ["bench_healthz.py"]
