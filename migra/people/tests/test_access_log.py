"""Every view of a person record is logged; supervisors read who looked at whom."""

from __future__ import annotations

from migra.audit.models import AuditAction, AuditEvent
from migra.people.selectors import person_access_log


def test_every_view_is_logged(cast, register, as_user):
    person = register("សុខ ចាន់ធា", age=24)
    client = as_user(cast.users["dan"])
    for _ in range(3):
        assert client.get(f"/app/people/{person.pk}/").status_code == 200
    views = person_access_log(person).filter(action=AuditAction.VIEW)
    assert views.count() == 3
    assert {e.actor_id for e in views} == {cast.users["dan"].pk}
    assert {e.object_label for e in views} == {f"person #{person.pk}"}


def test_refused_view_is_logged(cast, register, as_user):
    person = register("សុខ ចាន់ធា", age=24)
    client = as_user(cast.users["carol"])
    assert client.get(f"/app/people/{person.pk}/").status_code == 403
    denied = person_access_log(person).filter(action=AuditAction.DENIED)
    assert [e.actor_id for e in denied] == [cast.users["carol"].pk]


def test_candidate_panel_views_are_logged(cast, register, sr_village, as_user):
    person = register("សុខ ចាន់ធា", age=24)
    client = as_user(cast.users["dan"])
    client.get(
        "/app/people/candidates.json",
        {"name_latin": "Sok Chanta", "age": "24", "village": sr_village.code},
    )
    assert person_access_log(person).filter(changes__via="candidates").count() == 1


def test_supervisor_reads_the_access_log_caseworker_does_not(cast, register, supervisor, as_user):
    person = register("សុខ ចាន់ធា", age=24)
    as_user(cast.users["dan"]).get(f"/app/people/{person.pk}/")
    client = as_user(supervisor)
    response = client.get(f"/app/people/{person.pk}/access/")
    assert response.status_code == 200
    assert "Dan" in response.content.decode()
    client = as_user(cast.users["dan"])
    assert client.get(f"/app/people/{person.pk}/access/").status_code == 403


def test_audit_never_names_a_person(cast, register, supervisor, as_user):
    person = register(
        "សុខ ចាន់ធា", age=24, phones=("012345678",), documents=(("passport", "N99887766"),)
    )
    as_user(cast.users["dan"]).get(f"/app/people/{person.pk}/")
    for event in AuditEvent.objects.all():
        text = f"{event.object_label} {event.changes} {event.path}"
        for secret in ("សុខ", "ចាន់ធា", "12345678", "N99887766"):
            assert secret not in text
