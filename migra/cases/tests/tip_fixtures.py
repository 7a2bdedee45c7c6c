"""Fixtures of the tip tests (test_tip_*.py import them by name).

They add to the case fixtures (case_fixtures.py, through conftest.py):

- `make_tip(place=..., text=..., contact=...)`: a tip from the public form;
- `tips`: one tip in commune 010201 (Banteay Meanchey), one in commune 170101 (Siem
  Reap), one in Thailand and one without a place;
- `rosa`: a caseworker of the crisis centre over every place (the only one in the cast
  who sees tips without a place or abroad);
- `lena`: a caseworker of the legal-aid NGO in Banteay Meanchey (another agency: tips
  have no agency, so she sees Banteay Meanchey's tips too, but not the crisis centre's
  cases).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.accounts.tests.conftest import Cast, make_place
from migra.cases.models import Tip, TipSource
from migra.cases.tip_services import tip_submit
from migra.places.models import Place, PlaceKind

TIP_TEXT = "My brother works on a boat near Rayong. The captain keeps his papers and pay."


@pytest.fixture
def make_tip(cast: Cast) -> Callable[..., Tip]:
    def _make(place: Place | None = None, text: str = TIP_TEXT, **extra: Any) -> Tip:
        return tip_submit(source=TipSource.PUBLIC_FORM, text=text, place=place, **extra)

    return _make


@pytest.fixture
def tips(cast: Cast, make_tip: Callable[..., Tip]) -> dict[str, Tip]:
    thailand = cast.places.get("TH") or make_place("TH", PlaceKind.COUNTRY, "Thailand", None)
    cast.places["TH"] = thailand
    return {
        "bm": make_tip(cast.places["010201"], contact="012 345 678"),
        "sr": make_tip(cast.places["170101"], text="Siem Reap concern"),
        "th": make_tip(thailand, text="Somewhere in Thailand"),
        "none": make_tip(None, text="No idea where"),
    }


def _user(email: str, name: str) -> User:
    return User.objects.create_user(
        email=email, password="correct horse battery staple", full_name=name, language="en"
    )


@pytest.fixture
def rosa(cast: Cast) -> User:
    user = _user("rosa@example.org", "Rosa")
    Membership.objects.create(
        user=user, agency=cast.agencies["crisis"], role=Role.CASEWORKER, all_places=True
    )
    return user


@pytest.fixture
def lena(cast: Cast) -> User:
    user = _user("lena@example.org", "Lena")
    membership = Membership.objects.create(
        user=user, agency=cast.agencies["legal"], role=Role.CASEWORKER, all_places=False
    )
    membership.places.set([cast.places["01"]])
    return user
