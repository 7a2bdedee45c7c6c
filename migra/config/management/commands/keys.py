"""`migra keys generate`: new key material for a production installation.

    migra keys generate > /etc/migra/keys.env   # then chmod 600 and point systemd at it

Prints a fresh SECRET_KEY and MIGRA_ENCRYPTION_KEY as `NAME=value` lines. It changes
nothing: installing the keys is up to the operator. Production settings refuse to load
without keys, so the console script runs this before Django's settings are read
(see migra/manage.py); this command is the same action once settings load.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from migra.lib.keys import generated_keys_text


class Command(BaseCommand):
    help = "Manage key material. `generate` prints a new SECRET_KEY and MIGRA_ENCRYPTION_KEY."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        actions.add_parser("generate", help="Print a new SECRET_KEY and MIGRA_ENCRYPTION_KEY.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        if action == "generate":
            self.stdout.write(generated_keys_text(), ending="")
            return
        raise CommandError("Say what to do: `migra keys generate`.")
