"""The place pages and the type-ahead JSON, over HTTP."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from migra.audit.models import AuditAction, AuditEvent
from migra.places.tests.conftest import Tree

pytestmark = pytest.mark.django_db

SEARCH = "/app/places/search.json"


def assert_no_inline_code(html: str) -> None:
    """CSP forbids inline scripts and styles: every script has a src, no style attributes."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("url", ["/app/places/", "/app/places/01/"])
def test_pages_send_anonymous_visitors_to_log_in(
    client: Client, small_tree: Tree, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/app/login/?next=")


def test_json_answers_anonymous_visitors_with_401(client: Client, small_tree: Tree) -> None:
    response = client.get(SEARCH, {"q": "ban"})
    assert response.status_code == 401
    assert "error" in response.json()


@pytest.mark.parametrize("url", ["/app/places/", "/app/places/01/", SEARCH + "?q=ban"])
def test_a_user_without_a_role_is_refused_and_logged(
    nobody_client: Client, small_tree: Tree, url: str
) -> None:
    response = nobody_client.get(url)
    assert response.status_code == 403
    event = AuditEvent.objects.filter(action=AuditAction.DENIED).latest("seq")
    assert "view_places" in event.changes["reason"]


# --------------------------------------------------------------------------- JSON


def test_json_search(viewer_client: Client, small_tree: Tree) -> None:
    with translation.override("en"):
        response = viewer_client.get(SEARCH, {"q": "ban", "kind": "commune", "within": "01"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["code"] for r in results] == ["010201"]
    assert results[0]["kind"] == "commune"
    assert results[0]["name_km"] == "បន្ទាយនាង"
    assert results[0]["label"]  # language of the user (Khmer by default)


def test_json_search_in_the_users_language(viewer_client: Client, small_tree: Tree, people) -> None:  # type: ignore[no-untyped-def]
    people.viewer.language = "en"
    people.viewer.save(update_fields=["language"])
    response = viewer_client.get(SEARCH, {"q": "01020101"})
    assert (
        response.json()["results"][0]["label"]
        == "Ou Thum, Banteay Neang, Mangkul Bourei, Banteay Meanchey"
    )


def test_json_kinds_repeated_or_comma_separated(viewer_client: Client, small_tree: Tree) -> None:
    one = viewer_client.get(SEARCH + "?q=b&kind=province&kind=commune").json()["results"]
    two = viewer_client.get(SEARCH + "?q=b&kind=province,commune").json()["results"]
    assert one == two
    assert {r["kind"] for r in one} == {"province", "commune"}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": "ban", "kind": "planet"}, 400),
        ({"q": "ban", "kind": "commune,"}, 200),
        ({"q": "ban", "kind": "x" * 5000}, 400),
        ({"q": "ban", "within": "NOPE"}, 400),
        ({"q": "ban", "within": "' OR 1=1 --"}, 400),
        ({"q": "ban", "limit": "many"}, 400),
        ({"q": "ban", "limit": "0"}, 400),
        ({"q": "ban", "limit": "51"}, 400),
        ({"q": "ban", "limit": "9" * 400}, 400),
    ],
)
def test_json_bad_parameters(
    viewer_client: Client, small_tree: Tree, params: dict[str, str], status: int
) -> None:
    response = viewer_client.get(SEARCH, params)
    assert response.status_code == status
    if status == 400:
        assert response.json()["error"]


@pytest.mark.parametrize(
    "query", ["", "   ", "x" * 101, "ក" * 10_000, "'; DROP TABLE places_place; --", "%", "\x00"]
)
def test_json_bad_queries_answer_nothing(
    viewer_client: Client, small_tree: Tree, query: str
) -> None:
    response = viewer_client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_json_refuses_post(viewer_client: Client, small_tree: Tree) -> None:
    assert viewer_client.post(SEARCH, {"q": "ban"}).status_code == 405


# --------------------------------------------------------------------------- pages


def test_browse_lists_provinces_and_searches_without_javascript(
    viewer_client: Client, small_tree: Tree
) -> None:
    response = viewer_client.get("/app/places/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "បន្ទាយមានជ័យ" in html and 'href="/app/places/17/"' in html
    assert 'data-search-url="/app/places/search.json"' in html
    assert_no_inline_code(html)

    response = viewer_client.get("/app/places/", {"q": "Char"})
    assert 'href="/app/places/170101/"' in response.content.decode()
    response = viewer_client.get("/app/places/", {"q": "x" * 5000})
    assert response.status_code == 200


def test_detail_shows_ancestors_and_children(viewer_client: Client, small_tree: Tree) -> None:
    response = viewer_client.get("/app/places/0102/")
    assert response.status_code == 200
    html = response.content.decode()
    # Breadcrumbs: Places › Cambodia › Banteay Meanchey; children: the two communes.
    assert 'href="/app/places/KH/"' in html and 'href="/app/places/01/"' in html
    assert 'href="/app/places/010201/"' in html and 'href="/app/places/010202/"' in html
    assert "Mangkul Bourei" in html and "មង្គលបូរី" in html
    assert_no_inline_code(html)


@pytest.mark.parametrize("code", ["99", "NOPE", "x" * 300, "%27%20OR%201=1"])
def test_detail_of_an_unknown_place_is_404(
    viewer_client: Client, small_tree: Tree, code: str
) -> None:
    assert viewer_client.get(f"/app/places/{code}/").status_code == 404


def test_detail_by_lower_case_code(viewer_client: Client, small_tree: Tree) -> None:
    assert viewer_client.get("/app/places/th-27/").status_code == 200
