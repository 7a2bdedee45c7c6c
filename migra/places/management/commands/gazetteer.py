"""`migra gazetteer`: load (or check) Cambodia's places and destinations abroad."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from migra.places.services import gazetteer_load


class Command(BaseCommand):
    help = (
        "Load Cambodia's provinces, districts, communes and villages and the destination "
        "countries into the database. Safe to run again: only differences are written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only count what would be created or updated; write nothing.",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        result = gazetteer_load(dry_run=check)
        for kind, count in sorted(result.by_kind.items()):
            self.stdout.write(f"{kind:>10}: {count}")
        verb = "would be " if check else ""
        self.stdout.write(
            f"{result.created} {verb}created, {result.updated} {verb}updated, "
            f"{result.unchanged} unchanged"
            + (f", {result.obsolete} no longer in the source (kept)" if result.obsolete else "")
        )
        if check and result.changed:
            self.stdout.write(self.style.WARNING("The gazetteer is not up to date."))
        elif not check:
            self.stdout.write(self.style.SUCCESS("Gazetteer loaded."))
