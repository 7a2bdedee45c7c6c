"""The permission API: the one way every app asks "may this user see or do this?".

A user holds memberships; each gives a role (a set of permissions) in an agency
over all places or over some places. A record is within a membership's reach when
it belongs to that agency (if the record has an agency) and lies inside one of
the membership's places (if the record has a place). Some permissions, held in
the lead NGO, reach every agency: the lead NGO runs the programme.

Later apps filter with `scope_q` / `restrict` and fetch single objects with
`get_visible_or_deny`, never with a bare `Model.objects.get`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest

from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import ROLE_PERMISSIONS, TWO_FACTOR_ROLES, AgencyKind, Perm

M = TypeVar("M", bound=Model)

# Held in the lead NGO, these reach every agency of the programme.
PROGRAMME_WIDE_PERMS = frozenset(
    {
        Perm.MANAGE_AGENCIES,
        Perm.MANAGE_USERS,
        Perm.MANAGE_PROGRAMME,
        Perm.VIEW_AUDIT,
        Perm.VIEW_STATISTICS,
        Perm.VIEW_AGGREGATES_ONLY,
        Perm.EXPORT_DATA,
    }
)

_NOTHING = Q(pk__in=[])
_CACHE_ATTR = "_migra_memberships"


def memberships_of(user: Any) -> list[Membership]:
    """The user's active memberships in active agencies, loaded once per request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True, agency__is_active=True)
            .select_related("agency")
            .prefetch_related("places")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def memberships_loaded(user: Any) -> bool:
    """Whether this request already read the user's memberships (so they cost nothing)."""
    return hasattr(user, _CACHE_ATTR)


def forget_memberships(user: Any) -> None:
    """Drop the per-request cache after memberships change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _grants(membership: Membership, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(membership.role, frozenset())


def _is_programme_wide(membership: Membership, perm: str) -> bool:
    return membership.agency.kind == AgencyKind.LEAD_NGO and perm in PROGRAMME_WIDE_PERMS


def user_permissions(user: Any) -> set[str]:
    if getattr(user, "is_superuser", False) and user.is_active:
        return {p.value for p in Perm}
    return {perm for m in memberships_of(user) for perm in ROLE_PERMISSIONS.get(m.role, ())}


def user_has_perm(user: Any, perm: str) -> bool:
    """Whether the user holds `perm` anywhere (for menus and coarse checks)."""
    return perm in user_permissions(user)


def user_needs_two_factor(user: Any) -> bool:
    return any(m.role in TWO_FACTOR_ROLES for m in memberships_of(user))


def agencies_with_perm_at(user: Any, perm: str, place: Any | None = None) -> list[Agency]:
    """The agencies in which the user holds `perm` over `place` (any place when None),
    in the order of the user's memberships, each once: the agencies a record the user
    writes there may belong to."""
    found: dict[int, Agency] = {}
    for membership in memberships_of(user):
        if not _grants(membership, perm):
            continue
        if (
            place is not None
            and not membership.all_places
            and not any(p.contains(place) for p in membership.places.all())
        ):
            continue
        found.setdefault(membership.agency_id, membership.agency)
    return list(found.values())


def scope_q(
    user: Any,
    perm: str,
    *,
    agency_field: str | None = None,
    place_field: str | None = None,
) -> Q:
    """A filter matching the records the user may reach with `perm`.

    `agency_field` and `place_field` name the record's agency and place (any
    lookup path, e.g. "case__agency"); leave one out when records have none.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOTHING
    if user.is_superuser:
        return Q()
    reach = _NOTHING
    for membership in memberships_of(user):
        if not _grants(membership, perm):
            continue
        condition = Q()
        if agency_field and not _is_programme_wide(membership, perm):
            condition &= Q(**{agency_field: membership.agency_id})
        if place_field and not membership.all_places:
            inside = _NOTHING
            for place in membership.places.all():
                inside |= Q(**{f"{place_field}__path": place.path})
                inside |= Q(**{f"{place_field}__path__startswith": place.path + "/"})
            condition &= inside
        if not condition:
            return Q()  # one membership reaches everything
        reach |= condition
    return reach


def restrict(
    queryset: QuerySet[M],
    user: Any,
    perm: str,
    *,
    agency_field: str | None = None,
    place_field: str | None = None,
) -> QuerySet[M]:
    q = scope_q(user, perm, agency_field=agency_field, place_field=place_field)
    return queryset.filter(q).distinct() if q else queryset


def deny(
    request: HttpRequest | None, user: Any, *, reason: str, target: Model | None = None
) -> PermissionDenied:
    """Log a refused access in the audit trail and return the 403 to raise."""
    from migra.audit.models import AuditAction
    from migra.audit.services import audit_record

    audit_record(
        actor=user,
        action=AuditAction.DENIED,
        target=target,
        changes={"reason": reason},
        request=request,
    )
    return PermissionDenied(reason)


def require_perm(request: HttpRequest, perm: str) -> None:
    """Raise a logged 403 unless the user holds `perm` somewhere."""
    if not user_has_perm(request.user, perm):
        raise deny(request, request.user, reason=f"missing permission {perm}")


def get_visible_or_deny(
    request: HttpRequest,
    visible: QuerySet[M],
    pk: Any,
) -> M:
    """Fetch one object from a scoped queryset.

    Not found at all: 404. Exists but outside the user's reach: a logged 403.
    """
    try:
        return visible.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        pass
    try:
        existing = visible.model._default_manager.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
    raise deny(request, request.user, reason="outside the user's scope", target=existing)


# --------------------------------------------------------------------------- agencies and users


def agencies_visible_to(user: Any) -> QuerySet[Agency]:
    return restrict(Agency.objects.all(), user, Perm.MANAGE_AGENCIES, agency_field="pk")


def agencies_user_may_staff(user: Any) -> QuerySet[Agency]:
    """Agencies in which the user may add or change memberships."""
    return restrict(
        Agency.objects.filter(is_active=True), user, Perm.MANAGE_USERS, agency_field="pk"
    )


def users_visible_to(user: Any) -> QuerySet[User]:
    """Users the admin may manage: members of agencies they staff (or all, for the lead NGO)."""
    q = scope_q(user, Perm.MANAGE_USERS, agency_field="memberships__agency")
    if not q:
        return User.objects.all()
    return User.objects.filter(q).distinct()


def memberships_visible_to(user: Any) -> QuerySet[Membership]:
    return restrict(
        Membership.objects.select_related("agency", "user"),
        user,
        Perm.MANAGE_USERS,
        agency_field="agency",
    )
