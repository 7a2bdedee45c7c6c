"""`migra screening load`: load shipped catalogue files not loaded yet (idempotent);
`migra screening check [FILE ...]`: check catalogue files without loading them.

The first catalogue is loaded by the data migration `0002_load_shipped_catalogue`, so a
fresh database needs nothing more; `load` is for later shipped files and to report a
shipped file that changed after it was loaded (a correction must ship as a new file).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from migra.screening.loader import CatalogueFileError, read_catalogue_file, shipped_files
from migra.screening.services import catalogue_load_shipped


class Command(BaseCommand):
    help = "Screening catalogue: `load` shipped files (idempotent), `check` files."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        actions.add_parser("load", help="Load shipped catalogue files not loaded yet.")
        check = actions.add_parser("check", help="Check catalogue files without loading.")
        check.add_argument("files", nargs="*", help="Files to check (default: the shipped ones).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        try:
            if action == "load":
                self._load()
            elif action == "check":
                self._check(options.get("files") or [])
            else:
                raise CommandError("Say what to do: load or check.")
        except CatalogueFileError as error:
            raise CommandError(f"catalogue file refused, nothing loaded: {error}") from None

    def _load(self) -> None:
        report = catalogue_load_shipped()
        for number in report.created:
            self.stdout.write(f"loaded catalogue version {number}")
        for key in report.skipped:
            self.stdout.write(f"already loaded: {key}")
        for key in report.changed:
            self.stderr.write(
                f"WARNING: {key} changed after it was loaded; it was not loaded again. "
                "Ship a correction as a new file with a new key."
            )

    def _check(self, files: list[str]) -> None:
        found = (
            [read_catalogue_file(Path(name)) for name in files] if files else list(shipped_files())
        )
        for item in found:
            lists: dict[str, int] = {}
            for row in item.rows:
                lists[row["list_code"]] = lists.get(row["list_code"], 0) + 1
            counts = ", ".join(f"{code} {count}" for code, count in sorted(lists.items()))
            self.stdout.write(f"{item.key}: ok ({counts}; gaps: {', '.join(item.gaps) or '-'})")
