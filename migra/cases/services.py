"""Writes to cases: opening, the lifecycle, the case plan (services), notes, tasks,
attachments and saved list views.

Keyword-only; each validates, saves, appends to the case's timeline (CaseEvent) and
writes its audit event in one transaction. Timeline details and audit changes hold
codes, ids and counts only — never a name, a note's text or a file name. A case's
string form is its number, so audit labels identify no one.

The lifecycle (see docs/cases.md)::

    new ──► assessed ──► active ──► closed
     │         │                     ▲  │
     └─────────┴─────────────────────┘  └──► active (reopen)

Closing needs a reason; every transition is audited and on the timeline.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.db.models.functions import Length
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import Agency, User
from migra.accounts.selectors import deny
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.cases.cleaning import clean_text
from migra.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    CaseService,
    CaseSource,
    CaseStatus,
    CaseTask,
    CaseType,
    ClosingReason,
    Currency,
    Referral,
    ReferralStatus,
    RiskLevel,
    SavedCaseView,
    ServiceKind,
    ServiceStatus,
)
from migra.cases.selectors import (
    agencies_for_opening,
    cases_manageable_by,
    may_work_on,
)
from migra.people.models import Person
from migra.places.models import Place, PlaceKind
from migra.search.services import search_index_upsert

NUMBER_PREFIX = "MG"
NUMBER_DIGITS = 6
NUMBER_ATTEMPTS = 5
MAX_SUMMARY = 5000
MAX_NOTE = 10000
MAX_TASK_TITLE = 300
MAX_SERVICE_NOTE = 2000
MAX_AMOUNT = Decimal("999999999999.99")
MAX_FUTURE_YEARS = 10
MAX_SAVED_VIEWS = 50
MAX_VIEW_NAME = 80
MAX_VIEW_QUERY = 500

ORIGIN_KINDS = (PlaceKind.VILLAGE, PlaceKind.COMMUNE)
DESTINATION_KINDS = (PlaceKind.COUNTRY, PlaceKind.REGION)

# From each status, the statuses a case may move to.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.NEW: frozenset({CaseStatus.ASSESSED, CaseStatus.CLOSED}),
    CaseStatus.ASSESSED: frozenset({CaseStatus.ACTIVE, CaseStatus.CLOSED}),
    CaseStatus.ACTIVE: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.ACTIVE}),  # reopen
}

# Services that are finished keep their status; their amounts and note may still change
# (a recovered wage often comes in after the claim was delivered).
FINISHED_SERVICE = frozenset({ServiceStatus.DELIVERED, ServiceStatus.CANCELLED})
OPEN_SERVICE = frozenset({ServiceStatus.PLANNED, ServiceStatus.IN_PROGRESS})
OPEN_REFERRAL = frozenset({ReferralStatus.PENDING, ReferralStatus.ACCEPTED})
AMOUNT_KINDS = frozenset({ServiceKind.WAGE_CLAIM})


class CaseConflict(ValidationError):
    """Someone else saved the case (or service) since the form was opened: nothing saved."""


def _conflict(what: str = "case") -> CaseConflict:
    if what == "service":
        message = _(
            "Someone else changed this service while you were editing it, so nothing was "
            "saved. Your entries are still in the form: check the service's new state, "
            "then save again."
        )
    else:
        message = _(
            "Someone else changed this case while you were editing it, so nothing was "
            "saved. Your entries are still in the form: check the case's new state, then "
            "save again."
        )
    return CaseConflict(message, code="conflict")


# --------------------------------------------------------------------------- checks


def _now() -> dt.datetime:
    return timezone.now()


def _choice(value: Any, choices: Any, field: str) -> str:
    if not isinstance(value, str) or value not in choices.values:
        raise ValidationError({field: _("Choose from the list.")}, code="invalid_choice")
    return value


def _clean_origin(origin: Any) -> Place:
    if (
        not isinstance(origin, Place)
        or origin.kind not in ORIGIN_KINDS
        or not origin.is_in_cambodia
    ):
        raise ValidationError(
            {"origin": _("Choose the village or commune in Cambodia the person comes from.")},
            code="invalid_origin",
        )
    return origin


def _clean_destination(destination: Any) -> Place | None:
    if destination is None:
        return None
    if (
        not isinstance(destination, Place)
        or destination.is_in_cambodia
        or destination.kind not in DESTINATION_KINDS
    ):
        raise ValidationError(
            {"destination": _("Choose a country or a province abroad.")},
            code="invalid_destination",
        )
    return destination


def _clean_date(value: Any, *, field: str, allow_past: bool = True) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({field: _("Give a real date.")}, code="invalid")
    today = timezone.localdate()
    if not allow_past and value < today:
        raise ValidationError({field: _("The date is in the past.")}, code="past")
    if value.year > today.year + MAX_FUTURE_YEARS or value.year < today.year - 100:
        raise ValidationError({field: _("Give a date in a sensible range.")}, code="range")
    return value


def _clean_amount(value: Any, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise ValidationError({field: _("Give an amount, for example 1500.50.")})
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Give an amount, for example 1500.50.")}) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(
            {field: _("Give an amount between 0 and 999,999,999,999.99.")}, code="range"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Give at most two decimal places.")}, code="decimals")
    return amount.quantize(Decimal("0.01"))


def _province_of(place: Place) -> Place | None:
    parts = place.path.split("/")
    if len(parts) < 2:
        return None
    return Place.objects.filter(path="/".join(parts[:2]), kind=PlaceKind.PROVINCE).first()


def _require_manage(actor: User | None, case: Case, request: HttpRequest | None) -> None:
    if actor is None:
        return  # the system itself (set-up commands such as the demo)
    if not cases_manageable_by(actor).filter(pk=case.pk).exists():
        raise deny(request, actor, reason="may not change this case", target=case)


def _require_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("This case is closed. Reopen it first."), code="closed")


def _lock(case: Case, expected_version: Any, what: str = "case") -> Case:
    """The case's row, locked for this transaction; a stale version changes nothing."""
    current = Case.objects.select_for_update().get(pk=case.pk)
    if not isinstance(expected_version, int) or current.version != expected_version:
        raise _conflict(what)
    return current


def _opening_agency(actor: User | None, origin: Place, agency: Agency | None) -> Agency:
    """The agency opening the case: the one given, or the actor's only agency where they
    hold MANAGE_CASES over the origin."""
    if actor is None:
        if agency is None:
            raise ValueError("the system opens cases only for a given agency")
        return agency
    possible = agencies_for_opening(actor, origin)
    if agency is not None:
        if any(a.pk == agency.pk for a in possible):
            return agency
        raise deny(None, actor, reason="may not open cases for this agency here")
    if len(possible) == 1:
        return possible[0]
    if not possible:
        raise ValidationError(
            {"origin": _("You may not open cases for people from this place.")},
            code="outside_scope",
        )
    raise ValidationError(
        {"agency": _("You work for several agencies here: choose the one opening this case.")},
        code="agency_required",
    )


def _check_assignee(assigned_to: Any, agency: Agency, origin: Place) -> User | None:
    if assigned_to is None:
        return None
    if not isinstance(assigned_to, User) or not may_work_on(assigned_to, agency, origin):
        raise ValidationError(
            {
                "assigned_to": _(
                    "Choose a caseworker of the agency who works in the person's place."
                )
            },
            code="invalid_assignee",
        )
    return assigned_to


# --------------------------------------------------------------------------- numbers


def _next_number(year: int) -> str:
    """The next free case number of the year, like MG-2026-000042."""
    prefix = f"{NUMBER_PREFIX}-{year}-"
    same_year = Case.objects.filter(number__startswith=prefix)
    last = same_year.order_by("-number").values_list("number", flat=True).first()
    seq = 0
    if last is not None:
        seq = _seq_of(last)
        if seq >= 10**NUMBER_DIGITS - 1:
            # Past 999,999 the numbers grow a digit and no longer sort as text.
            longest = (
                same_year.annotate(length=Length("number"))
                .order_by("-length", "-number")
                .values_list("number", flat=True)
                .first()
            )
            seq = _seq_of(longest or last)
    return f"{prefix}{seq + 1:0{NUMBER_DIGITS}d}"


def _seq_of(number: str) -> int:
    tail = number.rsplit("-", 1)[-1]
    return int(tail) if tail.isascii() and tail.isdigit() else 0


# --------------------------------------------------------------------------- the timeline


def case_event(
    *, case: Case, actor: User | None, kind: str, detail: dict[str, Any] | None = None
) -> CaseEvent:
    """Append one line to the case's timeline. `detail` holds codes and ids only (no
    names, no free text): it is shown to everyone who may see the case."""
    if not isinstance(kind, str) or not kind or len(kind) > 32:
        raise ValueError("an event kind is a short code")
    return CaseEvent.objects.create(
        case=case,
        at=_now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        detail=dict(detail or {}),
    )


def case_refresh_due(*, case: Case) -> None:
    """Recompute `next_due_on`: the earliest due date among open tasks, open services and
    pending or accepted referrals. A closed case has none (it is never overdue)."""
    due: dt.date | None = None
    if case.status != CaseStatus.CLOSED:
        dates = [
            CaseTask.objects.filter(case=case, done_at__isnull=True).aggregate(d=Min("due_on"))[
                "d"
            ],
            CaseService.objects.filter(
                case=case, status__in=OPEN_SERVICE, due_on__isnull=False
            ).aggregate(d=Min("due_on"))["d"],
            Referral.objects.filter(case=case, status__in=OPEN_REFERRAL).aggregate(d=Min("due_on"))[
                "d"
            ],
        ]
        known = [d for d in dates if d is not None]
        due = min(known) if known else None
    if case.next_due_on != due:
        case.next_due_on = due
        case.save(update_fields=["next_due_on"])


# --------------------------------------------------------------------------- opening


def case_open(
    *,
    actor: User | None,
    person: Person,
    case_type: str,
    risk: str,
    origin: Place,
    source: str,
    destination: Place | None = None,
    summary: str = "",
    agency: Agency | None = None,
    assigned_to: User | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Open a case for a registered person. The actor must see the person and hold
    MANAGE_CASES over the origin in the opening agency (`agency`, or their only one)."""
    _choice(case_type, CaseType, "case_type")
    _choice(risk, RiskLevel, "risk")
    _choice(source, CaseSource, "source")
    origin = _clean_origin(origin)
    destination = _clean_destination(destination)
    summary = clean_text(summary, field="summary", limit=MAX_SUMMARY)
    if not isinstance(person, Person) or person.pk is None:
        raise ValidationError({"person": _("Choose a registered person.")}, code="invalid")
    if person.merged_into_id is not None or person.erased_at is not None:
        raise ValidationError(
            {"person": _("This record was merged or erased: choose the current record.")},
            code="inactive_person",
        )
    if actor is not None:
        from migra.people.selectors import persons_visible_to

        if not persons_visible_to(actor).filter(pk=person.pk).exists():
            raise deny(request, actor, reason="may not open a case for this person")
    owner = _opening_agency(actor, origin, agency)
    assignee = _check_assignee(assigned_to, owner, origin)
    now = _now()
    with transaction.atomic():
        case = None
        for _attempt in range(NUMBER_ATTEMPTS):
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        number=_next_number(timezone.localdate().year),
                        person=person,
                        agency=owner,
                        assigned_to=assignee,
                        case_type=case_type,
                        risk=risk,
                        status=CaseStatus.NEW,
                        source=source,
                        origin=origin,
                        province=_province_of(origin),
                        destination=destination,
                        summary=summary,
                        opened_at=now,
                        opened_by=actor,
                    )
                break
            except IntegrityError:
                continue  # someone took the number at the same moment: take the next
        if case is None:
            raise ValidationError(_("The case could not be numbered; try again."))
        case_event(
            case=case,
            actor=actor,
            kind="opened",
            detail={"source": source, "case_type": case_type, "risk": risk},
        )
        if assignee is not None:
            case_event(case=case, actor=actor, kind="assigned", detail={"to": assignee.pk})
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=case,
            changes={
                "person": person.pk,
                "agency": owner.pk,
                "case_type": case_type,
                "risk": risk,
                "source": source,
                "origin": origin.code,
                "destination": destination.code if destination else None,
                "assigned_to": assignee.pk if assignee else None,
                "summary": bool(summary),
            },
            request=request,
        )
        search_index_upsert(doc_type="case", obj=case)
    if assignee is not None and assignee != actor:
        _notify_assigned(case, assignee, kind="case_assigned")
    return case


def case_open_from_screening(
    *,
    actor: User,
    screening: Any,
    case_type: str,
    risk: str,
    origin: Place,
    person: Person | None = None,
    destination: Place | None = None,
    summary: str = "",
    agency: Agency | None = None,
    assigned_to: User | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Open a case from a screening and link the screening to it, in one transaction.
    The case is for the screened person; an anonymous screening needs `person` (it
    then becomes that person's screening)."""
    from migra.screening.services import screening_link_case

    screened = getattr(screening, "person", None)
    if screened is not None:
        if person is not None and person.pk != screened.pk:
            raise ValidationError(
                {"person": _("This screening is of another person.")}, code="case_person"
            )
        person = screened
    if person is None:
        raise ValidationError(
            {"person": _("Choose the registered person this screening was about.")},
            code="no_person",
        )
    if getattr(screening, "case_id", None) is not None:
        raise ValidationError(_("This screening already belongs to a case."), code="case_linked")
    with transaction.atomic():
        case = case_open(
            actor=actor,
            person=person,
            case_type=case_type,
            risk=risk,
            origin=origin,
            source=CaseSource.SCREENING,
            destination=destination,
            summary=summary,
            agency=agency,
            assigned_to=assigned_to,
            request=request,
        )
        screening_link_case(screening=screening, case=case, actor=actor, request=request)
        case_event(
            case=case, actor=actor, kind="screening_linked", detail={"screening": screening.pk}
        )
    return case


def _notify_assigned(case: Case, user: User, *, kind: str) -> None:
    """Tell a caseworker something was given to them (the REFERRALS part's notify)."""
    try:
        from migra.cases.notifications import notify
    except ImportError:  # pragma: no cover - the notifications part is not there yet
        return
    from django.urls import reverse

    notify(
        users=[user],
        kind=kind,
        object_type="case",
        object_label=case.number,
        url=reverse("cases:detail", args=[case.pk]),
    )


# --------------------------------------------------------------------------- changing a case


def case_update(
    *,
    actor: User | None,
    case: Case,
    expected_version: int,
    case_type: str,
    risk: str,
    origin: Place,
    destination: Place | None = None,
    summary: str = "",
    assigned_to: User | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Change a case's facts. A form opened before someone else's save changes nothing
    (CaseConflict)."""
    _require_manage(actor, case, request)
    _choice(case_type, CaseType, "case_type")
    _choice(risk, RiskLevel, "risk")
    origin = _clean_origin(origin)
    destination = _clean_destination(destination)
    summary = clean_text(summary, field="summary", limit=MAX_SUMMARY)
    if actor is not None and origin.pk != case.origin_id:
        if not any(a.pk == case.agency_id for a in agencies_for_opening(actor, origin)):
            raise ValidationError(
                {"origin": _("You may not move the case to a place outside your work.")},
                code="outside_scope",
            )
    with transaction.atomic():
        current = _lock(case, expected_version)
        _require_open(current)
        assignee = _check_assignee(assigned_to, current.agency, origin)
        changed: list[str] = []
        detail: dict[str, Any] = {}
        for name, value in (("case_type", case_type), ("risk", risk)):
            if getattr(current, name) != value:
                detail[name] = [getattr(current, name), value]
                setattr(current, name, value)
                changed.append(name)
        if current.origin_id != origin.pk:
            detail["origin"] = [current.origin.code, origin.code]
            current.origin = origin
            current.province = _province_of(origin)
            changed += ["origin", "province"]
        if current.destination_id != (destination.pk if destination else None):
            detail["destination"] = destination.code if destination else None
            current.destination = destination
            changed.append("destination")
        if current.summary != summary:
            current.summary = summary
            detail["summary"] = True
            changed.append("summary")
        new_assignee = assignee.pk if assignee else None
        assigned_changed = current.assigned_to_id != new_assignee
        if assigned_changed:
            detail["assigned_to"] = [current.assigned_to_id, new_assignee]
            current.assigned_to = assignee
            changed.append("assigned_to")
        if not changed:
            return current
        current.version += 1
        current.save(update_fields=[*changed, "version", "updated_at"])
        event_detail = {k: v for k, v in detail.items() if k != "assigned_to"}
        if event_detail:
            case_event(
                case=current,
                actor=actor,
                kind="updated",
                detail={
                    "fields": sorted(event_detail),
                    **{k: v for k, v in event_detail.items() if k in ("case_type", "risk")},
                },
            )
        if assigned_changed:
            case_event(case=current, actor=actor, kind="assigned", detail={"to": new_assignee})
        audit_record(
            actor=actor, action=AuditAction.UPDATE, target=current, changes=detail, request=request
        )
        search_index_upsert(doc_type="case", obj=current)
    if assigned_changed and assignee is not None and assignee != actor:
        _notify_assigned(current, assignee, kind="case_assigned")
    return current


def allowed_transitions(case: Case) -> list[str]:
    return sorted(ALLOWED_TRANSITIONS.get(case.status, frozenset()), key=CaseStatus.values.index)


def case_transition(
    *,
    actor: User | None,
    case: Case,
    to_status: str,
    expected_version: int,
    closing_reason: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Move a case along its lifecycle. A transition that is not allowed, a close without
    a reason or a stale version changes nothing."""
    _require_manage(actor, case, request)
    if not isinstance(to_status, str) or to_status not in CaseStatus.values:
        raise ValidationError({"status": _("Choose from the list.")}, code="invalid_choice")
    if to_status == CaseStatus.CLOSED:
        if not closing_reason:
            raise ValidationError(
                {"closing_reason": _("Give the reason for closing the case.")},
                code="reason_required",
            )
        _choice(closing_reason, ClosingReason, "closing_reason")
    with transaction.atomic():
        current = _lock(case, expected_version)
        before = current.status
        if to_status not in ALLOWED_TRANSITIONS.get(before, frozenset()):
            raise ValidationError(
                {
                    "status": _(
                        "A case that is “%(from)s” cannot become “%(to)s”. Nothing was changed."
                    )
                    % {
                        "from": CaseStatus(before).label,
                        "to": CaseStatus(to_status).label,
                    }
                },
                code="transition",
            )
        current.status = to_status
        fields = ["status", "version", "updated_at"]
        if to_status == CaseStatus.CLOSED:
            current.closed_at = _now()
            current.closing_reason = closing_reason
            fields += ["closed_at", "closing_reason"]
        elif before == CaseStatus.CLOSED:
            current.closed_at = None
            current.closing_reason = ""
            fields += ["closed_at", "closing_reason"]
        current.version += 1
        current.save(update_fields=fields)
        detail: dict[str, Any] = {"from": before, "to": to_status}
        if to_status == CaseStatus.CLOSED:
            detail["reason"] = closing_reason
        kind = "reopened" if before == CaseStatus.CLOSED else "status"
        case_event(case=current, actor=actor, kind=kind, detail=detail)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=current,
            changes={"status": [before, to_status], "closing_reason": closing_reason or None},
            request=request,
        )
        case_refresh_due(case=current)
    return current


# --------------------------------------------------------------------------- services


def _referral_acting_for(actor: User | None, referral: Referral | None) -> bool:
    """Whether the actor may act on the case through this referral (the receiving side)."""
    if actor is None or referral is None:
        return False
    try:
        from migra.cases.referral_selectors import referrals_received_by
    except ImportError:  # pragma: no cover - the referrals part is not there yet
        return False
    return bool(referrals_received_by(actor).filter(pk=referral.pk).exists())


def _require_service_rights(
    actor: User | None,
    case: Case,
    referral: Referral | None,
    request: HttpRequest | None,
) -> None:
    if actor is None:
        return
    if cases_manageable_by(actor).filter(pk=case.pk).exists():
        return
    if referral is not None and _referral_acting_for(actor, referral):
        return
    raise deny(request, actor, reason="may not change this case's services", target=case)


def _check_amounts(
    kind: str, currency: str, claimed: Decimal | None, recovered: Decimal | None
) -> None:
    has_amount = claimed is not None or recovered is not None
    if has_amount and kind not in AMOUNT_KINDS:
        raise ValidationError(
            {"amount_claimed": _("Amounts are kept for wage or compensation claims only.")},
            code="amount_kind",
        )
    if has_amount and not currency:
        raise ValidationError(
            {"currency": _("Choose the currency of the amounts.")}, code="currency_required"
        )
    if currency and currency not in Currency.values:
        raise ValidationError({"currency": _("Choose from the list.")}, code="invalid_choice")


def case_service_add(
    *,
    actor: User | None,
    case: Case,
    kind: str,
    agency: Agency,
    referral: Referral | None = None,
    status: str = ServiceStatus.PLANNED,
    planned_on: dt.date | None = None,
    due_on: dt.date | None = None,
    currency: str = "",
    amount_claimed: Any = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> CaseService:
    """Add a service to the case plan. The case's own agency does it; the agency a
    referral went to may add the services it provides through that referral."""
    if referral is not None and (not isinstance(referral, Referral) or referral.case_id != case.pk):
        raise ValidationError({"referral": _("This referral is about another case.")})
    _require_service_rights(actor, case, referral, request)
    _choice(kind, ServiceKind, "kind")
    _choice(status, ServiceStatus, "status")
    if not isinstance(agency, Agency) or not agency.is_active:
        raise ValidationError({"agency": _("Choose an active agency.")}, code="invalid")
    if referral is not None and actor is not None:
        acting_for_receiver = not cases_manageable_by(actor).filter(pk=case.pk).exists()
        if acting_for_receiver and agency.pk != referral.to_agency_id:
            raise deny(
                request, actor, reason="may add services of its own agency only", target=case
            )
    planned = _clean_date(planned_on, field="planned_on")
    due = _clean_date(due_on, field="due_on")
    currency = currency or ""
    claimed = _clean_amount(amount_claimed, field="amount_claimed")
    _check_amounts(kind, currency, claimed, None)
    note = clean_text(note, field="note", limit=MAX_SERVICE_NOTE)
    with transaction.atomic():
        current = Case.objects.select_for_update().get(pk=case.pk)
        _require_open(current)
        today = timezone.localdate()
        service = CaseService.objects.create(
            case=current,
            kind=kind,
            status=status,
            agency=agency,
            referral=referral,
            planned_on=planned,
            due_on=due,
            started_on=today if status == ServiceStatus.IN_PROGRESS else None,
            delivered_on=today if status == ServiceStatus.DELIVERED else None,
            currency=currency,
            amount_claimed=claimed,
            note=note,
            created_by=actor,
        )
        case_event(
            case=current,
            actor=actor,
            kind="service_added",
            detail={"service": service.pk, "kind": kind, "status": status, "agency": agency.pk},
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=current,
            changes={
                "service": service.pk,
                "kind": kind,
                "status": status,
                "agency": agency.pk,
                "referral": referral.pk if referral else None,
                "currency": currency or None,
                "amount_claimed": str(claimed) if claimed is not None else None,
            },
            request=request,
        )
        case_refresh_due(case=current)
    return service


def case_service_update(
    *,
    actor: User | None,
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
    """Change a service: its status, dates, amounts or note (None leaves a value as it
    is). A stale version raises CaseConflict and changes nothing."""
    case = service.case
    _require_service_rights(actor, case, service.referral, request)
    if status is not None:
        _choice(status, ServiceStatus, "status")
    started = _clean_date(started_on, field="started_on")
    delivered = _clean_date(delivered_on, field="delivered_on")
    claimed = _clean_amount(amount_claimed, field="amount_claimed")
    recovered = _clean_amount(amount_recovered, field="amount_recovered")
    if note is not None:
        note = clean_text(note, field="note", limit=MAX_SERVICE_NOTE)
    with transaction.atomic():
        current = CaseService.objects.select_for_update().select_related("case").get(pk=service.pk)
        if not isinstance(expected_version, int) or current.version != expected_version:
            raise _conflict("service")
        if current.case.status == CaseStatus.CLOSED:
            raise ValidationError(_("This case is closed. Reopen it first."), code="closed")
        before = current.status
        changed: list[str] = []
        detail: dict[str, Any] = {}
        today = timezone.localdate()
        if status is not None and status != before:
            if before in FINISHED_SERVICE:
                raise ValidationError(
                    {
                        "status": _(
                            "This service is already “%(status)s”: its status cannot change."
                        )
                        % {"status": ServiceStatus(before).label}
                    },
                    code="finished",
                )
            if status == ServiceStatus.PLANNED:
                raise ValidationError(
                    {"status": _("A service that started cannot go back to planned.")},
                    code="backwards",
                )
            current.status = status
            detail["status"] = [before, status]
            changed.append("status")
            if (
                status == ServiceStatus.IN_PROGRESS
                and current.started_on is None
                and started is None
            ):
                started = today
            if (
                status == ServiceStatus.DELIVERED
                and current.delivered_on is None
                and delivered is None
            ):
                delivered = today
        if started is not None and started != current.started_on:
            current.started_on = started
            changed.append("started_on")
        if delivered is not None and delivered != current.delivered_on:
            current.delivered_on = delivered
            changed.append("delivered_on")
        if (
            current.started_on
            and current.delivered_on
            and current.delivered_on < current.started_on
        ):
            raise ValidationError(
                {"delivered_on": _("The service cannot be delivered before it started.")},
                code="dates",
            )
        new_currency = current.currency if currency is None else currency
        new_claimed = current.amount_claimed if claimed is None else claimed
        new_recovered = current.amount_recovered if recovered is None else recovered
        _check_amounts(current.kind, new_currency, new_claimed, new_recovered)
        for name, value in (
            ("currency", new_currency),
            ("amount_claimed", new_claimed),
            ("amount_recovered", new_recovered),
        ):
            if getattr(current, name) != value:
                setattr(current, name, value)
                changed.append(name)
                detail[name] = str(value) if value is not None else None
        if note is not None and note != current.note:
            current.note = note
            changed.append("note")
            detail["note"] = True
        if not changed:
            return current
        current.version += 1
        current.save(update_fields=[*changed, "version"])
        case_event(
            case=current.case,
            actor=actor,
            kind="service_updated",
            detail={
                "service": current.pk,
                "kind": current.kind,
                "status": current.status,
                **({"from": before} if "status" in detail else {}),
            },
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=current.case,
            changes={"service": current.pk, **detail},
            request=request,
        )
        case_refresh_due(case=current.case)
    return current


# --------------------------------------------------------------------------- notes and tasks


def case_note_add(
    *, actor: User | None, case: Case, text: str, request: HttpRequest | None = None
) -> CaseNote:
    """Add a note (encrypted). Notes may be added to closed cases too (follow-ups)."""
    _require_manage(actor, case, request)
    text = clean_text(text, field="text", limit=MAX_NOTE, required=True)
    with transaction.atomic():
        note = CaseNote.objects.create(
            case=case, author=actor, agency_id=case.agency_id, at=_now(), text=text
        )
        case_event(case=case, actor=actor, kind="note_added", detail={"note": note.pk})
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=case,
            changes={"note": note.pk, "length": len(text)},
            request=request,
        )
    return note


def case_task_add(
    *,
    actor: User | None,
    case: Case,
    title: str,
    due_on: dt.date,
    assigned_to: User | None = None,
    request: HttpRequest | None = None,
) -> CaseTask:
    """Add a task with a due date, for someone who works on the case."""
    _require_manage(actor, case, request)
    title = clean_text(title, field="title", limit=MAX_TASK_TITLE, required=True)
    due = _clean_date(due_on, field="due_on", allow_past=False)
    if due is None:
        raise ValidationError({"due_on": _("Give the date it is due.")}, code="required")
    assignee = _check_assignee(assigned_to, case.agency, case.origin)
    with transaction.atomic():
        current = Case.objects.select_for_update().get(pk=case.pk)
        _require_open(current)
        task = CaseTask.objects.create(
            case=current, title=title, due_on=due, assigned_to=assignee, created_by=actor
        )
        case_event(
            case=current,
            actor=actor,
            kind="task_added",
            detail={
                "task": task.pk,
                "due_on": due.isoformat(),
                "to": assignee.pk if assignee else None,
            },
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=current,
            changes={
                "task": task.pk,
                "due_on": due.isoformat(),
                "assigned_to": assignee.pk if assignee else None,
            },
            request=request,
        )
        case_refresh_due(case=current)
    if assignee is not None and assignee != actor:
        _notify_assigned(current, assignee, kind="task_assigned")
    return task


def case_task_done(
    *, actor: User | None, task: CaseTask, request: HttpRequest | None = None
) -> CaseTask:
    """Mark a task done. Done twice: a clear error, nothing changed."""
    case = task.case
    _require_manage(actor, case, request)
    with transaction.atomic():
        current = CaseTask.objects.select_for_update().get(pk=task.pk)
        if current.done_at is not None:
            raise ValidationError(_("This task is already done."), code="already_done")
        current.done_at = _now()
        current.done_by = actor
        current.save(update_fields=["done_at", "done_by"])
        case_event(case=case, actor=actor, kind="task_done", detail={"task": current.pk})
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=case,
            changes={"task": current.pk, "done": True},
            request=request,
        )
        case_refresh_due(case=Case.objects.get(pk=case.pk))
    return current


# --------------------------------------------------------------------------- attachments


def case_attachment_add(
    *,
    actor: User | None,
    case: Case,
    upload: Any,
    description: str = "",
    request: HttpRequest | None = None,
) -> CaseAttachment:
    """Keep a file (a photo of a document, a statement) encrypted at rest. Its type is
    sniffed from its content (JPEG, PNG, WebP, HEIC, PDF); a file whose name or declared
    type says otherwise, or one over the size limit, is refused and nothing is stored."""
    from migra.cases import attachments

    _require_manage(actor, case, request)
    description = clean_text(description, field="description", limit=500)
    checked = attachments.attachment_check(upload)
    blob = attachments.blob_store(checked.data)
    try:
        with transaction.atomic():
            attachment = CaseAttachment.objects.create(
                case=case,
                filename=checked.filename,
                description=description,
                content_type=checked.content_type,
                size=len(checked.data),
                blob=blob,
                sha256=checked.sha256,
                uploaded_at=_now(),
                uploaded_by=actor,
            )
            case_event(
                case=case,
                actor=actor,
                kind="attachment_added",
                detail={
                    "attachment": attachment.pk,
                    "content_type": checked.content_type,
                    "size": len(checked.data),
                },
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                target=case,
                changes={
                    "attachment": attachment.pk,
                    "content_type": checked.content_type,
                    "size": len(checked.data),
                },
                request=request,
            )
    except Exception:
        attachments.blob_delete(blob)  # nothing stored when the row was not written
        raise
    return attachment


# --------------------------------------------------------------------------- saved list views


def saved_view_create(
    *, user: User, name: str, query: str, request: HttpRequest | None = None
) -> SavedCaseView:
    """Keep the case list's current filters under a name (the user's own)."""
    name = clean_text(name, field="name", limit=MAX_VIEW_NAME, required=True)
    if not isinstance(query, str) or len(query) > MAX_VIEW_QUERY:
        raise ValidationError({"name": _("These filters are too long to save.")})
    if SavedCaseView.objects.filter(user=user).count() >= MAX_SAVED_VIEWS:
        raise ValidationError(
            {
                "name": _("You have %(limit)d saved views: delete one first.")
                % {"limit": MAX_SAVED_VIEWS}
            },
            code="too_many",
        )
    if SavedCaseView.objects.filter(user=user, name=name).exists():
        raise ValidationError(
            {"name": _("You already have a view with this name.")}, code="duplicate"
        )
    try:
        with transaction.atomic():
            view = SavedCaseView.objects.create(user=user, name=name, query=query)
    except IntegrityError:
        raise ValidationError(
            {"name": _("You already have a view with this name.")}, code="duplicate"
        ) from None
    return view


def saved_view_delete(*, user: User, view: SavedCaseView) -> None:
    if view.user_id != user.pk:
        raise deny(None, user, reason="may delete own saved views only")
    view.delete()
