"""Persons in the search index: found by name in either script, stored as keyed
hashes only; the people list searches by phone and document number too."""

from __future__ import annotations

from migra.people.models import Person
from migra.search.models import SearchDocument
from migra.search.selectors import search_for_user


def test_index_holds_no_plaintext(cast, register):
    person = register("សុខ ចាន់ធា", "Sok Chanta", age=24)
    doc = SearchDocument.objects.get(doc_type="person", object_id=str(person.pk))
    assert doc.title == ""
    assert doc.body_tokens == ""
    assert doc.name_keys
    for secret in ("សុខ", "ចាន់ធា", "sok", "chanta"):
        assert secret not in doc.name_keys.lower()


def test_search_by_name_in_the_other_script(cast, register):
    person = register("សុខ ចាន់ធា", age=24)
    results = search_for_user(cast.users["dan"], "Sok Chanta", doc_types=["person"])
    assert [r.object_id for r in results] == [str(person.pk)]
    assert search_for_user(cast.users["carol"], "Sok Chanta", doc_types=["person"]) == []


def test_people_list_search(cast, register, as_user):
    person = register(
        "សុខ ចាន់ធា", age=24, phones=("012 345 678",), documents=(("kh_id", "0102 0304 0"),)
    )
    register("កែវ សុភា", age=30)
    client = as_user(cast.users["dan"])
    for query in ("Sok Chanta", "០១២ ៣៤៥ ៦៧៨", "010203040", "0102-0304-0"):
        body = client.get("/app/people/", {"q": query}).content.decode()
        assert f"/app/people/{person.pk}/" in body, query
        assert "កែវ សុភា" not in body, query


def test_merged_and_erased_persons_leave_the_index(cast, register, supervisor):
    from migra.people.services import person_merge

    a = register("សុខ ចាន់ធា", age=24)
    b = register("Sok Chanta", age=24)
    person_merge(actor=supervisor, source=b, target=a)
    assert not SearchDocument.objects.filter(doc_type="person", object_id=str(b.pk)).exists()
    assert Person.objects.filter(pk=a.pk).exists()
