"""Reads of programmes, through the permission API."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from migra.accounts.roles import Perm
from migra.accounts.selectors import restrict
from migra.places.models import Place
from migra.programmes.models import Programme


def programmes_visible_to(user: Any) -> QuerySet[Programme]:
    """Programmes the user may see (Perm.VIEW_PROGRAMME anywhere: the programme is shared)."""
    return restrict(Programme.objects.all(), user, Perm.VIEW_PROGRAMME)


def programmes_manageable_by(user: Any) -> QuerySet[Programme]:
    return restrict(Programme.objects.all(), user, Perm.MANAGE_PROGRAMME)


def _with_details(queryset: QuerySet[Programme]) -> QuerySet[Programme]:
    places = Place.objects.order_by("code")
    return queryset.prefetch_related(
        "targets",
        Prefetch("target_provinces", queryset=places),
        Prefetch("target_communes", queryset=places),
    )


def programme_current_for(user: Any) -> Programme | None:
    """The programme the staff app shows: the latest one the user may see."""
    return _with_details(programmes_visible_to(user)).order_by("-start_month", "-pk").first()


def programme_current_for_manager(user: Any) -> Programme | None:
    return _with_details(programmes_manageable_by(user)).order_by("-start_month", "-pk").first()
