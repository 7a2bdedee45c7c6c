"""Who sees which person: the fixed cast against three persons.

- p_sr: registered by dan (crisis centre) in Siem Reap village 17010101
- p_bm: registered by carol (crisis centre) in Banteay Meanchey village 01020101
- p_lead: registered by gina (lead NGO) in 01020101
"""

from __future__ import annotations

import json

import pytest

from migra.people.identity import facts_for
from migra.people.selectors import person_candidates, persons_visible_to

EXPECTED = {
    "alice": {"p_lead"},  # lead-NGO admin: people permissions do not widen
    "bob": {"p_sr", "p_bm"},  # crisis-centre admin, all places
    "carol": {"p_bm"},  # crisis caseworker in province 01
    "dan": {"p_sr"},  # crisis caseworker in commune 170101
    "gina": {"p_lead"},  # lead SHG facilitator in commune 010201
    "erin": set(),  # donor
    "frank": set(),  # authority officer
    "charlie": set(),  # nobody
}


@pytest.fixture
def persons(cast, register):
    bm = cast.places["01020101"]
    return {
        "p_sr": register("សុខ ចាន់ធា", age=24),
        "p_bm": register("កែវ សុភា", age=30, actor=cast.users["carol"], village=bm),
        "p_lead": register("ហេង ដារ៉ា", age=40, actor=cast.users["gina"], village=bm),
    }


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_sees_exactly_its_persons(cast, persons, who):
    ids = set(persons_visible_to(cast.users[who]).values_list("pk", flat=True))
    assert ids == {persons[k].pk for k in EXPECTED[who]}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_person_pages_follow_the_matrix(cast, persons, who, as_user):
    client = as_user(cast.users[who])
    for key, person in persons.items():
        response = client.get(f"/app/people/{person.pk}/")
        expected = 200 if key in EXPECTED[who] else 403
        assert response.status_code == expected, (who, key)


def test_missing_person_is_404(cast, persons, as_user):
    client = as_user(cast.users["dan"])
    assert client.get("/app/people/999999/").status_code == 404


def test_list_shows_only_visible_persons(cast, persons, as_user):
    client = as_user(cast.users["carol"])
    body = client.get("/app/people/").content.decode()
    assert "កែវ សុភា" in body
    assert "សុខ ចាន់ធា" not in body
    assert "ហេង ដារ៉ា" not in body


def test_nobody_without_people_permission_gets_the_list(cast, as_user):
    for who in ("charlie", "erin", "frank"):
        client = as_user(cast.users[who])
        assert client.get("/app/people/").status_code == 403
        assert client.get("/app/people/candidates.json?name=Sok").status_code == 403


def test_hidden_candidate_is_only_a_flag(cast, register):
    """gina (lead NGO) registered Heng Dara; carol (crisis centre, same village) types
    the same name: she learns only that a record may exist."""
    bm = cast.places["01020101"]
    hidden = register(
        "ហេង ដារ៉ា", age=40, actor=cast.users["gina"], village=bm, phones=("012 345 678",)
    )
    facts = facts_for(
        names=["Heng Dara"],
        birth_year=hidden.birth_year,
        birth_year_exact=False,
        village_code=bm.code,
    )
    found = person_candidates(cast.users["carol"], facts)
    assert found.visible == []
    assert found.hidden_match is True


def test_hidden_candidate_json_reveals_nothing(cast, register, as_user):
    bm = cast.places["01020101"]
    hidden = register(
        "ហេង ដារ៉ា", age=40, actor=cast.users["gina"], village=bm, phones=("012 345 678",)
    )
    client = as_user(cast.users["carol"])
    response = client.get(
        "/app/people/candidates.json",
        {"name_latin": "Heng Dara", "age": "40", "village": bm.code, "phones": "012345678"},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["candidates"] == []
    assert data["hidden_match"] is True
    assert "ask your supervisor" in data["hidden_message"]
    raw = json.dumps(data, ensure_ascii=False)
    for secret in ("ហេង", "ដារ៉ា", str(hidden.pk), "+855", str(hidden.birth_year)):
        assert secret not in raw
