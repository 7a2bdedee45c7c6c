"""The database itself refuses to change or delete audit events."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from migra.audit.models import AuditChainHead, AuditEvent
from migra.audit.services import audit_record
from migra.audit.tests.conftest import record_events
from migra.audit.verify import verify_chain


@pytest.fixture
def trail(db: Any) -> None:
    record_events(3)


def refused(statement: str, *params: Any) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except IntegrityError:
        return True
    return False


def test_raw_update_is_refused(trail: None) -> None:
    assert refused("UPDATE audit_auditevent SET object_label = %s WHERE seq = %s", "x", 2)
    assert refused("UPDATE audit_auditevent SET object_label = %s", "x")
    assert AuditEvent.objects.filter(object_label="x").count() == 0


def test_raw_delete_is_refused(trail: None) -> None:
    assert refused("DELETE FROM audit_auditevent WHERE seq = %s", 2)
    assert refused("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 3


def test_queryset_update_and_delete_are_refused(trail: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(actor_label="forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(seq=1)._raw_delete(using="default")
    assert verify_chain().ok


def test_the_model_refuses_too(trail: None) -> None:
    event = AuditEvent.objects.get(seq=1)
    event.actor_label = "forged"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_the_chain_head_only_moves_forward(trail: None) -> None:
    assert refused("UPDATE audit_auditchainhead SET seq = seq - 1")
    assert refused("UPDATE audit_auditchainhead SET hash = %s", "0" * 64)
    assert refused("DELETE FROM audit_auditchainhead")
    assert AuditChainHead.objects.get(pk=1).seq == 3
    audit_record(actor=None, action="view")  # appending still moves it
    assert AuditChainHead.objects.get(pk=1).seq == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_truncate_is_refused(trail: None) -> None:
    assert refused("TRUNCATE audit_auditevent")
    assert refused("TRUNCATE audit_auditchainhead")
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_flush_still_wipes_the_whole_database_and_keeps_the_triggers() -> None:
    record_events(3)

    call_command("flush", interactive=False, verbosity=0)

    assert AuditEvent.objects.count() == 0
    assert not AuditChainHead.objects.exists()
    record_events(2)
    assert refused("DELETE FROM audit_auditevent")
    assert refused("UPDATE audit_auditevent SET path = %s", "x")
    assert verify_chain().ok
