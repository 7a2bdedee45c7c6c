"""Erasure: a worker asks, another person (a supervisor) approves; identifiers are
destroyed, counts stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from migra.people.models import Consent, ConsentMethod, ConsentPurpose, Person, PersonKey
from migra.people.selectors import persons_by_phone, persons_visible_to
from migra.people.services import (
    consent_allows,
    consent_give,
    person_erase_approve,
    person_erase_request,
    unique_beneficiaries,
)
from migra.search.models import SearchDocument


@pytest.fixture
def person(cast, register):
    p = register(
        "សុខ ចាន់ធា",
        dob=dt.date(2001, 3, 14),
        phones=("012 345 678",),
        documents=(("kh_id", "010203040"),),
    )
    consent_give(
        actor=cast.users["dan"],
        person=p,
        purpose=ConsentPurpose.SERVICES,
        method=ConsentMethod.VERBAL,
        witness_name="ចាន់ សុភា",
    )
    return p


def test_erasure_destroys_identifiers_and_keeps_counts(cast, person, supervisor):
    province = person.province
    assert unique_beneficiaries() == 1
    person_erase_request(actor=cast.users["dan"], person=person)
    person_erase_approve(actor=supervisor, person=person)
    erased = Person.objects.get(pk=person.pk)
    assert erased.erased_at is not None
    assert erased.names.count() == 0
    assert erased.phones.count() == 0
    assert erased.documents.count() == 0
    assert PersonKey.objects.filter(person=erased).count() == 0
    assert erased.date_of_birth is None
    assert erased.birth_year == 2000  # five-year band
    assert erased.sex == "female"
    assert erased.province == province
    assert erased.home_village is None
    assert Consent.objects.get(person=erased).witness_name == ""
    assert not SearchDocument.objects.filter(doc_type="person", object_id=str(person.pk)).exists()
    assert unique_beneficiaries() == 1
    assert list(persons_visible_to(supervisor)) == []
    assert list(persons_by_phone(supervisor, "012345678")) == []
    assert not consent_allows(person=erased, purpose=ConsentPurpose.SERVICES)


def test_erasure_needs_approval(cast, person, supervisor):
    with pytest.raises(ValidationError):
        person_erase_approve(actor=supervisor, person=person)
    assert Person.objects.get(pk=person.pk).names.count() == 1


def test_caseworker_cannot_approve(cast, person):
    person_erase_request(actor=cast.users["dan"], person=person)
    with pytest.raises(PermissionDenied):
        person_erase_approve(actor=cast.users["dan"], person=person)
    assert Person.objects.get(pk=person.pk).erased_at is None


def test_requester_cannot_approve_their_own_request(cast, person, supervisor):
    person_erase_request(actor=supervisor, person=person)
    with pytest.raises(ValidationError):
        person_erase_approve(actor=supervisor, person=person)
    assert Person.objects.get(pk=person.pk).erased_at is None


def test_erasure_through_the_pages(cast, person, supervisor, as_user):
    dan = as_user(cast.users["dan"])
    assert dan.post(f"/app/people/{person.pk}/erase/request/").status_code == 302
    assert Person.objects.get(pk=person.pk).erasure_requested_at is not None
    sam = as_user(supervisor)
    response = sam.post(f"/app/people/{person.pk}/erase/decide/", {"decision": "approve"})
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).erased_at is not None
