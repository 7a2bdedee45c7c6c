"""Screening tests reuse the permission cast (migra/accounts/tests/conftest.py): gina is
the SHG facilitator of the lead NGO in commune 010201 (Banteay Meanchey), carol a
caseworker of the crisis centre in Banteay Meanchey, dan one in commune 170101.

The catalogue is loaded by a data migration, but tests that flush the database
(transactional ones) remove it: every test asks for it through `catalogue`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from migra.accounts.models import User
from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    Cast,
    as_user,
    cast,
    login_as,
    make_place,
)
from migra.people.models import Person
from migra.people.services import NameInput, person_register
from migra.places.models import Place, PlaceKind
from migra.screening.models import CatalogueVersion, Screening
from migra.screening.selectors import catalogue_current
from migra.screening.services import catalogue_load_shipped, screening_record

BM_VILLAGE = "01020101"  # in gina's commune 010201
SR_VILLAGE = "17010101"  # in dan's commune 170101

# The answers of the done-when scenario: a returned worker deceived about the job and
# the pay, overworked and unpaid, her passport kept and locked in.
TRAFFICKED = {
    "recruit_misled_work": "yes",
    "recruit_misled_pay": "yes",
    "work_excessive_hours": "yes",
    "work_low_no_pay": "yes",
    "dest_documents": "yes",
    "dest_confined": "yes",
}


@pytest.fixture(autouse=True)
def _pages_in_english(db: None) -> Iterator[None]:
    """These tests read messages on pages: everyone reads English here."""
    from django.db.models.signals import pre_save

    def english(sender: type, instance: User, **kwargs: Any) -> None:
        if instance._state.adding:
            instance.language = "en"

    pre_save.connect(english, sender=User, dispatch_uid="screening-tests-english")
    yield
    pre_save.disconnect(sender=User, dispatch_uid="screening-tests-english")


@pytest.fixture
def catalogue(db: None) -> CatalogueVersion:
    catalogue_load_shipped()
    current = catalogue_current()
    assert current is not None
    return current


@pytest.fixture
def sr_village(cast: Cast) -> Place:  # noqa: F811
    village = make_place(SR_VILLAGE, PlaceKind.VILLAGE, "Char Chhuk Village", cast.places["170101"])
    cast.places[SR_VILLAGE] = village
    return village


@pytest.fixture
def bm_village(cast: Cast) -> Place:  # noqa: F811
    return cast.places[BM_VILLAGE]


@pytest.fixture
def register(cast: Cast) -> Callable[..., Person]:  # noqa: F811
    """Register a person as `actor` (gina, in her village, unless told otherwise)."""

    def _register(
        name: str = "ស្រី ពៅ",
        *,
        actor: User | None = None,
        village: Place | None = None,
        age: int = 24,
    ) -> Person:
        return person_register(
            actor=actor or cast.users["gina"],
            names=[NameInput(value=name)],
            sex="female",
            home_village=village or cast.places[BM_VILLAGE],
            approximate_age=age,
        )

    return _register


@pytest.fixture
def screen(cast: Cast, catalogue: CatalogueVersion) -> Callable[..., Screening]:  # noqa: F811
    """Record a screening through the service (gina, guided, adult, her village)."""

    def _screen(
        answers: dict[str, str] | None = None,
        *,
        actor: User | None = None,
        mode: str = "guided",
        age_band: str = "25-34",
        place: Place | None = None,
        person: Person | None = None,
    ) -> Screening:
        current = catalogue_current()  # the newest published version, as a fresh form has
        assert current is not None
        return screening_record(
            actor=actor or cast.users["gina"],
            catalogue=current,
            mode=mode,
            answers=answers if answers is not None else TRAFFICKED,
            sex="female",
            age_band=age_band,
            place=place or cast.places[BM_VILLAGE],
            token=uuid.uuid4(),
            person=person,
        ).screening

    return _screen


def form_data(
    catalogue: CatalogueVersion,
    answers: dict[str, str],
    *,
    mode: str = "guided",
    place: str = BM_VILLAGE,
    age_band: str = "25-34",
    token: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token": token or str(uuid.uuid4()),
        "catalogue": str(catalogue.number),
        "mode": mode,
        "sex": "female",
        "age_band": age_band,
        "place": place,
    }
    data.update({f"q_{topic}": value for topic, value in answers.items()})
    data.update(extra)
    return data
