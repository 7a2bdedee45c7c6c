"""Reads of referrals, the referral directory and overdue work, each permission-checked.

Two sides see a referral:

- the **receiving agency**, through `referrals_received_by(user)`: users holding
  Perm.RECEIVE_REFERRALS in the agency the referral went to, over the place of origin
  of the case (`agency_field="to_agency"`, `place_field="case__origin"`). They read
  the referral and its `shared` snapshot, never the case itself;
- the **sending side**, through `referrals_sent_by(user)`: the referrals of cases the
  user may see (`cases_visible_to`), so exactly who sees the case sees its referrals.

`referral_get_for_user(request, pk)` fetches one referral for either side (404 when it
does not exist, a logged 403 when it is out of reach) and writes the view to the
audit trail.

The directory (`ServiceOffer`) is programme-wide information: anyone who refers or
receives cases reads it (`offers_readable_by`); programme admins maintain it, the
lead NGO's for every agency, another agency's for their own (`offers_manageable_by`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import (
    get_visible_or_deny,
    restrict,
    scope_q,
    user_has_perm,
)
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.cases.models import (
    Case,
    CaseService,
    CaseTask,
    Referral,
    ReferralStatus,
    ReferralUpdate,
    ServiceOffer,
)
from migra.places.models import Place

OPEN_STATUSES = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)


# --------------------------------------------------------------------------- referrals


def referrals_received_by(user: Any) -> QuerySet[Referral]:
    """Referrals sent to the user's agency, over the places the user works in."""
    return restrict(
        Referral.objects.all(),
        user,
        Perm.RECEIVE_REFERRALS,
        agency_field="to_agency",
        place_field="case__origin",
    )


def referrals_sent_by(user: Any) -> QuerySet[Referral]:
    """Referrals of the cases the user may see (the sending side)."""
    from migra.cases.selectors import cases_visible_to

    return Referral.objects.filter(case__in=cases_visible_to(user).values("pk"))


def referrals_of_manageable_cases(user: Any) -> QuerySet[Referral]:
    """Referrals of cases the user may manage (who may cancel one or post on it)."""
    from migra.cases.selectors import cases_manageable_by

    return Referral.objects.filter(case__in=cases_manageable_by(user).values("pk"))


def referrals_reachable_by(user: Any) -> QuerySet[Referral]:
    """Either side."""
    received = scope_q(
        user, Perm.RECEIVE_REFERRALS, agency_field="to_agency", place_field="case__origin"
    )
    from migra.cases.selectors import cases_visible_to

    sent = Q(case__in=cases_visible_to(user).values("pk"))
    return Referral.objects.filter(received | sent) if received else Referral.objects.all()


@dataclass(frozen=True)
class ReferralAccess:
    """One referral and what the requesting user may do with it."""

    referral: Referral
    receiver: bool  # reads the snapshot; accepts, declines, records services, completes
    case_viewer: bool  # sees the case itself (the sending side)
    sender: bool  # manages the case: may cancel while pending and post updates

    @property
    def may_post(self) -> bool:
        return self.referral.status in OPEN_STATUSES and (self.receiver or self.sender)


def _with_parties(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    return queryset.select_related("from_agency", "to_agency", "sent_by", "decided_by")


def referral_access(user: Any, referral: Referral) -> ReferralAccess:
    receiver = referrals_received_by(user).filter(pk=referral.pk).exists()
    case_viewer = referrals_sent_by(user).filter(pk=referral.pk).exists()
    sender = case_viewer and referrals_of_manageable_cases(user).filter(pk=referral.pk).exists()
    return ReferralAccess(
        referral=referral, receiver=receiver, case_viewer=case_viewer, sender=sender
    )


def referral_get_for_user(request: HttpRequest, pk: Any, *, log_view: bool = True) -> Referral:
    """One referral the user reaches from either side; the view is audited."""
    referral = get_visible_or_deny(request, _with_parties(referrals_reachable_by(request.user)), pk)
    if log_view:
        audit_record(actor=request.user, action=AuditAction.VIEW, target=referral, request=request)
    return referral


def referral_updates(referral: Referral) -> QuerySet[ReferralUpdate]:
    return referral.updates.select_related("agency", "author").order_by("at", "pk")


def referral_services(referral: Referral) -> QuerySet[CaseService]:
    """The services the receiving agency recorded under this referral."""
    return CaseService.objects.filter(referral=referral).order_by("pk")


def referral_service_get(referral: Referral, service_pk: Any) -> CaseService | None:
    try:
        return referral_services(referral).filter(pk=int(service_pk)).first()
    except (TypeError, ValueError):
        return None


def open_referral_exists(*, case: Case, to_agency: Agency) -> bool:
    return Referral.objects.filter(
        case=case, to_agency=to_agency, status__in=OPEN_STATUSES
    ).exists()


def referral_is_overdue(referral: Referral, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return referral.status in OPEN_STATUSES and referral.due_on < today


def overdue_referrals(today: dt.date | None = None) -> QuerySet[Referral]:
    """Pending or accepted (not completed) referrals past their due date."""
    today = today or timezone.localdate()
    return Referral.objects.filter(status__in=OPEN_STATUSES, due_on__lt=today)


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    updates: int
    last_activity: dt.datetime
    overdue: bool


def referral_rows_for_case(referrals: Sequence[Referral]) -> list[ReferralRow]:
    """The case page's referral rows with their last activity, in one query."""
    if not referrals:
        return []
    stats = {
        row["referral_id"]: row
        for row in ReferralUpdate.objects.filter(referral_id__in=[r.pk for r in referrals])
        .values("referral_id")
        .annotate(n=Count("pk"), last=Max("at"))
    }
    today = timezone.localdate()
    rows = []
    for referral in referrals:
        stat = stats.get(referral.pk, {})
        times = [
            t
            for t in (
                referral.sent_at,
                referral.decided_at,
                referral.completed_at,
                stat.get("last"),
            )
            if t is not None
        ]
        rows.append(
            ReferralRow(
                referral=referral,
                updates=int(stat.get("n", 0)),
                last_activity=max(times),
                overdue=referral_is_overdue(referral, today),
            )
        )
    return rows


def user_may_refer(user: Any, case: Case) -> bool:
    from migra.cases.selectors import cases_manageable_by

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return cases_manageable_by(user).filter(pk=case.pk).exists()


# --------------------------------------------------------------------------- who receives


def _ancestor_paths(place: Place) -> list[str]:
    parts = place.path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _roles_with(perm: str) -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def receivers_of(referral: Referral) -> QuerySet[User]:
    """Active users of the receiving agency who may act on this referral."""
    origin = referral.case.origin
    memberships = Membership.objects.filter(
        agency_id=referral.to_agency_id,
        role__in=_roles_with(Perm.RECEIVE_REFERRALS),
        is_active=True,
        agency__is_active=True,
    ).filter(Q(all_places=True) | Q(places__path__in=_ancestor_paths(origin)))
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


def senders_of(referral: Referral) -> list[User]:
    """Who hears about a referral on the sending side: who sent it and the case's
    caseworker."""
    people: dict[int, User] = {}
    for user in (referral.sent_by, referral.case.assigned_to):
        if user is not None and user.is_active:
            people.setdefault(user.pk, user)
    return list(people.values())


# --------------------------------------------------------------------------- directory


def may_read_directory(user: Any) -> bool:
    return any(
        user_has_perm(user, perm)
        for perm in (Perm.MANAGE_CASES, Perm.RECEIVE_REFERRALS, Perm.MANAGE_PROGRAMME)
    )


def may_manage_directory(user: Any) -> bool:
    return user_has_perm(user, Perm.MANAGE_PROGRAMME)


def offers_readable_by(user: Any) -> QuerySet[ServiceOffer]:
    if not may_read_directory(user):
        return ServiceOffer.objects.none()
    return ServiceOffer.objects.select_related("agency", "province")


def offers_manageable_by(user: Any) -> QuerySet[ServiceOffer]:
    return restrict(
        ServiceOffer.objects.select_related("agency", "province"),
        user,
        Perm.MANAGE_PROGRAMME,
        agency_field="agency",
    )


def agencies_for_directory(user: Any) -> QuerySet[Agency]:
    """Agencies whose offers the user may add."""
    return restrict(
        Agency.objects.filter(is_active=True), user, Perm.MANAGE_PROGRAMME, agency_field="pk"
    )


def directory_search(
    user: Any, *, kind: str = "", province: Place | None = None, active_only: bool = True
) -> QuerySet[ServiceOffer]:
    offers = offers_readable_by(user).filter(agency__is_active=True)
    if active_only:
        offers = offers.filter(is_active=True)
    if kind:
        offers = offers.filter(kind=kind)
    if province is not None:
        offers = offers.filter(Q(province=province) | Q(province__isnull=True))
    return offers.order_by("kind", "agency__name_en", "pk")


def offers_for(*, kinds: Sequence[str], province: Place | None) -> QuerySet[ServiceOffer]:
    """Active offers of these services in the province (or everywhere)."""
    where = Q(province__isnull=True)
    if province is not None:
        where |= Q(province=province)
    return (
        ServiceOffer.objects.filter(kind__in=list(kinds), is_active=True, agency__is_active=True)
        .filter(where)
        .select_related("agency", "province")
        .order_by("agency__name_en", "kind", "pk")
    )


def unoffered_kinds(*, agency: Agency, kinds: Sequence[str], province: Place | None) -> list[str]:
    """The requested services the agency does not offer in the province, per the
    directory."""
    offered = set(
        offers_for(kinds=kinds, province=province)
        .filter(agency=agency)
        .values_list("kind", flat=True)
    )
    return [k for k in kinds if k not in offered]


# --------------------------------------------------------------------------- overdue work


def overdue_tasks_of(user: Any, today: dt.date) -> QuerySet[CaseTask]:
    """Open tasks given to the user, due before today, on cases the user still sees."""
    from migra.cases.selectors import cases_visible_to

    return (
        CaseTask.objects.filter(assigned_to_id=user.pk, done_at__isnull=True, due_on__lt=today)
        .filter(case__in=cases_visible_to(user).values("pk"))
        .select_related("case")
        .order_by("due_on", "pk")
    )


def overdue_referrals_of(user: Any, today: dt.date) -> QuerySet[Referral]:
    """Overdue referrals the user works on: sent from cases they manage, or received by
    their agency over their places."""
    received = referrals_received_by(user).values("pk")
    sent = referrals_of_manageable_cases(user).values("pk")
    return (
        overdue_referrals(today)
        .filter(Q(pk__in=received) | Q(pk__in=sent))
        .select_related("from_agency", "to_agency", "case")
        .order_by("due_on", "pk")
    )
