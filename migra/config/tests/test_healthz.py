"""/healthz: JSON about the database and the worker; 503 when the database is gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from migra.config.models import WorkerHeartbeat
from migra.lib.keys import new_encryption_key, new_secret_key

pytestmark = pytest.mark.django_db


def heartbeat(worker_id: str, *, age: timedelta) -> WorkerHeartbeat:
    seen = timezone.now() - age
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="host", pid=10, started_at=seen, seen_at=seen
    )


def get_health(client: Client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_database_ok_and_no_worker(client: Client) -> None:
    status, body = get_health(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "database": {"ok": True, "vendor": connection.vendor},
        "worker": {"ok": False, "workers": 0, "last_seen": None},
    }


def test_live_worker_is_reported(client: Client) -> None:
    beat = heartbeat("w1", age=timedelta(seconds=2))
    status, body = get_health(client)
    assert status == 200
    assert body["worker"]["ok"] is True
    assert body["worker"]["workers"] == 1
    assert parse_datetime(body["worker"]["last_seen"]) == beat.seen_at


@override_settings(WORKER_HEARTBEAT_SECONDS=10)
def test_stale_worker_is_not_alive_but_the_site_is(client: Client) -> None:
    beat = heartbeat("crashed", age=timedelta(seconds=31))
    status, body = get_health(client)
    assert status == 200  # background work waits; pages are still served
    assert body["status"] == "ok"
    assert body["worker"] == {
        "ok": False,
        "workers": 0,
        "last_seen": body["worker"]["last_seen"],
    }
    assert parse_datetime(body["worker"]["last_seen"]) == beat.seen_at


@override_settings(WORKER_HEARTBEAT_SECONDS=10)
def test_only_fresh_heartbeats_count(client: Client) -> None:
    heartbeat("fresh-a", age=timedelta(seconds=1))
    heartbeat("fresh-b", age=timedelta(seconds=20))
    heartbeat("stale", age=timedelta(minutes=5))
    heartbeat("ancient", age=timedelta(days=3))
    _, body = get_health(client)
    assert body["worker"]["ok"] is True
    assert body["worker"]["workers"] == 2


def test_database_unreachable_gives_503(client: Client) -> None:
    refused = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", side_effect=refused):
        status, body = get_health(client)
    assert status == 503
    assert body["status"] == "error"
    assert body["database"] == {
        "ok": False,
        "vendor": connection.vendor,
        "error": "OperationalError",
    }
    assert body["worker"]["ok"] is False
    # Nothing about the failure beyond its kind is shown to an anonymous caller.
    assert "refused" not in json.dumps(body)


def test_healthz_is_never_cached_and_read_only(client: Client) -> None:
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


@override_settings(SECURE_SSL_REDIRECT=True)
def test_healthz_answers_plain_http_behind_https_redirect(client: Client) -> None:
    # Load balancers probe over plain HTTP; everything else is redirected to HTTPS.
    assert client.get("/healthz").status_code == 200
    assert client.get("/app/").status_code == 301


def test_a_real_unreachable_postgresql_gives_503(tmp_path) -> None:
    """The whole stack, in its own process, pointed at a closed port on this machine."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client(SERVER_NAME='127.0.0.1').get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "migra.config.settings.base",
        "SECRET_KEY": new_secret_key(),
        "MIGRA_ENCRYPTION_KEY": new_encryption_key(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "MIGRA_HTTPS": "false",
        "MIGRA_VAR_DIR": str(tmp_path / "var"),
        # Port 1 on loopback: nothing listens there, the connection is refused at once.
        "DATABASE_URL": "postgres://migra@127.0.0.1:1/migra?connect_timeout=5",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["database"] == {
        "ok": False,
        "vendor": "postgresql",
        "error": "OperationalError",
    }
