"""Who sees which screening: the fixed cast, over HTTP.

Three screenings: gina's (lead NGO, Banteay Meanchey village), carol's (crisis centre,
the same village) and dan's (crisis centre, Siem Reap village). A screening is seen by
holders of SCREEN or VIEW_CASES of its agency whose places contain it.
"""

from __future__ import annotations

import pytest

from migra.audit.models import AuditAction, AuditEvent
from migra.screening.models import Screening
from migra.screening.selectors import screenings_visible_to

SEES = {
    "alice": {"gina"},  # lead NGO programme admin: the lead NGO's own (VIEW_CASES)
    "bob": {"carol", "dan"},  # crisis centre admin: his agency's
    "carol": {"carol"},  # crisis caseworker in Banteay Meanchey
    "dan": {"dan"},  # crisis caseworker in commune 170101
    "erin": set(),  # donor
    "frank": set(),  # authority officer
    "gina": {"gina"},  # SHG facilitator of the lead NGO, commune 010201
    "charlie": set(),
}
MAY_LIST = {"alice", "bob", "carol", "dan", "gina"}


@pytest.fixture
def screenings(cast, screen, sr_village) -> dict[str, Screening]:
    return {
        "gina": screen(actor=cast.users["gina"]),
        "carol": screen(actor=cast.users["carol"], mode="full"),
        "dan": screen(actor=cast.users["dan"], place=sr_village),
    }


@pytest.mark.parametrize("name", sorted(SEES))
def test_the_selector(cast, screenings, name):
    visible = set(screenings_visible_to(cast.users[name]).values_list("pk", flat=True))
    assert visible == {screenings[owner].pk for owner in SEES[name]}


@pytest.mark.parametrize("name", sorted(SEES))
def test_the_list_page(cast, screenings, as_user, name):
    response = as_user(cast.users[name]).get("/app/screening/")
    if name not in MAY_LIST:
        assert response.status_code == 403
        return
    html = response.content.decode()
    for owner, screening in screenings.items():
        shown = f'href="/app/screening/{screening.pk}/"' in html
        assert shown == (owner in SEES[name]), (name, owner)


@pytest.mark.parametrize("name", sorted(SEES))
def test_the_result_page(cast, screenings, as_user, name):
    client = as_user(cast.users[name])
    user = cast.users[name]
    for owner, screening in screenings.items():
        before = AuditEvent.objects.count()
        response = client.get(f"/app/screening/{screening.pk}/")
        event = AuditEvent.objects.exclude(seq__lte=before).get()
        assert event.object_type == "screening.screening"
        assert event.object_id == str(screening.pk)
        assert event.actor_id == user.pk
        if owner in SEES[name]:
            assert response.status_code == 200, (name, owner)
            assert event.action == AuditAction.VIEW
        else:
            assert response.status_code == 403, (name, owner)
            assert event.action == AuditAction.DENIED


def test_a_superuser_sees_every_screening(cast, screenings, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.org", password="x" * 12)
    assert set(screenings_visible_to(root)) == set(screenings.values())


def test_an_inactive_user_sees_nothing(cast, screenings):
    carol = cast.users["carol"]
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    assert not screenings_visible_to(carol).exists()


CATALOGUE_READERS = {"alice", "bob", "carol", "dan", "gina"}
CATALOGUE_MANAGERS = {"alice"}  # programme admins of the lead NGO only


@pytest.mark.parametrize("name", sorted(SEES))
def test_the_catalogue_pages(cast, catalogue, as_user, name):
    client = as_user(cast.users[name])
    response = client.get(f"/app/screening/catalogue/{catalogue.number}/")
    assert response.status_code == (200 if name in CATALOGUE_READERS else 403)
    response = client.post("/app/screening/catalogue/new/")
    if name in CATALOGUE_MANAGERS:
        assert response.status_code == 302
    else:
        assert response.status_code == 403
        assert AuditEvent.objects.filter(
            action=AuditAction.DENIED, actor_id=cast.users[name].pk
        ).exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [("gina", 200), ("carol", 200), ("dan", 200), ("alice", 403), ("erin", 403), ("frank", 403)],
)
def test_who_may_screen(cast, catalogue, as_user, name, status):
    response = as_user(cast.users[name]).get("/app/screening/new/?mode=guided")
    assert response.status_code == status


@pytest.mark.parametrize(("name", "status"), [("gina", 403), ("carol", 200), ("dan", 200)])
def test_the_full_screening_is_for_caseworkers(cast, catalogue, as_user, name, status):
    response = as_user(cast.users[name]).get("/app/screening/new/?mode=full")
    assert response.status_code == status
    if status == 403:
        assert AuditEvent.objects.filter(
            action=AuditAction.DENIED, changes__reason="the full screening is for caseworkers"
        ).exists()
