"""Place pages: browse the tree, one place with its surroundings, type-ahead JSON."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from migra.accounts.roles import Perm
from migra.accounts.selectors import require_perm
from migra.places.models import Place
from migra.places.selectors import (
    MAX_QUERY_LENGTH,
    PlaceMatch,
    place_ancestors,
    place_by_code,
    place_children,
    places_search,
)
from migra.places.sources import CAMBODIA, DESTINATION_SUBDIVISIONS

JSON_LIMIT = 20
JSON_MAX_LIMIT = 50
PAGE_LIMIT = 50


def _match_json(match: PlaceMatch) -> dict[str, Any]:
    place = match.place
    return {
        "code": place.code,
        "kind": place.kind,
        "kind_label": place.get_kind_display(),
        "name": place.name,
        "name_km": place.name_km,
        "name_en": place.name_en,
        "name_th": place.name_th,
        "label": match.label,
        "depth": place.depth,
    }


def _kinds_param(request: HttpRequest) -> list[str] | None:
    """?kind=commune&kind=village or ?kind=commune,village; None when not given."""
    raw = [part for value in request.GET.getlist("kind") for part in value.split(",")]
    kinds = [k.strip() for k in raw if k.strip()]
    return kinds or None


@login_required
@require_GET
def browse(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_PLACES)
    query = request.GET.get("q", "").strip()
    results = places_search(query=query, limit=PAGE_LIMIT) if query else []
    cambodia = place_by_code(CAMBODIA)
    provinces = list(place_children(cambodia)) if cambodia else []
    destinations = list(Place.objects.filter(code__in=DESTINATION_SUBDIVISIONS).order_by("code"))
    return render(
        request,
        "places/browse.html",
        {
            "query": query,
            "query_too_long": len(query) > MAX_QUERY_LENGTH,
            "results": results,
            "cambodia": cambodia,
            "provinces": provinces,
            "destinations": destinations,
            "countries": place_children(None),
        },
    )


@login_required
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    require_perm(request, Perm.VIEW_PLACES)
    place = place_by_code(code)
    if place is None:
        raise Http404
    ancestors = place_ancestors(place)
    return render(
        request,
        "places/detail.html",
        {
            "place": place,
            "ancestors": ancestors,
            # "District, Province, Country": where the place lies, nearest first.
            "inside": ", ".join(a.name for a in reversed(ancestors)),
            "children": place_children(place),
        },
    )


@require_GET
def search_json(request: HttpRequest) -> JsonResponse:
    """Type-ahead: ?q=text[&kind=commune,village][&within=CODE][&limit=20]."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Log in to look up places.")}, status=401)
    try:
        require_perm(request, Perm.VIEW_PLACES)
    except PermissionDenied:
        return JsonResponse({"error": _("You may not look up places.")}, status=403)
    query = request.GET.get("q", "")
    within_code = request.GET.get("within", "").strip()
    within = None
    if within_code:
        within = place_by_code(within_code)
        if within is None:
            return JsonResponse({"error": _("No place has this code.")}, status=400)
    try:
        limit = int(request.GET.get("limit", JSON_LIMIT))
    except ValueError:
        return JsonResponse({"error": _("The limit must be a whole number.")}, status=400)
    if not 1 <= limit <= JSON_MAX_LIMIT:
        return JsonResponse(
            {"error": _("The limit must be between 1 and %(max)d.") % {"max": JSON_MAX_LIMIT}},
            status=400,
        )
    try:
        matches = places_search(
            query=query, kinds=_kinds_param(request), within=within, limit=limit
        )
    except ValueError:
        return JsonResponse({"error": _("Unknown kind of place.")}, status=400)
    return JsonResponse({"results": [_match_json(m) for m in matches]})
