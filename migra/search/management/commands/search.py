"""`migra search rebuild [--type TYPE …] [--batch N]`: index every searchable record again.

Run it after restoring a backup, after rotating the first encryption key (name keys
are stored as keyed hashes) and whenever the index is suspected to be out of step.
Search keeps answering while it runs. `migra search types` lists the document types.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from migra.search.registry import doc_types
from migra.search.services import REBUILD_BATCH, search_rebuild


class Command(BaseCommand):
    help = "Manage the search index: `rebuild` indexes every record again, `types` lists types."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        rebuild = actions.add_parser("rebuild", help="Index every searchable record again.")
        rebuild.add_argument(
            "--type",
            action="append",
            dest="types",
            metavar="TYPE",
            help="Only this document type (repeatable).",
        )
        rebuild.add_argument("--batch", type=int, default=REBUILD_BATCH, help="Records per batch.")
        actions.add_parser("types", help="List the searchable document types.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        known = {entry.name for entry in doc_types()}
        if action == "types":
            for name in sorted(known):
                self.stdout.write(name)
            return
        if action != "rebuild":
            raise CommandError("Say what to do: `migra search rebuild` or `migra search types`.")
        types = options.get("types")
        unknown = sorted(set(types or ()) - known)
        if unknown:
            raise CommandError(
                f"Unknown document type: {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
            )
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        result = search_rebuild(doc_types=types, batch_size=options["batch"])
        for name, count in result.indexed.items():
            self.stdout.write(f"{name}: {count} indexed, {result.removed[name]} removed")
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
