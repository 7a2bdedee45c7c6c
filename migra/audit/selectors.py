"""Reading the audit trail: who may see which events."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from migra.accounts.models import Membership
from migra.accounts.roles import Perm
from migra.accounts.selectors import get_visible_or_deny, scope_q
from migra.audit.models import AuditEvent


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    """Events the user may read, newest first.

    Programme admins of the lead NGO (and superusers) read every event, the
    system's and anonymous ones included. A programme admin of another agency
    reads the events of people who are or were members of that agency: events
    hold no agency, so the actor's memberships decide. Everyone else: nothing.
    """
    reach = scope_q(user, Perm.VIEW_AUDIT, agency_field="agency")
    events = AuditEvent.objects.order_by("-seq")
    if not reach:
        return events  # programme-wide
    members = Membership.objects.filter(reach).values("user_id")
    return events.filter(actor_id__in=members)


def audit_event_get_for_user(request: HttpRequest, *, seq: int) -> AuditEvent:
    """One event by its number: 404 if there is none, a logged 403 if out of reach."""
    pk = AuditEvent.objects.filter(seq=seq).values_list("pk", flat=True).first()
    return get_visible_or_deny(request, audit_events_visible_to(request.user), pk)
