"""Both engines answer a tier for a filtered user in two steps (the newest rows in reach,
then the indexes below them: PostgreSQL for every user, SQLite for users whose reach is
narrowed); whatever the window's size, the results are those of one plain query."""

from __future__ import annotations

from typing import Any

import pytest

from migra.search import engine
from migra.search.selectors import search_for_user
from migra.search.tests.conftest import add_person, add_story

pytestmark = pytest.mark.django_db

QUERIES = ["ភូមិ", "ភូ", "ភ", "ូមិ", "book", "bo", "ook", "ចាន់ធា", "Chanta", "zzz", "ភូមិ book"]


def _searches(user: Any, limit: int) -> dict[str, list[tuple[str, int]]]:
    return {
        q: [(r.object_id, r.tier) for r in search_for_user(user, q, limit=limit)] for q in QUERIES
    }


@pytest.mark.parametrize("limit", [1, 3, 20])
def test_window_size_does_not_change_results(superuser, cast, monkeypatch, limit):  # type: ignore[no-untyped-def]
    agencies, places = cast.agencies, cast.places
    bodies = ["ភូមិ", "a book", "notebook", "ភូមិថ្មី", "books", "ក្នុងភូមិ", "other", "ភូមិ book"]
    for n in range(24):
        agency = agencies["crisis"] if n % 2 else agencies["lead"]
        add_story(title=str(n), body=bodies[n % len(bodies)], agency=agency)
        if n % 3 == 0:
            place = places["010201"] if n % 2 else places["170101"]
            add_person(agency=agencies["crisis"], place=place, name_km="ចាន់ធា", note=bodies[n % 4])
    users = [superuser, *(cast.users[name] for name in ("alice", "bob", "carol", "dan", "gina"))]
    monkeypatch.setattr(engine, "WINDOW", 10_000)
    expected = [_searches(user, limit) for user in users]
    assert any(expected[0].values())
    for window in (1, 2, 3, 7):
        monkeypatch.setattr(engine, "WINDOW", window)
        assert [_searches(user, limit) for user in users] == expected, window
