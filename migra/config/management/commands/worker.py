"""`migra worker`: run background tasks from the database-backed queue.

    migra worker                     # all night long; SIGTERM or Ctrl-C stops it cleanly
    migra worker --batch             # run what is queued now, then exit
    migra worker --queue exports,default --interval 2 --worker-id web1-a

Run as many as you like, on as many hosts as you like: each claims tasks with a row
lock, so no task runs twice. Each keeps a heartbeat row that /healthz reads.
"""

from __future__ import annotations

import logging
import math
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from migra.config.worker import MAX_WORKER_ID_LENGTH, WorkerProcess, default_worker_id

BACKEND = "default"


def _interval(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ArgumentTypeError(f"not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ArgumentTypeError("must be zero or more seconds")
    return number


def _worker_id(value: str) -> str:
    if not value or len(value) > MAX_WORKER_ID_LENGTH:
        raise ArgumentTypeError(f"must be 1 to {MAX_WORKER_ID_LENGTH} characters")
    return value


class Command(BaseCommand):
    help = "Run background tasks from the database queue, with a heartbeat for /healthz."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue",
            default="default",
            help="Queues to take tasks from, comma-separated; '*' for all (default: default).",
        )
        parser.add_argument(
            "--interval",
            type=_interval,
            default=1.0,
            help="Seconds to wait before looking again when the queue is empty (default: 1).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the tasks queued now, then exit (for tests and cron-style use).",
        )
        parser.add_argument(
            "--worker-id",
            type=_worker_id,
            default=None,
            help="Unique id of this worker (default: host name, process id and a random part).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = task_backends[BACKEND]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(
                f"The {BACKEND!r} task backend is {type(backend).__name__}, not the "
                "database backend: there is no queue for a worker to run."
            )
        queue_names = [name.strip() for name in options["queue"].split(",") if name.strip()]
        if not queue_names:
            raise CommandError("--queue names no queue.")
        self._configure_logging(options["verbosity"])

        process = WorkerProcess(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            worker_id=options["worker_id"] or default_worker_id(),
            backend_name=BACKEND,
            startup_delay=not options["batch"],
            on_ready=None if options["batch"] else _enqueue_housekeeping,
        )
        status = process.run()
        if status:
            raise SystemExit(status)

    def _configure_logging(self, verbosity: int) -> None:
        level = {0: logging.ERROR, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("migra.worker", "django_tasks_db", "django_tasks"):
            logging.getLogger(name).setLevel(level)


def _enqueue_housekeeping(process: WorkerProcess) -> None:
    from migra.config.tasks import sweep_worker_heartbeats

    sweep_worker_heartbeats.enqueue()
