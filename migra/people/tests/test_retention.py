"""Records past the retention period, unless the person agreed to keep their data."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from migra.people.models import ConsentMethod, ConsentPurpose
from migra.people.selectors import persons_past_retention
from migra.people.services import consent_give, consent_withdraw


def test_past_retention_unless_kept_by_consent(cast, register, settings):
    settings.MIGRA_PEOPLE_RETENTION_DAYS = 30
    a = register("សុខ ចាន់ធា", age=24)
    b = register("កែវ សុភា", age=30)
    later = timezone.now() + dt.timedelta(days=31)
    assert list(persons_past_retention()) == []
    assert set(persons_past_retention(now=later)) == {a, b}
    keep = consent_give(
        actor=cast.users["dan"],
        person=b,
        purpose=ConsentPurpose.RETENTION,
        method=ConsentMethod.SIGNATURE,
    )
    assert list(persons_past_retention(now=later)) == [a]
    consent_withdraw(actor=cast.users["dan"], consent=keep)
    assert set(persons_past_retention(now=later)) == {a, b}
