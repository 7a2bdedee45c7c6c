"""Who sees which case, who may change it: the fixed cast against four cases.

- bm: crisis centre, a village of Banteay Meanchey (01)
- sr: crisis centre, a village of commune 170101 (Siem Reap)
- lead: the lead NGO, Banteay Meanchey
- legal: the legal-aid NGO, Siem Reap

Case permissions never widen to other agencies (docs/access.md): alice, the lead
NGO's programme admin, sees the lead NGO's cases only; bob, the crisis centre's
programme admin, reads its cases but does not manage them.
"""

from __future__ import annotations

import pytest

from migra.audit.models import AuditAction, AuditEvent
from migra.cases.selectors import cases_manageable_by, cases_visible_to

SEES = {
    "alice": {"lead"},
    "bob": {"bm", "sr"},
    "carol": {"bm"},
    "dan": {"sr"},
    "sam": {"bm", "sr"},
    "erin": set(),
    "frank": set(),
    "gina": set(),
    "charlie": set(),
}
MANAGES = {
    "alice": set(),
    "bob": set(),
    "carol": {"bm"},
    "dan": {"sr"},
    "sam": {"bm", "sr"},
    "erin": set(),
    "frank": set(),
    "gina": set(),
    "charlie": set(),
}


@pytest.fixture
def four(cast, bm_case, sr_case, bm_person, sr_person, open_case):
    return {
        "bm": bm_case,
        "sr": sr_case,
        "lead": open_case(bm_person, actor=None, agency=cast.agencies["lead"]),
        "legal": open_case(sr_person, actor=None, agency=cast.agencies["legal"]),
    }


@pytest.fixture
def users(cast, supervisor):
    return {**cast.users, "sam": supervisor}


@pytest.mark.parametrize("name", sorted(SEES))
def test_selectors(four, users, name):
    names = {v.pk: k for k, v in four.items()}
    seen = {names[pk] for pk in cases_visible_to(users[name]).values_list("pk", flat=True)}
    managed = {names[pk] for pk in cases_manageable_by(users[name]).values_list("pk", flat=True)}
    assert seen == SEES[name]
    assert managed == MANAGES[name]


@pytest.mark.parametrize("name", sorted(SEES))
def test_case_pages(four, users, name, as_user):
    client = as_user(users[name])
    for key, case in four.items():
        response = client.get(f"/app/cases/{case.pk}/")
        expected = 200 if key in SEES[name] else 403
        assert response.status_code == expected, (name, key)


@pytest.mark.parametrize("name", sorted(SEES))
def test_the_list(four, users, name, as_user):
    response = as_user(users[name]).get("/app/cases/")
    if not SEES[name] and name != "alice":
        assert response.status_code == 403
        return
    html = response.content.decode()
    for key, case in four.items():
        assert (case.number in html) == (key in SEES[name]), (name, key)


def test_a_guessed_case_number_is_a_logged_403(four, cast, as_user):
    client = as_user(cast.users["dan"])
    target = four["bm"]
    response = client.get(f"/app/cases/{target.pk}/")
    assert response.status_code == 403
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert denied.actor_id == cast.users["dan"].pk
    assert denied.object_type == "cases.case" and denied.object_id == str(target.pk)
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(target.pk)).exists()
    # a number that does not exist at all is a plain 404
    assert client.get("/app/cases/987654321/").status_code == 404
    # every page of the case refuses alike
    for suffix in ("edit/", "notes/", "timeline/"):
        assert client.get(f"/app/cases/{target.pk}/{suffix}").status_code == 403


def test_every_view_is_audited(four, cast, as_user):
    client = as_user(cast.users["carol"])
    for _ in range(3):
        client.get(f"/app/cases/{four['bm'].pk}/")
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.VIEW, object_type="cases.case", object_id=str(four["bm"].pk)
        ).count()
        == 3
    )


def test_logged_out_users_go_to_the_login(four, client):
    response = client.get(f"/app/cases/{four['bm'].pk}/")
    assert response.status_code == 302 and "login" in response["Location"]
