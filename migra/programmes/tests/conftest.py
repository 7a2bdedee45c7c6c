"""Programme tests reuse the gazetteer fixtures (see migra/places/tests/conftest.py)."""

from __future__ import annotations

from migra.places.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    admin_client,
    gazetteer,
    nobody_client,
    people,
    small_tree,
    viewer_client,
)
