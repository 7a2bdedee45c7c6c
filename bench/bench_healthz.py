"""GET /healthz through Django's test client: what one health probe costs.

Small on purpose (the harness smoke test): one live worker heartbeat and many stale
ones, so the probe's two queries (SELECT 1, latest heartbeats) do real work.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
django.setup()

from django.db import connection  # noqa: E402 - after django.setup()
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from migra.config.models import WorkerHeartbeat  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_HEALTHZ_REQUESTS", "500"))
STALE_WORKERS = 1000


def build_data() -> None:
    now = timezone.now()
    old = now - timedelta(days=2)
    WorkerHeartbeat.objects.bulk_create(
        WorkerHeartbeat(
            worker_id=f"gone-{n}", hostname="old", pid=n + 1, started_at=old, seen_at=old
        )
        for n in range(STALE_WORKERS)
    )
    WorkerHeartbeat.objects.create(
        worker_id="live", hostname="here", pid=os.getpid(), started_at=now, seen_at=now
    )


def measure() -> list[float]:
    client = Client(SERVER_NAME="127.0.0.1")
    for _ in range(20):  # warm up: connection, URL resolver, imports
        client.get("/healthz")
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get("/healthz")
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or not response.json()["worker"]["ok"]:
            sys.exit(f"/healthz answered {response.status_code}: {response.content[:200]!r}")
    return samples


def main() -> None:
    build_data()
    samples = measure()
    p95 = statistics.quantiles(samples, n=100)[94]
    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    print(
        f"| GET /healthz, test client ({connection.vendor}) "
        f"| {REQUESTS} requests, {STALE_WORKERS + 1} heartbeat rows "
        f"| {statistics.median(samples):.2f} | {p95:.2f} |"
    )


if __name__ == "__main__":
    main()
