"""`migra demo`: create the demo programme, agencies and users, and print the logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from migra.accounts.demo import DEMO_PASSWORD, demo_ensure
from migra.accounts.roles import Role


class Command(BaseCommand):
    help = "Create the demo programme, its agencies and one user per role (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Create demo accounts even with DEBUG off (for a training server only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Refusing to create demo accounts with DEBUG off: they have a published "
                "password. Use --allow-production on a training server."
            )
        users = demo_ensure()
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        width = max(len(spec.login) for spec, _ in users)
        for spec, needs_2fa in users:
            note = "  (sets up two-step login at first login)" if needs_2fa else ""
            self.stdout.write(f"  {spec.login.ljust(width)}  {Role(spec.role).label}{note}")
        self.stdout.write("")
