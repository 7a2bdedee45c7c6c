"""A copy of the database without the key holds nothing of what was reported: not the
words, not the reporter's contact, not the place told in words."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from migra.cases.models import Tip
from migra.people.tests.test_no_plaintext import _dump

WORDS = "ប្អូនស្រីខ្ញុំឈ្មោះចន្ទសុភ័ក្ត្រា ធ្វើការលើទូក Zephyrport boat captain Sokhom"
NOTE = "Wat Qorvexa market"
SECRETS = [
    "ប្អូនស្រីខ្ញុំ",
    "ចន្ទសុភ័ក្ត្រា",
    "Zephyrport",  # not a real place: the gazetteer of another test may hold real ones
    "Sokhom",
    "Qorvexa",
    "+85512777666",
    "12777666",
    "srey.telegram",
]


@pytest.mark.django_db(transaction=True)
def test_reports_are_not_readable_on_disk(cast: Any, as_user: Any) -> None:
    cache.clear()
    public = Client()
    response = public.post(
        "/km/report/",
        {
            "text": WORDS,
            "where": "kh",
            "province": "01",
            "place_note": NOTE,
            "contact": "012 777 666",
        },
    )
    assert response.status_code == 302
    staff = as_user(cast.users["carol"])
    response = staff.post(
        "/app/cases/tips/new/",
        {"text": WORDS + " (hotline)", "place": "010201", "contact": "srey.telegram"},
    )
    assert response.status_code == 302
    assert Tip.objects.count() == 2
    dump = _dump()
    assert len(dump) > 10_000
    assert "មជ្ឈមណ្ឌល".encode() in dump  # the test is sound: plain data is there
    for secret in SECRETS:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in dump, secret
    cache.clear()
