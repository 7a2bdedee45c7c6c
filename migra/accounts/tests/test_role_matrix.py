"""Who sees what: every role of the fixed cast against every kind of record.

If the permission API widened or narrowed by one record, a row here fails.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from migra.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from migra.accounts.selectors import (
    agencies_visible_to,
    restrict,
    user_has_perm,
    users_visible_to,
)
from migra.accounts.tests.scoped_app.models import ScopedRecord
from migra.audit.models import AuditAction, AuditEvent

# Records: (key, agency, place code)
RECORDS = [
    ("crisis-01-village", "crisis", "01020101"),
    ("crisis-01-commune2", "crisis", "010202"),
    ("crisis-17-commune1", "crisis", "170101"),
    ("crisis-17-commune2", "crisis", "170102"),
    ("crisis-decoy", "crisis", "1"),
    ("lead-01-commune", "lead", "010201"),
    ("lead-17-commune", "lead", "170101"),
    ("legal-01-village", "legal", "01020101"),
    ("pcct-01-commune", "pcct01", "010202"),
]

ALL = {key for key, _, _ in RECORDS}

# What each user reaches with "view cases" (agency + place scoped).
VIEW_CASES_MATRIX = {
    "alice": {"lead-01-commune", "lead-17-commune"},  # own agency only: cases are need-to-know
    # A partner's programme admin runs that agency: all its cases, everywhere.
    "bob": {k for k, a, _ in RECORDS if a == "crisis"},
    "carol": {"crisis-01-village", "crisis-01-commune2"},
    "dan": {"crisis-17-commune1"},
    "erin": set(),
    "frank": set(),
    "gina": set(),
    "charlie": set(),
}

# "View statistics" is programme-wide for the lead NGO, agency-bound elsewhere.
VIEW_STATISTICS_MATRIX = {
    "alice": ALL,
    "bob": {k for k, a, _ in RECORDS if a == "crisis"},
    "carol": set(),
    "dan": set(),
    "erin": set(),
    "frank": {"pcct-01-commune"},
    "gina": set(),
    "charlie": set(),
}


@pytest.fixture
def records(cast):  # type: ignore[no-untyped-def]
    for key, agency, place in RECORDS:
        ScopedRecord.objects.create(key=key, agency=cast.agencies[agency], place=cast.places[place])
    return cast


@pytest.mark.parametrize("name", sorted(VIEW_CASES_MATRIX))
def test_view_cases_reach(records, name):  # type: ignore[no-untyped-def]
    user = records.users[name]
    seen = restrict(
        ScopedRecord.objects.all(),
        user,
        Perm.VIEW_CASES,
        agency_field="agency",
        place_field="place",
    )
    assert {r.key for r in seen} == VIEW_CASES_MATRIX[name]


@pytest.mark.parametrize("name", sorted(VIEW_STATISTICS_MATRIX))
def test_view_statistics_reach(records, name):  # type: ignore[no-untyped-def]
    user = records.users[name]
    seen = restrict(
        ScopedRecord.objects.all(),
        user,
        Perm.VIEW_STATISTICS,
        agency_field="agency",
        place_field="place",
    )
    assert {r.key for r in seen} == VIEW_STATISTICS_MATRIX[name]


def test_deactivated_user_and_ended_membership_reach_nothing(records):  # type: ignore[no-untyped-def]
    carol = records.users["carol"]
    carol.memberships.update(is_active=False)
    assert not restrict(
        ScopedRecord.objects.all(),
        carol,
        Perm.VIEW_CASES,
        agency_field="agency",
        place_field="place",
    ).exists()
    dan = records.users["dan"]
    dan.is_active = False
    dan.save(update_fields=["is_active"])
    assert not restrict(
        ScopedRecord.objects.all(), dan, Perm.VIEW_CASES, agency_field="agency", place_field="place"
    ).exists()


def test_inactive_agency_grants_nothing(records):  # type: ignore[no-untyped-def]
    records.agencies["crisis"].is_active = False
    records.agencies["crisis"].save(update_fields=["is_active"])
    carol = records.users["carol"]
    assert not user_has_perm(carol, Perm.VIEW_CASES)


USERS_MATRIX = {
    "alice": {"alice", "bob", "carol", "dan", "erin", "frank", "gina", "charlie"},
    "bob": {"bob", "carol", "dan"},
    "carol": set(),
    "erin": set(),
    "charlie": set(),
}


@pytest.mark.parametrize("name", sorted(USERS_MATRIX))
def test_users_visible(cast, name):  # type: ignore[no-untyped-def]
    names = {u.email.split("@")[0] for u in users_visible_to(cast.users[name])}
    assert names == USERS_MATRIX[name]


AGENCIES_MATRIX = {
    "alice": {"lead", "crisis", "legal", "pcct01", "donor"},
    "bob": {"crisis"},
    "carol": set(),
    "frank": set(),
}


@pytest.mark.parametrize("name", sorted(AGENCIES_MATRIX))
def test_agencies_visible(cast, name):  # type: ignore[no-untyped-def]
    by_pk = {a.pk: key for key, a in cast.agencies.items()}
    seen = {by_pk[a.pk] for a in agencies_visible_to(cast.users[name])}
    assert seen == AGENCIES_MATRIX[name]


# Pages of the staff app each user may open (200) or is refused (403).
PAGES = ["accounts:agency-list", "accounts:user-list", "accounts:user-invite", "audit:list"]
PAGE_MATRIX = {
    "alice": {"accounts:agency-list", "accounts:user-list", "accounts:user-invite", "audit:list"},
    "bob": {"accounts:agency-list", "accounts:user-list", "accounts:user-invite", "audit:list"},
    "carol": set(),
    "erin": set(),
    "gina": set(),
    "charlie": set(),
}


@pytest.mark.parametrize("name", sorted(PAGE_MATRIX))
def test_page_access(cast, as_user, name):  # type: ignore[no-untyped-def]
    client = as_user(cast.users[name])
    for page in PAGES:
        status = client.get(reverse(page)).status_code
        expected = 200 if page in PAGE_MATRIX[name] else 403
        assert status == expected, (name, page, status)


def test_refusal_is_logged(cast, as_user):  # type: ignore[no-untyped-def]
    client = as_user(cast.users["carol"])
    assert client.get(reverse("accounts:user-list")).status_code == 403
    event = AuditEvent.objects.filter(action=AuditAction.DENIED).latest("seq")
    assert event.actor_id == cast.users["carol"].pk
    assert "manage_users" in event.changes["reason"]


def test_out_of_scope_object_is_403_and_logged(cast, as_user):  # type: ignore[no-untyped-def]
    """Bob runs the crisis centre; the lead NGO's facilitator is not his to see."""
    client = as_user(cast.users["bob"])
    gina = cast.users["gina"]
    response = client.get(reverse("accounts:user-detail", args=[gina.pk]))
    assert response.status_code == 403
    event = AuditEvent.objects.filter(action=AuditAction.DENIED).latest("seq")
    assert event.object_id == str(gina.pk)
    assert client.get(reverse("accounts:user-detail", args=[999999])).status_code == 404


def test_anonymous_is_sent_to_login(client, cast):  # type: ignore[no-untyped-def]
    for page in PAGES:
        response = client.get(reverse(page))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_every_role_has_a_permission_set():
    assert set(ROLE_PERMISSIONS) == set(Role.values)
    for role, perms in ROLE_PERMISSIONS.items():
        assert Perm.VIEW_PLACES in perms, role
        assert perms <= set(Perm.values), role
    # Donors see totals only, never people or cases.
    donor = ROLE_PERMISSIONS[Role.DONOR_VIEWER]
    assert not donor & {Perm.VIEW_PEOPLE, Perm.VIEW_CASES, Perm.MANAGE_CASES}


def test_agencies_with_a_permission_at_a_place(cast):
    from migra.accounts.roles import Perm
    from migra.accounts.selectors import agencies_with_perm_at

    carol, dan, gina = cast.users["carol"], cast.users["dan"], cast.users["gina"]
    village = cast.places["01020101"]
    crisis = cast.agencies["crisis"]
    assert agencies_with_perm_at(carol, Perm.MANAGE_CASES, village) == [crisis]
    assert agencies_with_perm_at(dan, Perm.MANAGE_CASES, village) == []  # commune 170101 only
    assert agencies_with_perm_at(dan, Perm.MANAGE_CASES) == [crisis]  # any place
    assert agencies_with_perm_at(gina, Perm.MANAGE_CASES, village) == []  # not her role
    assert agencies_with_perm_at(gina, Perm.MANAGE_GROUPS, village) == [cast.agencies["lead"]]
    assert agencies_with_perm_at(cast.users["charlie"], Perm.VIEW_PLACES) == []
