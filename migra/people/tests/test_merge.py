"""Merging duplicates (supervisors only) and undoing a merge."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from migra.audit.models import AuditEvent
from migra.people.models import ConsentMethod, ConsentPurpose, Person, PersonMerge
from migra.people.selectors import persons_visible_to
from migra.people.services import (
    consent_allows,
    consent_give,
    household_add_member,
    person_merge,
    person_unmerge,
)


@pytest.fixture
def pair(cast, register):
    dan = cast.users["dan"]
    a = register("សុខ ចាន់ធា", age=24, phones=("012 345 678",))
    b = register("Sok Chanta", age=25, documents=(("passport", "N1234567"),))
    consent_give(
        actor=dan, person=b, purpose=ConsentPurpose.SERVICES, method=ConsentMethod.SIGNATURE
    )
    household_add_member(actor=dan, person=b, relationship="head")
    return a, b


def _identity(person: Person) -> tuple[list[str], list[str], list[str]]:
    person = Person.objects.get(pk=person.pk)
    return (
        sorted(n.value for n in person.names.all()),
        sorted(p.value for p in person.phones.all()),
        sorted(d.number for d in person.documents.all()),
    )


def test_merge_moves_everything_to_the_survivor(cast, pair, supervisor):
    a, b = pair
    merge = person_merge(actor=supervisor, source=b, target=a)
    names, phones, documents = _identity(a)
    assert names == sorted(["សុខ ចាន់ធា", "Sok Chanta"])
    assert phones == ["+85512345678"]
    assert documents == ["N1234567"]
    assert a.households.count() == 1
    assert consent_allows(person=a, purpose=ConsentPurpose.SERVICES)
    # asking about the merged-away record answers for the survivor
    assert consent_allows(person=b, purpose=ConsentPurpose.SERVICES)
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert b.keys.count() == 0
    assert list(persons_visible_to(cast.users["dan"])) == [a]
    assert merge.moved["names"] and merge.moved["documents"] and merge.moved["consents"]


def test_merge_is_audited_without_names(cast, pair, supervisor):
    a, b = pair
    person_merge(actor=supervisor, source=b, target=a)
    events = AuditEvent.objects.filter(object_type="people.person", object_id__in=[a.pk, b.pk])
    labels = {e.object_label for e in events}
    assert labels == {f"person #{a.pk}", f"person #{b.pk}"}
    for event in AuditEvent.objects.all():
        text = f"{event.object_label} {event.changes}"
        assert "Sok" not in text and "សុខ" not in text and "N1234567" not in text


def test_unmerge_restores_both_records(cast, pair, supervisor):
    a, b = pair
    before_a, before_b = _identity(a), _identity(b)
    merge = person_merge(actor=supervisor, source=b, target=a)
    restored = person_unmerge(actor=supervisor, merge=merge)
    assert restored.pk == b.pk
    assert _identity(a) == before_a
    assert _identity(b) == before_b
    b.refresh_from_db()
    assert b.merged_into_id is None
    assert b.households.count() == 1
    assert b.keys.exists() and a.keys.exists()
    assert consent_allows(person=b, purpose=ConsentPurpose.SERVICES)
    assert not consent_allows(person=a, purpose=ConsentPurpose.SERVICES)
    assert PersonMerge.objects.get(pk=merge.pk).undone_at is not None
    with pytest.raises(ValidationError):
        person_unmerge(actor=supervisor, merge=merge)


def test_caseworker_cannot_merge(cast, pair):
    a, b = pair
    with pytest.raises(PermissionDenied):
        person_merge(actor=cast.users["dan"], source=b, target=a)
    b.refresh_from_db()
    assert b.merged_into_id is None


def test_merged_record_cannot_be_merged_again(cast, pair, register, supervisor):
    a, b = pair
    c = register("Sok Chantha", age=24)
    person_merge(actor=supervisor, source=b, target=a)
    b.refresh_from_db()
    with pytest.raises(ValidationError):
        person_merge(actor=supervisor, source=b, target=c)


def test_merge_and_undo_pages(cast, pair, supervisor, as_user):
    a, b = pair
    client = as_user(supervisor)
    assert client.get(f"/app/people/{a.pk}/merge/").status_code == 200
    response = client.post(f"/app/people/{a.pk}/merge/", {"other": b.pk})
    assert response.status_code == 302
    merge = PersonMerge.objects.get()
    response = client.post(f"/app/people/merges/{merge.pk}/undo/")
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.merged_into_id is None
    # self-merge through the page: an error on the form
    response = client.post(f"/app/people/{a.pk}/merge/", {"other": a.pk})
    assert response.status_code == 400
    assert "themselves" in response.content.decode()


def test_caseworker_gets_no_merge_page(cast, pair, as_user):
    a, _b = pair
    client = as_user(cast.users["dan"])
    assert client.get(f"/app/people/{a.pk}/merge/").status_code == 403


def test_unmerge_after_the_survivor_was_edited(cast, pair, supervisor):
    """An edit of the survivor between merge and undo keeps the moved rows' identity."""
    from migra.people.services import DocumentInput, NameInput, person_update

    a, b = pair
    merge = person_merge(actor=supervisor, source=b, target=a)
    a.refresh_from_db()
    names = [NameInput(value=n.value, script=n.script) for n in a.names.all()]
    person_update(
        actor=cast.users["dan"],
        person=a,
        expected_version=a.version,
        names=[*names, NameInput(value="Sok Chantha")],
        sex="female",
        home_village=a.home_village,
        approximate_age=24,
        phones=[p.value for p in a.phones.all()],
        documents=[DocumentInput(kind=d.kind, number=d.number) for d in a.documents.all()],
    )
    person_unmerge(actor=supervisor, merge=merge)
    names_a, _phones, docs_a = _identity(a)
    names_b, _phones_b, docs_b = _identity(b)
    assert names_b == ["Sok Chanta"]
    assert docs_b == ["N1234567"] and docs_a == []
    assert sorted(names_a) == sorted(["សុខ ចាន់ធា", "Sok Chantha"])


def test_undo_page_refuses_a_merge_outside_the_supervisors_places(cast, pair, supervisor, as_user):
    """Another agency's supervisor can neither see nor undo the merge: 403, logged, no change."""
    from migra.accounts.models import Agency, Membership, User
    from migra.accounts.roles import AgencyKind, Role
    from migra.audit.models import AuditAction, AuditEvent

    a, b = pair
    person_merge(actor=supervisor, source=b, target=a)
    merge = PersonMerge.objects.get()
    legal = Agency.objects.create(name_km="ច្បាប់២", name_en="Legal 2", kind=AgencyKind.PARTNER_NGO)
    outsider = User.objects.create_user(email="out@example.org", password="x" * 12, full_name="Out")
    Membership.objects.create(
        user=outsider, agency=legal, role=Role.CASE_SUPERVISOR, all_places=True
    )
    for pk in (merge.pk, 999999):
        response = as_user(outsider).post(f"/app/people/merges/{pk}/undo/")
        assert response.status_code == 403
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, actor_id=outsider.pk).count() == 2
