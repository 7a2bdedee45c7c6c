"""The background worker: django_tasks_db's worker loop plus a heartbeat.

`migra worker` runs `WorkerProcess.run()`. The task loop itself is django_tasks_db's
`Worker` (claiming, running and recording tasks); this module adds what /healthz needs:
a `WorkerHeartbeat` row per worker id, written when the worker starts, refreshed every
`WORKER_HEARTBEAT_SECONDS` from a background thread and removed on a clean stop.
A worker that dies without cleaning up leaves a row that goes stale; /healthz ignores
stale rows and the `sweep_worker_heartbeats` task deletes them after a day.

Periodic jobs: a task decorated with `@periodic(every=...)` (above `@task()`, in an
app's `tasks.py`) is enqueued by each long-running worker every `every` (the first time
one interval after the worker starts), from the heartbeat thread. Every worker does so,
so such tasks must be safe to run more than once (each decides whether there is work).
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from migra.config.models import WorkerHeartbeat

logger = logging.getLogger("migra.worker")

MAX_WORKER_ID_LENGTH = 64

SignalHandler = Callable[[int, FrameType | None], Any] | int | None


# --------------------------------------------------------------------------- periodic jobs


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: float  # seconds
    enqueue: Callable[[], Any]


PERIODIC_JOBS: dict[str, PeriodicJob] = {}
TaskT = TypeVar("TaskT")


def periodic(*, every: timedelta) -> Callable[[TaskT], TaskT]:
    """Have long-running workers enqueue this task every `every`."""
    seconds = every.total_seconds()
    if seconds <= 0:
        raise ValueError("a periodic job needs a positive interval")

    def register(task_obj: TaskT) -> TaskT:
        task: Any = task_obj  # a django-tasks Task
        name = str(task.module_path)
        PERIODIC_JOBS[name] = PeriodicJob(name=name, every=seconds, enqueue=task.enqueue)
        return task_obj

    return register


def discover_periodic_jobs() -> list[PeriodicJob]:
    """Import every installed app's `tasks` module, then list the periodic jobs."""
    autodiscover_modules("tasks")
    return sorted(PERIODIC_JOBS.values(), key=lambda job: job.name)


class PeriodicScheduler:
    """Enqueues each job once its interval has passed, counted from the first tick."""

    def __init__(
        self, jobs: Iterable[PeriodicJob], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.jobs = list(jobs)
        self.clock = clock
        self.next_at: dict[str, float] = {}

    def tick(self) -> list[str]:
        """Enqueue the jobs that are due; return their names."""
        now = self.clock()
        enqueued = []
        for job in self.jobs:
            if now < self.next_at.setdefault(job.name, now + job.every):
                continue
            try:
                job.enqueue()
            except Exception:
                # Tried again at the next beat; the worker itself carries on.
                logger.warning("Could not enqueue periodic job %s", job.name, exc_info=True)
                continue
            self.next_at[job.name] = now + job.every
            enqueued.append(job.name)
        return enqueued


def default_worker_id() -> str:
    """Readable and unique enough: host, process id and a random suffix."""
    host = socket.gethostname().split(".")[0][:40] or "worker"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"[:MAX_WORKER_ID_LENGTH]


class Heartbeat:
    """Keeps one WorkerHeartbeat row fresh while the worker runs.

    `start()` writes the row at once (in the calling thread, so a failure to reach the
    database stops the worker before it claims anything), then a daemon thread refreshes
    it every `interval` seconds. `stop()` ends the thread and deletes the row.
    """

    def __init__(
        self,
        *,
        worker_id: str,
        interval: float,
        tasks_done: Callable[[], int] = lambda: 0,
        on_beat: Callable[[], Any] | None = None,
    ) -> None:
        self.worker_id = worker_id
        self.on_beat = on_beat
        self.interval = interval
        self.tasks_done = tasks_done
        self.hostname = socket.gethostname()[:200]
        self.pid = os.getpid()
        self.started_at: datetime = timezone.now()
        self.beats = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Tests (and anything else curious) can wait for the n-th beat.
        self.beat_done = threading.Condition()

    def beat(self) -> None:
        """Write the row now: refresh it, or create it if it is missing."""
        now = timezone.now()
        updated = WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            seen_at=now, tasks_done=self.tasks_done(), hostname=self.hostname, pid=self.pid
        )
        if not updated:
            WorkerHeartbeat.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={
                    "hostname": self.hostname,
                    "pid": self.pid,
                    "started_at": self.started_at,
                    "seen_at": now,
                    "tasks_done": self.tasks_done(),
                },
            )
        with self.beat_done:
            self.beats += 1
            self.beat_done.notify_all()
        if self.on_beat is not None:
            self.on_beat()

    def start(self) -> None:
        # A row left by an earlier process with the same id is replaced, not reused.
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        self.beat()
        self._thread = threading.Thread(
            target=self._loop, name=f"heartbeat-{self.worker_id}", daemon=True
        )
        self._thread.start()

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    close_old_connections()
                    self.beat()
                except DatabaseError:
                    # The database may come back; the worker loop reports its own errors.
                    logger.warning("Heartbeat of worker %s failed", self.worker_id, exc_info=True)
        finally:
            # Connections are per thread: close this thread's own.
            connections.close_all()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning(
                "Could not remove the heartbeat of worker %s; it will go stale",
                self.worker_id,
                exc_info=True,
            )

    def wait_for_beats(self, count: int, timeout: float | None = None) -> bool:
        with self.beat_done:
            return self.beat_done.wait_for(lambda: self.beats >= count, timeout=timeout)


class _CountingWorker(Worker):
    """django_tasks_db's Worker, counting the tasks it has finished for the heartbeat."""

    tasks_done = 0

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        finally:
            self.tasks_done += 1


class WorkerProcess:
    """One worker: the task loop in the calling (main) thread, the heartbeat beside it."""

    def __init__(
        self,
        *,
        queue_names: list[str],
        interval: float,
        batch: bool,
        worker_id: str,
        backend_name: str = "default",
        heartbeat_seconds: float | None = None,
        startup_delay: bool = False,
        on_ready: Callable[[WorkerProcess], None] | None = None,
    ) -> None:
        if not worker_id or len(worker_id) > MAX_WORKER_ID_LENGTH:
            raise ValueError(f"A worker id has 1 to {MAX_WORKER_ID_LENGTH} characters.")
        self.worker = _CountingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        # A batch run ends when the queue is empty: it schedules nothing.
        self.scheduler = None if batch else PeriodicScheduler(discover_periodic_jobs())
        self.heartbeat = Heartbeat(
            worker_id=worker_id,
            interval=heartbeat_seconds or settings.WORKER_HEARTBEAT_SECONDS,
            tasks_done=lambda: self.worker.tasks_done,
            on_beat=self.scheduler.tick if self.scheduler is not None else None,
        )
        self.on_ready = on_ready

    @property
    def worker_id(self) -> str:
        return self.worker.worker_id

    def run(self) -> int:
        """Run until the queue is empty (batch) or SIGTERM/SIGINT; return the exit status.

        Signals are handled by django_tasks_db's Worker: the first one lets a running task
        finish and then stops (it raises SystemExit(0) when the worker is idle); a second
        one aborts the task (SystemExit(1)). Either way the heartbeat row is removed.
        """
        previous = _current_handlers()
        self.worker.configure_signals()
        try:
            self.heartbeat.start()
            logger.info(
                "Worker %s started (queues %s)", self.worker_id, ",".join(self.worker.queue_names)
            )
            if self.on_ready is not None:
                self.on_ready(self)
            self.worker.run()
            return 0
        except SystemExit as stop:
            if stop.code is None:
                return 0
            return stop.code if isinstance(stop.code, int) else 1
        finally:
            self.heartbeat.stop()
            _restore_handlers(previous)
            logger.info(
                "Worker %s stopped after %d task(s)", self.worker_id, self.worker.tasks_done
            )


_SIGNALS = [signal.SIGINT, signal.SIGTERM] + (
    [signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else []
)


def _current_handlers() -> dict[int, SignalHandler]:
    return {signum: signal.getsignal(signum) for signum in _SIGNALS}


def _restore_handlers(handlers: dict[int, SignalHandler]) -> None:
    for signum, handler in handlers.items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def pending_tasks(*, backend_name: str = "default") -> int:
    """How many tasks wait to run (used by the command's start-up message)."""
    return DBTaskResult.objects.ready().filter(backend_name=backend_name).count()
