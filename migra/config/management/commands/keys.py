"""`migra keys generate` and `migra keys rotate`.

    migra keys generate > /etc/migra/keys.env   # then chmod 600 and point systemd at it

`generate` prints a fresh SECRET_KEY and MIGRA_ENCRYPTION_KEY as `NAME=value` lines. It
changes nothing: installing the keys is up to the operator. Production settings refuse
to load without keys, so the console script runs this before Django's settings are read
(see migra/manage.py); this command is the same action once settings load.

`rotate` re-encrypts every encrypted value that is not under the current (first) key of
MIGRA_ENCRYPTION_KEY, in batches, while the site runs (docs/encryption.md):

    1. MIGRA_ENCRYPTION_KEY="<new>,<old>"  and restart every process
    2. migra keys rotate
    3. MIGRA_ENCRYPTION_KEY="<new>"        and restart again
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from migra.lib.keys import generated_keys_text


class Command(BaseCommand):
    help = (
        "Manage key material. `generate` prints a new SECRET_KEY and MIGRA_ENCRYPTION_KEY; "
        "`rotate` re-encrypts stored values under the first key of MIGRA_ENCRYPTION_KEY."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        actions.add_parser("generate", help="Print a new SECRET_KEY and MIGRA_ENCRYPTION_KEY.")
        rotate = actions.add_parser(
            "rotate", help="Re-encrypt every encrypted value under the current (first) key."
        )
        rotate.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Rows per transaction (default 1000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        if action == "generate":
            self.stdout.write(generated_keys_text(), ending="")
            return
        if action == "rotate":
            self._rotate(options["batch_size"])
            return
        raise CommandError("Say what to do: `migra keys generate` or `migra keys rotate`.")

    def _rotate(self, batch_size: int) -> None:
        from migra.config.encryption import KeyMismatchError, get_key_ring, rotate

        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            ring = get_key_ring()
        except KeyMismatchError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Re-encrypting under key {ring.current_key_id} "
            f"(keys in the ring: {', '.join(ring.key_ids)})."
        )
        report = rotate(batch_size=batch_size, progress=self.stdout.write)
        self.stdout.write(f"{report.rotated:,} values re-encrypted.")
        if report.changed_meanwhile:
            self.stdout.write(
                f"{report.changed_meanwhile:,} values were edited while rotating and were left "
                "as edited; run `migra keys rotate` again to check they are all done."
            )
        if report.failures:
            for failure in report.failures:
                self.stderr.write(failure)
            raise CommandError(
                f"{len(report.failures):,} values could not be decrypted with any key in the "
                "ring and were left unchanged (listed above). Do not remove an old key yet."
            )
        if not report.changed_meanwhile:
            self.stdout.write(
                f"Every encrypted value is under key {ring.current_key_id}. You may now remove "
                "the old key(s) from MIGRA_ENCRYPTION_KEY and restart."
            )
