"""The registry's pages: register, read, change; Khmer first."""

from __future__ import annotations

from migra.people.models import Person


def _form(village_code: str, **extra: str) -> dict[str, str]:
    data = {
        "name_km": "សុខ ចាន់ធា",
        "name_latin": "Sok Chanta",
        "sex": "female",
        "home_village": village_code,
        "date_of_birth": "២០០១-០៣-១៤",
        "phones": "០១២ ៣៤៥ ៦៧៨",
        "document_kind": "passport",
        "document_number": "n 765-4321",
        "vulnerabilities": ["returnee"],
    }
    data.update(extra)
    return data


def test_registration_form_renders_with_the_picker_and_panel(cast, sr_village, as_user):
    client = as_user(cast.users["dan"])
    response = client.get("/app/people/new/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "places/picker.js" in body
    assert "people/register.js" in body
    assert 'data-candidates-url="/app/people/candidates.json"' in body
    assert "<script>" not in body  # CSP: no inline script


def test_register_read_and_change(cast, sr_village, as_user):
    client = as_user(cast.users["dan"])
    response = client.post("/app/people/new/", _form(sr_village.code))
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get()
    assert person.birth_year == 2001 and person.birth_year_exact
    assert [p.value for p in person.phones.all()] == ["+85512345678"]
    assert [d.number for d in person.documents.all()] == ["N7654321"]
    assert person.vulnerabilities == ["returnee"]
    page = client.get(response["Location"]).content.decode()
    for text in ("សុខ ចាន់ធា", "Sok Chanta", "+85512345678", "N7654321", "No events you may see."):
        assert text in page
    edit = client.get(f"/app/people/{person.pk}/edit/")
    assert edit.status_code == 200
    assert "Sok Chanta" in edit.content.decode()
    changed = _form(sr_village.code, name_latin="Sok Chantha", version=str(person.version))
    assert client.post(f"/app/people/{person.pk}/edit/", changed).status_code == 302
    assert "Sok Chantha" in [n.value for n in Person.objects.get().names.all()]


def test_pages_speak_khmer_by_default(cast, sr_village, register, client):
    from migra.accounts.tests.conftest import login_as

    person = register("សុខ ចាន់ធា", age=24)
    login_as(client, cast.users["dan"])
    response = client.get(f"/app/people/{person.pk}/")
    assert response.status_code == 200
    assert 'lang="km"' in response.content.decode()


def test_people_in_the_menu(cast, as_user):
    body = as_user(cast.users["dan"]).get("/app/").content.decode()
    assert 'href="/app/people/"' in body
    body = as_user(cast.users["erin"]).get("/app/").content.decode()
    assert 'href="/app/people/"' not in body


def test_supervisor_page_after_merge_and_erasure_request(cast, register, supervisor, as_user):
    from migra.people.services import person_erase_request, person_merge

    a = register("សុខ ចាន់ធា", age=24)
    b = register("Sok Chanta", age=24)
    merge = person_merge(actor=supervisor, source=b, target=a)
    person_erase_request(actor=cast.users["dan"], person=a)
    client = as_user(supervisor)
    body = client.get(f"/app/people/{a.pk}/").content.decode()
    assert f"/app/people/merges/{merge.pk}/undo/" in body
    assert "/erase/decide/" in body
    assert f"/app/people/{a.pk}/access/" in body
    # the merged-away record: a supervisor sees it with a link; a caseworker is sent on
    assert client.get(f"/app/people/{b.pk}/").status_code == 200
    response = as_user(cast.users["dan"]).get(f"/app/people/{b.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/app/people/{a.pk}/"
    # dan sees no supervisor tools
    body = as_user(cast.users["dan"]).get(f"/app/people/{a.pk}/").content.decode()
    assert "/erase/decide/" not in body and "/access/" not in body


def test_erased_person_page(cast, register, supervisor, as_user):
    from migra.people.services import person_erase_approve, person_erase_request

    person = register("សុខ ចាន់ធា", age=24)
    person_erase_request(actor=cast.users["dan"], person=person)
    person_erase_approve(actor=supervisor, person=person)
    # The village is gone: only those who reach the whole agency still open the record.
    bob = as_user(cast.users["bob"])
    response = bob.get(f"/app/people/{person.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "សុខ" not in body
    assert "were erased" in body
