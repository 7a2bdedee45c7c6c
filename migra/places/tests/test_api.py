"""GET /api/v1/places/ and /api/v1/places/<code>/: read-only, for people with a role."""

from __future__ import annotations

import pytest
from django.test import Client

from migra.places.tests.conftest import SMALL_TREE, Tree

pytestmark = pytest.mark.django_db

API = "/api/v1/places/"


@pytest.mark.parametrize("url", [API, API + "01/", API + "?q=ban"])
def test_anonymous_and_roleless_users_are_refused(
    client: Client, nobody_client: Client, small_tree: Tree, url: str
) -> None:
    assert Client().get(url).status_code in (401, 403)
    assert nobody_client.get(url).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only(viewer_client: Client, small_tree: Tree, method: str) -> None:
    list_response = getattr(viewer_client, method)(API, {}, content_type="application/json")
    detail_response = getattr(viewer_client, method)(
        API + "01/", {}, content_type="application/json"
    )
    assert list_response.status_code == 405
    assert detail_response.status_code == 405


def test_list_is_paged_in_tree_order(viewer_client: Client, small_tree: Tree) -> None:
    data = viewer_client.get(API, {"limit": 3}).json()
    assert data["count"] == len(SMALL_TREE)
    assert [p["code"] for p in data["results"]] == ["KH", "01", "0102"]
    assert data["next"]
    assert data["results"][1]["parent_code"] == "KH"


def test_list_by_kind(viewer_client: Client, small_tree: Tree) -> None:
    data = viewer_client.get(API, {"kind": "commune,province"}).json()
    assert {p["kind"] for p in data["results"]} == {"commune", "province"}
    assert data["count"] == 6  # two provinces, four communes


def test_search(viewer_client: Client, small_tree: Tree) -> None:
    data = viewer_client.get(API, {"q": "0102010"}).json()
    assert [p["code"] for p in data["results"]] == ["01020101"]
    place = data["results"][0]
    assert place["label"].count(", ") == 3
    assert place["name_en"] == "Ou Thum" and place["depth"] == 4
    assert place["parent_code"] == "010201"


@pytest.mark.parametrize(
    "query", ["x" * 101, "ក" * 10_000, "'; DROP TABLE places_place; --", "\x00"]
)
def test_search_bad_queries_answer_nothing(
    viewer_client: Client, small_tree: Tree, query: str
) -> None:
    response = viewer_client.get(API, {"q": query})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("kind", ["planet", "commune,planet", "x" * 3000])
def test_unknown_kind_is_400(viewer_client: Client, small_tree: Tree, kind: str) -> None:
    response = viewer_client.get(API, {"kind": kind})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_retrieve_with_ancestors(viewer_client: Client, small_tree: Tree) -> None:
    data = viewer_client.get(API + "010201/").json()
    assert data["code"] == "010201" and data["kind"] == "commune"
    assert [a["code"] for a in data["ancestors"]] == ["KH", "01", "0102"]
    assert viewer_client.get(API + "th-27/").json()["code"] == "TH-27"


@pytest.mark.parametrize("code", ["99", "NOPE", "x" * 40, "%00", "ភូមិ"])
def test_retrieve_unknown_is_404(viewer_client: Client, small_tree: Tree, code: str) -> None:
    assert viewer_client.get(f"{API}{code}/").status_code == 404


def test_schema_describes_the_places_api(viewer_client: Client) -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert "/api/v1/places/" in paths and "/api/v1/places/{code}/" in paths
    params = {p["name"] for p in paths["/api/v1/places/"]["get"]["parameters"]}
    assert {"q", "kind", "limit", "offset"} <= params
