"""The lifecycle: every pair of statuses, allowed or not; closing needs a reason;
reopening; every transition audited and on the timeline; stale versions."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from migra.audit.models import AuditAction, AuditEvent
from migra.cases import services
from migra.cases.models import Case, CaseStatus

ALLOWED = {
    ("new", "assessed"),
    ("new", "closed"),
    ("assessed", "active"),
    ("assessed", "closed"),
    ("active", "closed"),
    ("closed", "active"),
}
STATUSES = [s.value for s in CaseStatus]


def _put(case: Case, status: str) -> Case:
    """Put the case in `status` directly (the set-up of a test, not under test)."""
    Case.objects.filter(pk=case.pk).update(
        status=status, closing_reason="duplicate" if status == "closed" else ""
    )
    return Case.objects.get(pk=case.pk)


def test_the_table_is_the_documented_one():
    pairs = {(a, b) for a, targets in services.ALLOWED_TRANSITIONS.items() for b in targets}
    assert pairs == ALLOWED


@pytest.mark.parametrize(("before", "after"), list(itertools.product(STATUSES, STATUSES)))
def test_every_pair(cast, bm_case, before, after):
    case = _put(bm_case, before)
    events_before = case.events.count()
    audits_before = AuditEvent.objects.count()
    reason = "services_completed" if after == "closed" else ""
    if (before, after) in ALLOWED:
        changed = services.case_transition(
            actor=cast.users["carol"],
            case=case,
            to_status=after,
            expected_version=case.version,
            closing_reason=reason,
        )
        assert changed.status == after and changed.version == case.version + 1
        event = case.events.first()
        assert event.kind == ("reopened" if before == "closed" else "status")
        assert event.detail["from"] == before and event.detail["to"] == after
        audit = AuditEvent.objects.order_by("-seq").first()
        assert audit.action == AuditAction.UPDATE and audit.changes["status"] == [before, after]
        if after == "closed":
            assert changed.closed_at is not None and changed.closing_reason == reason
        if before == "closed":
            assert changed.closed_at is None and changed.closing_reason == ""
    else:
        with pytest.raises(ValidationError) as error:
            services.case_transition(
                actor=cast.users["carol"],
                case=case,
                to_status=after,
                expected_version=case.version,
                closing_reason=reason,
            )
        assert "cannot become" in str(error.value) and "Nothing was changed" in str(error.value)
        fresh = Case.objects.get(pk=case.pk)
        assert fresh.status == before and fresh.version == case.version
        assert case.events.count() == events_before
        assert AuditEvent.objects.count() == audits_before


@pytest.mark.parametrize("reason", ["", "bored", "x" * 500])
def test_closing_needs_a_valid_reason(cast, bm_case, reason):
    with pytest.raises(ValidationError):
        services.case_transition(
            actor=cast.users["carol"],
            case=bm_case,
            to_status="closed",
            expected_version=bm_case.version,
            closing_reason=reason,
        )
    assert Case.objects.get(pk=bm_case.pk).status == "new"


@pytest.mark.parametrize("status", ["open", "", "CLOSED", None, 3])
def test_unknown_statuses_are_refused(cast, bm_case, status):
    with pytest.raises(ValidationError):
        services.case_transition(
            actor=cast.users["carol"],
            case=bm_case,
            to_status=status,
            expected_version=bm_case.version,
        )


def test_a_stale_version_changes_nothing(cast, bm_case):
    carol = cast.users["carol"]
    services.case_transition(
        actor=carol, case=bm_case, to_status="assessed", expected_version=bm_case.version
    )
    with pytest.raises(services.CaseConflict):
        services.case_transition(
            actor=carol,
            case=bm_case,
            to_status="closed",
            expected_version=bm_case.version,
            closing_reason="duplicate",
        )
    assert Case.objects.get(pk=bm_case.pk).status == "assessed"


def test_closing_clears_the_due_date_and_reopening_restores_it(cast, bm_case):
    import datetime as dt

    from django.utils import timezone

    carol = cast.users["carol"]
    due = timezone.localdate() + dt.timedelta(days=5)
    services.case_task_add(actor=carol, case=bm_case, title="Visit", due_on=due)
    case = Case.objects.get(pk=bm_case.pk)
    assert case.next_due_on == due
    case = services.case_transition(
        actor=carol,
        case=case,
        to_status="closed",
        expected_version=case.version,
        closing_reason="lost_contact",
    )
    assert Case.objects.get(pk=case.pk).next_due_on is None
    # a closed case takes notes but no new work
    services.case_note_add(actor=carol, case=case, text="Tried to call again")
    with pytest.raises(ValidationError, match="closed"):
        services.case_task_add(actor=carol, case=case, title="x", due_on=due)
    case = services.case_transition(
        actor=carol, case=case, to_status="active", expected_version=case.version
    )
    assert Case.objects.get(pk=case.pk).next_due_on == due


def test_only_case_managers_move_a_case(cast, bm_case):
    for name in ("dan", "bob", "gina", "alice", "charlie"):
        with pytest.raises(PermissionDenied):
            services.case_transition(
                actor=cast.users[name],
                case=bm_case,
                to_status="assessed",
                expected_version=bm_case.version,
            )
    assert Case.objects.get(pk=bm_case.pk).status == "new"
