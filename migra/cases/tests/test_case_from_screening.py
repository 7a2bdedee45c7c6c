"""Opening a case from a screening: the case is for the screened person, the screening
is linked to it in the same transaction, and the case page lists it."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from migra.cases.models import Case

screening_models = pytest.importorskip("migra.screening.models")


@pytest.fixture
def screening_of(cast):
    def _make(person, *, place=None, result="trafficking_labour"):
        return screening_models.Screening.objects.create(
            catalogue=screening_models.CatalogueVersion.objects.order_by("-pk").first(),
            mode="full",
            person=person,
            sex="female",
            age_band="25-34",
            group="adult",
            agency=cast.agencies["crisis"],
            place=place or person.home_village,
            answers={},
            result=result,
            explanation={},
            screened_by=cast.users["carol"],
            at=timezone.now(),
            token=uuid.uuid4(),
        )

    return _make


def _post(client, **data):
    fields = {"case_type": "trafficking", "risk": "high"}
    fields.update(data)
    return client.post("/app/cases/new/", fields)


def test_open_from_a_screening(cast, bm_person, screening_of, as_user):
    screening = screening_of(bm_person)
    client = as_user(cast.users["carol"])
    page = client.get(f"/app/cases/new/?screening={screening.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"From screening #{screening.pk}" in html and "Sok Dara" in html
    assert '<option value="trafficking" selected>' in html  # suggested by the result
    response = _post(
        client,
        screening=screening.pk,
        person=bm_person.pk,
        origin=bm_person.home_village.code,
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source == "screening" and case.person == bm_person
    screening.refresh_from_db()
    assert screening.case_id == case.pk
    assert case.events.filter(kind="screening_linked").exists()
    detail = client.get(f"/app/cases/{case.pk}/").content.decode()
    assert f"Screening #{screening.pk}" in detail
    # the screening cannot open a second case
    again = client.get(f"/app/cases/new/?screening={screening.pk}", follow=True)
    assert "already belongs to a case" in again.content.decode()


def test_an_anonymous_screening_asks_for_the_person(cast, bm_person, screening_of, as_user):
    screening = screening_of(None, place=bm_person.home_village)
    client = as_user(cast.users["carol"])
    page = client.get("/app/cases/new/", {"screening": screening.pk, "q": "Sok Dara"})
    html = page.content.decode()
    assert "choose the person who was screened" in html
    assert f"?person={bm_person.pk}&amp;screening={screening.pk}" in html
    response = _post(
        client, screening=screening.pk, person=bm_person.pk, origin=bm_person.home_village.code
    )
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.case_id == Case.objects.get().pk
    assert screening.person_id == bm_person.pk


def test_a_screening_of_another_person_is_not_mixed_up(
    cast, bm_person, register, screening_of, as_user
):
    other = register("Keo Mony", actor=cast.users["carol"], village=bm_person.home_village, age=40)
    screening = screening_of(other)
    client = as_user(cast.users["carol"])
    # the person posted is ignored: the case is for the screened person
    response = _post(
        client, screening=screening.pk, person=bm_person.pk, origin=bm_person.home_village.code
    )
    assert response.status_code == 302
    assert Case.objects.get().person == other


def test_a_screening_outside_the_scope_is_a_logged_403(cast, sr_person, screening_of, as_user):
    screening = screening_of(sr_person)  # Siem Reap: not carol's
    response = as_user(cast.users["carol"]).get(f"/app/cases/new/?screening={screening.pk}")
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_failing_link_opens_no_case(cast, bm_person, screening_of, monkeypatch, as_user):
    from django.core.exceptions import ValidationError

    from migra.screening import services as screening_services

    def refuse(**kwargs):
        raise ValidationError("refused")

    monkeypatch.setattr(screening_services, "screening_link_case", refuse)
    screening = screening_of(bm_person)
    response = _post(
        as_user(cast.users["carol"]),
        screening=screening.pk,
        person=bm_person.pk,
        origin=bm_person.home_village.code,
    )
    assert response.status_code == 400
    assert not Case.objects.exists()
