"""The screening pages over HTTP: the short and the full form, the result, the list,
linking to a person, the language of the questions."""

from __future__ import annotations

import re

from migra.audit.models import AuditAction, AuditEvent
from migra.screening.models import Screening
from migra.screening.tests.conftest import BM_VILLAGE, TRAFFICKED, form_data


def _questions(html: str) -> list[str]:
    return re.findall(r'data-topic="([a-z0-9_]+)"', html)


def test_the_short_screening_comes_in_one_page(cast, catalogue, as_user):
    client = as_user(cast.users["gina"])
    response = client.get("/app/screening/new/?mode=guided")
    assert response.status_code == 200
    html = response.content.decode()
    topics = _questions(html)
    # 16 questions per age group; the child set adds two about school: 18 on the page.
    assert len(topics) == 18
    assert topics[0] == "recruit_misled_work"
    assert "work_no_education" in topics and "recruit_misled_education" in topics
    assert 'data-guided-in="CL"' in html  # the school questions are for children only
    assert 'name="q_dest_documents"' in html and 'value="unknown"' in html
    assert "screening/screening.js" in html
    # No inline script, no style attribute (the page's CSP forbids them).
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
    # gina screens in one commune: the form starts there.
    assert 'name="place" value="010201"' in html
    assert re.search(r'name="token" value="[0-9a-f-]{36}"', html)


def test_the_full_screening_asks_every_indicator_grouped_by_dimension(cast, catalogue, as_user):
    response = as_user(cast.users["carol"]).get("/app/screening/new/?mode=full")
    assert response.status_code == 200
    html = response.content.decode()
    topics = _questions(html)
    assert len(topics) == 67 + 11 == len(set(topics))
    legends = re.findall(r'<legend class="screening-section__title">([^<]+)</legend>', html)
    assert legends == [
        "Deceptive recruitment (including transfer and transport)",
        "Coercive recruitment",
        "Recruitment by abuse of vulnerability",
        "Exploitative conditions of work",
        "Coercion at destination",
        "Abuse of vulnerability at destination",
        "ILO indicators of forced labour",
    ]
    assert "sexual exploitation is not available yet" in html


def test_a_facilitator_gets_the_result_with_the_reasons(cast, catalogue, as_user):
    client = as_user(cast.users["gina"])
    response = client.post("/app/screening/new/", form_data(catalogue, TRAFFICKED))
    assert response.status_code == 302
    screening = Screening.objects.get()
    assert response["Location"] == f"/app/screening/{screening.pk}/"
    assert screening.result == "trafficking_labour"
    assert screening.agency == cast.agencies["lead"]
    assert screening.place.code == BM_VILLAGE
    assert screening.group == "adult"
    assert screening.answers == {
        "AL-1.01": "yes",
        "AL-1.02": "yes",
        "AL-4.01": "yes",
        "AL-4.02": "yes",
        "AL-5.01": "yes",
        "AL-5.03": "yes",
    }
    html = client.get(response["Location"]).content.decode()
    assert "Indications of trafficking for labour exploitation" in html
    assert "Deceptive recruitment (including transfer and transport): met" in html
    assert "Exploitative conditions of work: met" in html
    assert "Coercion at destination: met" in html
    assert "Met by two strong indicators." in html
    assert "Was the pay less than you were promised before you left?" in html
    assert "AL-5.03" in html and "[S2]" in html
    assert "Catalogue version 1" in html and "migra-screening-rules-1" in html
    assert "Rules not yet verified" in html
    assert "Trafficking for sexual exploitation" in html and "Not available yet" in html
    assert "The ILO gives no threshold" in html
    # gina cannot open cases: she is told to bring in a caseworker instead.
    assert "/app/cases/new/" not in html
    assert "Tell a caseworker today" in html
    assert f'data-screening-token="{screening.token}"' in html


def test_a_caseworker_can_open_a_case_from_the_result(cast, catalogue, as_user):
    client = as_user(cast.users["carol"])
    data = form_data(catalogue, TRAFFICKED, mode="full")
    response = client.post("/app/screening/new/", data)
    assert response.status_code == 302
    screening = Screening.objects.get()
    assert screening.mode == "full"
    assert screening.agency == cast.agencies["crisis"]
    html = client.get(response["Location"]).content.decode()
    assert f'href="/app/cases/new/?screening={screening.pk}"' in html
    assert "Open a case" in html


def test_the_questions_and_the_result_in_khmer(cast, catalogue, as_user):
    gina = cast.users["gina"]
    gina.language = "km"
    gina.save(update_fields=["language"])
    client = as_user(gina)
    html = client.get("/app/screening/new/?mode=guided").content.decode()
    assert '<html lang="km">' in html
    assert "តើការងារ កន្លែងធ្វើការ ឬថៅកែ ខុសពីអ្វីដែលគេបានប្រាប់អ្នក" in html
    response = client.post("/app/screening/new/", form_data(catalogue, TRAFFICKED))
    html = client.get(response["Location"]).content.decode()
    assert "តើប្រាក់ឈ្នួលដែលអ្នកបានទទួល តិចជាងអ្វីដែលគេសន្យា" in html


def test_a_child_is_assessed_with_the_child_list(cast, catalogue, as_user):
    client = as_user(cast.users["gina"])
    answers = {
        "recruit_misled_education": "yes",
        "recruit_misled_pay": "yes",
        "work_excessive_hours": "yes",
        "work_no_education": "yes",
    }
    client.post("/app/screening/new/", form_data(catalogue, answers, age_band="15-17"))
    screening = Screening.objects.get()
    assert screening.group == "child"
    assert screening.answers == {
        "CL-1.02": "yes",
        "CL-1.03": "yes",
        "CL-4.01": "yes",
        "CL-4.08": "yes",
    }
    assert screening.result == "trafficking_labour"
    html = client.get(f"/app/screening/{screening.pk}/").content.decode()
    assert "Assessed with the child lists (under 18)." in html


def test_not_sure_of_the_age_means_the_child_list(cast, catalogue, as_user):
    client = as_user(cast.users["gina"])
    client.post("/app/screening/new/", form_data(catalogue, TRAFFICKED, age_band="unsure"))
    assert Screening.objects.get().group == "child"


def test_dont_know_answers_are_shown_with_what_they_could_change(cast, catalogue, as_user):
    client = as_user(cast.users["gina"])
    answers = {**TRAFFICKED, "dest_confined": "unknown"}
    response = client.post("/app/screening/new/", form_data(catalogue, answers))
    html = client.get(response["Location"]).content.decode()
    assert "1 question was answered “don't know”." in html
    assert "If those answers turn out to be yes, the result would be: " in html
    assert Screening.objects.get().result == "forced_labour"


def test_screening_a_registered_person(cast, catalogue, as_user, register):
    person = register(age=24)
    client = as_user(cast.users["gina"])
    html = client.get(f"/app/screening/new/?mode=guided&person={person.pk}").content.decode()
    assert f'name="person" value="{person.pk}"' in html
    assert 'value="18-24" required id="id_age_band_2" checked' in html
    assert f'name="place" value="{BM_VILLAGE}"' in html
    assert "ស្រី ពៅ" in html
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="people.person", object_id=str(person.pk)
    ).exists()
    data = form_data(catalogue, TRAFFICKED, person=str(person.pk))
    assert client.post("/app/screening/new/", data).status_code == 302
    assert Screening.objects.get().person == person


def test_linking_an_anonymous_screening_later(cast, catalogue, as_user, register, screen):
    screening = screen()
    person = register()
    client = as_user(cast.users["gina"])
    html = client.get(f"/app/screening/{screening.pk}/").content.decode()
    assert "Link to this person" in html
    response = client.post(f"/app/screening/{screening.pk}/person/", {"person": person.pk})
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.person == person
    html = client.get(f"/app/screening/{screening.pk}/").content.decode()
    assert f'href="/app/people/{person.pk}/"' in html
    assert "Link to this person" not in html
    other = register("ស្រី ណា")
    client.post(f"/app/screening/{screening.pk}/person/", {"person": other.pk})
    screening.refresh_from_db()
    assert screening.person == person  # already linked: refused


def test_the_list_shows_visible_screenings(cast, catalogue, as_user, screen):
    screening = screen()
    html = as_user(cast.users["gina"]).get("/app/screening/").content.decode()
    assert f'href="/app/screening/{screening.pk}/"' in html
    assert "Indications of trafficking for labour exploitation" in html
    assert "?mode=guided" in html
    assert "?mode=full" not in html  # the full screening is for caseworkers
    assert "?mode=full" in as_user(cast.users["carol"]).get("/app/screening/").content.decode()


def test_creating_and_viewing_are_audited_without_answers_or_names(cast, catalogue, as_user):
    client = as_user(cast.users["gina"])
    response = client.post("/app/screening/new/", form_data(catalogue, TRAFFICKED))
    screening = Screening.objects.get()
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="screening.screening")
    assert created.object_label == f"screening #{screening.pk}"
    assert created.changes == {
        "mode": "guided",
        "catalogue": 1,
        "group": "adult",
        "result": "trafficking_labour",
        "answers": 6,
        "person": False,
    }
    client.get(response["Location"])
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.VIEW, object_type="screening.screening", object_id=str(screening.pk)
        ).count()
        == 1
    )


def test_the_person_page_lists_their_screenings_for_those_who_may_see_them(
    cast, screen, register, as_user
):
    person = register()
    screening = screen(person=person)
    page = as_user(cast.users["gina"]).get(f"/app/people/{person.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/app/screening/{screening.pk}/" in html
    assert f"/app/screening/new/?mode=guided&amp;person={person.pk}" in html
    # dan (another agency, another province) may not even see the person.
    assert as_user(cast.users["dan"]).get(f"/app/people/{person.pk}/").status_code == 403
