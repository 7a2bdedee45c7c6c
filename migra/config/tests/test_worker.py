"""`migra worker`: tasks queued in the database run, and the heartbeat tells /healthz.

In-process tests run the real command against the test database (SQLite or
PostgreSQL). The signal tests run `migra worker` as a separate process on its own
SQLite file, because a signal must reach a real process.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus

from migra.config.models import WorkerHeartbeat
from migra.config.tasks import sweep_worker_heartbeats
from migra.config.tests import probe_tasks
from migra.config.worker import Heartbeat, WorkerProcess
from migra.lib.keys import new_encryption_key

DATABASE_QUEUE = override_settings(
    TASKS={
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "exports"],
        }
    }
)


def beat_row(worker_id: str, *, age: timedelta) -> WorkerHeartbeat:
    seen = timezone.now() - age
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="elsewhere", pid=1, started_at=seen, seen_at=seen
    )


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_batch_worker_runs_queued_tasks_with_a_heartbeat() -> None:
    beat_row("crashed-last-week", age=timedelta(days=2))
    beat_row("busy-elsewhere", age=timedelta(seconds=1))
    sweep = sweep_worker_heartbeats.enqueue()
    probe = probe_tasks.live_heartbeats.enqueue()
    assert sweep.status == TaskResultStatus.READY

    call_command("worker", "--batch", "--worker-id", "batch-1", verbosity=0)

    sweep.refresh()
    probe.refresh()
    assert sweep.status == TaskResultStatus.SUCCESSFUL
    assert sweep.return_value == 1
    assert probe.status == TaskResultStatus.SUCCESSFUL
    # While the tasks ran, this worker's heartbeat was there; the week-old one was swept.
    assert probe.return_value == ["batch-1", "busy-elsewhere"]
    assert sweep.worker_ids == ["batch-1"]
    # A clean stop removes the worker's own row and nobody else's.
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["busy-elsewhere"]


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_a_failing_task_is_recorded_and_the_worker_goes_on() -> None:
    failing = probe_tasks.fail_loudly.enqueue()
    after = probe_tasks.live_heartbeats.enqueue()

    call_command("worker", "--batch", "--worker-id", "batch-2", verbosity=0)

    failing.refresh()
    after.refresh()
    assert failing.status == TaskResultStatus.FAILED
    assert failing.errors[-1].exception_class is ValueError
    assert "fails on purpose" in failing.errors[-1].traceback
    assert after.status == TaskResultStatus.SUCCESSFUL


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_worker_takes_only_its_queues() -> None:
    elsewhere = probe_tasks.live_heartbeats.using(queue_name="exports").enqueue()
    here = probe_tasks.live_heartbeats.enqueue()

    call_command("worker", "--batch", "--queue", "default", "--worker-id", "q-1", verbosity=0)
    elsewhere.refresh()
    here.refresh()
    assert here.status == TaskResultStatus.SUCCESSFUL
    assert elsewhere.status == TaskResultStatus.READY

    call_command("worker", "--batch", "--queue", "*", "--worker-id", "q-2", verbosity=0)
    elsewhere.refresh()
    assert elsewhere.status == TaskResultStatus.SUCCESSFUL


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_signal_during_a_task_lets_it_finish_then_stops(signal_name: str) -> None:
    stopping = probe_tasks.stop_this_worker.enqueue(signal_name)
    later = probe_tasks.live_heartbeats.enqueue()
    handlers_before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    # Not a time limit on the test: a safety net so a broken worker cannot hang the suite.
    safety_net = threading.Timer(300, os.kill, (os.getpid(), signal.SIGTERM))

    def arm(process: WorkerProcess) -> None:
        safety_net.start()

    process = WorkerProcess(
        queue_names=["default"], interval=0, batch=False, worker_id="sig-1", on_ready=arm
    )
    try:
        status = process.run()
    finally:
        safety_net.cancel()

    assert status == 0
    stopping.refresh()
    later.refresh()
    assert stopping.status == TaskResultStatus.SUCCESSFUL
    assert stopping.return_value == "finished after the signal"
    # The worker stopped instead of taking the next task.
    assert later.status == TaskResultStatus.READY
    assert not WorkerHeartbeat.objects.filter(worker_id="sig-1").exists()
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == handlers_before


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_keeps_the_row_fresh_and_removes_it() -> None:
    heartbeat = Heartbeat(worker_id="hb-1", interval=0.01, tasks_done=lambda: 7)
    heartbeat.start()
    try:
        first_seen = WorkerHeartbeat.objects.get(worker_id="hb-1").seen_at
        assert heartbeat.wait_for_beats(4, timeout=120)
        row = WorkerHeartbeat.objects.get(worker_id="hb-1")
        assert row.seen_at > first_seen
        assert row.tasks_done == 7
        assert row.pid == os.getpid()
    finally:
        heartbeat.stop()
    assert not WorkerHeartbeat.objects.filter(worker_id="hb-1").exists()


@pytest.mark.django_db
def test_heartbeat_recreates_a_row_swept_away_and_replaces_an_old_one() -> None:
    beat_row("hb-2", age=timedelta(days=3))
    heartbeat = Heartbeat(worker_id="hb-2", interval=3600)
    heartbeat.start()
    try:
        row = WorkerHeartbeat.objects.get(worker_id="hb-2")
        assert row.pid == os.getpid()
        assert timezone.now() - row.seen_at < timedelta(days=1)
        WorkerHeartbeat.objects.all().delete()
        heartbeat.beat()
        assert WorkerHeartbeat.objects.filter(worker_id="hb-2").count() == 1
    finally:
        heartbeat.stop()


@pytest.mark.django_db
def test_sweep_keeps_recent_heartbeats() -> None:
    beat_row("old", age=timedelta(days=1, minutes=1))
    beat_row("recent", age=timedelta(hours=23))
    assert sweep_worker_heartbeats.call() == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]


@pytest.mark.django_db
def test_worker_refuses_a_backend_without_a_queue() -> None:
    # The test settings run tasks immediately: there is nothing for a worker to take.
    with pytest.raises(CommandError, match="not the database backend"):
        call_command("worker", "--batch")


@pytest.mark.parametrize(
    "arguments",
    [["--interval", "-1"], ["--interval", "soon"], ["--worker-id", "x" * 65], ["--queue", ","]],
)
@DATABASE_QUEUE
@pytest.mark.django_db
def test_worker_refuses_bad_options(arguments: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("worker", "--batch", *arguments)


# --------------------------------------------------------------------------- real processes


# One encryption key for the template database and its copies: each test has its own
# MIGRA_VAR_DIR, and a key generated there would not match the copied database.
ENCRYPTION_KEY = new_encryption_key()


def _environment(tmp_path: Path, database: Path) -> dict[str, str]:
    return {
        "MIGRA_ENCRYPTION_KEY": ENCRYPTION_KEY,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "true",
        "MIGRA_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "migra.config.settings.base",
        "PYTHONUNBUFFERED": "1",
    }


MIGRATE = (
    "import django; django.setup();"
    "from django.core.management import call_command as c;"
    "c('migrate', 'platform', verbosity=0, skip_checks=True);"
    "c('migrate', 'django_tasks_database', verbosity=0, skip_checks=True)"
)


@pytest.fixture(scope="module")
def worker_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the worker's tables, made once and copied by each test."""
    folder = tmp_path_factory.mktemp("worker-db")
    database = folder / "template.sqlite3"
    subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", MIGRATE],
        env=_environment(folder, database),
        check=True,
        timeout=300,
    )
    return database


def _wait_for(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    # A generous deadline so a broken worker fails the test instead of hanging it.
    deadline = time.monotonic() + 120
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_worker_process_stops_cleanly_on_signal(tmp_path, worker_database, signum) -> None:
    database = tmp_path / "migra.sqlite3"
    database.write_bytes(worker_database.read_bytes())
    worker = subprocess.Popen(  # noqa: S603 - the project's own console script
        [
            str(Path(sys.executable).with_name("migra")),
            "worker",
            "--worker-id",
            "proc-1",
            "--interval",
            "0.1",
        ],
        env=_environment(tmp_path, database),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def query(sql: str) -> list[tuple]:
        with sqlite3.connect(database, timeout=30) as db:
            return db.execute(sql).fetchall()

    try:
        _wait_for(
            lambda: (
                query("SELECT status FROM django_tasks_database_dbtaskresult") == [("SUCCESSFUL",)]
            ),
            "the start-up sweep task to run",
        )
        assert query("SELECT worker_id, pid FROM platform_workerheartbeat") == [
            ("proc-1", worker.pid)
        ]
        worker.send_signal(signum)
        output, _ = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, output
    assert "Traceback" not in output
    assert query("SELECT worker_id FROM platform_workerheartbeat") == []


@pytest.mark.django_db
def test_database_statistics_are_refreshed_on_sqlite_only():
    from django.db import connection

    from migra.config.tasks import refresh_database_statistics
    from migra.config.worker import discover_periodic_jobs

    assert "migra.config.tasks.refresh_database_statistics" in {
        job.name for job in discover_periodic_jobs()
    }
    refreshed = refresh_database_statistics.call()
    assert refreshed is (connection.vendor == "sqlite")
    if refreshed:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1")
            assert cursor.fetchone()[0] > 0
