"""`migra audit verify`: check the whole audit trail. Exits 1 when it is broken."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from migra.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="subcommand")
        verify = subcommands.add_parser(
            "verify",
            help="Recompute every hash and follow every link; exit 1 if the trail was altered.",
        )
        verify.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Events read per query (default 2000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(batch_size=options["batch_size"])

    def verify(self, *, batch_size: int) -> None:
        report = verify_chain(batch_size=max(1, batch_size))
        # Operator output: English, whatever the default language.
        with translation.override(None):
            if report.ok:
                self.stdout.write(f"Audit trail intact: {report.events_checked} events.")
                self.stdout.write(f"Head: #{report.head_seq} {report.head_hash}")
                return
            self.stderr.write(
                f"Audit trail BROKEN at event #{report.first_broken_seq}: {report.reason}"
            )
        sys.exit(1)
