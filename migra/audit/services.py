"""Writing to the audit trail. Call inside the same transaction as the change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from migra.audit.chain import (
    GENESIS_HASH,
    canonical_changes,
    canonical_ip,
    canonical_text,
    event_hash,
)
from migra.audit.models import AuditChainHead, AuditEvent


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return canonical_ip(request.META.get("REMOTE_ADDR"))


def _text(value: str, limit: int) -> str:
    return canonical_text(value)[:limit]


def audit_record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event. `actor` is a user (or None for the system).

    Values are stored in the form both SQLite and PostgreSQL give back unchanged
    (see `migra.audit.chain`), so the hash checks out after a round trip.
    """
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_label = object_label or str(target)
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    actor_label = str(actor) if actor_id is not None else ""
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    path = request.get_full_path() if request is not None else ""
    with transaction.atomic():
        # The head row is the lock: appends happen one at a time, in order. On
        # SQLite the IMMEDIATE transaction already holds the database's write lock.
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
        )
        fields: dict[str, Any] = {
            "seq": head.seq + 1,
            # Stored in UTC with microseconds on both databases.
            "at": datetime.now(UTC),
            "actor_id": actor_id,
            "actor_label": _text(actor_label, 200),
            "action": _text(action, 20),
            "object_type": _text(object_type, 60),
            "object_id": _text(object_id, 64),
            "object_label": _text(object_label, 200),
            "changes": canonical_changes(changes or {}),
            "ip": _client_ip(request),
            "user_agent": _text(str(user_agent), 200),
            "path": _text(path, 300),
            "prev_hash": head.hash,
        }
        event = AuditEvent(**fields, hash=event_hash(**fields))
        event.save(force_insert=True)
        head.seq = event.seq
        head.hash = event.hash
        head.save(update_fields=["seq", "hash"])
    return event
