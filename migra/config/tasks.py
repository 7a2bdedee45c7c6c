"""Background tasks of the platform itself (run by `migra worker`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from migra.config.models import WorkerHeartbeat

HEARTBEAT_RETENTION = timedelta(days=1)


@task()
def sweep_worker_heartbeats() -> int:
    """Delete heartbeats of workers not seen for a day (crashed or killed workers).

    /healthz already ignores stale rows; this keeps the table small. Every worker
    enqueues it once when it starts. Returns the number of rows deleted.
    """
    cutoff = timezone.now() - HEARTBEAT_RETENTION
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=cutoff).delete()
    return deleted
