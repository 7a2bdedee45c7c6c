"""Search tests use the permission tests' cast (alice, bob, carol, dan, charlie …) and
the test-only types of `searchable_app`: test_story and test_person."""

from __future__ import annotations

from typing import Any

import pytest

from migra.accounts.models import Agency
from migra.accounts.tests.conftest import Cast, as_user, cast  # noqa: F401  (fixtures)
from migra.places.models import Place
from migra.search.services import search_index_upsert
from migra.search.tests.searchable_app.models import Person, Story


def add_story(*, title: str, body: str, agency: Agency, published: bool = False) -> Story:
    story = Story.objects.create(title=title, body=body, is_published=published, agency=agency)
    search_index_upsert(doc_type="test_story", obj=story)
    return story


def add_person(
    *, agency: Agency, place: Place, name_km: str = "", name_latin: str = "", note: str = ""
) -> Person:
    person = Person.objects.create(
        name_km=name_km, name_latin=name_latin, note=note, agency=agency, place=place
    )
    search_index_upsert(doc_type="test_person", obj=person)
    return person


def ids(results: list[Any], doc_type: str | None = None) -> list[str]:
    return [r.object_id for r in results if doc_type is None or r.doc_type == doc_type]


@pytest.fixture
def superuser(db: None) -> Any:
    from migra.accounts.models import User

    return User.objects.create_superuser(email="root@example.org", password="x" * 12)


@pytest.fixture
def lead(db: None) -> Agency:
    from migra.accounts.roles import AgencyKind

    return Agency.objects.create(name_km="នាំមុខ", name_en="Lead NGO", kind=AgencyKind.LEAD_NGO)
