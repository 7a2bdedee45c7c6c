"""`migra audit verify`."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from migra.audit.models import AuditChainHead, AuditEvent
from migra.audit.tests.conftest import drop_guards, record_events


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_intact_trail(db: Any) -> None:
    record_events(12)
    out, err = run("verify", "--batch-size", "5")
    head = AuditChainHead.objects.get(pk=1)
    assert out.splitlines() == [
        "Audit trail intact: 12 events.",
        f"Head: #12 {head.hash}",
    ]
    assert err == ""


def test_a_broken_trail_exits_1_in_english(db: Any) -> None:
    record_events(12)
    drop_guards()
    AuditEvent.objects.filter(seq=8).update(actor_label="forged")
    out, err = StringIO(), StringIO()

    with translation.override("km"), pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", stdout=out, stderr=err)

    assert exit_info.value.code == 1
    assert err.getvalue().strip() == (
        "Audit trail BROKEN at event #8: the contents of event #8 do not match its hash: "
        "it was changed."
    )


def test_a_subcommand_is_required(db: Any) -> None:
    with pytest.raises(CommandError):
        call_command("audit")
