"""What /healthz reports: the database and the background worker.

    {"status": "ok" | "error",
     "database": {"ok": bool, "vendor": "sqlite" | "postgresql", "error"?: str},
     "worker": {"ok": bool, "workers": int, "last_seen": ISO 8601 | null, "error"?: str}}

The HTTP status is 200 when the database answers and 503 when it does not. A missing
or stale worker shows as `worker.ok = false` but keeps the status 200: background work
waits, the site still serves. A heartbeat older than three heartbeat intervals is stale.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

STALE_AFTER_BEATS = 3


def database_state() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "vendor": connection.vendor, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor}


def worker_state() -> dict[str, Any]:
    from migra.config.models import WorkerHeartbeat

    stale_after = timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * STALE_AFTER_BEATS)
    try:
        beats = list(WorkerHeartbeat.objects.order_by("-seen_at")[:20])
    except DatabaseError:
        return {"ok": False, "workers": 0, "last_seen": None, "error": "unreadable"}
    now = timezone.now()
    alive = [b for b in beats if now - b.seen_at <= stale_after]
    return {
        "ok": bool(alive),
        "workers": len(alive),
        "last_seen": beats[0].seen_at.isoformat() if beats else None,
    }


def health_report() -> dict[str, Any]:
    database = database_state()
    if database["ok"]:
        worker = worker_state()
    else:
        worker = {"ok": False, "workers": 0, "last_seen": None, "error": "no database"}
    # A stopped worker delays background work but does not stop the site serving.
    status = "ok" if database["ok"] else "error"
    return {"status": status, "database": database, "worker": worker}
