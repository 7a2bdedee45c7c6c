"""Outreach tests reuse the permission cast (migra/accounts/tests/conftest.py) and the
people fixtures. gina (SHG facilitator, lead NGO, commune 010201) logs outreach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from migra.accounts.models import User
from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    Cast,
    as_user,
    cast,
    login_as,
)
from migra.outreach.models import Event
from migra.outreach.services import event_record
from migra.people.models import Person
from migra.people.services import NameInput, person_register
from migra.people.tests.conftest import _pages_in_english, sr_village  # noqa: F401

BM_VILLAGE = "01020101"


@pytest.fixture
def gina(cast: Cast) -> User:  # noqa: F811
    return cast.users["gina"]


@pytest.fixture
def person(cast: Cast) -> Callable[..., Person]:  # noqa: F811
    """Register a person in gina's village (as gina)."""

    def _person(name: str, *, sex: str = "female", age: int = 30, **extra: Any) -> Person:
        return person_register(
            actor=cast.users["gina"],
            names=[NameInput(value=name)],
            sex=sex,
            home_village=cast.places[BM_VILLAGE],
            approximate_age=age,
            **extra,
        )

    return _person


@pytest.fixture
def event(cast: Cast) -> Callable[..., Event]:  # noqa: F811
    """Record an event as gina in her village (yesterday unless told)."""

    def _event(**kwargs: Any) -> Event:
        values: dict[str, Any] = {
            "actor": cast.users["gina"],
            "kind": "awareness",
            "title": "Safe migration evening",
            "place_code": BM_VILLAGE,
            "date": timezone.localdate() - dt.timedelta(days=1),
        }
        values.update(kwargs)
        return event_record(**values)

    return _event
