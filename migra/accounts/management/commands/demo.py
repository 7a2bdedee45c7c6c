"""`migra demo`: create the demo programme, agencies and users, and print the logins."""

from __future__ import annotations

from typing import Any

import phonenumbers
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
        logins = [(_as_typed(spec.login), spec, needs_2fa) for spec, needs_2fa in users]
        width = max(len(login) for login, _, _ in logins)
        for login, spec, needs_2fa in logins:
            note = "  (sets up two-step login at first login)" if needs_2fa else ""
            self.stdout.write(f"  {login.ljust(width)}  {Role(spec.role).label}{note}")
        self.stdout.write("")


def _as_typed(login: str) -> str:
    """Phone numbers as a Cambodian types them (012 345 601); emails as they are."""
    if "@" in login:
        return login
    number = phonenumbers.parse(login, "KH")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
