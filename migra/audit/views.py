"""Staff pages for the audit trail: browse with filters, one event, verify the chain."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from migra.accounts.roles import Perm
from migra.accounts.selectors import require_perm
from migra.audit.forms import AuditFilterForm
from migra.audit.models import AuditAction
from migra.audit.selectors import audit_event_get_for_user, audit_events_visible_to
from migra.audit.services import audit_record
from migra.audit.verify import event_hash_matches, verify_chain

PAGE_SIZE = 50


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_AUDIT)
    form = AuditFilterForm(request.GET or None)
    events = audit_events_visible_to(request.user)
    if form.is_bound:
        events = form.filter(events) if form.is_valid() else events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"form": form, "page": page})


def _change_rows(changes: Any) -> list[dict[str, Any]]:
    """The changes as rows: a field and its old and new value, or a field and a value."""
    if not isinstance(changes, dict):
        return [{"field": "", "value": _pretty(changes)}]
    rows = []
    for field, value in sorted(changes.items()):
        if isinstance(value, dict) and value.keys() == {"old", "new"}:
            old, new = _pretty(value["old"]), _pretty(value["new"])
            rows.append({"field": field, "old": old, "new": new})
        else:
            rows.append({"field": field, "value": _pretty(value)})
    return rows


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@login_required
@require_GET
def event_detail(request: HttpRequest, seq: int) -> HttpResponse:
    require_perm(request, Perm.VIEW_AUDIT)
    event = audit_event_get_for_user(request, seq=seq)
    visible = audit_events_visible_to(request.user)
    context = {
        "event": event,
        "change_rows": _change_rows(event.changes),
        "changes_json": json.dumps(event.changes, ensure_ascii=False, indent=2, sort_keys=True),
        "hash_matches": event_hash_matches(event),
        "previous_seq": visible.filter(seq__lt=event.seq).values_list("seq", flat=True).first(),
        "next_seq": visible.filter(seq__gt=event.seq)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first(),
    }
    return render(request, "audit/event_detail.html", context)


@login_required
@require_POST
def chain_verify(request: HttpRequest) -> HttpResponse:
    """Check the whole chain now, in the request.

    Fine up to a few hundred thousand events (a few seconds); beyond that run
    `migra audit verify` from a shell or a scheduled job instead.
    """
    require_perm(request, Perm.VIEW_AUDIT)
    report = verify_chain()
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        object_type="audit.chain",
        object_label="verify",
        changes={
            "ok": report.ok,
            "events_checked": report.events_checked,
            "first_broken_seq": report.first_broken_seq,
        },
        request=request,
    )
    if report.ok:
        messages.success(
            request,
            ngettext(
                "The audit trail is intact: %(count)s event checks out.",
                "The audit trail is intact: all %(count)s events check out.",
                report.events_checked,
            )
            % {"count": report.events_checked},
        )
    else:
        messages.error(
            request,
            _("The audit trail is broken at event #%(seq)s: %(reason)s")
            % {"seq": report.first_broken_seq, "reason": report.reason},
        )
    return redirect("audit:list")


