"""Unique beneficiaries: distinct persons, merged-away records not counted twice."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from migra.people.services import person_merge, unique_beneficiaries


def test_counts_distinct_persons(cast, register, supervisor):
    a = register("សុខ ចាន់ធា", age=24)
    b = register("Sok Chanta", age=24)
    register("កែវ សុភា", age=30)
    assert unique_beneficiaries() == 3
    person_merge(actor=supervisor, source=b, target=a)
    assert unique_beneficiaries() == 2
    now = timezone.now()
    assert unique_beneficiaries(since=now + dt.timedelta(seconds=1)) == 0
    assert unique_beneficiaries(until=now + dt.timedelta(seconds=1)) == 2
