"""Programme tests reuse the gazetteer fixtures (see migra/places/tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from migra.places.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    Tree,
    admin_client,
    gazetteer,
    nobody_client,
    people,
    small_tree,
    viewer_client,
)
from migra.programmes.models import Programme
from migra.programmes.services import programme_create, programme_target_set


@pytest.fixture
def programme(small_tree: Tree) -> Programme:  # noqa: F811  (small_tree is the fixture above)
    made = programme_create(
        actor=None,
        name_km="គម្រោងសាកល្បង",
        name_en="Test programme",
        donors="European Union",
        start_month=dt.date(2016, 1, 1),
        end_month=dt.date(2019, 1, 1),
        target_provinces=[small_tree["01"]],
        target_communes=[small_tree["010201"]],
    )
    programme_target_set(
        actor=None,
        programme=made,
        key="shgs_active",
        label_km="ក្រុមជួយខ្លួនឯង",
        label_en="Self-help groups active",
        value=25,
    )
    made.refresh_from_db()
    return made
