"""The search page and its type-ahead JSON."""

from __future__ import annotations

import pytest
from django.urls import reverse

from migra.accounts.tests.conftest import login_as
from migra.search.tests.conftest import add_person

pytestmark = pytest.mark.django_db


def test_search_page_groups_results(client, cast):
    add_person(agency=cast.agencies["crisis"], place=cast.places["010201"], name_km="ចាន់ធា")
    login_as(client, cast.users["carol"])
    response = client.get(reverse("search:results"), {"q": "Chanta"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "People" in body and "ចាន់ធា" in body


def test_search_page_without_results_and_hostile(client, cast):
    login_as(client, cast.users["dan"])
    for q in ("Chanta", '"*NEAR(', "\u200b", "ក" * 5000):
        assert client.get(reverse("search:results"), {"q": q}).status_code == 200
    assert client.get(reverse("search:results")).status_code == 200


def test_suggest_json(client, cast):
    person = add_person(
        agency=cast.agencies["crisis"], place=cast.places["010201"], name_km="ចាន់ធា"
    )
    login_as(client, cast.users["carol"])
    data = client.get(reverse("search:suggest"), {"q": "chanta"}).json()
    assert data["results"] == [
        {
            "type": "test_person",
            "type_label": "People",
            "title": "ចាន់ធា",
            "url": f"/people/{person.pk}/",
        }
    ]
    login_as(client, cast.users["dan"])
    assert client.get(reverse("search:suggest"), {"q": "chanta"}).json() == {"results": []}


def test_login_required(client, db):
    assert client.get(reverse("search:suggest"), {"q": "x"}).status_code == 401
    assert client.get(reverse("search:results"), {"q": "x"}).status_code == 302


def test_top_bar_has_the_search_box(client, cast):
    login_as(client, cast.users["carol"])
    body = client.get(reverse("accounts:home")).content.decode()
    assert reverse("search:results") in body and reverse("search:suggest") in body
