"""Cases in search: found by number and by the person's name in either script, only by
those who may see the case; a merge moves the cases and an erasure takes the name away."""

from __future__ import annotations

from migra.cases.models import Case
from migra.people.services import (
    person_erase_approve,
    person_erase_request,
    person_merge,
    person_unmerge,
)
from migra.search.models import SearchDocument
from migra.search.selectors import search_for_user


def _cases_found(user, query):  # type: ignore[no-untyped-def]
    return [r.object_id for r in search_for_user(user, query, doc_types=["case"])]


def test_a_case_is_found_by_the_persons_name_and_its_number(cast, bm_case):
    carol = cast.users["carol"]
    assert _cases_found(carol, "Sok Dara") == [str(bm_case.pk)]
    assert _cases_found(carol, "សុខ ដារា") == [str(bm_case.pk)]  # the other script
    assert _cases_found(carol, bm_case.number) == [str(bm_case.pk)]
    # dan (same agency, another commune), frank, gina and charlie do not find it.
    for name in ("dan", "frank", "gina", "charlie"):
        assert _cases_found(cast.users[name], "Sok Dara") == [], name
    # The index holds no readable name.
    row = SearchDocument.objects.get(doc_type="case", object_id=str(bm_case.pk))
    assert "Sok" not in row.name_keys and "Dara" not in row.body_tokens


def test_a_merge_moves_the_cases_and_undoing_it_moves_them_back(
    cast, register, open_case, supervisor
):
    survivor = register("Keo Sophea", age=30)
    duplicate = register("Keo Sopheap", age=31)
    case = open_case(duplicate, actor=cast.users["dan"])
    merge = person_merge(actor=supervisor, source=duplicate, target=survivor)
    case.refresh_from_db()
    assert case.person == survivor
    assert merge.moved["cases"] == [case.pk]
    person_unmerge(actor=supervisor, merge=merge)
    assert Case.objects.get(pk=case.pk).person == duplicate


def test_an_erased_persons_name_no_longer_finds_their_case(cast, register, open_case, supervisor):
    person = register("Heng Sreynich", age=22)
    case = open_case(person, actor=cast.users["dan"])
    assert _cases_found(cast.users["dan"], "Heng Sreynich") == [str(case.pk)]
    person_erase_request(actor=cast.users["dan"], person=person)
    person_erase_approve(actor=supervisor, person=person)
    assert _cases_found(cast.users["dan"], "Heng Sreynich") == []
    assert _cases_found(cast.users["dan"], case.number) == [str(case.pk)]
