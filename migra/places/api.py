"""Read-only REST API for the gazetteer: /api/v1/places/ (list, search) and /<code>/."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from migra.accounts.roles import Perm
from migra.accounts.selectors import user_has_perm
from migra.places.models import Place, PlaceKind
from migra.places.selectors import (
    MAX_LIMIT,
    PlaceMatch,
    place_by_code,
    places_list,
    places_search,
    with_ancestors,
)


class CanViewPlaces(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return user_has_perm(request.user, Perm.VIEW_PLACES)


class PlaceRefSerializer(serializers.Serializer):
    """A place in short: for ancestors."""

    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=PlaceKind.choices)
    name = serializers.CharField(help_text="The name in the language of the request.")


class PlaceSerializer(serializers.Serializer):
    """A place with its label ("Village, Commune, District, Province")."""

    code = serializers.CharField(source="place.code")
    kind = serializers.ChoiceField(source="place.kind", choices=PlaceKind.choices)
    name = serializers.CharField(
        source="place.name", help_text="The name in the language of the request."
    )
    name_km = serializers.CharField(source="place.name_km")
    name_en = serializers.CharField(source="place.name_en")
    name_th = serializers.CharField(source="place.name_th")
    parent_code = serializers.SerializerMethodField()
    depth = serializers.IntegerField(source="place.depth")
    # DRF's metaclass takes declared fields off the class, so this does not replace
    # Field.label at run time; mypy sees only the class attribute.
    label = serializers.CharField()  # type: ignore[assignment]

    def get_parent_code(self, match: PlaceMatch) -> str | None:
        return match.ancestors[-1].code if match.ancestors else None


class PlaceDetailSerializer(PlaceSerializer):
    ancestors = PlaceRefSerializer(many=True, help_text="From the country down to the parent.")


def _kinds(request: Request) -> list[str] | None:
    raw = [p for v in request.query_params.getlist("kind") for p in v.split(",")]
    kinds = [k.strip() for k in raw if k.strip()]
    if not kinds:
        return None
    unknown = [k for k in kinds if k not in PlaceKind.values]
    if unknown:
        message = _("Unknown kind of place: “%(kind)s”. Use one of: %(kinds)s.") % {
            "kind": unknown[0][:40],
            "kinds": ", ".join(PlaceKind.values),
        }
        raise ValidationError({"kind": [message]})
    return kinds


@extend_schema_view(
    list=extend_schema(
        summary="List or search places",
        description=(
            "Without `q`: every place (of the given kinds) in tree order, paged. "
            "With `q`: the best matches for a type-ahead (names in Khmer, English or Thai, "
            "or a code; at most 100), prefix matches first, larger places first."
        ),
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Search text (1–100 characters)."),
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                description="Kinds to return, comma-separated: " + ", ".join(PlaceKind.values),
            ),
        ],
    ),
    retrieve=extend_schema(summary="One place by code", responses=PlaceDetailSerializer),
)
class PlaceViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CanViewPlaces]
    serializer_class = PlaceSerializer
    queryset = Place.objects.all()
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9-]{1,16}"

    def list(self, request: Request) -> Response:
        kinds = _kinds(request)
        query = request.query_params.get("q", "")
        items: Any
        if query:
            items = places_search(query=query, kinds=kinds, limit=MAX_LIMIT)
            page = self.paginate_queryset(items)
            matches = list(page) if page is not None else items
        else:
            page = self.paginate_queryset(places_list(kinds=kinds))
            matches = with_ancestors(page if page is not None else places_list(kinds=kinds))
        data = PlaceSerializer(matches, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, code: str) -> Response:
        place = place_by_code(code)
        if place is None:
            raise Http404
        match = with_ancestors([place])[0]
        serializer = PlaceDetailSerializer(match)
        return Response(serializer.data)
