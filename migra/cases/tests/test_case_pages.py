"""The case pages over HTTP: opening a case, the case page, changing it, its plan,
notes, tasks; the person page's cases section."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from migra.audit.models import AuditAction, AuditEvent
from migra.cases import services
from migra.cases.models import Case, CaseNote, CaseService, CaseStatus, CaseTask


def test_open_a_case_by_hand_from_the_person(cast, bm_person, as_user, abroad):
    client = as_user(cast.users["carol"])
    page = client.get(f"/app/cases/new/?person={bm_person.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sok Dara" in html and 'name="origin"' in html
    # the origin is the person's home village unless changed
    assert bm_person.home_village.code in html
    response = client.post(
        "/app/cases/new/",
        {
            "person": bm_person.pk,
            "case_type": "forced_labour",
            "risk": "high",
            "origin": bm_person.home_village.code,
            "destination": "TH-27",
            "assigned_to": cast.users["carol"].pk,
            "summary": "Worked 16 hours a day on a fishing boat",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/app/cases/{case.pk}/"
    assert case.destination == abroad["TH-27"] and case.assigned_to == cast.users["carol"]
    assert case.source == "manual"
    # the person was shown to carol: the view is in the access log
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="people.person", object_id=str(bm_person.pk)
    ).exists()


def test_open_form_errors_keep_the_input(cast, bm_person, as_user):
    client = as_user(cast.users["carol"])
    response = client.post(
        "/app/cases/new/",
        {
            "person": bm_person.pk,
            "case_type": "invented",
            "risk": "high",
            "origin": bm_person.home_village.code,
            "summary": "Kept text",
        },
    )
    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert not Case.objects.exists()


def test_pick_a_person_first(cast, bm_person, as_user):
    client = as_user(cast.users["carol"])
    page = client.get("/app/cases/new/")
    assert page.status_code == 200 and "Find the person first" in page.content.decode()
    found = client.get("/app/cases/new/", {"q": "Sok Dara"})
    assert f"?person={bm_person.pk}" in found.content.decode()


def test_pick_never_offers_invisible_persons(cast, sr_person, as_user):
    client = as_user(cast.users["carol"])
    found = client.get("/app/cases/new/", {"q": "Chan Thida"})
    assert f"?person={sr_person.pk}" not in found.content.decode()
    # and asking for the form directly is a logged 403
    assert client.get(f"/app/cases/new/?person={sr_person.pk}").status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).exists()


def test_opening_needs_manage_cases(cast, bm_person, as_user):
    for name in ("bob", "gina", "erin", "frank", "charlie"):
        client = as_user(cast.users[name])
        assert client.get("/app/cases/new/").status_code == 403, name
        response = client.post(
            "/app/cases/new/",
            {
                "person": bm_person.pk,
                "case_type": "trafficking",
                "risk": "high",
                "origin": bm_person.home_village.code,
            },
        )
        assert response.status_code == 403, name
    assert not Case.objects.exists()


def test_bad_person_parameter(cast, as_user):
    client = as_user(cast.users["carol"])
    assert client.get("/app/cases/new/?person=abc").status_code == 404
    assert client.get("/app/cases/new/?person=99999999").status_code == 404
    assert client.get("/app/cases/new/?person=" + "9" * 40).status_code == 404


def test_case_page_shows_everything(cast, bm_case, as_user):
    carol = cast.users["carol"]
    services.case_note_add(actor=carol, case=bm_case, text="First meeting at the shelter")
    services.case_task_add(
        actor=carol,
        case=bm_case,
        title="Call the family",
        due_on=timezone.localdate() + dt.timedelta(days=2),
    )
    services.case_service_add(
        actor=carol, case=bm_case, kind="wage_claim", agency=cast.agencies["legal"]
    )
    client = as_user(carol)
    response = client.get(f"/app/cases/{bm_case.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        bm_case.number,
        "Sok Dara",
        f"/app/people/{bm_case.person_id}/",
        "First meeting at the shelter",
        "Call the family",
        "Wage or compensation claim",
        "Legal",
        "Case opened",
        "Note added",
        "Mark as Assessed",
        "Close the case",
        "Referrals",
        "Screenings",
    ):
        assert text in html, text
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="cases.case", object_id=str(bm_case.pk)
    ).exists()


def test_read_only_viewer_gets_no_buttons(cast, bm_case, as_user):
    response = as_user(cast.users["bob"]).get(f"/app/cases/{bm_case.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Close the case" not in html and "Add the note" not in html


def test_transition_buttons_work(cast, bm_case, as_user):
    client = as_user(cast.users["carol"])
    url = f"/app/cases/{bm_case.pk}/status/"
    response = client.post(url, {"to_status": "assessed", "version": bm_case.version})
    assert response.status_code == 302
    case = Case.objects.get(pk=bm_case.pk)
    assert case.status == CaseStatus.ASSESSED
    # a stale button changes nothing and says so
    stale = client.post(url, {"to_status": "active", "version": bm_case.version}, follow=True)
    assert "Someone else changed this case" in stale.content.decode()
    assert Case.objects.get(pk=bm_case.pk).status == CaseStatus.ASSESSED
    # closing without a reason is refused
    refused = client.post(url, {"to_status": "closed", "version": case.version}, follow=True)
    assert "Give the reason for closing" in refused.content.decode()
    assert Case.objects.get(pk=bm_case.pk).status == CaseStatus.ASSESSED


def test_edit_the_case(cast, bm_case, as_user):
    client = as_user(cast.users["carol"])
    page = client.get(f"/app/cases/{bm_case.pk}/edit/")
    assert page.status_code == 200
    response = client.post(
        f"/app/cases/{bm_case.pk}/edit/",
        {
            "case_type": "labour_exploitation",
            "risk": "medium",
            "origin": bm_case.origin.code,
            "summary": "Updated summary",
            "version": bm_case.version,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=bm_case.pk)
    assert case.case_type == "labour_exploitation" and case.summary == "Updated summary"
    assert case.version == bm_case.version + 1


def test_outsiders_cannot_change_a_case(cast, bm_case, as_user):
    for name in ("dan", "bob", "gina", "charlie"):
        client = as_user(cast.users[name])
        for url, data in (
            (f"/app/cases/{bm_case.pk}/edit/", {"case_type": "other", "risk": "low"}),
            (f"/app/cases/{bm_case.pk}/status/", {"to_status": "assessed", "version": 1}),
            (f"/app/cases/{bm_case.pk}/notes/new/", {"text": "x"}),
            (f"/app/cases/{bm_case.pk}/tasks/", {"title": "x", "due_on": "2099-01-01"}),
            (f"/app/cases/{bm_case.pk}/services/", {"kind": "shelter"}),
        ):
            assert client.post(url, data).status_code == 403, (name, url)
    assert Case.objects.get(pk=bm_case.pk).version == bm_case.version
    assert not CaseNote.objects.exists() and not CaseTask.objects.exists()
    assert not CaseService.objects.exists()


def test_service_task_note_forms(cast, bm_case, as_user):
    client = as_user(cast.users["carol"])
    base = f"/app/cases/{bm_case.pk}"
    response = client.post(
        f"{base}/services/",
        {
            "kind": "wage_claim",
            "agency": cast.agencies["legal"].pk,
            "status": "planned",
            "currency": "THB",
            "amount_claimed": "៤៥,០០០",  # Khmer digits, thousands separator
        },
    )
    assert response.status_code == 302
    service = CaseService.objects.get()
    assert str(service.amount_claimed) == "45000.00"
    edit = client.post(
        f"{base}/services/{service.pk}/",
        {
            "status": "delivered",
            "currency": "THB",
            "amount_claimed": "45000",
            "amount_recovered": "30000",
            "version": service.version,
        },
    )
    assert edit.status_code == 302
    assert CaseService.objects.get().status == "delivered"
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    assert client.post(f"{base}/tasks/", {"title": "Visit", "due_on": due}).status_code == 302
    task = CaseTask.objects.get()
    assert client.post(f"{base}/tasks/{task.pk}/done/").status_code == 302
    assert CaseTask.objects.get().done_at is not None
    again = client.post(f"{base}/tasks/{task.pk}/done/", follow=True)
    assert "already done" in again.content.decode()
    assert client.post(f"{base}/notes/new/", {"text": "Spoke to her"}).status_code == 302
    assert CaseNote.objects.get().text == "Spoke to her"


def test_service_edit_conflict_keeps_the_input(cast, bm_case, as_user):
    carol = cast.users["carol"]
    service = services.case_service_add(
        actor=carol, case=bm_case, kind="wage_claim", agency=cast.agencies["legal"]
    )
    services.case_service_update(
        actor=carol, service=service, expected_version=1, status="in_progress"
    )
    response = as_user(carol).post(
        f"/app/cases/{bm_case.pk}/services/{service.pk}/",
        {
            "status": "delivered",
            "currency": "USD",
            "amount_claimed": "777",
            "note": "My typed note",
            "version": 1,
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this service" in html
    assert "My typed note" in html and "777" in html
    assert CaseService.objects.get().status == "in_progress"


def test_person_page_lists_cases_and_offers_to_open_one(cast, bm_case, sr_case, as_user):
    client = as_user(cast.users["carol"])
    html = client.get(f"/app/people/{bm_case.person_id}/").content.decode()
    assert bm_case.number in html
    assert f"/app/cases/new/?person={bm_case.person_id}" in html
    # bob sees the case (read-only) but may not open one
    html = as_user(cast.users["bob"]).get(f"/app/people/{bm_case.person_id}/").content.decode()
    assert bm_case.number in html and "/app/cases/new/" not in html


def test_notes_and_timeline_pages(cast, bm_case, as_user):
    client = as_user(cast.users["carol"])
    services.case_note_add(actor=cast.users["carol"], case=bm_case, text="A note")
    assert "A note" in client.get(f"/app/cases/{bm_case.pk}/notes/").content.decode()
    timeline = client.get(f"/app/cases/{bm_case.pk}/timeline/").content.decode()
    assert "Case opened" in timeline and "Note added" in timeline
    assert as_user(cast.users["dan"]).get(f"/app/cases/{bm_case.pk}/notes/").status_code == 403


def test_timeline_names_agencies_and_people_not_ids(cast, bm_case, as_user):
    services.case_event(
        case=bm_case,
        actor=cast.users["carol"],
        kind="referral_sent",
        detail={"referral": 1, "to_agency": cast.agencies["legal"].pk, "services": ["legal_aid"]},
    )
    services.case_event(case=bm_case, actor=None, kind="something_new", detail={"x": "<b>"})
    html = as_user(cast.users["carol"]).get(f"/app/cases/{bm_case.pk}/").content.decode()
    assert "<strong>Referred to another agency</strong> — Legal aid · Legal" in html
    assert "Something new" in html and "<b>" not in html
