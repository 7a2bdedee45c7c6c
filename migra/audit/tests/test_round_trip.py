"""What is hashed before writing is what reads back, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import RequestFactory

from migra.audit.chain import canonical_changes, event_hash
from migra.audit.models import AuditAction, AuditEvent
from migra.audit.services import audit_record
from migra.audit.verify import event_hash_matches, verify_chain


def _read_back(event: AuditEvent) -> AuditEvent:
    return AuditEvent.objects.get(pk=event.pk)


def test_timestamp_reads_back_identically_in_utc_with_microseconds(db: Any) -> None:
    event = audit_record(actor=None, action=AuditAction.VIEW)
    stored = _read_back(event)
    assert event.at.microsecond == stored.at.microsecond
    assert stored.at == event.at
    assert stored.at.utcoffset() == dt.timedelta(0)
    assert stored.at.isoformat(timespec="microseconds") == event.at.isoformat(
        timespec="microseconds"
    )
    assert stored.hash == event.hash
    assert event_hash_matches(stored)


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),  # SQLite stores no fraction
        dt.datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=dt.UTC),
        # Written in Phnom Penh time, read back in UTC: the same instant, the same hash.
        dt.datetime(2026, 4, 14, 0, 30, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    ],
)
def test_any_aware_timestamp_reads_back_with_the_same_hash(db: Any, at: dt.datetime) -> None:
    fields: dict[str, Any] = {
        "seq": 1, "at": at, "actor_id": None, "actor_label": "", "action": "view",
        "object_type": "", "object_id": "", "object_label": "", "changes": {}, "ip": None,
        "user_agent": "", "path": "", "prev_hash": "0" * 64,
    }
    AuditEvent(**fields, hash=event_hash(**fields)).save()
    stored = AuditEvent.objects.get(seq=1)
    assert stored.at == at
    assert event_hash_matches(stored)


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        event_hash(
            seq=1, at=dt.datetime(2026, 1, 1), actor_id=None, actor_label="", action="view",  # noqa: DTZ001
            object_type="", object_id="", object_label="", changes={}, ip=None,
            user_agent="", path="", prev_hash="0" * 64,
        )


KHMER_CHANGES = {
    # Keys in an order jsonb will not keep (it sorts by length, then bytes).
    "ឈ្មោះពេញ": {"old": "សុខ ចាន់", "new": "សុខ ចាន់ណា"},
    "a": 1,
    "ភូមិ": ["ភូមិ ១", "ភូមិ ២"],
    "zz": {"ខេត្ត": "សៀមរាប", "b": None, "a": True},
    "note": "ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព\n\t\"quoted\" \\ back",
    "emoji and Thai": "🇰🇭 ประเทศไทย",
    "numbers": [0, -1, 2**63 + 5, 3.25, 0.1, 1e-7, 123456789.125],
}


def test_khmer_json_changes_hash_identically_after_reading_back(db: Any) -> None:
    event = audit_record(actor=None, action=AuditAction.UPDATE, changes=KHMER_CHANGES)
    stored = _read_back(event)
    assert stored.changes == KHMER_CHANGES
    assert event_hash_matches(stored)
    assert verify_chain().ok


@pytest.mark.parametrize(
    ("value", "read_back"),
    [
        (1e20, 100000000000000000000),  # jsonb's numeric drops the exponent
        (-2.5e17, -250000000000000000),
        (-0.0, 0.0),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        ((1, "ក"), [1, "ក"]),
        (dt.date(2026, 4, 14), "2026-04-14"),
        (dt.datetime(2026, 4, 14, 8, 30, tzinfo=dt.UTC), "2026-04-14T08:30:00+00:00"),
        (Decimal("12.50"), "12.50"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        ("NUL\x00inside", "NUL\ufffdinside"),
        ({1: "one"}, {"1": "one"}),
    ],
)
def test_awkward_values_are_stored_in_a_form_that_round_trips(
    db: Any, value: Any, read_back: Any
) -> None:
    event = audit_record(actor=None, action=AuditAction.UPDATE, changes={"v": value})
    stored = _read_back(event)
    assert stored.changes == {"v": read_back}
    assert event_hash_matches(stored)


def test_canonical_changes_is_idempotent() -> None:
    once = canonical_changes(KHMER_CHANGES | {"big": 1e300, "neg": -0.0})
    assert canonical_changes(once) == once


@pytest.mark.parametrize(
    ("remote_addr", "stored"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("fe80::1%eth0", "fe80::1"),
        ("not an address", None),
        ("", None),
    ],
)
def test_client_addresses_are_normalised_and_round_trip(
    db: Any, remote_addr: str, stored: str | None
) -> None:
    request = RequestFactory().get("/app/", REMOTE_ADDR=remote_addr)
    event = audit_record(actor=None, action=AuditAction.VIEW, request=request)
    read = _read_back(event)
    assert read.ip == stored
    assert event_hash_matches(read)


def test_text_fields_with_nul_and_lone_surrogates_are_stored(db: Any) -> None:
    request = RequestFactory().get("/app/", HTTP_USER_AGENT="bad\x00agent\ud800")
    event = audit_record(
        actor=None, action=AuditAction.VIEW, object_label="ក\x00ខ", request=request
    )
    read = _read_back(event)
    assert read.object_label == "ក\ufffdខ"
    assert "\x00" not in read.user_agent
    assert event_hash_matches(read)
