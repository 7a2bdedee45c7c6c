"""Someone with database access alters the trail; verify_chain finds where.

Each test first removes the triggers, as such an attacker would, then edits the
table with raw SQL. The report must name the first event that can no longer be
trusted.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from migra.audit.chain import event_hash
from migra.audit.tests.conftest import drop_guards, record_events
from migra.audit.verify import HASHED_FIELDS, verify_chain

EVENTS = 10


@pytest.fixture
def trail(db: Any) -> None:
    record_events(EVENTS, changes={"ឈ្មោះ": "សុខា"})
    assert verify_chain().ok
    drop_guards()


def sql(statement: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def stored_hash(seq: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_auditevent WHERE seq = %s", [seq])
        return str(cursor.fetchone()[0])


@pytest.mark.parametrize("batch_size", [3, 2000])
def test_a_changed_field_in_a_middle_event(trail: None, batch_size: int) -> None:
    sql("UPDATE audit_auditevent SET object_label = %s WHERE seq = %s", "forged", 5)

    report = verify_chain(batch_size=batch_size)

    assert not report.ok
    assert report.first_broken_seq == 5
    assert "do not match its hash" in str(report.reason)
    assert report.events_checked == 4


def test_changed_json_changes_in_a_middle_event(trail: None) -> None:
    sql("UPDATE audit_auditevent SET changes = %s WHERE seq = %s", '{"ឈ្មោះ": "ដារា"}', 6)
    report = verify_chain()
    assert (report.ok, report.first_broken_seq) == (False, 6)


def test_a_changed_event_whose_hash_was_recomputed_breaks_the_next_link(trail: None) -> None:
    from migra.audit.models import AuditEvent

    event = AuditEvent.objects.get(seq=5)
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["actor_label"] = "someone else"
    sql(
        "UPDATE audit_auditevent SET actor_label = %s, hash = %s WHERE seq = %s",
        "someone else",
        event_hash(**fields),
        5,
    )

    report = verify_chain()

    assert report.first_broken_seq == 6
    assert "does not link" in str(report.reason)


@pytest.mark.parametrize("batch_size", [3, 4, 2000])
def test_a_deleted_middle_event(trail: None, batch_size: int) -> None:
    sql("DELETE FROM audit_auditevent WHERE seq = %s", 4)

    report = verify_chain(batch_size=batch_size)

    assert not report.ok
    assert report.first_broken_seq == 4
    assert "#4 is missing" in str(report.reason)
    assert report.events_checked == 3


def test_a_deleted_first_event(trail: None) -> None:
    sql("DELETE FROM audit_auditevent WHERE seq = %s", 1)
    report = verify_chain()
    assert (report.ok, report.first_broken_seq, report.events_checked) == (False, 1, 0)


def test_a_deleted_last_event(trail: None) -> None:
    sql("DELETE FROM audit_auditevent WHERE seq = %s", EVENTS)

    report = verify_chain()

    assert not report.ok
    assert report.first_broken_seq == EVENTS
    assert report.events_checked == EVENTS - 1
    assert "newest events were deleted" in str(report.reason)


def test_every_event_deleted(trail: None) -> None:
    sql("DELETE FROM audit_auditevent")
    report = verify_chain()
    assert (report.ok, report.first_broken_seq) == (False, 1)


def test_swapped_hashes(trail: None) -> None:
    fourth, fifth = stored_hash(4), stored_hash(5)
    # In three steps: the hash column is unique.
    sql("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", "x" * 64, 4)
    sql("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", fourth, 5)
    sql("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", fifth, 4)

    report = verify_chain()

    assert (report.ok, report.first_broken_seq) == (False, 4)


def test_a_changed_last_event(trail: None) -> None:
    sql("UPDATE audit_auditevent SET action = %s WHERE seq = %s", "create", EVENTS)
    report = verify_chain()
    assert (report.ok, report.first_broken_seq) == (False, EVENTS)


def test_a_replaced_last_event_with_a_consistent_hash_disagrees_with_the_head(
    trail: None,
) -> None:
    from migra.audit.models import AuditEvent

    event = AuditEvent.objects.get(seq=EVENTS)
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["object_id"] = "999"
    sql(
        "UPDATE audit_auditevent SET object_id = %s, hash = %s WHERE seq = %s",
        "999",
        event_hash(**fields),
        EVENTS,
    )

    report = verify_chain()

    assert (report.ok, report.first_broken_seq) == (False, EVENTS)
    assert "chain head" in str(report.reason)


def test_an_event_slipped_in_after_the_head(trail: None) -> None:
    from migra.audit.models import AuditEvent

    last = AuditEvent.objects.get(seq=EVENTS)
    fields = {name: getattr(last, name) for name in HASHED_FIELDS}
    fields.update(seq=EVENTS + 1, prev_hash=last.hash, object_id="forged")
    AuditEvent(**fields, hash=event_hash(**fields)).save()

    report = verify_chain()

    assert (report.ok, report.first_broken_seq) == (False, EVENTS + 1)


def test_a_deleted_chain_head(trail: None) -> None:
    sql("DELETE FROM audit_auditchainhead")
    report = verify_chain()
    assert not report.ok
    assert "chain head is missing" in str(report.reason)
