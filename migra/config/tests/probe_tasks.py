"""Tasks that exist only for the worker tests (module level, as task functions must be)."""

from __future__ import annotations

import os
import signal

from django_tasks import task

from migra.config.models import WorkerHeartbeat


@task()
def live_heartbeats() -> list[str]:
    """The worker ids with a heartbeat row while this task runs."""
    return sorted(WorkerHeartbeat.objects.values_list("worker_id", flat=True))


@task()
def stop_this_worker(signal_name: str) -> str:
    """Ask the worker running this task to stop, as an operator's `kill` would."""
    os.kill(os.getpid(), getattr(signal, signal_name))
    return "finished after the signal"


@task()
def fail_loudly() -> None:
    raise ValueError("this task fails on purpose")
