"""Register entries in search: a facilitator finds a migrant's entry by the name in
either script; only those who may see the entry find it; the index holds no readable
name; a merge moves the entry to the surviving record."""

from __future__ import annotations

from typing import Any

import pytest

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.community import services
from migra.community.models import RegisterEntry
from migra.people.models import Sex
from migra.people.services import NameInput, person_merge, person_register, person_unmerge
from migra.search.models import SearchDocument
from migra.search.selectors import search_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_of_lead(world: Any) -> User:
    user = User.objects.create_user(
        email="sara@example.org", password="correct horse battery staple", full_name="Sara"
    )
    membership = Membership.objects.create(
        user=user, agency=world.agencies["lead"], role=Role.CASE_SUPERVISOR, all_places=False
    )
    membership.places.set([world.places["01"]])
    return user


def _found(user: Any, query: str) -> list[str]:
    return [r.object_id for r in search_for_user(user, query, doc_types=["register_entry"])]


def _migrant(world: Any, name: str) -> Any:
    return person_register(
        actor=world.users["gina"],
        names=[NameInput(value=name)],
        sex=Sex.FEMALE,
        home_village=world.places["01020101"],
        approximate_age=24,
    )


def _entry(world: Any, person: Any) -> RegisterEntry:
    return services.register_entry_add(
        actor=world.users["gina"],
        commune=world.places["010201"],
        person=person,
        destination=world.places["TH-27"],
        channel="broker",
        confirm_possible_duplicate=True,
    )


def test_an_entry_is_found_by_the_migrants_name_in_either_script(world):
    entry = _entry(world, _migrant(world, "សុខ ចាន់ធា"))
    for query in ("សុខ ចាន់ធា", "Sok Chantha", "Sok Chanta"):
        assert _found(world.users["gina"], query) == [str(entry.pk)], query
    assert _found(world.users["ivan"], "Sok Chantha") == [str(entry.pk)]  # same agency, commune
    # Another commune's facilitator, a caseworker and a donor do not find it.
    for name in ("hana", "carol", "erin"):
        assert _found(world.users[name], "Sok Chantha") == [], name
    row = SearchDocument.objects.get(doc_type="register_entry", object_id=str(entry.pk))
    assert "សុខ" not in row.name_keys + row.body_tokens
    assert "sok" not in row.name_keys.lower()
    # Results show where the migrant went, not the name.
    result = search_for_user(world.users["gina"], "Sok Chantha", doc_types=["register_entry"])[0]
    assert "Sa Kaeo" in result.title and "Sok" not in result.title


def test_a_changed_entry_is_indexed_again(world):
    entry = _entry(world, _migrant(world, "ហេង ស្រីនិច"))
    services.register_entry_update(
        actor=world.users["gina"],
        entry=entry,
        expected_version=entry.version,
        destination=world.places["TH"],
        channel="own",
    )
    result = search_for_user(world.users["gina"], "Heng Sreynich", doc_types=["register_entry"])
    assert [r.object_id for r in result] == [str(entry.pk)]
    assert "Thailand" in result[0].title


def test_a_merge_moves_the_entry_to_the_surviving_record(world, supervisor_of_lead):
    duplicate = _migrant(world, "កែវ សុភា")
    survivor = _migrant(world, "Keo Sophea")
    entry = _entry(world, duplicate)
    merge = person_merge(actor=supervisor_of_lead, source=duplicate, target=survivor)
    entry.refresh_from_db()
    assert entry.person == survivor
    assert merge.moved["register_entries"] == [entry.pk]


def test_a_merge_and_its_undoing_move_the_problems_person_with_the_entry(world, supervisor_of_lead):
    duplicate = _migrant(world, "ស៊ន ដារ៉ា")
    survivor = _migrant(world, "Sorn Dara")
    entry = _entry(world, duplicate)
    (problem,) = services.register_problem_report(
        actor=world.users["gina"], entry=entry, problems=["unpaid_wages"]
    )
    assert problem.person == duplicate  # copied from the entry, for the summaries
    merge = person_merge(actor=supervisor_of_lead, source=duplicate, target=survivor)
    problem.refresh_from_db()
    assert problem.person == survivor
    assert merge.moved["register_problems"] == [problem.pk]
    person_unmerge(actor=supervisor_of_lead, merge=merge)
    problem.refresh_from_db()
    assert problem.person == duplicate
