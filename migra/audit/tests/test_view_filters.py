"""Filtering the audit trail, and what happens with bad filter input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from migra.accounts.models import User
from migra.audit.models import AuditAction, AuditEvent
from migra.audit.services import audit_record
from migra.audit.tests.conftest import drop_guards, verified_client

PHNOM_PENH = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def client(lena: User) -> Client:
    return verified_client(lena)


@pytest.fixture
def events(lena: User, piseth: User, chantha: User) -> None:
    audit_record(actor=lena, action=AuditAction.LOGIN, target=lena)
    audit_record(
        actor=piseth, action=AuditAction.UPDATE, object_type="accounts.agency", object_id="7"
    )
    audit_record(actor=chantha, action=AuditAction.VIEW, object_type="cases.case", object_id="42")
    audit_record(actor=chantha, action=AuditAction.UPDATE, object_type="cases.case", object_id="43")
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED)


def _seqs(response: Any) -> list[int]:
    assert response.status_code == 200
    return [e.seq for e in response.context["page"].object_list]


def test_no_filter_lists_everything_newest_first(client: Client, events: None) -> None:
    assert _seqs(client.get(reverse("audit:list"))) == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "chantha"}, [4, 3]),
        ({"actor": "ចន្ថា"}, [4, 3]),  # Khmer part of the name
        ({"actor": "  Piseth "}, [2]),
        ({"action": "update"}, [4, 2]),
        ({"action": "login_failed"}, [5]),
        ({"object_type": "cases.case"}, [4, 3]),
        ({"object_type": "CASES"}, [4, 3]),  # a whole app
        ({"object_type": "cases.case", "object_id": "42"}, [3]),
        ({"object_id": "7"}, [2]),
        ({"actor": "chantha", "action": "update"}, [4]),
        ({"actor": "nobody"}, []),
        ({"actor": "", "action": "", "page": "1"}, [5, 4, 3, 2, 1]),
    ],
)
def test_filters(client: Client, events: None, query: dict[str, str], expected: list[int]) -> None:
    assert _seqs(client.get(reverse("audit:list"), query)) == expected


def test_date_filters_use_whole_days_in_phnom_penh(client: Client, db: Any) -> None:
    moments = [(13, 23), (14, 0), (14, 23), (15, 0)]
    for seq in range(1, len(moments) + 1):
        audit_record(actor=None, action=AuditAction.VIEW, object_id=str(seq))
    # Set the times as if written on those days (an attacker could; tests may).
    drop_guards()
    for seq, (day, hour) in enumerate(moments, start=1):
        AuditEvent.objects.filter(seq=seq).update(
            at=dt.datetime(2026, 4, day, hour, 30, tzinfo=PHNOM_PENH)
        )
    url = reverse("audit:list")
    assert _seqs(client.get(url, {"date_from": "2026-04-14"})) == [4, 3, 2]
    assert _seqs(client.get(url, {"date_to": "2026-04-14"})) == [3, 2, 1]
    assert _seqs(client.get(url, {"date_from": "2026-04-14", "date_to": "2026-04-14"})) == [3, 2]
    assert _seqs(client.get(url, {"date_from": "2999-12-31"})) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_to": "2026-02-30"}, "date_to"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to"),
        ({"action": "drop table"}, "action"),
        ({"actor": "x" * 201}, "actor"),
        ({"object_type": "x" * 61}, "object_type"),
    ],
)
def test_bad_filter_input_shows_an_error_not_a_server_error(
    client: Client, events: None, query: dict[str, str], field: str
) -> None:
    response = client.get(reverse("audit:list"), query)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert list(response.context["page"].object_list) == []
    assert 'class="errorlist"' in response.content.decode()


def test_the_date_error_says_what_to_type(client: Client, events: None) -> None:
    with translation.override("en"):
        english = client.get(reverse("audit:list"), {"date_from": "soon"})
    message = english.context["form"].errors["date_from"][0]
    assert "YYYY-MM-DD" in message


def test_bad_page_numbers_show_a_page(client: Client, events: None) -> None:
    url = reverse("audit:list")
    assert _seqs(client.get(url, {"page": "abc"})) == [5, 4, 3, 2, 1]
    assert _seqs(client.get(url, {"page": "999"})) == [5, 4, 3, 2, 1]
    assert _seqs(client.get(url, {"page": "-1"})) == [5, 4, 3, 2, 1]
