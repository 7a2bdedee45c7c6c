"""Reads of tips, each filtered by the permission API.

Tips have no agency: whoever may manage cases over the tip's place may triage it
(`Perm.MANAGE_CASES`, place_field="place"). A tip without a place is seen only by
users whose membership covers every place.

- `tips_visible_to(user)`: the triage queue.
- `tip_get_for_user(request, pk)`: one tip, or a logged 403 / 404; the view is written
  to the audit trail.
- `tip_for_action(request, pk)`: the same without the view event (the action is audited).
- `tip_triagers(tip)`: the users to tell about a new tip.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from migra.accounts.models import Membership, User
from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import deny, get_visible_or_deny, restrict
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.cases.models import Case, Tip
from migra.cases.selectors import cases_manageable_by, cases_visible_to

PLACE_FIELD = "place"


def tips_visible_to(user: Any) -> QuerySet[Tip]:
    """Tips the user may triage, newest first."""
    return restrict(Tip.objects.all(), user, Perm.MANAGE_CASES, place_field=PLACE_FIELD).order_by(
        "-received_at", "-pk"
    )


def _with_related(queryset: QuerySet[Tip]) -> QuerySet[Tip]:
    return queryset.select_related("place", "recorded_by", "handled_by", "case")


def tip_get_for_user(request: HttpRequest, pk: Any) -> Tip:
    """One tip the requesting user may see; the view goes into the audit trail."""
    tip = get_visible_or_deny(request, _with_related(tips_visible_to(request.user)), pk)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=tip, request=request)
    return tip


def tip_for_action(request: HttpRequest, pk: Any) -> Tip:
    """A tip the user may triage, without a view event (the action writes its own)."""
    return get_visible_or_deny(request, _with_related(tips_visible_to(request.user)), pk)


def may_triage(user: Any, tip: Tip) -> bool:
    return tips_visible_to(user).filter(pk=tip.pk).exists()


def _ancestor_paths(path: str) -> list[str]:
    """ "KH/01/0102" → ["KH", "KH/01", "KH/01/0102"]: the places that contain it."""
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def tip_triagers(tip: Tip) -> QuerySet[User]:
    """Active users who may triage this tip (the same rule as `tips_visible_to`)."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.MANAGE_CASES in perms]
    memberships = Membership.objects.filter(
        role__in=roles, is_active=True, agency__is_active=True, user__is_active=True
    )
    reach = Q(all_places=True)
    if tip.place is not None:
        reach |= Q(places__path__in=_ancestor_paths(tip.place.path))
    user_ids = memberships.filter(reach).values("user_id")
    return User.objects.filter(pk__in=user_ids).order_by("pk")


def case_for_merge(request: HttpRequest, number: str) -> Case | None:
    """The case with this number among those the user may manage, or None.

    A number that exists outside the user's reach gives None too (the form says the
    same as for a wrong number), and the refusal is logged like any other."""
    if not number or len(number) > 40:
        return None
    case = cases_manageable_by(request.user).filter(number=number).first()
    if case is None:
        existing = Case.objects.filter(number=number).first()
        if existing is not None:
            deny(request, request.user, reason="case outside the user's scope", target=existing)
    return case


def case_visible_to(user: Any, case_pk: int | None) -> bool:
    return case_pk is not None and cases_visible_to(user).filter(pk=case_pk).exists()
