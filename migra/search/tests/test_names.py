"""Names meet across scripts through blind name keys; the index holds no plaintext name."""

from __future__ import annotations

import pytest

from migra.search.models import SearchDocument
from migra.search.selectors import search_for_user
from migra.search.tests.conftest import add_person, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def chantha(cast):
    return add_person(agency=cast.agencies["crisis"], place=cast.places["010201"], name_km="ចាន់ធា")


@pytest.mark.parametrize("query", ["Chanta", "chantha", "CHANTHEA", "ចាន់ធា"])
def test_a_khmer_name_is_found_by_its_spellings(cast, chantha, query):
    assert ids(search_for_user(cast.users["carol"], query)) == [str(chantha.pk)]


def test_a_latin_name_is_found_in_khmer_and_other_spellings(cast):
    person = add_person(
        agency=cast.agencies["crisis"], place=cast.places["010201"], name_latin="Heng Sreypov"
    )
    for query in ("ស្រីពៅ", "Srey Pov", "Heng Sreypou", "heng"):
        assert ids(search_for_user(cast.users["carol"], query)) == [str(person.pk)], query


def test_a_different_name_is_not_found(cast, chantha):
    assert search_for_user(cast.users["carol"], "Sok") == []
    assert search_for_user(cast.users["carol"], "Chanta Sok") == []


def test_the_index_holds_no_plaintext_name(cast):
    add_person(
        agency=cast.agencies["crisis"],
        place=cast.places["010201"],
        name_km="សុខ ចាន់ធា",
        name_latin="Sok Chantha",
        note="បានមកដល់ការិយាល័យ",
    )
    row = SearchDocument.objects.get(doc_type="test_person")
    stored = " ".join([row.title, row.body_tokens, row.name_keys]).casefold()
    for fragment in ("ចាន់ធា", "សុខ", "chantha", "sok", "chanta", "cata"):
        assert fragment not in stored
    assert row.title == ""
    assert row.name_keys and all(len(k) == 16 for k in row.name_keys.split())


def test_the_hashes_depend_on_the_key(cast, settings):
    add_person(agency=cast.agencies["crisis"], place=cast.places["010201"], name_km="ចាន់ធា")
    first = SearchDocument.objects.get(doc_type="test_person").name_keys
    settings.MIGRA_ENCRYPTION_KEYS = [b"\x01" * 32]
    from migra.search.services import search_rebuild

    search_rebuild(doc_types=["test_person"])
    assert SearchDocument.objects.get(doc_type="test_person").name_keys != first
