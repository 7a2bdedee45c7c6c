"""Consent per purpose; withdrawal blocks at once (the issue's "Done when")."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from migra.people.models import ConsentMethod, ConsentPurpose
from migra.people.services import consent_allows, consent_give, consent_withdraw


def test_withdrawal_blocks_a_referral_at_once(cast, register):
    dan = cast.users["dan"]
    person = register("សុខ ចាន់ធា", age=24)
    legal = cast.agencies["legal"]
    assert not consent_allows(person=person, purpose=ConsentPurpose.REFERRAL, agency=legal)
    consent = consent_give(
        actor=dan,
        person=person,
        purpose=ConsentPurpose.REFERRAL,
        agency=legal,
        method=ConsentMethod.THUMBPRINT,
    )
    assert consent_allows(person=person, purpose=ConsentPurpose.REFERRAL, agency=legal)
    # Consent to one agency is not consent to another.
    assert not consent_allows(
        person=person, purpose=ConsentPurpose.REFERRAL, agency=cast.agencies["lead"]
    )
    consent_withdraw(actor=dan, consent=consent)
    assert not consent_allows(person=person, purpose=ConsentPurpose.REFERRAL, agency=legal)


def test_purposes_are_separate_and_a_refusal_counts(cast, register):
    dan = cast.users["dan"]
    person = register("សុខ ចាន់ធា", age=24)
    consent_give(
        actor=dan, person=person, purpose=ConsentPurpose.STORY, method=ConsentMethod.SIGNATURE
    )
    assert consent_allows(person=person, purpose=ConsentPurpose.STORY)
    assert not consent_allows(person=person, purpose=ConsentPurpose.PHOTO)
    consent_give(
        actor=dan,
        person=person,
        purpose=ConsentPurpose.STORY,
        method=ConsentMethod.SIGNATURE,
        given=False,
    )
    assert not consent_allows(person=person, purpose=ConsentPurpose.STORY)


def test_verbal_consent_needs_a_witness(cast, register):
    person = register("សុខ ចាន់ធា", age=24)
    with pytest.raises(ValidationError) as caught:
        consent_give(
            actor=cast.users["dan"],
            person=person,
            purpose=ConsentPurpose.SERVICES,
            method=ConsentMethod.VERBAL,
        )
    assert "witness_name" in caught.value.message_dict


def test_referral_needs_an_agency(cast, register):
    person = register("សុខ ចាន់ធា", age=24)
    with pytest.raises(ValidationError):
        consent_give(
            actor=cast.users["dan"],
            person=person,
            purpose=ConsentPurpose.REFERRAL,
            method=ConsentMethod.SIGNATURE,
        )


def test_outsider_cannot_record_consent(cast, register):
    person = register("សុខ ចាន់ធា", age=24)
    with pytest.raises(PermissionDenied):
        consent_give(
            actor=cast.users["carol"],
            person=person,
            purpose=ConsentPurpose.SERVICES,
            method=ConsentMethod.SIGNATURE,
        )


def test_give_and_withdraw_through_the_page(cast, register, as_user):
    person = register("សុខ ចាន់ធា", age=24)
    client = as_user(cast.users["dan"])
    response = client.post(
        f"/app/people/{person.pk}/consents/",
        {"purpose": "photo", "given": "yes", "method": "verbal", "witness_name": "ចាន់ សុភា"},
    )
    assert response.status_code == 302
    assert consent_allows(person=person, purpose=ConsentPurpose.PHOTO)
    consent = person.consents.get()
    page = client.get(f"/app/people/{person.pk}/").content.decode()
    assert f"/consents/{consent.pk}/withdraw/" in page
    client.post(f"/app/people/{person.pk}/consents/{consent.pk}/withdraw/")
    assert not consent_allows(person=person, purpose=ConsentPurpose.PHOTO)
