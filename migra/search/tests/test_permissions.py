"""Every result passes the permission API: the cast never sees beyond its reach."""

from __future__ import annotations

import pytest

from migra.search.selectors import search_for_user, search_public
from migra.search.tests.conftest import add_person, add_story, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(cast):
    a = cast.agencies
    p = cast.places
    return {
        "crisis_bm": add_person(agency=a["crisis"], place=p["01020101"], name_km="ចាន់ធា"),
        "crisis_sr": add_person(agency=a["crisis"], place=p["170101"], name_km="ចាន់ធា"),
        "crisis_sr2": add_person(agency=a["crisis"], place=p["170102"], name_km="ចាន់ធា"),
        "crisis_decoy": add_person(agency=a["crisis"], place=p["1"], name_km="ចាន់ធា"),
        "legal_bm": add_person(agency=a["legal"], place=p["010201"], name_km="ចាន់ធា"),
        "lead_bm": add_person(agency=a["lead"], place=p["010201"], name_km="ចាន់ធា"),
    }


EXPECTED_PEOPLE = {
    # alice: programme admin of the lead NGO: people of her own agency only.
    "alice": {"lead_bm"},
    # bob: programme admin of the crisis centre, all places.
    "bob": {"crisis_bm", "crisis_sr", "crisis_sr2", "crisis_decoy"},
    # carol: caseworker of the crisis centre in Banteay Meanchey (01).
    "carol": {"crisis_bm"},
    # dan: caseworker of the crisis centre in commune 170101 only.
    "dan": {"crisis_sr"},
    "erin": set(),
    "frank": set(),
    "gina": {"lead_bm"},
    "charlie": set(),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PEOPLE))
def test_people_matrix(cast, records, name):
    found = set(ids(search_for_user(cast.users[name], "Chanta", limit=50), "test_person"))
    expected = {str(records[key].pk) for key in EXPECTED_PEOPLE[name]}
    assert found == expected


def test_anonymous_and_inactive_users_find_nothing(cast, records):
    from django.contrib.auth.models import AnonymousUser

    assert search_for_user(AnonymousUser(), "Chanta") == []
    carol = cast.users["carol"]
    carol.is_active = False
    assert search_for_user(carol, "Chanta") == []


def test_agencies_only_for_those_who_manage_them(cast):
    from migra.search.services import search_rebuild

    search_rebuild(doc_types=["agency"])
    alice = {r.title for r in search_for_user(cast.users["alice"], "PCCT", doc_types=["agency"])}
    assert alice == {"PCCT 01"} or len(alice) == 1
    assert ids(search_for_user(cast.users["bob"], "Legal", doc_types=["agency"])) == []
    assert len(search_for_user(cast.users["bob"], "Crisis", doc_types=["agency"])) == 1
    for name in ("carol", "dan", "charlie", "erin"):
        assert search_for_user(cast.users[name], "Crisis", doc_types=["agency"]) == []


def test_stories_staff_by_permission_public_only_when_published(cast):
    lead = cast.agencies["lead"]
    draft = add_story(title="draft", body="ការជួញដូរមនុស្ស", agency=lead)
    published = add_story(title="out", body="ការជួញដូរមនុស្ស", agency=lead, published=True)
    assert ids(search_public("ជួញដូរ")) == [str(published.pk)]
    # Nobody in the cast edits stories: staff search shows them neither.
    for user in cast.users.values():
        assert search_for_user(user, "ជួញដូរ", doc_types=["test_story"]) == []
    assert str(draft.pk) not in ids(search_public("ជួញដូរ"))


def test_a_record_moved_out_of_reach_is_not_shown_before_reindexing(cast, records):
    person = records["crisis_bm"]
    person.place = cast.places["170102"]
    person.save(update_fields=["place"])  # no reindex: the index still says province 01
    assert ids(search_for_user(cast.users["carol"], "Chanta")) == []
