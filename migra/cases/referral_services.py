"""Writes to referrals and the referral directory, overdue alerts and the daily digest.

Keyword-only; each validates, saves, writes its audit event (and the case's timeline
through `migra.cases.services.case_event`) in one transaction, then tells the people
concerned (`migra.cases.notifications.notify`). Audit changes and timeline details
hold codes and ids only: never a reason, an update's text or anything of the snapshot.

A referral's life::

    pending ──► accepted ──► completed
       │  └──► declined (with a reason)
       └─────► cancelled (by the sender)

Sending needs the person's consent to be referred to that agency
(`migra.people.services.consent_allows`). What the receiving agency may read is the
snapshot taken at sending time (`Referral.shared`), holding exactly the parts the
sender chose. See docs/referrals.md.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from migra.accounts.identifiers import normalize_email, normalize_phone
from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import AgencyKind
from migra.accounts.selectors import deny
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.cases.cleaning import clean_text
from migra.cases.models import (
    Case,
    CaseNote,
    CaseService,
    CaseStatus,
    Notification,
    Referral,
    ReferralStatus,
    ReferralUpdate,
    ServiceKind,
    ServiceOffer,
    ServiceStatus,
    Urgency,
)
from migra.cases.notifications import notify, send_email, site_url, user_language
from migra.cases.referral_selectors import (
    OPEN_STATUSES,
    agencies_for_directory,
    offers_manageable_by,
    open_referral_exists,
    overdue_referrals,
    overdue_referrals_of,
    overdue_tasks_of,
    receivers_of,
    referrals_of_manageable_cases,
    referrals_received_by,
    senders_of,
    unoffered_kinds,
)
from migra.places.models import Place, PlaceKind

logger = logging.getLogger("migra.cases.referrals")

MAX_REASON = 2000
MAX_DECLINE_REASON = 1000
MAX_UPDATE = 2000
MAX_NOTES_SHARED = 50
MAX_DUE_DAYS = 365
# Kinds of agency that never receive cases.
NOT_RECEIVING = frozenset({AgencyKind.DONOR, AgencyKind.MEDIA_PARTNER})
SHARE_PARTS = ("identity", "summary", "screening", "services", "notes")
SNAPSHOT_VERSION = 1

MAX_CONTACT_NAME = ServiceOffer._meta.get_field("contact_name").max_length or 120
MAX_OFFER_NOTES = ServiceOffer._meta.get_field("notes").max_length or 500


class ReferralConflict(ValidationError):
    """The referral changed since the page was opened (accepted by a colleague, …)."""


class NoConsent(ValidationError):
    """The person has not agreed to be referred to this agency: nothing was sent."""


class UnofferedServices(ValidationError):
    """The agency does not offer some requested services in the province: the sender
    must confirm. `kinds` lists them."""

    def __init__(self, kinds: list[str]) -> None:
        labels = ", ".join(str(ServiceKind(k).label) for k in kinds)
        super().__init__(
            _(
                "According to the referral directory, this agency does not offer %(services)s "
                "in the person's province. Check with the agency, then confirm to send anyway."
            )
            % {"services": labels},
            code="unoffered",
        )
        self.kinds = kinds


# --------------------------------------------------------------------------- checks


def _clean_kinds(values: Any) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError({"requested_services": _("Choose from the list.")})
    kinds: list[str] = []
    for value in values:
        if not isinstance(value, str) or value not in ServiceKind.values:
            raise ValidationError(
                {"requested_services": _("Choose from the list.")}, code="invalid_choice"
            )
        if value not in kinds:
            kinds.append(value)
    if not kinds:
        raise ValidationError(
            {"requested_services": _("Choose at least one service the person needs.")},
            code="required",
        )
    return kinds


def _clean_parts(values: Any) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError({"shared_parts": _("Choose from the list.")})
    parts: list[str] = []
    for value in values:
        if value not in SHARE_PARTS:
            raise ValidationError({"shared_parts": _("Choose from the list.")})
        if value not in parts:
            parts.append(value)
    return [p for p in SHARE_PARTS if p in parts]


def _clean_due(value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({"due_on": _("Give the date an answer is needed by.")})
    today = timezone.localdate()
    if value < today:
        raise ValidationError({"due_on": _("The date is in the past.")}, code="past")
    if value > today + dt.timedelta(days=MAX_DUE_DAYS):
        raise ValidationError({"due_on": _("Give a date within a year.")}, code="range")
    return value


def _require_case_manager(actor: User, case: Case, request: HttpRequest | None) -> None:
    from migra.cases.selectors import cases_manageable_by

    if not cases_manageable_by(actor).filter(pk=case.pk).exists():
        raise deny(request, actor, reason="may not refer this case", target=case)


def _require_receiver(actor: User, referral: Referral, request: HttpRequest | None) -> None:
    if not referrals_received_by(actor).filter(pk=referral.pk).exists():
        raise deny(request, actor, reason="not a receiver of this referral", target=referral)


def _status_error(status: str) -> ValidationError:
    messages: dict[str, str] = {
        ReferralStatus.PENDING: _("This referral is still waiting for an answer."),
        ReferralStatus.ACCEPTED: _("This referral was already accepted. Nothing was changed."),
        ReferralStatus.DECLINED: _("This referral was declined. Nothing was changed."),
        ReferralStatus.COMPLETED: _("This referral is already completed. Nothing was changed."),
        ReferralStatus.CANCELLED: _("This referral was cancelled. Nothing was changed."),
    }
    return ReferralConflict(messages.get(status, _("Nothing was changed.")), code=status)


def _refresh_due(case_id: int) -> None:
    from migra.cases.services import case_refresh_due

    case_refresh_due(case=Case.objects.get(pk=case_id))


def _event(case: Case, actor: User | None, kind: str, detail: dict[str, Any]) -> None:
    from migra.cases.services import case_event

    case_event(case=case, actor=actor, kind=kind, detail=detail)


def _referral_url(referral: Referral) -> str:
    return reverse("cases:referral-detail", args=[referral.pk])


def _tell(users: Iterable[User], actor: User | None, kind: str, referral: Referral) -> None:
    notify(
        users=[u for u in users if actor is None or u.pk != actor.pk],
        kind=kind,
        object_type="referral",
        object_label=f"#{referral.pk}",
        url=_referral_url(referral),
    )


# --------------------------------------------------------------------------- the snapshot


def _age(person: Any, today: dt.date) -> int | None:
    born = person.date_of_birth
    if born is not None:
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if person.birth_year:
        return today.year - person.birth_year
    return None


def _place(place: Place | None) -> dict[str, str] | None:
    if place is None:
        return None
    return {"code": place.code, "km": place.name_km, "en": place.name_en, "th": place.name_th}


def _agency(agency: Agency) -> dict[str, Any]:
    return {"id": agency.pk, "km": agency.name_km, "en": agency.name_en}


def _screening_part(case: Case) -> dict[str, Any] | None:
    """The case's latest screening result: its code, when, which kind of screening and
    which lists (adult or child) — no answers. None when the case has no screening."""
    try:
        from migra.screening.models import Screening
    except ImportError:  # pragma: no cover - the screening app is optional here
        return None
    latest = (
        Screening.objects.filter(case=case)
        .order_by("-at", "-pk")
        .values("result", "at", "mode", "group")
        .first()
    )
    if latest is None:
        return None
    return {
        "result": latest["result"],
        "at": latest["at"].isoformat(),
        "mode": latest["mode"],
        "group": latest["group"],
    }


def referral_snapshot(
    *, case: Case, parts: Sequence[str], notes: Sequence[CaseNote] = ()
) -> dict[str, Any]:
    """What the receiving agency will read: the case's type, risk and places, and
    exactly the chosen parts as they are now."""
    today = timezone.localdate()
    snapshot: dict[str, Any] = {
        "v": SNAPSHOT_VERSION,
        "taken_on": today.isoformat(),
        "parts": list(parts),
        "case": {
            "case_type": case.case_type,
            "risk": case.risk,
            "province": _place(case.province),
            "destination": _place(case.destination),
        },
    }
    if "identity" in parts:
        person = case.person
        snapshot["identity"] = {
            "names": [{"script": n.script, "value": n.value} for n in person.names.all()],
            "sex": person.sex,
            "age": _age(person, today),
            "age_exact": bool(person.date_of_birth),
            "phones": [p.value for p in person.phones.all()],
        }
    if "summary" in parts:
        snapshot["summary"] = case.summary
    if "screening" in parts:
        snapshot["screening"] = _screening_part(case)
    if "services" in parts:
        snapshot["services"] = [
            {
                "kind": s.kind,
                "status": s.status,
                "agency": _agency(s.agency),
                "planned_on": s.planned_on.isoformat() if s.planned_on else None,
                "started_on": s.started_on.isoformat() if s.started_on else None,
                "delivered_on": s.delivered_on.isoformat() if s.delivered_on else None,
                "currency": s.currency,
                "amount_claimed": str(s.amount_claimed) if s.amount_claimed is not None else None,
                "amount_recovered": (
                    str(s.amount_recovered) if s.amount_recovered is not None else None
                ),
            }
            for s in CaseService.objects.filter(case=case).select_related("agency").order_by("pk")
        ]
    if "notes" in parts:
        snapshot["notes"] = [
            {"at": n.at.isoformat(), "agency": _agency(n.agency), "text": n.text}
            for n in sorted(notes, key=lambda n: (n.at, n.pk))
        ]
    return snapshot


def referral_shared(referral: Referral) -> dict[str, Any]:
    """The snapshot, read back (an empty one if it cannot be read)."""
    try:
        data = json.loads(referral.shared or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --------------------------------------------------------------------------- sending


def referral_send(
    *,
    actor: User,
    case: Case,
    to_agency: Agency,
    reason: str,
    urgency: str,
    requested_services: Sequence[str],
    due_on: dt.date,
    shared_parts: Sequence[str],
    notes: Sequence[CaseNote] = (),
    confirm_unoffered: bool = False,
    request: HttpRequest | None = None,
) -> Referral:
    """Refer a case to another agency.

    Refused (nothing sent) when: the actor may not manage the case (logged 403), the
    case is closed, the agency is the case's own or inactive, the same agency already
    has an open referral of this case, the person has not consented to be referred to
    that agency (`NoConsent`). When the directory says the agency does not offer a
    requested service in the case's province, `UnofferedServices` asks the sender to
    confirm (`confirm_unoffered=True`).
    """
    from migra.people.models import ConsentPurpose
    from migra.people.services import consent_allows

    _require_case_manager(actor, case, request)
    reason = clean_text(reason, field="reason", limit=MAX_REASON, required=True)
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose from the list.")}, code="invalid_choice")
    kinds = _clean_kinds(requested_services)
    due = _clean_due(due_on)
    parts = _clean_parts(shared_parts)
    if not isinstance(to_agency, Agency) or not to_agency.is_active:
        raise ValidationError({"to_agency": _("Choose an active agency.")}, code="invalid")
    if to_agency.kind in NOT_RECEIVING:
        raise ValidationError(
            {"to_agency": _("This agency does not receive referrals.")}, code="not_receiving"
        )
    if to_agency.pk == case.agency_id:
        raise ValidationError(
            {"to_agency": _("A case cannot be referred to its own agency.")}, code="own_agency"
        )
    notes = list(notes)
    if notes and "notes" not in parts:
        parts = _clean_parts([*parts, "notes"])
    if "notes" in parts:
        if not notes:
            raise ValidationError(
                {"notes": _("Choose the notes to share, or do not share notes.")},
                code="required",
            )
        if len(notes) > MAX_NOTES_SHARED:
            raise ValidationError(
                {"notes": _("Share at most %(limit)d notes.") % {"limit": MAX_NOTES_SHARED}},
                code="too_many",
            )
        if any(not isinstance(n, CaseNote) or n.case_id != case.pk for n in notes):
            raise ValidationError({"notes": _("Choose notes of this case.")}, code="invalid")
    if not consent_allows(person=case.person, purpose=ConsentPurpose.REFERRAL, agency=to_agency):
        raise NoConsent(
            _(
                "The person has not agreed to be referred to %(agency)s, so nothing was sent. "
                "Record their consent on the person's page first."
            )
            % {"agency": to_agency},
            code="no_consent",
        )
    missing = unoffered_kinds(agency=to_agency, kinds=kinds, province=case.province)
    if missing and not confirm_unoffered:
        raise UnofferedServices(missing)
    with transaction.atomic():
        # The case row is the lock: two referrals of one case are sent one at a time.
        current = Case.objects.select_for_update().get(pk=case.pk)
        if current.status == CaseStatus.CLOSED:
            raise ValidationError(_("This case is closed. Reopen it first."), code="closed")
        if open_referral_exists(case=current, to_agency=to_agency):
            raise ValidationError(
                {
                    "to_agency": _(
                        "This case already has an open referral to this agency. Post an "
                        "update on it instead."
                    )
                },
                code="duplicate",
            )
        snapshot = referral_snapshot(case=current, parts=parts, notes=notes)
        referral = Referral.objects.create(
            case=current,
            from_agency_id=current.agency_id,
            to_agency=to_agency,
            sent_by=actor,
            sent_at=timezone.now(),
            reason=reason,
            urgency=urgency,
            requested_services=kinds,
            due_on=due,
            shared_parts=parts,
            shared=json.dumps(snapshot, ensure_ascii=False),
        )
        _event(
            current,
            actor,
            "referral_sent",
            {
                "referral": referral.pk,
                "to_agency": to_agency.pk,
                "urgency": urgency,
                "services": kinds,
                "parts": parts,
            },
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=referral,
            changes={
                "case": current.pk,
                "to_agency": to_agency.pk,
                "urgency": urgency,
                "services": kinds,
                "due_on": due.isoformat(),
                "parts": parts,
                "notes": sorted(n.pk for n in notes),
                "unoffered_confirmed": missing or None,
            },
            request=request,
        )
        _refresh_due(current.pk)
        _tell(receivers_of(referral), actor, "referral_received", referral)
    return referral


# --------------------------------------------------------------------------- answering


def _decide(
    *,
    actor: User,
    referral: Referral,
    allowed_from: Sequence[str],
    to_status: str,
    extra: dict[str, Any],
) -> Referral:
    """Move the referral from one of `allowed_from` to `to_status` with one conditional
    UPDATE: of two people answering at once, exactly one wins; the other gets a clear
    error and changes nothing."""
    won = Referral.objects.filter(pk=referral.pk, status__in=list(allowed_from)).update(
        status=to_status, version=F("version") + 1, **extra
    )
    current = Referral.objects.select_related("case", "to_agency", "sent_by").get(pk=referral.pk)
    if not won:
        raise _status_error(current.status)
    return current


def _answered(
    current: Referral,
    *,
    actor: User,
    kind: str,
    from_status: str,
    tell: Iterable[User],
    request: HttpRequest | None,
) -> None:
    """What follows every change of a referral's status: the case's timeline, the audit
    trail, the case's next due date, and a notification to the other side."""
    _event(current.case, actor, kind, {"referral": current.pk})
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=current,
        changes={"status": [from_status, current.status]},
        request=request,
    )
    _refresh_due(current.case_id)
    _tell(tell, actor, kind, current)


def referral_accept(
    *, actor: User, referral: Referral, request: HttpRequest | None = None
) -> Referral:
    """The receiving agency takes the referral on. Only a pending referral."""
    _require_receiver(actor, referral, request)
    with transaction.atomic():
        current = _decide(
            actor=actor,
            referral=referral,
            allowed_from=[ReferralStatus.PENDING],
            to_status=ReferralStatus.ACCEPTED,
            extra={"decided_at": timezone.now(), "decided_by": actor},
        )
        _answered(
            current,
            actor=actor,
            kind="referral_accepted",
            from_status=ReferralStatus.PENDING,
            tell=senders_of(current),
            request=request,
        )
    return current


def referral_decline(
    *, actor: User, referral: Referral, reason: str, request: HttpRequest | None = None
) -> Referral:
    """The receiving agency turns the referral down, saying why (the sender reads it)."""
    _require_receiver(actor, referral, request)
    reason = clean_text(reason, field="decline_reason", limit=MAX_DECLINE_REASON, required=True)
    with transaction.atomic():
        current = _decide(
            actor=actor,
            referral=referral,
            allowed_from=[ReferralStatus.PENDING],
            to_status=ReferralStatus.DECLINED,
            extra={"decided_at": timezone.now(), "decided_by": actor},
        )
        # The reason is encrypted: written through the model, not the UPDATE above.
        current.decline_reason = reason
        current.save(update_fields=["decline_reason"])
        _answered(
            current,
            actor=actor,
            kind="referral_declined",
            from_status=ReferralStatus.PENDING,
            tell=senders_of(current),
            request=request,
        )
    return current


def referral_cancel(
    *, actor: User, referral: Referral, request: HttpRequest | None = None
) -> Referral:
    """The sender withdraws a referral still waiting for an answer."""
    if not referrals_of_manageable_cases(actor).filter(pk=referral.pk).exists():
        raise deny(request, actor, reason="may not cancel this referral", target=referral)
    with transaction.atomic():
        current = _decide(
            actor=actor,
            referral=referral,
            allowed_from=[ReferralStatus.PENDING],
            to_status=ReferralStatus.CANCELLED,
            extra={},
        )
        _answered(
            current,
            actor=actor,
            kind="referral_cancelled",
            from_status=ReferralStatus.PENDING,
            tell=receivers_of(current),
            request=request,
        )
    return current


def referral_complete(
    *, actor: User, referral: Referral, request: HttpRequest | None = None
) -> Referral:
    """The receiving agency finished what it was asked to do."""
    _require_receiver(actor, referral, request)
    with transaction.atomic():
        current = _decide(
            actor=actor,
            referral=referral,
            allowed_from=[ReferralStatus.ACCEPTED],
            to_status=ReferralStatus.COMPLETED,
            extra={"completed_at": timezone.now()},
        )
        _answered(
            current,
            actor=actor,
            kind="referral_completed",
            from_status=ReferralStatus.ACCEPTED,
            tell=senders_of(current),
            request=request,
        )
    return current


def referral_update_post(
    *, actor: User, referral: Referral, text: str, request: HttpRequest | None = None
) -> ReferralUpdate:
    """A message on the referral from either side (what was done, what is next)."""
    receiver = referrals_received_by(actor).filter(pk=referral.pk).exists()
    sender = referrals_of_manageable_cases(actor).filter(pk=referral.pk).exists()
    if not (receiver or sender):
        raise deny(request, actor, reason="may not post on this referral", target=referral)
    text = clean_text(text, field="text", limit=MAX_UPDATE, required=True)
    with transaction.atomic():
        current = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
        if current.status not in OPEN_STATUSES:
            raise _status_error(current.status)
        agency_id = current.to_agency_id if receiver else current.from_agency_id
        update = ReferralUpdate.objects.create(
            referral=current, at=timezone.now(), author=actor, agency_id=agency_id, text=text
        )
        _event(
            current.case,
            actor,
            "referral_update",
            {"referral": current.pk, "update": update.pk, "agency": agency_id},
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=current,
            changes={"update": update.pk, "length": len(text)},
            request=request,
        )
        others = senders_of(current) if receiver else list(receivers_of(current))
        _tell(others, actor, "referral_update", current)
    return update


def _require_accepted_receiver(
    actor: User, referral: Referral, request: HttpRequest | None
) -> Referral:
    _require_receiver(actor, referral, request)
    current = Referral.objects.select_related("case", "to_agency").get(pk=referral.pk)
    if current.status != ReferralStatus.ACCEPTED:
        if current.status == ReferralStatus.PENDING:
            raise ReferralConflict(
                _("Accept the referral before recording services."), code="pending"
            )
        raise _status_error(current.status)
    return current


def referral_service_add(
    *,
    actor: User,
    referral: Referral,
    kind: str,
    status: str = ServiceStatus.PLANNED,
    planned_on: dt.date | None = None,
    due_on: dt.date | None = None,
    currency: str = "",
    amount_claimed: Any = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> CaseService:
    """The receiving agency records a service it provides through an accepted referral
    (in the case plan, with the receiving agency as provider)."""
    from migra.cases.services import case_service_add

    current = _require_accepted_receiver(actor, referral, request)
    service = case_service_add(
        actor=actor,
        case=current.case,
        kind=kind,
        agency=current.to_agency,
        referral=current,
        status=status,
        planned_on=planned_on,
        due_on=due_on,
        currency=currency,
        amount_claimed=amount_claimed,
        note=note,
        request=request,
    )
    _tell(senders_of(current), actor, "referral_service", current)
    return service


def referral_service_update(
    *,
    actor: User,
    referral: Referral,
    service: CaseService,
    expected_version: int,
    status: str | None = None,
    started_on: dt.date | None = None,
    delivered_on: dt.date | None = None,
    currency: str | None = None,
    amount_claimed: Any = None,
    amount_recovered: Any = None,
    note: str | None = None,
    request: HttpRequest | None = None,
) -> CaseService:
    """Change a service the receiving agency recorded on this referral."""
    from migra.cases.services import case_service_update

    current = _require_accepted_receiver(actor, referral, request)
    if service.referral_id != current.pk:
        raise deny(request, actor, reason="service of another referral", target=current)
    updated = case_service_update(
        actor=actor,
        service=service,
        expected_version=expected_version,
        status=status,
        started_on=started_on,
        delivered_on=delivered_on,
        currency=currency,
        amount_claimed=amount_claimed,
        amount_recovered=amount_recovered,
        note=note,
        request=request,
    )
    if updated.version != service.version:
        _tell(senders_of(current), actor, "referral_service", current)
    return updated


# --------------------------------------------------------------------------- overdue alerts


def referrals_alert_overdue(*, today: dt.date | None = None) -> int:
    """Alert once about each overdue referral (pending or accepted past its due date):
    the sender, the case's caseworker and the receiving agency's receivers. The first
    run to mark `overdue_alerted_at` sends; any other finds it marked. Returns how many
    referrals were alerted about."""
    today = today or timezone.localdate()
    alerted = 0
    ids = list(
        overdue_referrals(today)
        .filter(overdue_alerted_at__isnull=True)
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=pk, overdue_alerted_at__isnull=True, status__in=list(OPEN_STATUSES)
            ).update(overdue_alerted_at=timezone.now())
            if not claimed:
                continue
            referral = Referral.objects.select_related("case", "sent_by").get(pk=pk)
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                target=referral,
                changes={"overdue_alert": referral.due_on.isoformat()},
            )
            users = {u.pk: u for u in senders_of(referral)}
            users.update({u.pk: u for u in receivers_of(referral)})
            _tell(users.values(), None, "referral_overdue", referral)
            alerted += 1
    return alerted


# --------------------------------------------------------------------------- daily digest

DIGEST_KIND = "daily_digest"


def _digest_candidates(today: dt.date) -> list[User]:
    """Users who may have overdue work: given an overdue task, or members of an agency
    on either side of an overdue referral."""
    from migra.cases.models import CaseTask

    task_users = CaseTask.objects.filter(
        done_at__isnull=True, due_on__lt=today, assigned_to__isnull=False
    ).values("assigned_to_id")
    late = overdue_referrals(today)
    agencies = set(late.values_list("from_agency_id", flat=True)) | set(
        late.values_list("to_agency_id", flat=True)
    )
    members = Membership.objects.filter(
        agency_id__in=agencies, is_active=True, agency__is_active=True
    ).values("user_id")
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=task_users) | Q(pk__in=members))
        .order_by("pk")
    )


def daily_digest_for(user: User, today: dt.date) -> dict[str, Any]:
    """What a user's digest lists: overdue tasks and referrals they may see."""
    return {
        "tasks": list(overdue_tasks_of(user, today)),
        "referrals": list(overdue_referrals_of(user, today)),
    }


def daily_digest_send(*, today: dt.date | None = None) -> int:
    """Send each user with overdue work one digest a day (in the app and by email).
    A user who already has today's digest is skipped, so running it again the same day
    (or from two workers) sends nothing twice. Returns how many digests went out."""
    today = today or timezone.localdate()
    label = today.isoformat()
    sent = 0
    url = reverse("cases:overdue")
    for user in _digest_candidates(today):
        content = daily_digest_for(user, today)
        if not content["tasks"] and not content["referrals"]:
            continue
        with transaction.atomic():
            # The user's row is the lock; the digest notification is the day's mark.
            User.objects.select_for_update().filter(pk=user.pk).first()
            if Notification.objects.filter(
                user=user, kind=DIGEST_KIND, object_label=label
            ).exists():
                continue
            notification = Notification.objects.create(
                user=user,
                kind=DIGEST_KIND,
                at=timezone.now(),
                object_type="digest",
                object_label=label,
                url=url,
            )
        sent += 1
        try:
            emailed = bool(user.email) and _digest_email(user, content, today)
        except Exception:
            # The digest stays in the app; the other users still get theirs.
            logger.exception("Could not email the daily digest to user %s", user.pk)
            continue
        if emailed:
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return sent


def _digest_email(user: User, content: dict[str, Any], today: dt.date) -> bool:
    base = site_url()
    tasks = [
        {"due_on": t.due_on, "link": base + reverse("cases:detail", args=[t.case_id])}
        for t in content["tasks"]
    ]
    referrals = [
        {"due_on": r.due_on, "status": r.status, "link": base + _referral_url(r)}
        for r in content["referrals"]
    ]
    from django.utils import translation

    with translation.override(user_language(user)):
        context = {
            "tasks": tasks,
            "referrals": [
                {**r, "status_label": str(ReferralStatus(r["status"]).label)} for r in referrals
            ],
            "today": today,
            "overdue_link": base + reverse("cases:overdue"),
        }
    return send_email(
        user=user,
        subject_template="cases/email/digest_subject.txt",
        body_template="cases/email/digest.txt",
        context=context,
    )


# --------------------------------------------------------------------------- the directory


def _clean_offer(
    *,
    actor: User,
    agency: Any,
    kind: Any,
    province: Any,
    contact_name: Any,
    phone: Any,
    email: Any,
    notes: Any,
    request: HttpRequest | None,
) -> dict[str, Any]:
    if not isinstance(agency, Agency) or not agency.is_active:
        raise ValidationError({"agency": _("Choose an active agency.")}, code="invalid")
    if not agencies_for_directory(actor).filter(pk=agency.pk).exists():
        raise deny(request, actor, reason="may not change this agency's directory entries")
    if not isinstance(kind, str) or kind not in ServiceKind.values:
        raise ValidationError({"kind": _("Choose from the list.")}, code="invalid_choice")
    if province is not None and (
        not isinstance(province, Place) or province.kind != PlaceKind.PROVINCE
    ):
        raise ValidationError({"province": _("Choose a province.")}, code="invalid")
    contact = clean_text(contact_name, field="contact_name", limit=MAX_CONTACT_NAME, required=False)
    phone_text = clean_text(phone, field="phone", limit=40, required=False)
    if phone_text:
        try:
            phone_text = normalize_phone(phone_text)
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from None
    email_text = clean_text(email, field="email", limit=254, required=False)
    if email_text:
        try:
            email_text = normalize_email(email_text)
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid email address.")}) from None
    notes_text = clean_text(notes, field="notes", limit=MAX_OFFER_NOTES, required=False)
    return {
        "agency": agency,
        "kind": kind,
        "province": province,
        "contact_name": contact,
        "phone": phone_text,
        "email": email_text,
        "notes": notes_text,
    }


def _offer_taken(values: dict[str, Any], exclude_pk: int | None) -> bool:
    same = ServiceOffer.objects.filter(
        agency=values["agency"], kind=values["kind"], province=values["province"]
    )
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.exists()


_TAKEN = gettext_lazy(
    "This agency already has an entry for this service in this province: change that one."
)


def _offer_changes(offer: ServiceOffer) -> dict[str, Any]:
    """For the audit trail: codes and whether contacts are given (not the contacts)."""
    return {
        "agency": offer.agency_id,
        "kind": offer.kind,
        "province": offer.province.code if offer.province else None,
        "contact": bool(offer.contact_name or offer.phone or offer.email),
        "active": offer.is_active,
    }


def service_offer_create(
    *,
    actor: User,
    agency: Agency,
    kind: str,
    province: Place | None = None,
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    notes: str = "",
    request: HttpRequest | None = None,
) -> ServiceOffer:
    """Add a directory entry: the agency offers this service in the province (or
    everywhere when no province)."""
    values = _clean_offer(
        actor=actor,
        agency=agency,
        kind=kind,
        province=province,
        contact_name=contact_name,
        phone=phone,
        email=email,
        notes=notes,
        request=request,
    )
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=values["agency"].pk).first()
        if _offer_taken(values, None):
            raise ValidationError({"kind": _TAKEN}, code="duplicate")
        offer = ServiceOffer.objects.create(**values)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=offer,
            changes=_offer_changes(offer),
            request=request,
        )
    return offer


def _version_of(offer: ServiceOffer) -> str:
    return offer.updated_at.isoformat()


def service_offer_version(offer: ServiceOffer) -> str:
    """The token a form carries to notice someone else's save (the last change's time)."""
    return _version_of(offer)


def _locked_offer(
    actor: User,
    offer: ServiceOffer,
    expected_version: Any,
    request: HttpRequest | None,
    *,
    check_version: bool = True,
) -> ServiceOffer:
    current = offers_manageable_by(actor).select_for_update(of=("self",)).filter(pk=offer.pk)
    locked = current.first()
    if locked is None:
        raise deny(request, actor, reason="may not change this directory entry", target=offer)
    if check_version and (
        not isinstance(expected_version, str) or _version_of(locked) != expected_version
    ):
        raise ValidationError(
            _(
                "Someone else changed this entry while you were editing it, so nothing was "
                "saved. Reload the page to see their changes, then make yours again."
            ),
            code="conflict",
        )
    return locked


def service_offer_update(
    *,
    actor: User,
    offer: ServiceOffer,
    expected_version: str,
    agency: Agency,
    kind: str,
    province: Place | None = None,
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    notes: str = "",
    is_active: bool = True,
    request: HttpRequest | None = None,
) -> ServiceOffer:
    values = _clean_offer(
        actor=actor,
        agency=agency,
        kind=kind,
        province=province,
        contact_name=contact_name,
        phone=phone,
        email=email,
        notes=notes,
        request=request,
    )
    if not isinstance(is_active, bool):
        raise ValidationError({"is_active": _("Choose yes or no.")})
    with transaction.atomic():
        locked = _locked_offer(actor, offer, expected_version, request)
        if _offer_taken(values, locked.pk):
            raise ValidationError({"kind": _TAKEN}, code="duplicate")
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        if locked.is_active != is_active:
            changed.append("is_active")
        if not changed:
            return locked
        for name, value in values.items():
            setattr(locked, name, value)
        locked.is_active = is_active
        locked.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={**_offer_changes(locked), "fields": sorted(changed)},
            request=request,
        )
    return locked


def service_offer_deactivate(
    *, actor: User, offer: ServiceOffer, request: HttpRequest | None = None
) -> ServiceOffer:
    """Take an entry out of the directory (kept, marked inactive). Twice: an error."""
    with transaction.atomic():
        locked = _locked_offer(actor, offer, None, request, check_version=False)
        if not locked.is_active:
            raise ValidationError(_("This entry is already inactive."), code="inactive")
        locked.is_active = False
        locked.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={**_offer_changes(locked), "fields": ["is_active"]},
            request=request,
        )
    return locked
