"""`migra community tallies`: recount the summary tallies from the records.

The services keep the tallies exact as they write; run this after loading records
by other means (a bulk import, a restore of part of the data), or to check them:
`--check` recounts without writing and says whether the kept tallies agree.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from migra.community.tallies import tallies_differences, tallies_rebuild


class Command(BaseCommand):
    help = "Community tools: `tallies` recounts the summary tallies from the records."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        tallies = actions.add_parser("tallies", help="Recount the summary tallies.")
        tallies.add_argument(
            "--check",
            action="store_true",
            help="Only compare the kept tallies with a recount; exit 1 when they differ.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") != "tallies":
            raise CommandError("Say what to do: `migra community tallies [--check]`.")
        if options["check"]:
            differences = tallies_differences()
            if differences:
                raise CommandError(
                    f"{differences} tally rows differ from a recount: run "
                    "`migra community tallies` to recount."
                )
            self.stdout.write("The tallies agree with the records.")
            return
        made = tallies_rebuild()
        self.stdout.write(
            f"Recounted: {made['register']} register rows, {made['attendance']} attendance rows."
        )
