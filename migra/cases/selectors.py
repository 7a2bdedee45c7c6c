"""Reads of cases, each filtered by the permission API.

A case belongs to the agency that opened it and is scoped by the person's place of
origin: `scope_q(user, perm, agency_field="agency", place_field="origin")`. Case
permissions never widen to other agencies, not even for the lead NGO (see
docs/access.md): another agency sees a case only through what a referral shared.

- `cases_visible_to(user)`: Perm.VIEW_CASES.
- `cases_manageable_by(user)`: Perm.MANAGE_CASES (open, change, add services …).
- `cases_supervised_by(user)`: Perm.SUPERVISE_CASES.
- `case_get_for_user(request, pk)`: one case or a logged 403 / 404; every view is
  written to the audit trail.
- `case_list(user, filters)`: the case list's one query (see docs/cases.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import (
    agencies_with_perm_at,
    get_visible_or_deny,
    memberships_of,
    scope_q,
)
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.cases.models import (
    Case,
    CaseAttachment,
    CaseStatus,
    CaseTask,
    SavedCaseView,
)
from migra.places.models import Place, PlaceKind

AGENCY_FIELD = "agency"
PLACE_FIELD = "origin"


def _scoped(user: Any, perm: str, queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Cases within the user's reach for `perm`.

    The conditions are on the case's own columns (and its origin's path), so no row can
    appear twice: no DISTINCT, which would cost a sort over the whole list."""
    q = scope_q(user, perm, agency_field=AGENCY_FIELD, place_field=PLACE_FIELD)
    return queryset.filter(q) if q else queryset


def cases_visible_to(user: Any) -> QuerySet[Case]:
    return _scoped(user, Perm.VIEW_CASES, Case.objects.all())


def cases_manageable_by(user: Any) -> QuerySet[Case]:
    return _scoped(user, Perm.MANAGE_CASES, Case.objects.all())


def cases_supervised_by(user: Any) -> QuerySet[Case]:
    return _scoped(user, Perm.SUPERVISE_CASES, Case.objects.all())


def may_manage_case(user: Any, case: Case) -> bool:
    return cases_manageable_by(user).filter(pk=case.pk).exists()


def _with_header(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.select_related(
        "person", "agency", "assigned_to", "origin", "province", "destination", "opened_by"
    )


def case_get_for_user(request: HttpRequest, pk: Any) -> Case:
    """One case the requesting user may see; the view goes into the audit trail."""
    case = get_visible_or_deny(request, _with_header(cases_visible_to(request.user)), pk)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=case, request=request)
    return case


def case_for_write(request: HttpRequest, pk: Any) -> Case:
    """A case the user may see, without logging a view (the write is audited)."""
    return get_visible_or_deny(request, _with_header(cases_visible_to(request.user)), pk)


# --------------------------------------------------------------------------- who may work on cases


def agencies_for_opening(user: Any, origin: Place | None = None) -> list[Agency]:
    """Agencies in which the user may open a case (over `origin`, when given)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return list(Agency.objects.filter(is_active=True))
    return agencies_with_perm_at(user, Perm.MANAGE_CASES, origin)


def caseworkers_for(agency: Agency, origin: Place | None = None) -> QuerySet[User]:
    """Active users who may work on cases of `agency` (over `origin`, when given)."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.MANAGE_CASES in perms]
    memberships = Membership.objects.filter(
        agency=agency, role__in=roles, is_active=True, agency__is_active=True
    )
    if origin is not None:
        ancestors = _ancestor_paths(origin)
        memberships = memberships.filter(Q(all_places=True) | Q(places__path__in=ancestors))
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by(
        "full_name", "pk"
    )


def _ancestor_paths(place: Place) -> list[str]:
    parts = place.path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def may_work_on(user: User, agency: Agency, origin: Place) -> bool:
    return caseworkers_for(agency, origin).filter(pk=user.pk).exists()


# --------------------------------------------------------------------------- the case list

OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.ASSESSED, CaseStatus.ACTIVE)


@dataclass(frozen=True)
class CaseFilters:
    """What the case list can be filtered by; every part optional, any combination."""

    status: str = ""
    case_type: str = ""
    risk: str = ""
    province: Place | None = None
    agency: Agency | None = None
    mine: bool = False
    overdue: bool = False
    today: dt.date | None = None

    def as_audit(self) -> dict[str, Any]:
        """The filters for an audit event: codes only, nothing identifying."""
        out: dict[str, Any] = {}
        for name in ("status", "case_type", "risk"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.province is not None:
            out["province"] = self.province.code
        if self.agency is not None:
            out["agency"] = self.agency.pk
        if self.mine:
            out["mine"] = True
        if self.overdue:
            out["overdue"] = True
        return out


def _path_prefix_q(prefix: str) -> Q:
    """Places whose path starts with `prefix`, answered from the path's index: SQLite's
    LIKE ignores the index (it is case-insensitive), a range on the column does not."""
    if connection.vendor == "sqlite":
        return Q(path__gte=prefix, path__lt=prefix + "\U0010ffff")
    return Q(path__startswith=prefix)


def _place_hint(user: Any, perm: str) -> Q | None:
    """A condition implied by the user's place scope that an index answers.

    The scope itself (`scope_q`) compares the origin's path, which needs the gazetteer
    row of every case it looks at. A membership limited to provinces reaches exactly the
    cases whose `province_id` is one of them; one limited to districts or communes
    reaches cases whose origin is one of the villages (or communes) inside: both are
    indexed columns of the case. The hint only narrows what the scope already allows,
    so it never shows a case the scope would hide. None when no hint helps (a
    membership over every place)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_superuser", False):
        return None
    provinces: set[int] = set()
    inside: list[str] = []
    for membership in memberships_of(user):
        if perm not in ROLE_PERMISSIONS.get(membership.role, frozenset()):
            continue
        if membership.all_places:
            return None
        for place in membership.places.all():
            if place.kind == PlaceKind.PROVINCE:
                provinces.add(place.pk)
            elif place.kind == PlaceKind.COUNTRY:
                return None
            else:
                inside.append(place.path)
    hint = Q(pk__in=[])
    if provinces:
        hint |= Q(province_id__in=sorted(provinces))
    if inside:
        under = Q(pk__in=[])
        for path in inside:
            under |= Q(path=path) | _path_prefix_q(path + "/")
        hint |= Q(origin_id__in=Place.objects.filter(under).values("pk"))
    return hint


def case_list(user: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The cases the user may see that match the filters, newest first.

    One query, built so that the database reads an index in list order and stops after
    a page, whatever the filters (see docs/cases.md, "The case list"):
    - every filter is on a column of the case itself (`status`, `case_type`, `risk`,
      `province_id`, `agency_id`, `assigned_to_id`, `next_due_on`), each with an index
      (column, -opened_at, -id);
    - the place scope gets an indexed hint (`_place_hint`) beside its path test;
    - "closed" and "overdue" together match nothing (closed cases have no due date):
      no query at all;
    - no COUNT: the list pages with "next" links.
    """
    filters = filters or CaseFilters()
    if filters.overdue and filters.status == CaseStatus.CLOSED:
        # A closed case has no due date (services.case_refresh_due): nothing is overdue.
        return Case.objects.none()
    queryset = cases_visible_to(user)
    hint = _place_hint(user, Perm.VIEW_CASES)
    if hint is not None:
        queryset = queryset.filter(hint)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.case_type:
        queryset = queryset.filter(case_type=filters.case_type)
    if filters.risk:
        queryset = queryset.filter(risk=filters.risk)
    if filters.province is not None:
        queryset = queryset.filter(province_id=filters.province.pk)
    if filters.agency is not None:
        queryset = queryset.filter(agency_id=filters.agency.pk)
    if filters.mine:
        queryset = queryset.filter(assigned_to_id=getattr(user, "pk", None))
    if filters.overdue:
        # next_due_on is kept empty on closed cases, so this needs no status test.
        queryset = queryset.filter(next_due_on__lt=filters.today or timezone.localdate())
    return queryset.order_by("-opened_at", "-pk")


def cases_of_person(user: Any, person_pk: int) -> QuerySet[Case]:
    """The person's cases the user may see (for the person page)."""
    return (
        cases_visible_to(user)
        .filter(person_id=person_pk)
        .select_related("agency", "assigned_to")
        .order_by("-opened_at", "-pk")
    )


# --------------------------------------------------------------------------- tasks, files, views


def tasks_open_for(case: Case) -> QuerySet[CaseTask]:
    return case.tasks.filter(done_at__isnull=True)


def attachment_get_for_user(request: HttpRequest, case_pk: Any, pk: Any) -> CaseAttachment:
    """An attachment of a case the user may see (403 logged otherwise, 404 if none)."""
    case = case_for_write(request, case_pk)
    attachment = CaseAttachment.objects.filter(case=case, pk=pk).first()
    if attachment is None:
        from django.http import Http404

        raise Http404
    attachment.case = case
    return attachment


def saved_views_of(user: Any) -> QuerySet[SavedCaseView]:
    if not getattr(user, "is_authenticated", False):
        return SavedCaseView.objects.none()
    return SavedCaseView.objects.filter(user=user).order_by("name", "pk")
