"""`migra collect install-forms`: load the built-in field forms and their place lists.

Safe to run again: a form is stored only when its version is new, and the generated
media (places, groups, topics) are replaced only when their content changed — run it
after changing the gazetteer, the groups or the topic catalogue so phones get the new
lists.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from migra.collect.services import builtin_forms_install


class Command(BaseCommand):
    help = "Field forms: `install-forms` loads the built-in XLSForms and their media."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        install = actions.add_parser("install-forms", help="Load the built-in XLSForms.")
        install.add_argument(
            "--keep-closed",
            action="store_true",
            help="Leave forms installed for the first time as drafts (phones do not get them).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") != "install-forms":
            raise CommandError("Say what to do: `migra collect install-forms`.")
        try:
            report = builtin_forms_install(open_new=not options["keep_closed"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        for form_id in report.installed:
            self.stdout.write(f"installed {form_id}")
        self.stdout.write(
            f"{len(report.installed)} installed, {len(report.unchanged)} already up to date."
        )
