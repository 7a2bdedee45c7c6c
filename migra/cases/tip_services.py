"""Writes of tips: a concern reported on the public website or on the hotline, and its
triage (dismiss, add to a case, open a new case).

Keyword-only; each validates, saves and audits in one transaction. A tip's text and
the reporter's contact are encrypted (`Tip.text`, `Tip.contact`); audit events name
a tip as "tip #id" and record only codes and counts, never what was reported.

Triage is compare-and-set on `Tip.version` and `Tip.status`: a tip is triaged once.
A second attempt (a stale page, or two staff at the same moment) raises `TipConflict`
and changes nothing.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from migra.accounts.identifiers import normalize_phone
from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, user_has_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.cases.cleaning import clean_text
from migra.cases.models import Case, CaseSource, CaseStatus, Tip, TipSource, TipStatus
from migra.cases.notifications import notify
from migra.cases.selectors import cases_manageable_by
from migra.cases.services import case_event, case_open
from migra.cases.tip_selectors import may_triage, tip_triagers
from migra.lib.khmer.digits import to_arabic_digits
from migra.people.selectors import persons_manageable_by
from migra.places.models import Place

logger = logging.getLogger(__name__)

MAX_TEXT = 5000
MAX_CONTACT = 200
MAX_PLACE_NOTE = 200

# Where the place is told in words ("abroad: Bangkok, a fishing port"), it is kept with
# the text, encrypted, as a first paragraph after this mark (Tip has no column for it).

# Characters kept in free text besides printable ones: line breaks and tabs.


class DismissReason(models.TextChoices):
    """Why a tip was dismissed. A list, not free text: the reason is not encrypted, so
    nothing about a person may go in it."""

    SPAM = "spam", gettext_lazy("Spam, a joke or a test")
    DUPLICATE = "duplicate", gettext_lazy("Same concern as another tip or case")
    NOT_EXPLOITATION = (
        "not_exploitation",
        gettext_lazy("Not about unsafe migration, trafficking or exploitation"),
    )
    NOT_ENOUGH = "not_enough", gettext_lazy("Too little information to act on")
    HANDLED_ELSEWHERE = (
        "handled_elsewhere",
        gettext_lazy("Already handled by the police or another agency"),
    )
    RESOLVED = "resolved", gettext_lazy("The person is safe; no help is needed")


class TipConflict(ValidationError):
    """The tip was triaged (or changed) since the page was opened: nothing was changed."""


def _conflict(tip_pk: int) -> TipConflict:
    fresh = Tip.objects.filter(pk=tip_pk).only("status").first()
    if fresh is not None and fresh.status != TipStatus.NEW:
        return TipConflict(
            _(
                "This tip was already handled by someone else (now: %(status)s), so nothing "
                "was changed. Reload the page to see what was done."
            )
            % {"status": fresh.get_status_display()},
            code="conflict",
        )
    return TipConflict(
        _(
            "This tip changed while you were looking at it, so nothing was changed. "
            "Reload the page and try again."
        ),
        code="conflict",
    )


# --------------------------------------------------------------------------- text


def clean_contact(value: Any) -> str:
    """How to reach the reporter. A phone number (Khmer digits are fine) is kept in
    E.164 form; anything else (a Telegram name, "ask for Srey at the market") as typed."""
    text = clean_text(value, limit=MAX_CONTACT, field="contact", single_line=True)
    if not text:
        return ""
    digits = sum(ch.isdigit() for ch in to_arabic_digits(text))
    if digits >= 6:
        try:
            return normalize_phone(text)
        except ValidationError:
            pass
    return text


def tip_parts(tip: Tip) -> tuple[str, str]:
    """(place told in words, what happened) of a stored tip."""
    return tip.place_note or "", tip.text or ""


# --------------------------------------------------------------------------- reporting


# Who may pass on a concern heard in the field (a self-help group, a talk): the people
# who work there, sending it from their phone; hotline calls are for case staff only.
FIELD_TIP_PERMS = (Perm.MANAGE_CASES, Perm.MANAGE_GROUPS, Perm.LOG_OUTREACH)


def tip_submit(
    *,
    source: str,
    text: str,
    contact: str = "",
    place: Place | None = None,
    place_note: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Tip:
    """Store a reported concern, encrypted, and tell the staff who may triage it.

    The public form passes no actor and no request: the audit trail then holds no
    address or browser of the person who reported (a reporter must not be traceable
    through Migra's own records). Hotline tips name the staff member who took the call.
    """
    if source not in TipSource.values:
        raise ValidationError({"source": _("Choose where the tip came from.")}, code="invalid")
    if source == TipSource.PUBLIC_FORM:
        if actor is not None:
            raise ValidationError(
                {"source": _("Staff record tips as hotline calls, not as the public form.")},
                code="invalid",
            )
    elif source == TipSource.HOTLINE:
        if actor is None or not user_has_perm(actor, Perm.MANAGE_CASES):
            raise deny(request, actor, reason=f"missing permission {Perm.MANAGE_CASES}")
    elif actor is None or not any(user_has_perm(actor, perm) for perm in FIELD_TIP_PERMS):
        raise deny(request, actor, reason="may not record tips from the field")
    if place is not None and not isinstance(place, Place):
        raise ValidationError({"place": _("Choose a place from the list.")}, code="invalid")
    body = clean_text(text, limit=MAX_TEXT, field="text")
    if not body:
        raise ValidationError({"text": _("Tell us what happened.")}, code="required")
    note = clean_text(place_note, limit=MAX_PLACE_NOTE, field="place_note", single_line=True)
    reach = clean_contact(contact)
    with transaction.atomic():
        tip = Tip(
            source=source,
            received_at=timezone.now(),
            text=body,
            place_note=note,
            contact=reach,
            place=place,
            recorded_by=actor,
        )
        tip.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=tip,
            changes={
                "source": source,
                "has_contact": bool(reach),
                "place_kind": place.kind if place is not None else None,
            },
            request=request if source != TipSource.PUBLIC_FORM else None,
        )
        transaction.on_commit(partial(_notify_triagers, tip.pk))
    return tip


def _notify_triagers(tip_pk: int) -> None:
    """Tell the users who may triage a new tip. Never fails the report itself."""
    tip = Tip.objects.select_related("place").filter(pk=tip_pk).first()
    if tip is None:
        return
    users = list(tip_triagers(tip))
    if not users:
        return
    try:
        notify(
            users=users,
            kind="tip_new",
            object_type="tip",
            object_label=str(tip),
            url=reverse("cases:tip-detail", args=[tip.pk]),
        )
    except Exception:  # noqa: BLE001  (a failed notification must not lose the tip)
        logger.exception("Could not notify staff of tip #%s", tip_pk)


# --------------------------------------------------------------------------- triage


def _check_may_triage(actor: User, tip: Tip, request: HttpRequest | None) -> None:
    if not may_triage(actor, tip):
        raise deny(request, actor, reason="may not triage this tip", target=tip)


def _claim(*, tip: Tip, expected_version: int, actor: User, status: str, **fields: Any) -> None:
    """Mark the tip as handled if it is still new and unchanged; else TipConflict."""
    updated = Tip.objects.filter(pk=tip.pk, version=expected_version, status=TipStatus.NEW).update(
        status=status,
        handled_at=timezone.now(),
        handled_by=actor,
        version=F("version") + 1,
        **fields,
    )
    if updated != 1:
        raise _conflict(tip.pk)


def tip_dismiss(
    *,
    actor: User,
    tip: Tip,
    expected_version: int,
    reason: str,
    request: HttpRequest | None = None,
) -> Tip:
    if reason not in DismissReason.values:
        raise ValidationError({"reason": _("Choose why this tip is dismissed.")}, code="required")
    _check_may_triage(actor, tip, request)
    with transaction.atomic():
        _claim(
            tip=tip,
            expected_version=expected_version,
            actor=actor,
            status=TipStatus.DISMISSED,
            dismiss_reason=reason,
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=tip,
            changes={"status": TipStatus.DISMISSED.value, "reason": reason},
            request=request,
        )
    tip.refresh_from_db()
    return tip


def tip_merge(
    *,
    actor: User,
    tip: Tip,
    expected_version: int,
    case: Case,
    request: HttpRequest | None = None,
) -> Tip:
    """Add the tip to an existing case the actor may manage."""
    _check_may_triage(actor, tip, request)
    if not cases_manageable_by(actor).filter(pk=case.pk).exists():
        raise deny(request, actor, reason="may not manage this case", target=case)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(
            {
                "case": _("Case %(number)s is closed. Reopen it first, then add the tip.")
                % {"number": case.number}
            },
            code="closed",
        )
    with transaction.atomic():
        _claim(
            tip=tip,
            expected_version=expected_version,
            actor=actor,
            status=TipStatus.MERGED,
            case=case,
        )
        case_event(case=case, actor=actor, kind="tip_merged", detail={"tip": tip.pk})
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=tip,
            changes={"status": TipStatus.MERGED.value, "case": case.number},
            request=request,
        )
    tip.refresh_from_db()
    return tip


def tip_open_case(
    *,
    actor: User,
    tip: Tip,
    expected_version: int,
    person: Any,
    case_type: str,
    risk: str,
    origin: Place,
    destination: Place | None = None,
    summary: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Open a new case from the tip for a registered person; the tip points to it."""
    _check_may_triage(actor, tip, request)
    manageable = persons_manageable_by(actor).filter(
        pk=person.pk, merged_into__isnull=True, erased_at__isnull=True
    )
    if not manageable.exists():
        raise deny(request, actor, reason="may not open a case for this person", target=person)
    with transaction.atomic():
        _claim(tip=tip, expected_version=expected_version, actor=actor, status=TipStatus.OPENED)
        case = case_open(
            actor=actor,
            person=person,
            case_type=case_type,
            risk=risk,
            origin=origin,
            source=CaseSource.TIP,
            destination=destination,
            summary=summary,
            request=request,
        )
        Tip.objects.filter(pk=tip.pk).update(case=case)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=tip,
            changes={"status": TipStatus.OPENED.value, "case": case.number},
            request=request,
        )
    tip.refresh_from_db()
    return case
