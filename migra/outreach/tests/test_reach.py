from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from migra.outreach import services
from migra.outreach.reach import (
    anonymous_people_counted,
    register_reach_source,
    unique_people_reached,
)
from migra.people.models import Person

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def _attend(cast, event_id, person, category="general_public"):
    services.event_attendance_add(
        actor=cast.users["gina"], event_id=event_id, person_id=person.pk, category=category
    )


def test_person_at_three_events_counted_once(cast, event, person):
    p = person("Sok Dara")
    q = person("Keo Malis", sex="male", age=16)
    for i in range(3):
        e = event(title=f"Session {i}", date=YESTERDAY - dt.timedelta(days=i))
        _attend(cast, e.pk, p)
    _attend(cast, e.pk, q, category="youth")
    assert unique_people_reached() == 2
    assert unique_people_reached(province="01") == 2
    assert unique_people_reached(province=cast.places["17"]) == 0
    assert unique_people_reached(commune="010201") == 2
    assert unique_people_reached(commune="010202") == 0
    assert unique_people_reached(sex="male") == 1
    assert unique_people_reached(age_band="15-17") == 1
    assert unique_people_reached(age_band="25-34") == 1
    assert unique_people_reached(category="youth") == 1
    assert unique_people_reached(since=YESTERDAY) == 1
    assert unique_people_reached(until=YESTERDAY - dt.timedelta(days=2)) == 2
    assert unique_people_reached(province="nowhere") == 0


def test_merged_duplicate_counted_once(cast, event, person):
    a = person("Sok Dara")
    b = person("Sok Dara Again")
    c = person("Third Record")
    e1, e2 = event(title="one"), event(title="two")
    _attend(cast, e1.pk, a)
    _attend(cast, e2.pk, b)
    _attend(cast, e2.pk, c)
    assert unique_people_reached() == 3
    Person.objects.filter(pk=b.pk).update(merged_into=a)
    assert unique_people_reached() == 2
    # a chain: a merged later into c (b still points at a)
    Person.objects.filter(pk=a.pk).update(merged_into=c)
    assert unique_people_reached() == 1
    assert unique_people_reached(commune="010201") == 1


def test_anonymous_counts_separate(cast, event, person):
    e = event(
        counts=[
            {"sex": "female", "age_band": "18-24", "category": "youth", "count": 7},
            {"sex": "male", "age_band": "25-34", "category": "families", "count": 3},
        ]
    )
    _attend(cast, e.pk, person("Sok Dara"))
    assert unique_people_reached() == 1
    assert anonymous_people_counted() == 10
    assert anonymous_people_counted(sex="male") == 3
    assert anonymous_people_counted(category="youth") == 7
    assert anonymous_people_counted(province="17") == 0


def test_other_sources_join_the_unique_count(cast, event, person, monkeypatch):
    from migra.outreach import reach

    monkeypatch.setattr(reach, "_SOURCES", dict(reach._SOURCES))
    p, q = person("Sok Dara"), person("Keo Malis")
    _attend(cast, event().pk, p)

    def extra(filters):
        return Person.objects.filter(pk__in=[p.pk, q.pk]).values_list("pk", flat=True)

    register_reach_source("test.extra", persons=extra)
    assert unique_people_reached() == 2
    with pytest.raises(ValueError):
        register_reach_source("test.extra", persons=lambda f: extra(f))
