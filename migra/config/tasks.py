"""Background tasks of the platform itself (run by `migra worker`)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tasks import task

from migra.config.models import WorkerHeartbeat
from migra.config.worker import periodic

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


@periodic(every=timedelta(hours=6))
@task()
def refresh_database_statistics() -> bool:
    """Refresh SQLite's query-planner statistics (ANALYZE).

    Without them SQLite cannot tell a selective index from a poor one, and lists over
    large tables (the case list at a million cases) fall from tens of milliseconds to
    hundreds. `analysis_limit` keeps each run to a sample of every index, so it takes
    moments at any size. PostgreSQL's autovacuum already does this: nothing to do
    there. Returns whether statistics were refreshed."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
    return True
