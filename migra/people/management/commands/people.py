"""`migra people dedupe OUTPUT.csv [--threshold 0.5] [--workers 2] [--show-names]`:
likely duplicates; `migra people retention [--request]`: records kept past the
retention period.

Reads every current person (decrypting), compares only persons sharing a blocking key
(in memory, on --workers processes) and writes one CSV row per likely pair, strongest
first: the two record numbers, the tier (match: near-certain; likely: to review), the
score and the reasons. Progress lines (counts only) go to stderr. Names are written
(to the file and the screen) only with --show-names, read for the reported pairs
only; the screen shows counts only otherwise. The file (mode 0600, written under a
temporary name and renamed when complete) holds personal data when names are in it:
keep it where the database is kept.
"""

from __future__ import annotations

import csv
import os
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.lib.matching import LIKELY_THRESHOLD, MATCH_THRESHOLD
from migra.people.selectors import (
    DedupeStats,
    duplicate_pairs,
    person_names,
    persons_past_retention,
    retention_days,
)
from migra.people.tasks import request_erasure_past_retention

MAX_PATH_CHARS = 4096
DEFAULT_WORKERS = 2


def _cores() -> int:
    return os.cpu_count() or 1


def _shown(path: object) -> str:
    """A path as it may be echoed: quoted, control characters escaped, cut short."""
    text = repr(str(path))
    return text if len(text) <= 120 else text[:119] + "…"


def _output_path(raw: str) -> Path:
    """The report's path, checked before any work: a file name in an existing folder."""
    if not raw or len(raw) > MAX_PATH_CHARS or "\x00" in raw:
        raise CommandError(
            f"Give the report's path: a file name of at most {MAX_PATH_CHARS} characters, "
            "without NUL characters."
        )
    path = Path(raw)
    try:
        if path.name in ("", ".", "..") or path.is_dir():
            raise CommandError(f"{_shown(path)} is a folder: give a file name for the report.")
        if not path.parent.is_dir():
            raise CommandError(f"No such directory: {_shown(path.parent)}")
    except OSError as error:  # a name too long for the file system …
        raise CommandError(f"Cannot use {_shown(path)}: {error.strerror}.") from None
    return path


def _start_file(path: Path) -> tuple[int, Path]:
    """A new file next to `path` (mode 0600, a name nobody else has): fails at once
    when the folder is not writable, before the long work."""
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".migra-dedupe-", suffix=".part")
    except OSError as error:
        raise CommandError(f"Cannot write in {_shown(path.parent)}: {error.strerror}.") from None
    return fd, Path(name)


class Command(BaseCommand):
    help = (
        "People registry tools: `dedupe` writes a CSV report of likely duplicates; "
        "`retention` lists (and with --request, puts forward for erasure) records kept "
        "past the retention period."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        dedupe = actions.add_parser("dedupe", help="Report likely duplicates as CSV.")
        dedupe.add_argument("output", help="Path of the CSV file to write.")
        dedupe.add_argument("--threshold", type=float, default=LIKELY_THRESHOLD)
        dedupe.add_argument(
            "--workers",
            type=int,
            default=min(DEFAULT_WORKERS, _cores()),
            help="Processes that score pairs: 1 to the number of cores (default 2).",
        )
        dedupe.add_argument(
            "--show-names", action="store_true", help="Also write and print the names."
        )
        retention = actions.add_parser("retention", help="Count records past the retention period.")
        retention.add_argument(
            "--request",
            action="store_true",
            help="Also put each of them forward for erasure (a supervisor approves).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        if action == "dedupe":
            self._dedupe(options)
        elif action == "retention":
            self._retention(request=options["request"])
        else:
            raise CommandError(
                "Say what to do: `migra people dedupe OUTPUT.csv` or `migra people retention`."
            )

    def _retention(self, *, request: bool) -> None:
        past = persons_past_retention()
        total = past.count()
        self.stdout.write(
            f"{total} records are older than {retention_days()} days without a consent "
            "to keep them."
        )
        if not request:
            return
        filed = request_erasure_past_retention.call()
        self.stdout.write(f"{filed} put forward for erasure; a supervisor approves each one.")

    def _progress(self, text: str) -> None:
        self.stderr.write(text, style_func=str)

    def _dedupe(self, options: dict[str, Any]) -> None:
        threshold = options["threshold"]
        if not 0 <= threshold <= 1:
            raise CommandError("--threshold is between 0 and 1.")
        workers = options["workers"]
        if not 1 <= workers <= _cores():
            raise CommandError(f"--workers is between 1 and {_cores()} (the number of cores).")
        output = _output_path(options["output"])
        show = options["show_names"]
        fd, temporary = _start_file(output)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                stats = DedupeStats()
                pairs = duplicate_pairs(
                    threshold=threshold, workers=workers, stats=stats, progress=self._progress
                )
                names = person_names(p for pair in pairs for p in (pair.a, pair.b)) if show else {}
                writer = csv.writer(handle)
                header = ["person_a", "person_b", "tier", "score", "reasons"]
                if show:
                    header += ["names_a", "names_b"]
                writer.writerow(header)
                # Strongest first (duplicate_pairs' order): a reviewer works down the
                # file, so the pairs that share a phone, a document or an exact birth
                # date come before common-name look-alikes.
                for pair in pairs:
                    tier = "match" if pair.score >= MATCH_THRESHOLD else "likely"
                    row = [pair.a, pair.b, tier, f"{pair.score:.3f}"]
                    row.append(" ".join(r.code for r in pair.reasons))
                    if show:
                        row += [
                            " / ".join(names.get(pair.a, ())),
                            " / ".join(names.get(pair.b, ())),
                        ]
                        self.stdout.write(f"#{row[0]} {row[5]} ~ #{row[1]} {row[6]} ({row[3]})")
                    writer.writerow(row)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(output)
        except BaseException as error:
            temporary.unlink(missing_ok=True)
            if isinstance(error, OSError):  # the disk filled up, the folder went away …
                raise CommandError(f"Cannot write {_shown(output)}: {error.strerror}.") from None
            raise
        matches = sum(1 for pair in pairs if pair.score >= MATCH_THRESHOLD)
        # A report is a bulk read of the registry (with names, an export): on the trail,
        # counts only.
        audit_record(
            actor=None,
            action=AuditAction.EXPORT if show else AuditAction.VIEW,
            object_type="people.dedupe",
            object_label="duplicate report",
            changes={"pairs": len(pairs), "match": matches, "names": show},
        )
        considered = stats.pairs_scored + stats.pairs_ruled_out
        self.stdout.write(
            f"{stats.pairs_found} likely duplicate pairs, {matches} of them near-certain, "
            f"among {stats.persons} persons ({considered} pairs shared a block, "
            f"{stats.pairs_ruled_out} of them ruled out by sex, age or place before the "
            f"full score; {stats.skipped_blocks} oversized blocks skipped) written to "
            f"{_shown(output)}, strongest first"
        )
