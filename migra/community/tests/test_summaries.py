"""Commune and province summaries: exact numbers on a small register, who may see
which place, "< 5" for totals-only viewers, and the period filter."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.audit.models import AuditAction, AuditEvent
from migra.community.models import (
    Group,
    GroupMember,
    Meeting,
    MeetingGuests,
    RegisterEntry,
    RegisterProblem,
)
from migra.community.summaries import place_summary, summary_reach
from migra.community.tallies import tallies_rebuild
from migra.config.counts import shown
from migra.screening.models import AgeBand, Mode, ResultCode, Screening
from migra.screening.selectors import catalogue_current
from migra.screening.services import catalogue_load_shipped

pytestmark = pytest.mark.django_db


def _entry(world: Any, person: Any, commune: str = "010201", agency: str = "lead", **kw: Any):
    return RegisterEntry.objects.create(
        agency=world.agencies[agency], commune=world.places[commune], person=person, **kw
    )


@pytest.fixture
def me_officer(world: Any) -> User:
    user = User.objects.create_user(
        email="mona@example.org", password="correct horse battery staple", full_name="Mona"
    )
    membership = Membership.objects.create(
        user=user, agency=world.agencies["crisis"], role=Role.ME_OFFICER, all_places=False
    )
    membership.places.set([world.places["01"]])
    return user


@pytest.fixture
def data(world: Any, group: Group, members: list[GroupMember], register: Any) -> dict:
    th, sk = world.places["TH"], world.places["TH-27"]
    people = [register(f"ម {i}") for i in range(10)]
    e1 = _entry(world, people[0], destination=sk, sector="construction", channel="broker")
    e2 = _entry(world, people[1], destination=sk, sector="factory", channel="broker")
    _entry(world, people[2], destination=th, sector="factory", channel="licensed_agency")
    _entry(world, people[3])  # away, nothing recorded
    _entry(world, people[4], returned_on=dt.date(2025, 3, 10), return_reason="contract_ended")
    _entry(world, people[5], returned_on=dt.date(2025, 6, 1), return_reason="problem")
    _entry(world, people[6], returned_on=dt.date(2024, 12, 1), return_reason="family")
    # Another agency in the same commune: counted for statistics, not for gina.
    _entry(world, people[7], agency="crisis", destination=sk, sector="fishing", channel="own")
    # The other commune of province 01, and a commune of another province.
    _entry(world, people[8], commune="010202", destination=sk, sector="agriculture")
    _entry(world, people[9], commune="170101", destination=sk)

    RegisterProblem.objects.create(entry=e1, kind="unpaid_wages", noted_on=dt.date(2025, 5, 1))
    RegisterProblem.objects.create(entry=e1, kind="documents_taken", noted_on=dt.date(2025, 5, 1))
    RegisterProblem.objects.create(entry=e2, kind="unpaid_wages", noted_on=dt.date(2025, 2, 1))
    # e2's person was screened after the problem: not waiting any more.
    catalogue_load_shipped()
    Screening.objects.create(
        catalogue=catalogue_current(),
        mode=Mode.values[0],
        person=people[1],
        sex="female",
        age_band=AgeBand.values[0],
        group="adult",
        agency=world.agencies["lead"],
        place=world.places["010201"],
        result=ResultCode.values[0],
        at=dt.datetime(2025, 2, 3, 10, tzinfo=dt.UTC),
        token=uuid.uuid4(),
    )

    m1 = Meeting.objects.create(group=group, held_on=dt.date(2025, 4, 5), guests=3)
    m1.attendees.set(members[:2])
    MeetingGuests.objects.create(meeting=m1, sex="female", age_band="under_18", count=2)
    MeetingGuests.objects.create(meeting=m1, sex="male", age_band="60_plus", count=1)
    m2 = Meeting.objects.create(group=group, held_on=dt.date(2024, 11, 5))
    m2.attendees.set(members)
    Group.objects.create(
        agency=world.agencies["lead"],
        name="Sleeping",
        commune=world.places["010201"],
        status="inactive",
    )
    # Made here without the services (which keep the tallies): count them as an import would.
    tallies_rebuild()
    return {"e1": e1}


def _rows(rows: list) -> dict[str, int]:
    return {r.code: r.count for r in rows}


def test_commune_numbers_for_the_facilitator(world, data):
    reach = summary_reach(world.users["gina"], world.places["010201"])
    assert reach is not None and not reach.masked
    s = place_summary(reach)
    assert s.away_total == 4  # the crisis agency's entry is not gina's
    assert _rows(s.away_by_country) == {"TH": 3, "unknown": 1}
    assert _rows(s.away_by_destination) == {"TH/TH-27": 2, "TH": 1, "unknown": 1}
    assert _rows(s.away_by_sector) == {"construction": 1, "factory": 2, "unknown": 1}
    assert _rows(s.away_by_channel) == {"broker": 2, "licensed_agency": 1, "unknown": 1}
    assert s.returns_total == 3
    assert _rows(s.returns_by_reason) == {"contract_ended": 1, "problem": 1, "family": 1}
    assert s.problems_total == 3 and s.problems_waiting == 2
    assert {(p.code, p.count, p.waiting) for p in s.problems_by_kind} == {
        ("unpaid_wages", 2, 1),
        ("documents_taken", 1, 1),
    }
    assert s.meetings_held == 2 and s.groups_met == 1
    assert s.member_attendances == 5 and s.guest_attendances == 3
    rows = {(r.sex, r.age_band): (r.members, r.guests) for r in s.attendance}
    assert rows == {
        ("female", "18_59"): (5, 0),
        ("female", "under_18"): (0, 2),
        ("male", "60_plus"): (0, 1),
    }
    assert s.groups_active == 1


def test_period_filter(world, data):
    reach = summary_reach(world.users["gina"], world.places["010201"])
    s = place_summary(reach, since=dt.date(2025, 1, 1), until=dt.date(2025, 5, 31))
    assert s.away_total == 4  # away is as of now, whatever the period
    assert _rows(s.returns_by_reason) == {"contract_ended": 1}
    assert s.problems_total == 3
    assert s.meetings_held == 1 and s.member_attendances == 2 and s.guest_attendances == 3
    s = place_summary(reach, since=dt.date(2025, 3, 1))
    assert s.returns_total == 2 and s.problems_total == 2 and s.problems_waiting == 2


def test_province_for_statistics_roles(world, data, me_officer):
    for user in (me_officer, world.users["frank"], world.users["alice"]):
        reach = summary_reach(user, world.places["01"])
        assert reach is not None and not reach.masked
        s = place_summary(reach)
        # 4 lead + 1 crisis in 010201, 1 in 010202; not the one in Siem Reap.
        assert s.away_total == 6
        assert _rows(s.away_by_sector)["agriculture"] == 1
        assert s.groups_active == 1
    assert summary_reach(me_officer, world.places["17"]) is None
    assert summary_reach(world.users["frank"], world.places["170101"]) is None


def test_who_may_not_see(world, data):
    gina = world.users["gina"]
    assert summary_reach(gina, world.places["01"]) is None  # one commune is not the province
    assert summary_reach(gina, world.places["010202"]) is None
    assert summary_reach(gina, world.places["0102"]) is None  # a district: not a summary
    assert summary_reach(world.users["carol"], world.places["01"]) is None  # a caseworker
    assert summary_reach(world.users["charlie"], world.places["01"]) is None


def test_donor_sees_masked_totals(world, data):
    reach = summary_reach(world.users["erin"], world.places["010201"])
    assert reach is not None and reach.masked and reach.agency_ids is None
    assert shown(3, masked=True) == "< 5"
    assert shown(0, masked=True) == "0"
    assert shown(5, masked=True) == "5"
    assert shown(3, masked=False) == "3"
    assert shown(12345, masked=False) == "12,345"


def _page(client, url, **params):
    return client.get(url, params)


def test_pages_role_matrix(world, data, me_officer, as_user, client):
    commune = "/app/community/summary/commune/010201/"
    province = "/app/community/summary/province/01/"
    expected = {
        "gina": {commune: 200, province: 403},
        "frank": {commune: 200, province: 200},
        "erin": {commune: 200, province: 200},
        "alice": {commune: 200, province: 200},
        "carol": {commune: 403, province: 403},
        "charlie": {commune: 403, province: 403},
        "hana": {commune: 403, province: 403},
    }
    for name, urls in expected.items():
        client.logout()
        as_user(world.users[name])
        for url, status in urls.items():
            assert client.get(url).status_code == status, (name, url)
    client.logout()
    as_user(me_officer)
    assert client.get(province).status_code == 200
    assert client.get("/app/community/summary/province/17/").status_code == 403
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED)
    assert denied.filter(changes__reason="summary outside the user's scope").exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/app/community/summary/commune/010201/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_page_numbers_and_masking(world, data, as_user, client):
    as_user(world.users["gina"])
    html = client.get("/app/community/summary/commune/010201/").content.decode()
    assert 'data-summary="away">4<' in html
    assert "Broker" in html and "Sa Kaeo" in html and "Thailand" in html
    assert "&lt; 5" not in html
    client.logout()
    as_user(world.users["erin"])
    html = client.get("/app/community/summary/commune/010201/").content.decode()
    # erin counts every agency: 5 away (shown), 3 returns (masked).
    assert 'data-summary="away">5<' in html
    assert 'data-summary="returns">&lt; 5<' in html
    assert "Totals only" in html
    assert ">4<" not in html and ">3<" not in html and ">2<" not in html and ">1<" not in html


def test_page_period_and_bad_input(world, data, as_user, client):
    as_user(world.users["frank"])
    url = "/app/community/summary/commune/010201/"
    html = client.get(url, {"since": "2025-01-01", "until": "2025-05-31"}).content.decode()
    assert 'data-summary="returns">1<' in html and 'data-summary="meetings">1<' in html
    for params in (
        {"since": "2025-06-01", "until": "2025-01-01"},  # reversed
        {"since": "not a date"},
        {"since": "9" * 5000},  # oversized
        {"until": "<script>alert(1)</script>"},  # hostile
    ):
        response = client.get(url, params)
        assert response.status_code == 400, params
        assert "<script>alert(1)</script>" not in response.content.decode()
    # Unknown, oversized and hostile place codes: 404, nothing else.
    for code in ("999999", "x" * 300, "%3Cscript%3E", "01"):
        assert client.get(f"/app/community/summary/commune/{code}/").status_code == 404
    assert client.get("/app/community/summary/province/010201/").status_code == 404
    assert client.post(url).status_code == 405


def test_query_count_is_fixed(world, data, django_assert_max_num_queries):
    reach = summary_reach(world.users["frank"], world.places["01"])
    with django_assert_max_num_queries(10):
        place_summary(reach)
