"""Services keep the index in step: upsert replaces, delete removes."""

from __future__ import annotations

import pytest

from migra.search.models import SearchDocument
from migra.search.selectors import search_for_user, search_public
from migra.search.services import search_index_delete, search_index_upsert
from migra.search.tests.conftest import add_story, ids

pytestmark = pytest.mark.django_db


def test_upsert_replaces_the_words(superuser, lead):
    story = add_story(title="t", body="ទឹកស្អាត", agency=lead, published=True)
    story.body = "ភ្លើងអគ្គិសនី"
    story.save(update_fields=["body"])
    search_index_upsert(doc_type="test_story", obj=story)
    assert SearchDocument.objects.filter(doc_type="test_story").count() == 1
    assert search_for_user(superuser, "ទឹក") == []
    assert ids(search_for_user(superuser, "ភ្លើង")) == [str(story.pk)]


def test_unpublishing_removes_it_from_public_search(lead):
    story = add_story(title="t", body="ទឹកស្អាត", agency=lead, published=True)
    story.is_published = False
    story.save(update_fields=["is_published"])
    search_index_upsert(doc_type="test_story", obj=story)
    assert search_public("ទឹក") == []


def test_delete_removes(superuser, lead):
    story = add_story(title="t", body="ទឹកស្អាត", agency=lead)
    search_index_delete(doc_type="test_story", object_id=story.pk)
    assert search_for_user(superuser, "ទឹក") == []
    assert not SearchDocument.objects.exists()


def test_a_deleted_record_left_in_the_index_is_not_shown(superuser, lead):
    story = add_story(title="t", body="ទឹកស្អាត", agency=lead)
    story.delete()
    assert search_for_user(superuser, "ទឹក") == []


def test_unknown_type_is_an_error(lead):
    with pytest.raises(LookupError):
        search_index_delete(doc_type="nope", object_id=1)


def test_agency_services_index_agencies(cast):
    from migra.accounts.roles import AgencyKind
    from migra.accounts.services import agency_create, agency_update

    agency = agency_create(
        actor=cast.users["alice"],
        name_km="អង្គការថ្មី",
        name_en="Hope Shelter",
        kind=AgencyKind.PARTNER_NGO,
    )
    assert len(search_for_user(cast.users["alice"], "hope")) == 1
    agency_update(
        actor=cast.users["alice"],
        agency=agency,
        expected_version=agency.version,
        name_km="អង្គការថ្មី",
        name_en="Safe Harbour",
        kind=AgencyKind.PARTNER_NGO,
    )
    assert search_for_user(cast.users["alice"], "hope") == []
    assert len(search_for_user(cast.users["alice"], "harbour")) == 1
