"""Document types of apps that exist before search: places and agencies.

Later apps register their own types in their AppConfig.ready() (see docs/search.md).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from migra.accounts.roles import Perm
from migra.search.registry import register


def _place_url(place: Any) -> str:
    return reverse("places:detail", args=[place.code])


def _place_display(place: Any) -> str:
    return f"{place.name} · {place.get_kind_display()} {place.code}"


register(
    "place",
    model="places.Place",
    label=_("Places"),
    permission=Perm.VIEW_PLACES,
    text_fields=["name_km", "name_en", "name_th", "code", "search_text"],
    title="name_km",
    display=_place_display,
    public=lambda place: True,
    url=_place_url,
)


def _agency_url(agency: Any) -> str:
    return reverse("accounts:agency-edit", args=[agency.pk])


register(
    "agency",
    model="accounts.Agency",
    label=_("Agencies"),
    permission=Perm.MANAGE_AGENCIES,
    agency_field="pk",
    text_fields=["name_km", "name_en", "short_name"],
    title="name_km",
    display=str,
    url=_agency_url,
)
