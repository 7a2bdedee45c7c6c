"""Age bands in reach: the three broad bands (which meeting guests are counted in) and
the seven fine ones (event head counts, registered persons' ages) meet: a broad band
sums its fine bands plus meeting guests; a fine band leaves meeting guests out, and the
reach page says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from migra.community import services as community
from migra.community.models import GuestAgeBand, MemberRole
from migra.outreach import services
from migra.outreach.models import (
    AGE_BAND_RANGES,
    BROAD_AGE_BANDS,
    AgeBand,
    BroadAgeBand,
)
from migra.outreach.reach import anonymous_people_counted, unique_people_reached
from migra.outreach.tests.conftest import BM_VILLAGE

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def test_broad_bands_are_the_guest_bands_and_made_of_whole_fine_bands():
    assert BroadAgeBand.values == GuestAgeBand.values
    assert sorted(f for fines in BROAD_AGE_BANDS.values() for f in fines) == sorted(AgeBand.values)
    for broad, fines in BROAD_AGE_BANDS.items():
        assert AGE_BAND_RANGES[broad] == (
            AGE_BAND_RANGES[fines[0]][0],
            AGE_BAND_RANGES[fines[-1]][1],
        )


@pytest.fixture
def programme(cast, event, person):
    """One event (head counts in fine bands, three registered persons), one meeting
    (guests in broad bands) with one member who is not at the event."""
    gina = cast.users["gina"]
    e = event(
        counts=[
            {"sex": "female", "age_band": "0-14", "category": "youth", "count": 2},
            {"sex": "male", "age_band": "15-17", "category": "youth", "count": 3},
            {"sex": "female", "age_band": "18-24", "category": "youth", "count": 5},
            {"sex": "male", "age_band": "45-59", "category": "families", "count": 7},
            {"sex": "female", "age_band": "60+", "category": "general_public", "count": 11},
        ]
    )
    for name, age in (("Teen", 16), ("Adult", 30), ("Elder", 65)):
        services.event_attendance_add(actor=gina, event_id=e.pk, person_id=person(name, age=age).pk)
    group = community.group_create(
        actor=gina,
        name="Banteay Neang SHG",
        commune=cast.places["010201"],
        villages=[cast.places[BM_VILLAGE]],
        founded_on=dt.date(2024, 1, 10),
    )
    member = community.group_member_add(
        actor=gina, group=group, person=person("Member", age=24), role=MemberRole.MIGRANT_FAMILY
    )
    community.meeting_record(
        actor=gina,
        group=group,
        held_on=YESTERDAY,
        topics=["safe_migration"],
        attendees=[member.pk],
        guests={("female", "under_18"): 4, ("male", "18_59"): 6, ("female", "60_plus"): 1},
    )
    return e


def test_anonymous_counts_by_broad_and_fine_band(programme):
    assert anonymous_people_counted() == 39  # 28 at the event + 11 meeting guests
    # Broad bands: the event's fine bands inside them, plus the meeting's guests.
    assert anonymous_people_counted(age_band="under_18") == 2 + 3 + 4
    assert anonymous_people_counted(age_band="18_59") == 5 + 7 + 6
    assert anonymous_people_counted(age_band="60_plus") == 11 + 1
    assert sum(anonymous_people_counted(age_band=b) for b in BroadAgeBand.values) == 39
    # Fine bands: the event's counts only.
    fine = {band: anonymous_people_counted(age_band=band) for band in AgeBand.values}
    assert fine == {
        "0-14": 2,
        "15-17": 3,
        "18-24": 5,
        "25-34": 0,
        "35-44": 0,
        "45-59": 7,
        "60+": 11,
    }
    assert sum(fine.values()) == 28
    # Together with the other filters.
    assert anonymous_people_counted(age_band="under_18", sex="female") == 2 + 4
    assert anonymous_people_counted(age_band="18_59", sex="male") == 7 + 6
    assert anonymous_people_counted(age_band="18_59", category="youth") == 5  # guests: none
    assert anonymous_people_counted(age_band="60_plus", commune="010202") == 0
    assert anonymous_people_counted(age_band="60_plus", since=timezone.localdate()) == 0
    assert anonymous_people_counted(age_band="no-such-band") == 0


def test_unique_people_by_broad_and_fine_band(programme):
    assert unique_people_reached() == 4
    assert unique_people_reached(age_band="under_18") == 1  # 16
    assert unique_people_reached(age_band="18_59") == 2  # 24 (member), 30
    assert unique_people_reached(age_band="60_plus") == 1  # 65
    assert unique_people_reached(age_band="15-17") == 1
    assert unique_people_reached(age_band="18-24") == 1
    assert unique_people_reached(age_band="25-34") == 1
    assert unique_people_reached(age_band="0-14") == 0


def test_reach_page_offers_both_and_says_guests_are_in_broad_bands_only(programme, cast, as_user):
    client = as_user(cast.users["alice"])
    page = client.get(reverse("outreach:reach"))
    assert page.status_code == 200
    rows = [(str(r["label"]), r["anonymous"], r["sub"]) for r in page.context["by_age"]]
    assert rows == [
        ("Under 18", "9", False),
        ("Under 15", "2", True),
        ("15 to 17", "3", True),
        ("18 to 59", "18", False),
        ("18 to 24", "5", True),
        ("25 to 34", "0", True),
        ("35 to 44", "0", True),
        ("45 to 59", "7", True),
        ("60 and over", "12", False),
        ("60 or older", "11", True),
    ]
    html = page.content.decode()
    assert "meeting guests are counted in broad age bands only" in html.lower()
    assert 'value="under_18"' in html and 'value="15-17"' in html
    assert not page.context["fine_age_filter"]

    broad = client.get(reverse("outreach:reach"), {"age_band": "under_18"})
    assert broad.context["total"]["anonymous"] == "9"
    assert broad.context["total"]["unique"] == "1"
    assert not broad.context["fine_age_filter"]

    fine = client.get(reverse("outreach:reach"), {"age_band": "15-17"})
    assert fine.context["total"]["anonymous"] == "3"
    assert fine.context["fine_age_filter"]
    assert "with this finer age band they are left out" in fine.content.decode()

    bad = client.get(reverse("outreach:reach"), {"age_band": "<script>"})
    assert bad.status_code == 200 and bad.context["total"]["anonymous"] == "39"
