"""The issue's "Bad input": clear errors, nothing written; Khmer digits accepted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from migra.audit.models import AuditEvent
from migra.people.models import Person, PersonPhone
from migra.people.selectors import persons_by_phone
from migra.people.services import DuplicateDocument, person_merge


def _form(village_code: str, **extra: str) -> dict[str, str]:
    data = {
        "name_km": "សុខ ចាន់ធា",
        "sex": "female",
        "home_village": village_code,
        "approximate_age": "24",
    }
    data.update(extra)
    return data


def test_age_of_300_is_a_clear_error_and_saves_nothing(cast, register):
    with pytest.raises(ValidationError) as caught:
        register("សុខ ចាន់ធា", age=300)
    assert caught.value.message_dict["approximate_age"] == ["Give an age between 0 and 120 years."]
    assert Person.objects.count() == 0


def test_age_of_300_in_the_form(cast, sr_village, as_user):
    client = as_user(cast.users["dan"])
    response = client.post("/app/people/new/", _form(sr_village.code, approximate_age="៣០០"))
    assert response.status_code == 400
    assert "Give an age between 0 and 120 years." in response.content.decode()
    assert Person.objects.count() == 0


def test_impossible_date_in_the_form(cast, sr_village, as_user):
    client = as_user(cast.users["dan"])
    response = client.post(
        "/app/people/new/", _form(sr_village.code, approximate_age="", date_of_birth="2001-02-30")
    )
    assert response.status_code == 400
    assert Person.objects.count() == 0


def test_future_date_of_birth(cast, register):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        register("សុខ ចាន់ធា", dob=tomorrow)
    assert "future" in caught.value.message_dict["date_of_birth"][0]
    assert Person.objects.count() == 0


def test_phone_in_khmer_digits_is_accepted_and_found(cast, register):
    person = register("សុខ ចាន់ធា", age=24, phones=("០១២ ៣៤៥ ៦៧៨",))
    assert [p.value for p in PersonPhone.objects.filter(person=person)] == ["+85512345678"]
    for typed in ("012345678", "+855 12 345 678", "០១២៣៤៥៦៧៨"):
        assert list(persons_by_phone(cast.users["dan"], typed)) == [person]


def test_not_a_phone_number(cast, register):
    with pytest.raises(ValidationError) as caught:
        register("សុខ ចាន់ធា", age=24, phones=("hello",))
    assert "phones" in caught.value.message_dict
    assert Person.objects.count() == 0


def test_duplicate_document_warns_without_private_details(cast, register, as_user, sr_village):
    register("កែវ សុភា", age=30, documents=(("kh_id", "010 203 040"),))
    with pytest.raises(DuplicateDocument):
        register("សុខ ចាន់ធា", age=24, documents=(("kh_id", "010-203-040"),))
    assert Person.objects.count() == 1
    client = as_user(cast.users["dan"])
    response = client.post(
        "/app/people/new/",
        _form(sr_village.code, document_kind="kh_id", document_number="010203040"),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "already registered" in body
    assert "ask your supervisor" in body
    assert "កែវ សុភា" not in body
    assert 'name="confirm_duplicate_document"' in body and 'type="checkbox"' in body
    # After asking the supervisor the worker may confirm.
    response = client.post(
        "/app/people/new/",
        _form(
            sr_village.code,
            document_kind="kh_id",
            document_number="010203040",
            confirm_duplicate_document="on",
        ),
    )
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_no_name(cast, register):
    with pytest.raises(ValidationError) as caught:
        register("   ", age=24)
    assert "names" in caught.value.message_dict


def test_home_village_must_be_a_village(cast, register):
    with pytest.raises(ValidationError) as caught:
        register("សុខ ចាន់ធា", age=24, village=cast.places["170101"])
    assert "home_village" in caught.value.message_dict


def test_outside_scope_village(cast, register):
    """dan works in commune 170101 only: he cannot register someone from Banteay Meanchey."""
    with pytest.raises(ValidationError):
        register("សុខ ចាន់ធា", age=24, village=cast.places["01020101"])
    assert Person.objects.count() == 0


def test_merge_into_themselves_is_refused(cast, register, supervisor):
    person = register("សុខ ចាន់ធា", age=24)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        person_merge(actor=supervisor, source=person, target=person)
    assert "themselves" in caught.value.messages[0]
    assert AuditEvent.objects.count() == before


def test_candidates_json_survives_hostile_input(cast, as_user):
    client = as_user(cast.users["dan"])
    for params in (
        {"name": "💥" * 5000, "age": "300", "village": "x" * 500},
        {"exclude": "9" * 5000, "dob": "2001-02-30", "phones": "abc\n" * 50},
        {"document_number": "--//--", "document_kind": "???", "sex": "x" * 100},
        {"name_km": "\u200b\u17d2", "age": "-1"},
    ):
        response = client.get("/app/people/candidates.json", params)
        assert response.status_code == 200
        assert response.json()["candidates"] == []
    # bytes that are not UTF-8 (a lone surrogate, encoded)
    response = client.get("/app/people/candidates.json?name_km=%ED%A0%80&age=%FF")
    assert response.status_code == 200
