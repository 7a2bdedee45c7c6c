"""Run the benchmarks in bench/ and record them in docs/benchmarks.md.

    .venv/bin/python bench/run.py                  # every bench/bench_*.py, both databases
    .venv/bin/python bench/run.py places audit     # only bench_places.py and bench_audit.py
    .venv/bin/python bench/run.py --sqlite-only    # or --postgres-only, --no-write

Each script runs once per database, in a fresh process, on an empty database that this
harness creates and migrates: a new SQLite file in a temporary folder, or the PostgreSQL
database migra_bench (BENCH_DATABASE_URL; dropped and created again for each script).
The script gets DATABASE_URL and production-like settings (DEBUG=false, fresh keys),
builds its own data and prints a Markdown table on stdout (progress goes to stderr).
The tables, with the machine description and the date, are added at the top of the
runs in docs/benchmarks.md; earlier runs stay below for comparison.
See bench/README.md for how to write a benchmark.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS = ROOT / "docs" / "benchmarks.md"
MARKER = "<!-- bench/run.py adds each run below this line, newest first -->"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/migra_bench"
STANDARD_HEADER = ["measurement", "size", "median (ms)", "p95 (ms)"]

sys.path.insert(0, str(ROOT))
from migra.lib.keys import new_encryption_key, new_secret_key  # noqa: E402 - after sys.path

INTRO = f"""# Benchmarks

Measured by `make bench` (bench/run.py), which runs every `bench/bench_*.py` on SQLite
and on PostgreSQL, each on an empty database it builds its own data into, and adds the
results here with the machine they ran on. Medians and 95th percentiles; each script's
table says what was measured and at what size. See bench/README.md.

Figures from different machines are not comparable; figures from one run are.

{MARKER}
"""


@dataclass
class Outcome:
    script: str
    database: str
    markdown: str = ""
    error: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- machine


def machine_description(postgres_url: str | None) -> list[tuple[str, str]]:
    cpu = _first_match(Path("/proc/cpuinfo"), r"^model name\s*:\s*(.+)$") or platform.processor()
    memory_kb = _first_match(Path("/proc/meminfo"), r"^MemTotal:\s*(\d+) kB")
    memory = f"{int(memory_kb) / 1024 / 1024:.1f} GiB" if memory_kb else "unknown"
    os_name = (
        _first_match(Path("/etc/os-release"), r'^PRETTY_NAME="?([^"\n]+)"?') or platform.system()
    )
    rows = [
        ("CPU", cpu or "unknown"),
        (
            "cores (nproc)",
            str(
                len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
            ),
        ),
        ("memory", memory),
        ("OS", f"{os_name}, kernel {platform.release()}"),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
    ]
    if postgres_url:
        rows.append(("PostgreSQL", _postgres_version(postgres_url) or "unreachable"))
    return rows


def _first_match(path: Path, pattern: str) -> str | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = re.search(pattern, text, re.MULTILINE)
    return found.group(1).strip() if found else None


def _postgres_version(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url, dbname="postgres", connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


# --------------------------------------------------------------------------- databases


def recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    with psycopg.connect(url, dbname="postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    with psycopg.connect(url, dbname="postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _database_name(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    name = conninfo_to_dict(url).get("dbname")
    if not name or name == "postgres":
        raise SystemExit(f"BENCH_DATABASE_URL must name a database of its own, not {name!r}")
    return str(name)


# --------------------------------------------------------------------------- running


def child_environment(database_url: str, var_dir: Path) -> dict[str, str]:
    (var_dir / "static").mkdir(parents=True, exist_ok=True)  # WhiteNoise warns without it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIGRA_", "SECRET_KEY"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "migra.config.settings.base",
            "DEBUG": "false",  # DEBUG would keep every query in memory and skew the figures
            "SECRET_KEY": new_secret_key(),
            "MIGRA_ENCRYPTION_KEY": new_encryption_key(),
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "MIGRA_HTTPS": "false",
            "MIGRA_VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run_script(script: Path, database: str, database_url: str, var_dir: Path) -> Outcome:
    outcome = Outcome(script=script.stem, database=database)
    env = child_environment(database_url, var_dir)
    migrate = subprocess.run(  # noqa: S603 - our own interpreter and Django
        [sys.executable, "-m", "django", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if migrate.returncode != 0:
        outcome.error = f"migrate failed: {_last_line(migrate.stderr)}"
        sys.stderr.write(migrate.stderr)
        return outcome
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - a benchmark script of this repository
        [sys.executable, str(script)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    outcome.seconds = time.monotonic() - started
    if result.returncode != 0:
        outcome.error = f"exit status {result.returncode} (see its output above)"
    outcome.markdown = as_table(result.stdout)
    if not outcome.markdown and not outcome.error:
        outcome.error = "printed no table"
    return outcome


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def as_table(stdout: str) -> str:
    """The script's Markdown; rows printed without a header get the standard one."""
    lines = [line.rstrip() for line in stdout.splitlines() if line.strip()]
    if not lines:
        return ""
    first_table = next((i for i, line in enumerate(lines) if line.startswith("|")), None)
    if first_table is None:
        return "\n".join(lines)
    has_header = first_table + 1 < len(lines) and re.fullmatch(
        r"\|(\s*:?-{3,}:?\s*\|)+", lines[first_table + 1].replace(" ", "")
    )
    if has_header:
        return "\n".join(lines)
    columns = lines[first_table].strip("|").count("|") + 1
    names = (STANDARD_HEADER + [""] * columns)[:columns]
    header = ["| " + " | ".join(names) + " |", "|" + "---|" * columns]
    return "\n".join(lines[:first_table] + header + lines[first_table:])


# --------------------------------------------------------------------------- results


def render_run(machine: list[tuple[str, str]], outcomes: list[Outcome], when: datetime) -> str:
    scripts = list(dict.fromkeys(o.script for o in outcomes))
    out = [f"## {when:%Y-%m-%d %H:%M} UTC", "", f"Ran: {', '.join(scripts)}.", ""]
    out += ["| machine | |", "|---|---|"]
    out += [f"| {name} | {value} |" for name, value in machine]
    out.append("")
    for script in scripts:
        out += [f"### {script}", ""]
        for outcome in (o for o in outcomes if o.script == script):
            out.append(
                f"**{outcome.database}**"
                + (f" ({outcome.seconds:.0f} s)" if outcome.seconds else "")
            )
            out.append("")
            if outcome.error:
                out += [f"Failed: {outcome.error}", ""]
            if outcome.markdown:
                out += [outcome.markdown, ""]
            out += [f"_{note}_\n" for note in outcome.notes]
    return "\n".join(out).rstrip() + "\n"


def write_results(section: str, path: Path = RESULTS) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else INTRO
    if MARKER not in text:
        text = text.rstrip() + "\n\n" + MARKER + "\n"
    head, tail = text.split(MARKER, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"{head}{MARKER}\n\n{section}\n{tail.lstrip()}".rstrip() + "\n", encoding="utf-8"
    )


def discover(names: list[str]) -> list[Path]:
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if not names:
        return scripts
    wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
    chosen = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    unknown = wanted - {s.stem.removeprefix("bench_") for s in chosen}
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    parser.add_argument(
        "--no-write", action="store_true", help="print, do not touch docs/benchmarks.md"
    )
    args = parser.parse_args(argv)

    scripts = discover(args.names)
    if not scripts:
        print("No bench/bench_*.py scripts found.", file=sys.stderr)
        return 1
    postgres_url = (
        None if args.sqlite_only else os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)
    )
    machine = machine_description(postgres_url)
    postgres_up = postgres_url is not None and _postgres_version(postgres_url) is not None
    if postgres_url and not postgres_up:
        print(
            f"WARNING: PostgreSQL at {postgres_url} is unreachable; SQLite only.", file=sys.stderr
        )

    when = datetime.now(UTC)
    outcomes: list[Outcome] = []
    for script in scripts:
        if not args.postgres_only:
            print(f"== {script.stem} on SQLite", file=sys.stderr)
            with tempfile.TemporaryDirectory(prefix="migra-bench-") as folder:
                url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
                outcomes.append(run_script(script, "SQLite", url, Path(folder)))
        if postgres_url and postgres_up:
            print(f"== {script.stem} on PostgreSQL", file=sys.stderr)
            recreate_postgres(postgres_url)
            try:
                with tempfile.TemporaryDirectory(prefix="migra-bench-") as folder:
                    outcomes.append(run_script(script, "PostgreSQL", postgres_url, Path(folder)))
            finally:
                drop_postgres(postgres_url)
        elif postgres_url:
            outcomes.append(Outcome(script.stem, "PostgreSQL", error="server unreachable, not run"))

    section = render_run(machine, outcomes, when)
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"Written to {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
