"""Fixtures of the case tests (test_case_*.py import them by name).

They reuse the permission cast (migra/accounts/tests/conftest.py) and the people
fixtures (migra/people/tests/conftest.py): carol is a crisis-centre caseworker in
Banteay Meanchey (01), dan one in commune 170101 of Siem Reap.

- `bm_person`: registered by carol in village 01020101 (Banteay Meanchey);
- `sr_person`: registered by dan in village 17010101 (Siem Reap, dan's commune);
- `bm_case` / `sr_case`: a case of the crisis centre for each, opened by carol / dan;
- `abroad`: Thailand and its province Sa Kaeo (TH-27), for destinations.
"""

from __future__ import annotations

from collections.abc import Callable
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
from migra.cases.models import Case, CaseSource, CaseType, RiskLevel
from migra.cases.services import case_open
from migra.people.models import Person
from migra.people.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    BM_VILLAGE,
    SR_VILLAGE,
    _pages_in_english,
    register,
    sr_village,
    supervisor,
)
from migra.places.models import Place, PlaceKind


@pytest.fixture
def abroad(cast: Cast) -> dict[str, Place]:  # noqa: F811
    th = make_place("TH", PlaceKind.COUNTRY, "Thailand", None)
    sakaeo = make_place("TH-27", PlaceKind.REGION, "Sa Kaeo", th)
    cast.places["TH"] = th
    cast.places["TH-27"] = sakaeo
    return {"TH": th, "TH-27": sakaeo}


@pytest.fixture
def bm_person(cast: Cast, register: Callable[..., Person]) -> Person:  # noqa: F811
    return register("Sok Dara", actor=cast.users["carol"], village=cast.places[BM_VILLAGE], age=30)


@pytest.fixture
def sr_person(cast: Cast, register: Callable[..., Person]) -> Person:  # noqa: F811
    return register("Chan Thida", age=25)


@pytest.fixture
def open_case(cast: Cast) -> Callable[..., Case]:  # noqa: F811
    def _open(person: Person, *, actor: User | None = None, **extra: Any) -> Case:
        fields: dict[str, Any] = {
            "case_type": CaseType.TRAFFICKING,
            "risk": RiskLevel.HIGH,
            "origin": person.home_village,
            "source": CaseSource.MANUAL,
        }
        fields.update(extra)
        if actor is None and "agency" not in fields:
            fields["agency"] = cast.agencies["crisis"]
        return case_open(actor=actor, person=person, **fields)

    return _open


@pytest.fixture
def bm_case(cast: Cast, open_case: Callable[..., Case], bm_person: Person) -> Case:  # noqa: F811
    return open_case(bm_person, actor=cast.users["carol"])


@pytest.fixture
def sr_case(cast: Cast, open_case: Callable[..., Case], sr_person: Person) -> Case:  # noqa: F811
    return open_case(sr_person, actor=cast.users["dan"])
