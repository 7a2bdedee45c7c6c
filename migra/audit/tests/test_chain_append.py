"""Each append links to the one before it and moves the chain head."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from migra.accounts.models import User
from migra.audit.chain import GENESIS_HASH
from migra.audit.models import AuditAction, AuditChainHead, AuditEvent
from migra.audit.services import audit_record
from migra.audit.verify import event_hash_matches


def test_events_are_numbered_and_linked_in_order(db: Any) -> None:
    for number in range(5):
        audit_record(actor=None, action=AuditAction.VIEW, object_type="t.x", object_id=str(number))

    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == 5
    assert all(event_hash_matches(e) for e in events)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (5, events[-1].hash)


def test_actor_target_and_request_are_recorded(lena: User) -> None:
    request = RequestFactory().get(
        "/app/users/7/?tab=ការងារ",
        HTTP_USER_AGENT="Mozilla/5.0 (Android 10)",
        REMOTE_ADDR="10.1.2.3",
    )
    event = audit_record(
        actor=lena,
        action=AuditAction.UPDATE,
        target=lena,
        changes={"full_name": {"old": "Lena", "new": "លីណា Lena"}},
        request=request,
    )
    event.refresh_from_db()
    assert event.actor_id == lena.pk
    assert event.actor_label == "លីណា Lena"
    assert (event.object_type, event.object_id, event.object_label) == (
        "accounts.user",
        str(lena.pk),
        "លីណា Lena",
    )
    assert event.ip == "10.1.2.3"
    assert event.user_agent == "Mozilla/5.0 (Android 10)"
    assert event.path.startswith("/app/users/7/?tab=")
    assert event_hash_matches(event)


def test_system_and_anonymous_actors_have_no_id(db: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    system = audit_record(actor=None, action=AuditAction.SECURITY)
    anonymous = audit_record(actor=AnonymousUser(), action=AuditAction.LOGIN_FAILED)
    assert (system.actor_id, system.actor_label) == (None, "")
    assert (anonymous.actor_id, anonymous.actor_label) == (None, "")


def test_over_long_values_are_cut_to_fit(db: Any) -> None:
    event = audit_record(
        actor=None, action=AuditAction.VIEW, object_type="t" * 100, object_label="ក" * 500
    )
    event.refresh_from_db()
    assert event.object_type == "t" * 60
    assert event.object_label == "ក" * 200
    assert event_hash_matches(event)
