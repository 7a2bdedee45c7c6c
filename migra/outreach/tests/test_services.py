from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from migra.audit.models import AuditAction, AuditEvent
from migra.outreach import services
from migra.outreach.models import Attendance, AudienceCount, Event
from migra.outreach.selectors import knowledge_test_change

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def test_record_event_with_counts(cast, event):
    e = event(
        counts=[
            {"sex": "female", "age_band": "18-24", "category": "youth", "count": 12},
            {"sex": "male", "age_band": "18-24", "category": "youth", "count": 0},
        ],
        notes="Village chief attended",
    )
    assert e.agency == cast.agencies["lead"]
    assert e.commune == cast.places["010201"]
    assert e.province == cast.places["01"]
    assert list(AudienceCount.objects.filter(event=e).values_list("count", flat=True)) == [12]
    audit = AuditEvent.objects.get(object_type="outreach.event", action=AuditAction.CREATE)
    assert "Village chief" not in str(audit.changes)


def test_record_at_commune(cast, event):
    e = event(place_code="010201")
    assert e.place == e.commune == cast.places["010201"]


def test_update_is_versioned(cast, event):
    e = event()
    updated = services.event_update(
        actor=cast.users["gina"],
        event_id=e.pk,
        expected_version=1,
        kind="training_authorities",
        title="Training",
        place_code="010201",
        date=YESTERDAY,
    )
    assert updated.version == 2
    with pytest.raises(services.EventConflict):
        services.event_update(
            actor=cast.users["gina"],
            event_id=e.pk,
            expected_version=1,
            kind="awareness",
            title="Lost update",
            place_code="010201",
            date=YESTERDAY,
        )
    assert Event.objects.get(pk=e.pk).title == "Training"


def test_attendance_and_duplicate(cast, event, person):
    e = event()
    p = person("Sok Dara")
    services.event_attendance_add(actor=cast.users["gina"], event_id=e.pk, person_id=p.pk)
    with pytest.raises(ValidationError) as info:
        services.event_attendance_add(actor=cast.users["gina"], event_id=e.pk, person_id=p.pk)
    assert "already on the list" in str(info.value)
    assert Attendance.objects.filter(event=e).count() == 1


def test_person_outside_scope_is_denied(cast, event, sr_village):
    from migra.people.services import NameInput, person_register

    other = person_register(
        actor=cast.users["dan"],
        names=[NameInput(value="Far Away")],
        sex="male",
        home_village=sr_village,
        approximate_age=40,
    )
    e = event()
    with pytest.raises(PermissionDenied):
        services.event_attendance_add(actor=cast.users["gina"], event_id=e.pk, person_id=other.pk)
    assert not Attendance.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).exists()


def test_other_commune_is_refused(cast, event):
    with pytest.raises(ValidationError):
        event(place_code="010202")
    assert not Event.objects.exists()


def test_other_user_cannot_update(cast, event):
    e = event()
    with pytest.raises(PermissionDenied):
        services.event_update(
            actor=cast.users["dan"],
            event_id=e.pk,
            expected_version=1,
            kind="awareness",
            title="x",
            place_code="010201",
            date=YESTERDAY,
        )
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(e.pk)).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", timezone.localdate() + dt.timedelta(days=1)),
        ("date", dt.date(1990, 1, 1)),
        ("date", "2024-01-01"),
        ("kind", "party"),
        ("title", ""),
        ("title", "x" * 201),
        ("place_code", "99999999"),
        ("place_code", "01"),
        ("place_code", None),
        ("materials", "m" * 5000),
        ("counts", [{"sex": "female", "age_band": "18-24", "category": "youth", "count": -1}]),
        ("counts", [{"sex": "female", "age_band": "18-24", "category": "youth", "count": 10**9}]),
        ("counts", [{"sex": "female", "age_band": "18-24", "category": "youth", "count": "3"}]),
        ("counts", [{"sex": "robot", "age_band": "18-24", "category": "youth", "count": 3}]),
        ("counts", [{"sex": "female", "age_band": "200", "category": "youth", "count": 3}]),
        ("counts", [{"sex": "female", "age_band": "18-24", "category": "cats", "count": 3}]),
        (
            "counts",
            [
                {"sex": "female", "age_band": "18-24", "category": "youth", "count": 3},
                {"sex": "female", "age_band": "18-24", "category": "youth", "count": 4},
            ],
        ),
    ],
)
def test_bad_input_changes_nothing(cast, event, field, value):
    with pytest.raises(ValidationError):
        event(**{field: value})
    assert not Event.objects.exists()
    assert not AudienceCount.objects.exists()


def test_hostile_text_is_kept_as_text(cast, event):
    e = event(title="<script>alert(1)</script> ' OR 1=1 --", notes="\x00<img onerror=x>")
    e.refresh_from_db()
    assert e.title.startswith("<script>")
    assert "\x00" not in e.notes


def test_knowledge_test_change(cast, event, person):
    e = event(kind="training_authorities")
    a = services.event_attendance_add(
        actor=cast.users["gina"], event_id=e.pk, person_id=person("Chan Sreymom").pk
    )
    test = services.knowledge_test_set(
        actor=cast.users["gina"], event_id=e.pk, questions=["Q1", "Q2", " ", "Q3", "Q4"]
    )
    assert test.max_score == 4
    gina = cast.users["gina"]
    services.participant_score_record(
        actor=gina, event_id=e.pk, attendance_id=a.pk, before=1, after=4
    )
    services.participant_score_record(actor=gina, event_id=e.pk, label="P2", before=2, after=2)
    services.participant_score_record(actor=gina, event_id=e.pk, label="P3", before=3)
    change = knowledge_test_change(test)
    assert change.participants == 3
    assert change.with_after == 2
    assert change.average_before == 1.5
    assert change.average_after == 3.0
    assert change.improved == 1
    assert change.improved_share == 0.5
    # recording again replaces
    services.participant_score_record(actor=gina, event_id=e.pk, label="P2", before=2, after=3)
    assert knowledge_test_change(test).improved == 2
    with pytest.raises(ValidationError):
        services.participant_score_record(actor=gina, event_id=e.pk, label="P9", before=5)
    with pytest.raises(ValidationError):
        services.participant_score_record(actor=gina, event_id=e.pk, label="", before=1)
    with pytest.raises(ValidationError):
        services.participant_score_record(actor=gina, event_id=e.pk, label="P9", before=-1)
    with pytest.raises(ValidationError):
        services.knowledge_test_set(actor=gina, event_id=e.pk, questions=["only one"])
    with pytest.raises(ValidationError):
        services.knowledge_test_set(actor=gina, event_id=e.pk, questions=["q"] * 21)
