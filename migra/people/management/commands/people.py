"""`migra people dedupe OUTPUT.csv [--threshold 0.5] [--show-names]`: likely duplicates;
`migra people retention [--request]`: records kept past the retention period.

Compares only persons filed under a shared blocking key (the stored blind indexes)
and writes one CSV row per likely pair, strongest first: the two record numbers, the
tier (match: near-certain; likely: to review), the score and the reasons. Names are
written (to the file and the screen) only with --show-names; the screen shows counts
only otherwise. The file holds personal data when names are in it:
keep it where the database is kept.
"""

from __future__ import annotations

import csv
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from migra.lib.matching import LIKELY_THRESHOLD, MATCH_THRESHOLD
from migra.people.selectors import (
    DedupeStats,
    duplicate_pairs,
    persons_past_retention,
    retention_days,
)
from migra.people.tasks import request_erasure_past_retention


def _names(person: Any) -> str:
    return " / ".join(n.value for n in person.names.all())


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

    def _dedupe(self, options: dict[str, Any]) -> None:
        threshold = options["threshold"]
        if not 0 <= threshold <= 1:
            raise CommandError("--threshold is between 0 and 1.")
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"No such directory: {output.parent}")
        show = options["show_names"]
        stats = DedupeStats()
        # Strongest first: a reviewer works down the file, so the pairs that share a
        # phone, a document or an exact birth date come before common-name look-alikes.
        rows = []
        for pair in duplicate_pairs(threshold=threshold, stats=stats):
            tier = "match" if pair.score >= MATCH_THRESHOLD else "likely"
            row = [pair.a.pk, pair.b.pk, tier, f"{pair.score:.3f}"]
            row.append(" ".join(r.code for r in pair.reasons))
            if show:
                row += [_names(pair.a), _names(pair.b)]
            rows.append((-pair.score, pair.a.pk, pair.b.pk, row))
        rows.sort()
        temporary = output.with_name(f".{output.name}.part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            header = ["person_a", "person_b", "tier", "score", "reasons"]
            if show:
                header += ["names_a", "names_b"]
            writer.writerow(header)
            for *_, row in rows:
                writer.writerow(row)
                if show:
                    self.stdout.write(f"#{row[0]} {row[5]} ~ #{row[1]} {row[6]} ({row[3]})")
        temporary.replace(output)
        matches = sum(1 for *_, row in rows if row[2] == "match")
        self.stdout.write(
            f"{stats.pairs_found} likely duplicate pairs, {matches} of them near-certain "
            f"({stats.pairs_scored} compared in {stats.blocks} blocks; "
            f"{stats.skipped_blocks} oversized blocks skipped) written to {output}, "
            "strongest first"
        )
