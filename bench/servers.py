"""gunicorn on loopback for the benchmarks that measure the production server
(bench_public.py, bench_odk.py). Not a benchmark itself: run.py runs bench_*.py only."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int, *options: str) -> subprocess.Popen[bytes]:
    """gunicorn serving Migra on 127.0.0.1:`port` with 2 workers (and `options`), once
    /healthz answers."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter's gunicorn
        [
            str(gunicorn),
            "migra.config.wsgi:application",
            "--workers",
            "2",
            *options,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=sys.stderr,
        stderr=sys.stderr,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    sys.exit("gunicorn did not start")
