"""`migra people dedupe OUTPUT.csv [--threshold 0.5] [--show-names]`: likely duplicates.

Compares only persons filed under a shared blocking key (the stored blind indexes)
and writes one CSV row per likely pair: the two record numbers, the score and the
reasons. Names are written (to the file and the screen) only with --show-names; the
screen shows counts only otherwise. The file holds personal data when names are in it:
keep it where the database is kept.
"""

from __future__ import annotations

import csv
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from migra.lib.matching import LIKELY_THRESHOLD
from migra.people.selectors import DedupeStats, duplicate_pairs


def _names(person: Any) -> str:
    return " / ".join(n.value for n in person.names.all())


class Command(BaseCommand):
    help = "People registry tools: `dedupe` writes a CSV report of likely duplicates."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        dedupe = actions.add_parser("dedupe", help="Report likely duplicates as CSV.")
        dedupe.add_argument("output", help="Path of the CSV file to write.")
        dedupe.add_argument("--threshold", type=float, default=LIKELY_THRESHOLD)
        dedupe.add_argument(
            "--show-names", action="store_true", help="Also write and print the names."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") != "dedupe":
            raise CommandError("Say what to do: `migra people dedupe OUTPUT.csv`.")
        threshold = options["threshold"]
        if not 0 <= threshold <= 1:
            raise CommandError("--threshold is between 0 and 1.")
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"No such directory: {output.parent}")
        show = options["show_names"]
        stats = DedupeStats()
        temporary = output.with_name(f".{output.name}.part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            header = ["person_a", "person_b", "score", "reasons"]
            if show:
                header += ["names_a", "names_b"]
            writer.writerow(header)
            for pair in duplicate_pairs(threshold=threshold, stats=stats):
                row = [
                    pair.a.pk,
                    pair.b.pk,
                    f"{pair.score:.3f}",
                    " ".join(r.code for r in pair.reasons),
                ]
                if show:
                    row += [_names(pair.a), _names(pair.b)]
                    self.stdout.write(
                        f"#{pair.a.pk} {_names(pair.a)} ~ #{pair.b.pk} {_names(pair.b)}"
                        f" ({pair.score:.2f})"
                    )
                writer.writerow(row)
        temporary.replace(output)
        self.stdout.write(
            f"{stats.pairs_found} likely duplicate pairs ({stats.pairs_scored} compared in "
            f"{stats.blocks} blocks; {stats.skipped_blocks} oversized blocks skipped) "
            f"written to {output}"
        )
