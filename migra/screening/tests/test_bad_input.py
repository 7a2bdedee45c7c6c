"""Malformed, oversized, hostile and stale input: a clear error and nothing saved."""

from __future__ import annotations

import uuid

import pytest

from migra.audit.models import AuditAction, AuditEvent
from migra.screening.models import Screening
from migra.screening.services import catalogue_draft_create, catalogue_publish
from migra.screening.tests.conftest import SR_VILLAGE, TRAFFICKED, form_data


@pytest.fixture
def gina(cast, as_user):
    return as_user(cast.users["gina"])


def _refused(response, status: int, text: str = "") -> None:
    assert response.status_code == status, response.content.decode()[:500]
    if text:
        assert text in response.content.decode()
    assert not Screening.objects.exists()


def test_answers_for_unknown_questions(gina, catalogue):
    data = form_data(catalogue, {**TRAFFICKED, "drop_table_people": "yes"})
    _refused(gina.post("/app/screening/new/", data), 400, "not part of this screening")


def test_answers_outside_the_short_screening(gina, catalogue):
    # A full-screening question posted in the short one (a tampered form).
    data = form_data(catalogue, {**TRAFFICKED, "recruit_false_law": "yes"})
    _refused(gina.post("/app/screening/new/", data), 400, "recruit_false_law")


@pytest.mark.parametrize("value", ["maybe", "YES", "", "1", "yes" * 1000])
def test_answers_that_are_not_yes_no_or_dont_know(gina, catalogue, value):
    data = form_data(catalogue, {**TRAFFICKED, "dest_documents": value})
    _refused(gina.post("/app/screening/new/", data), 400, "yes, no or don")


def test_one_question_answered_twice(gina, catalogue):
    data = form_data(catalogue, TRAFFICKED)
    data["q_dest_documents"] = ["yes", "no"]
    _refused(gina.post("/app/screening/new/", data), 400, "Each question takes one answer.")


def test_no_answer_at_all(gina, catalogue):
    _refused(gina.post("/app/screening/new/", form_data(catalogue, {})), 400, "at least one")


@pytest.mark.parametrize("mode", ["admin", "", "guided'--", "FULL"])
def test_a_tampered_mode(gina, catalogue, mode):
    data = form_data(catalogue, TRAFFICKED, mode=mode)
    _refused(gina.post("/app/screening/new/", data), 400, "Unknown kind of screening")
    assert gina.get(f"/app/screening/new/?mode={mode}").status_code == 400


def test_the_full_mode_posted_by_a_facilitator(cast, gina, catalogue):
    data = form_data(catalogue, TRAFFICKED, mode="full")
    _refused(gina.post("/app/screening/new/", data), 403)
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, actor_id=cast.users["gina"].pk
    ).exists()


def test_too_many_answers(gina, catalogue):
    data = form_data(catalogue, TRAFFICKED)
    data.update({f"q_x{n}": "yes" for n in range(300)})
    _refused(gina.post("/app/screening/new/", data), 400, "Too many answers")


def test_more_fields_than_the_server_accepts(gina, catalogue):
    data = form_data(catalogue, TRAFFICKED)
    data.update({f"f{n}": "x" for n in range(1200)})
    _refused(gina.post("/app/screening/new/", data), 400)


def test_a_body_larger_than_the_server_accepts(gina, catalogue):
    data = form_data(catalogue, TRAFFICKED)
    data["padding"] = "x" * (3 * 1024 * 1024)
    _refused(gina.post("/app/screening/new/", data), 400)


@pytest.mark.parametrize("token", ["", "not-a-uuid", "x" * 5000, "00000000-0000-0000-0000"])
def test_a_bad_token(gina, catalogue, token):
    data = form_data(catalogue, TRAFFICKED)
    data["token"] = token
    _refused(gina.post("/app/screening/new/", data), 400)


def test_a_token_of_someone_elses_screening(cast, catalogue, as_user):
    token = str(uuid.uuid4())
    as_user(cast.users["gina"]).post(
        "/app/screening/new/", form_data(catalogue, TRAFFICKED, token=token)
    )
    first = Screening.objects.get()
    carol = as_user(cast.users["carol"])
    response = carol.post("/app/screening/new/", form_data(catalogue, TRAFFICKED, token=token))
    assert response.status_code == 400
    assert "The form is damaged" in response.content.decode()
    assert list(Screening.objects.all()) == [first]


@pytest.mark.parametrize("number", ["999", "abc", "", "-1", "1" * 30])
def test_a_catalogue_version_that_does_not_exist(gina, catalogue, number):
    data = form_data(catalogue, TRAFFICKED)
    data["catalogue"] = number
    _refused(gina.post("/app/screening/new/", data), 400)


def test_an_unpublished_catalogue_version(cast, gina, catalogue):
    draft = catalogue_draft_create(actor=cast.users["alice"])
    data = form_data(draft, TRAFFICKED)
    _refused(gina.post("/app/screening/new/", data), 400, "not published")


def test_a_stale_catalogue_version_keeps_the_answers(cast, gina, catalogue):
    alice = cast.users["alice"]
    draft = catalogue_draft_create(actor=alice)
    catalogue_publish(actor=alice, catalogue=draft, expected_version=draft.version, note="v2")
    data = form_data(catalogue, TRAFFICKED)  # made with version 1
    response = gina.post("/app/screening/new/", data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "The questions were updated while you were answering" in html
    assert 'name="catalogue" value="2"' in html
    assert f'name="token" value="{data["token"]}"' in html  # the same form, the same token
    assert 'name="q_dest_documents" value="yes" checked' in html
    assert not Screening.objects.exists()
    # Sent again as shown: one screening, with the current version.
    data["catalogue"] = "2"
    assert gina.post("/app/screening/new/", data).status_code == 302
    assert Screening.objects.get().catalogue.number == 2


def test_a_place_outside_the_users_places(cast, gina, catalogue, sr_village):
    data = form_data(catalogue, TRAFFICKED, place=SR_VILLAGE)
    _refused(gina.post("/app/screening/new/", data), 400, "You do not screen in this place")


@pytest.mark.parametrize("place", ["01", "KH", "nowhere", "x" * 500])
def test_a_place_that_is_not_a_village_or_commune(gina, catalogue, place):
    _refused(gina.post("/app/screening/new/", form_data(catalogue, TRAFFICKED, place=place)), 400)


@pytest.mark.parametrize(("field", "value"), [("sex", "robot"), ("age_band", "200"), ("sex", "")])
def test_bad_sex_or_age(gina, catalogue, field, value):
    data = form_data(catalogue, TRAFFICKED)
    data[field] = value
    _refused(gina.post("/app/screening/new/", data), 400)


def test_a_person_the_user_may_not_see(cast, gina, catalogue, register, sr_village):
    hidden = register(actor=cast.users["dan"], village=sr_village)
    data = form_data(catalogue, TRAFFICKED, person=str(hidden.pk))
    _refused(gina.post("/app/screening/new/", data), 403)
    assert gina.get(f"/app/screening/new/?person={hidden.pk}").status_code == 403
    denied = AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="people.person", object_id=str(hidden.pk)
    )
    assert denied.count() == 2


@pytest.mark.parametrize("person", ["999999", "abc", "-5"])
def test_a_person_that_does_not_exist(gina, catalogue, person):
    data = form_data(catalogue, TRAFFICKED, person=person)
    response = gina.post("/app/screening/new/", data)
    assert response.status_code in (400, 404)
    assert not Screening.objects.exists()


def test_linking_a_person_the_user_may_not_see(cast, gina, screen, register, sr_village):
    screening = screen()
    hidden = register(actor=cast.users["dan"], village=sr_village)
    response = gina.post(f"/app/screening/{screening.pk}/person/", {"person": hidden.pk})
    assert response.status_code == 403
    screening.refresh_from_db()
    assert screening.person is None


@pytest.mark.parametrize("person", ["", "abc", "0", "9" * 40])
def test_linking_with_a_bad_number(gina, screen, person):
    screening = screen()
    response = gina.post(f"/app/screening/{screening.pk}/person/", {"person": person})
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.person is None


def test_a_screening_outside_the_scope_is_refused_and_logged(cast, as_user, screen, sr_village):
    theirs = screen(actor=cast.users["dan"], place=sr_village)
    carol = as_user(cast.users["carol"])
    assert carol.get(f"/app/screening/{theirs.pk}/").status_code == 403
    assert carol.post(f"/app/screening/{theirs.pk}/person/", {"person": 1}).status_code == 403
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DENIED, object_type="screening.screening", object_id=str(theirs.pk)
        ).count()
        == 2
    )
    assert carol.get("/app/screening/987654/").status_code == 404
