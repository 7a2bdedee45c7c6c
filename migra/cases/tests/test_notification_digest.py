"""Overdue alerts, the daily digest and how the worker runs them periodically."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from migra.accounts.models import User
from migra.cases import tasks as case_tasks
from migra.cases.models import CaseTask, Notification, Referral, ReferralStatus
from migra.cases.referral_services import (
    daily_digest_send,
    referral_accept,
    referral_complete,
    referrals_alert_overdue,
)
from migra.cases.services import case_task_add
from migra.cases.tests.referral_fixtures import send
from migra.config.worker import (
    Heartbeat,
    PeriodicJob,
    PeriodicScheduler,
    WorkerProcess,
    discover_periodic_jobs,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)


def _make_overdue(referral: Referral) -> None:
    Referral.objects.filter(pk=referral.pk).update(due_on=YESTERDAY)
    referral.refresh_from_db()


def _overdue_task(case: Any, user: User, title: str = "Call the employer of Sok Dara") -> CaseTask:
    task = case_task_add(
        actor=user, case=case, title=title, due_on=TODAY + dt.timedelta(days=1), assigned_to=user
    )
    CaseTask.objects.filter(pk=task.pk).update(due_on=TODAY - dt.timedelta(days=3))
    task.refresh_from_db()
    return task


# --------------------------------------------------------------------------- overdue alerts


def test_an_overdue_referral_is_alerted_once_to_both_sides(
    cast: Any, sent: Referral, lawyer: User, django_capture_on_commit_callbacks: Any
) -> None:
    carol = cast.users["carol"]
    assert referrals_alert_overdue() == 0  # not due yet
    _make_overdue(sent)
    with django_capture_on_commit_callbacks(execute=True):
        assert referrals_alert_overdue() == 1
        assert referrals_alert_overdue() == 0
    sent.refresh_from_db()
    assert sent.overdue_alerted_at is not None
    alerts = Notification.objects.filter(kind="referral_overdue")
    assert sorted(alerts.values_list("user_id", flat=True)) == sorted([carol.pk, lawyer.pk])
    assert {m.to[0] for m in mail.outbox if "overdue" in m.subject} == {carol.email, lawyer.email}
    # dan (same agency, another province) and frank (another agency) hear nothing.
    assert not alerts.filter(user__in=[cast.users["dan"], cast.users["frank"]]).exists()


def test_accepted_but_not_completed_is_overdue_completed_is_not(
    cast: Any, sent: Referral, lawyer: User
) -> None:
    referral_accept(actor=lawyer, referral=sent)
    _make_overdue(sent)
    assert referrals_alert_overdue() == 1
    Referral.objects.filter(pk=sent.pk).update(overdue_alerted_at=None)
    referral_complete(actor=lawyer, referral=sent)
    assert referrals_alert_overdue() == 0


def test_overdue_alerts_run_as_a_task(cast: Any, sent: Referral) -> None:
    _make_overdue(sent)
    result = case_tasks.alert_overdue_referrals.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1


# --------------------------------------------------------------------------- the digest


def test_digest_lists_overdue_tasks_and_referrals_without_names(
    cast: Any, sent: Referral, lawyer: User, bm_case: Any, as_user: Callable[..., Client]
) -> None:
    carol = cast.users["carol"]
    task = _overdue_task(bm_case, carol)
    done = _overdue_task(bm_case, carol, title="Already done")
    CaseTask.objects.filter(pk=done.pk).update(done_at=timezone.now())
    _make_overdue(sent)

    assert daily_digest_send() == 2  # carol (task + referral sent), lawyer (referral received)
    digests = Notification.objects.filter(kind="daily_digest")
    assert sorted(digests.values_list("user_id", flat=True)) == sorted([carol.pk, lawyer.pk])
    assert digests.first().object_label == TODAY.isoformat()  # type: ignore[union-attr]
    by_user = {m.to[0]: m for m in mail.outbox}
    carol_mail = by_user[carol.email]
    assert "1 overdue task, 1 overdue referral" in carol_mail.subject
    assert reverse("cases:detail", args=[task.case_id]) in carol_mail.body
    assert reverse("cases:referral-detail", args=[sent.pk]) in carol_mail.body
    assert reverse("cases:detail", args=[done.case_id]) + "\n" not in carol_mail.body.replace(
        reverse("cases:detail", args=[task.case_id]) + "\n", "", 1
    )
    lena_mail = by_user[lawyer.email]
    assert lena_mail.subject == "Migra: 1 overdue referral"
    assert reverse("cases:detail", args=[task.case_id]) not in lena_mail.body
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in ("Sok", "Dara", "employer", bm_case.number, "Unpaid"):
            assert secret not in text
    assert all(n.emailed_at for n in digests)

    # The page the digest links to lists the same, for the user only.
    page = as_user(carol).get(reverse("cases:overdue")).content.decode()
    assert "Call the employer of Sok Dara" in page and "Already done" not in page
    assert f"Referral #{sent.pk}" in page
    page = as_user(cast.users["dan"]).get(reverse("cases:overdue")).content.decode()
    assert "No overdue task." in page and "No overdue referral." in page


def test_one_digest_a_day(cast: Any, sent: Referral, lawyer: User, bm_case: Any) -> None:
    _overdue_task(bm_case, cast.users["carol"])
    _make_overdue(sent)
    assert daily_digest_send() == 2
    assert daily_digest_send() == 0
    assert len(mail.outbox) == 2
    assert daily_digest_send(today=TODAY + dt.timedelta(days=1)) == 2
    assert len(mail.outbox) == 4
    assert Notification.objects.filter(kind="daily_digest").count() == 4


def test_no_overdue_work_no_digest(cast: Any, sent: Referral, lawyer: User) -> None:
    assert daily_digest_send() == 0
    assert not Notification.objects.filter(kind="daily_digest").exists()
    assert mail.outbox == []


def test_digest_skips_work_the_user_may_no_longer_see(
    cast: Any, sent: Referral, lawyer: User, bm_case: Any
) -> None:
    carol = cast.users["carol"]
    _overdue_task(bm_case, carol)
    carol.memberships.update(is_active=False)
    assert daily_digest_send() == 0


def test_the_digest_task_waits_for_the_hour(
    cast: Any, sent: Referral, lawyer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_overdue(sent)
    early = timezone.localtime().replace(hour=5)
    monkeypatch.setattr(case_tasks.timezone, "localtime", lambda *a, **k: early)
    with override_settings(MIGRA_DIGEST_HOUR=7):
        assert case_tasks.send_daily_digests.enqueue().return_value == 0
    late = early.replace(hour=8)
    monkeypatch.setattr(case_tasks.timezone, "localtime", lambda *a, **k: late)
    with override_settings(MIGRA_DIGEST_HOUR=7):
        assert case_tasks.send_daily_digests.enqueue().return_value == 2
        assert case_tasks.send_daily_digests.enqueue().return_value == 0
    with override_settings(MIGRA_DIGEST_HOUR="nonsense"):
        assert case_tasks.digest_hour() == 7


# --------------------------------------------------------------------------- the worker's hook


def test_scheduler_enqueues_every_interval_from_the_first_tick() -> None:
    calls: list[str] = []
    now = [100.0]
    jobs = [
        PeriodicJob(name="a", every=60, enqueue=lambda: calls.append("a")),
        PeriodicJob(name="b", every=600, enqueue=lambda: calls.append("b")),
    ]
    scheduler = PeriodicScheduler(jobs, clock=lambda: now[0])
    assert scheduler.tick() == []  # the worker just started
    now[0] += 30
    assert scheduler.tick() == []
    now[0] += 30
    assert scheduler.tick() == ["a"]
    now[0] += 59
    assert scheduler.tick() == []
    now[0] += 600
    assert scheduler.tick() == ["a", "b"]
    assert calls == ["a", "a", "b"]


def test_a_failing_job_is_logged_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[int] = []

    def broken() -> None:
        attempts.append(1)
        raise RuntimeError("database away")

    now = [0.0]
    scheduler = PeriodicScheduler(
        [PeriodicJob(name="x", every=60, enqueue=broken)], clock=lambda: now[0]
    )
    scheduler.tick()
    now[0] = 60
    assert scheduler.tick() == []
    now[0] = 61  # tried again at the next beat
    assert scheduler.tick() == []
    assert len(attempts) == 2
    assert "Could not enqueue periodic job x" in caplog.text


def test_cases_registers_its_periodic_tasks() -> None:
    names = [job.name for job in discover_periodic_jobs()]
    assert "migra.cases.tasks.alert_overdue_referrals" in names
    assert "migra.cases.tasks.send_daily_digests" in names


DATABASE_QUEUE = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
)


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_enqueues_periodic_tasks_the_worker_runs(
    cast: Any, bm_case: Any, lawyer: User, legal_offers: list, consent_to: Callable[..., Any]
) -> None:
    consent_to(bm_case.person, cast.agencies["legal"])
    referral = send(bm_case, cast.agencies["legal"], cast.users["carol"])
    _make_overdue(referral)
    # Only a long-running worker schedules (a batch run stops when the queue is empty).
    assert (
        WorkerProcess(queue_names=["default"], interval=0, batch=True, worker_id="b").scheduler
        is None
    )
    process = WorkerProcess(queue_names=["default"], interval=0, batch=False, worker_id="p-1")
    assert process.scheduler is not None
    now = [0.0]
    process.scheduler.clock = lambda: now[0]
    heartbeat = Heartbeat(worker_id="p-1", interval=3600, on_beat=process.scheduler.tick)
    heartbeat.beat()  # the worker starts: nothing yet
    assert not DBTaskResult.objects.filter(task_path__contains="alert_overdue").exists()
    now[0] += 15 * 60
    heartbeat.beat()
    queued = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert {
        "migra.cases.tasks.alert_overdue_referrals",
        "migra.cases.tasks.send_daily_digests",
    } <= queued
    heartbeat.beat()  # not due again yet: nothing more queued
    periodic = DBTaskResult.objects.filter(
        task_path__in=[
            "migra.cases.tasks.alert_overdue_referrals",
            "migra.cases.tasks.send_daily_digests",
        ]
    )
    assert periodic.count() == 2

    call_command("worker", "--batch", "--worker-id", "batch-cases", verbosity=0)
    referral.refresh_from_db()
    assert referral.overdue_alerted_at is not None
    assert Notification.objects.filter(kind="referral_overdue").count() == 2
    # The emails were sent by the worker's tasks too.
    assert any("overdue" in m.subject for m in mail.outbox)
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {TaskResultStatus.SUCCESSFUL}
    assert ReferralStatus.PENDING == referral.status
