"""Django's `flush`, able to wipe the append-only audit trail with everything else.

The audit tables refuse DELETE and TRUNCATE (migration 0002), so the stock
command would fail on them. This one lifts the triggers for the wipe, in the
same transaction, and puts them back. Django's test framework runs `flush`
after every transactional test, so this keeps those tests working on both
databases. Wiping a single audit row is still impossible.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from migra.audit.guards import append_only_guards_lifted


class Command(flush.Command):
    help = (
        f"{flush.Command.help} The audit trail's append-only triggers are lifted "
        "for the wipe and restored after it."
    )

    def handle(self, **options: Any) -> None:
        with append_only_guards_lifted(using=options["database"]):
            super().handle(**options)
