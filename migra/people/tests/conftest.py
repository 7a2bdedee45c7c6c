"""People tests reuse the permission cast (migra/accounts/tests/conftest.py) and add a
village in Siem Reap commune 170101 (dan's commune; carol works in Banteay Meanchey)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    Cast,
    as_user,
    cast,
    login_as,
    make_place,
)
from migra.people.models import Person
from migra.people.services import DocumentInput, NameInput, person_register
from migra.places.models import Place, PlaceKind

SR_VILLAGE = "17010101"
BM_VILLAGE = "01020101"


@pytest.fixture
def sr_village(cast: Cast) -> Place:  # noqa: F811
    village = make_place(SR_VILLAGE, PlaceKind.VILLAGE, "Char Chhuk Village", cast.places["170101"])
    cast.places[SR_VILLAGE] = village
    return village


@pytest.fixture
def supervisor(cast: Cast) -> User:  # noqa: F811
    """sam: case supervisor of the crisis centre in Banteay Meanchey and Siem Reap."""
    user = User.objects.create_user(
        email="sam@example.org", password="correct horse battery staple", full_name="Sam"
    )
    membership = Membership.objects.create(
        user=user, agency=cast.agencies["crisis"], role=Role.CASE_SUPERVISOR, all_places=False
    )
    membership.places.set([cast.places["01"], cast.places["17"]])
    return user


@pytest.fixture
def register(cast: Cast, sr_village: Place) -> Callable[..., Person]:  # noqa: F811
    """Register a person as `actor` (dan, in Siem Reap, unless told otherwise)."""

    def _register(
        *names: str,
        actor: User | None = None,
        village: Place | None = None,
        sex: str = "female",
        age: int | None = None,
        dob: dt.date | None = None,
        phones: tuple[str, ...] = (),
        documents: tuple[tuple[str, str], ...] = (),
        **extra: Any,
    ) -> Person:
        return person_register(
            actor=actor or cast.users["dan"],
            names=[NameInput(value=n) for n in names],
            sex=sex,
            home_village=village or sr_village,
            approximate_age=age if dob is None else None,
            date_of_birth=dob,
            phones=phones,
            documents=[DocumentInput(kind=k, number=n) for k, n in documents],
            **extra,
        )

    return _register


@pytest.fixture(autouse=True)
def _pages_in_english(db: None) -> None:
    """These tests read messages on pages: everyone reads English here (the language
    choice itself is tested in migra/accounts/tests/test_language.py)."""
    from django.db.models.signals import pre_save

    def english(sender: type, instance: User, **kwargs: Any) -> None:
        if instance._state.adding:
            instance.language = "en"

    pre_save.connect(english, sender=User, dispatch_uid="people-tests-english")
    yield
    pre_save.disconnect(sender=User, dispatch_uid="people-tests-english")
