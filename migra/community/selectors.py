"""Reads of the community app, each filtered by the permission API (Perm.MANAGE_GROUPS
within the user's agency and places; a group's and an entry's place is its commune)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone

from migra.accounts.models import User
from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import get_visible_or_deny, memberships_of, restrict, scope_q
from migra.cases.models import Case as CaseRecord
from migra.community.models import (
    FollowUp,
    Group,
    Meeting,
    RegisterEntry,
    RegisterProblem,
    Topic,
)
from migra.screening.models import Screening

QUIET_DAYS = 90


def groups_visible_to(user: Any) -> QuerySet[Group]:
    """Groups the user may run; their own groups first."""
    facilitating = Group.facilitators.through.objects.filter(
        group=OuterRef("pk"), user=getattr(user, "pk", None)
    )
    mine = Case(
        When(Exists(facilitating), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        restrict(
            Group.objects.all(),
            user,
            Perm.MANAGE_GROUPS,
            agency_field="agency",
            place_field="commune",
        )
        .select_related("commune", "agency")
        .annotate(mine=mine)
        .order_by("mine", "name", "pk")
    )


def group_get_for_user(request: HttpRequest, pk: Any) -> Group:
    return get_visible_or_deny(request, groups_visible_to(request.user), pk)


def meetings_visible_to(user: Any) -> QuerySet[Meeting]:
    return restrict(
        Meeting.objects.select_related("group"),
        user,
        Perm.MANAGE_GROUPS,
        agency_field="group__agency",
        place_field="group__commune",
    )


def follow_ups_visible_to(user: Any) -> QuerySet[FollowUp]:
    return restrict(
        FollowUp.objects.select_related("meeting", "meeting__group", "owner"),
        user,
        Perm.MANAGE_GROUPS,
        agency_field="meeting__group__agency",
        place_field="meeting__group__commune",
    )


def follow_up_get_for_user(request: HttpRequest, pk: Any) -> FollowUp:
    return get_visible_or_deny(request, follow_ups_visible_to(request.user), pk)


def entries_visible_to(user: Any) -> QuerySet[RegisterEntry]:
    return restrict(
        RegisterEntry.objects.select_related("commune", "destination", "group"),
        user,
        Perm.MANAGE_GROUPS,
        agency_field="agency",
        place_field="commune",
    )


def entry_get_for_user(request: HttpRequest, pk: Any) -> RegisterEntry:
    return get_visible_or_deny(request, entries_visible_to(request.user), pk)


def topics_in_use() -> QuerySet[Topic]:
    return Topic.objects.filter(is_active=True)


def quiet_entries(user: Any, *, today: dt.date | None = None) -> QuerySet[RegisterEntry]:
    """Migrants away (not returned) not heard from for three months, or never."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=QUIET_DAYS)
    # The scope is on single-valued relations (agency, commune): no DISTINCT needed,
    # so the database can walk the (returned_on, last_contact_on) index and stop early.
    scope = scope_q(user, Perm.MANAGE_GROUPS, agency_field="agency", place_field="commune")
    return (
        RegisterEntry.objects.filter(scope)
        .select_related("commune", "destination", "group")
        .filter(returned_on__isnull=True)
        .filter(Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=since))
        .order_by("last_contact_on", "pk")
    )


def problems_waiting(user: Any) -> QuerySet[RegisterProblem]:
    """Problems reported that no screening or case of the person has picked up since."""
    # Scoped on the entry's single-valued relations: no DISTINCT, walk noted_on.
    scope = scope_q(
        user, Perm.MANAGE_GROUPS, agency_field="entry__agency", place_field="entry__commune"
    )
    screened = Screening.objects.filter(
        person=OuterRef("entry__person"), at__date__gte=OuterRef("noted_on")
    )
    case_opened = CaseRecord.objects.filter(
        person=OuterRef("entry__person"), opened_at__date__gte=OuterRef("noted_on")
    )
    return (
        RegisterProblem.objects.filter(scope)
        .exclude(Exists(screened))
        .exclude(Exists(case_opened))
        .select_related("entry")
        .order_by("noted_on", "pk")
    )


def facilitators_choosable_by(user: Any) -> QuerySet[User]:
    """Users who run groups in the agencies where `user` does (to name a group's
    facilitators); the service checks each one's commune."""
    agencies = [
        m.agency_id
        for m in memberships_of(user)
        if Perm.MANAGE_GROUPS in ROLE_PERMISSIONS.get(m.role, frozenset())
    ]
    roles = [r for r, perms in ROLE_PERMISSIONS.items() if Perm.MANAGE_GROUPS in perms]
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__agency__in=agencies,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("full_name", "pk")
    )
