"""Sharing tests: the stories cast (migra/stories/tests/conftest.py), a stand-in for the
Graph API on 127.0.0.1 (no test reaches Facebook), a Page set up against it, and a
clock the services read (so "one minute later" needs no waiting).

- `fake_graph`: records every request (method, path, headers, form fields) and answers
  from a script: `fake_graph.answer(status, body)` queues answers, served in order;
  once they run out, a post gets a new id and a delete `{"success": true}`.
  `fake_graph.hang()` makes the next request wait (for a timeout, or to hold a post
  "in flight"); `fake_graph.release()` lets it go.
- `facebook_on`: a Page (id 1234567890, a token) pointed at the fake.
- `queue_only`: tasks are only recorded (like the database queue with no worker
  running); `run_queued()` runs them.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    as_user,
    cast,
    login_as,
)
from migra.people.tests.conftest import _pages_in_english  # noqa: F401
from migra.stories import services as story_services
from migra.stories.models import Story, StoryState
from migra.stories.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    advance,
    consent,
    crew,
    person,
    published,
    story,
)

PAGE_ID = "1234567890"
TOKEN = "EAAGmigraTESTtoken0123456789abcdefSECRET"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    raw: bytes


@dataclass
class FakeGraph:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)
    next_id: int = 1000
    arrived: threading.Event = field(default_factory=threading.Event)
    _hang: threading.Event | None = None
    _held: list[threading.Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, status: int, body: Any) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers.append((status, data))

    def error(self, status: int, code: int, message: str = "Error", **extra: Any) -> None:
        self.answer(
            status,
            {"error": {"message": message, "type": "OAuthException", "code": code, **extra}},
        )

    def hang(self) -> None:
        self._hang = threading.Event()
        self._held.append(self._hang)

    def release(self) -> None:
        for held in self._held:
            held.set()

    @property
    def posts(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]

    @property
    def deletes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "DELETE"]


def _handler(fake: FakeGraph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            form = dict(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            with fake.lock:
                fake.requests.append(
                    Recorded(self.command, self.path, dict(self.headers.items()), form, raw)
                )
                hang, fake._hang = fake._hang, None
                if fake.answers:
                    status, body = fake.answers.pop(0)
                elif self.command == "POST":
                    fake.next_id += 1
                    status, body = 200, json.dumps({"id": f"{PAGE_ID}_{fake.next_id}"}).encode()
                else:
                    status, body = 200, b'{"success": true}'
            fake.arrived.set()
            if hang is not None:
                hang.wait(30)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up (a timeout test)
                pass

        do_POST = _serve
        do_DELETE = _serve
        do_GET = _serve

    return Handler


@pytest.fixture
def fake_graph() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v25.0"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def facebook_on(settings: Any, fake_graph: FakeGraph) -> FakeGraph:
    settings.MIGRA_FACEBOOK_PAGE_ID = PAGE_ID
    settings.MIGRA_FACEBOOK_PAGE_TOKEN = TOKEN
    settings.MIGRA_FACEBOOK_GRAPH_URL = fake_graph.url
    settings.MIGRA_SITE_URL = "https://migra.example.org"
    return fake_graph


@pytest.fixture
def queue_only(settings: Any) -> Callable[[], list[Any]]:
    """Tasks are recorded, not run; the returned function runs them (in order)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    def run_queued() -> list[Any]:
        results = list(default_task_backend.results)  # type: ignore[attr-defined]
        default_task_backend.results.clear()  # type: ignore[attr-defined]
        return [r.task.call(*r.args, **r.kwargs) for r in results]

    return run_queued


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time the sharing services see; move it on with clock.advance(minutes=…)."""
    fixed = Clock()
    monkeypatch.setattr("migra.sharing.services._now", lambda: fixed.now)
    return fixed


def publish(people: Any, draft: Story, capture: Any) -> Story:
    """Drive a draft to published (peter writes, edna publishes), running what waits
    for the commit."""
    with capture(execute=True):
        return advance(people, draft, StoryState.PUBLISHED)


def withdraw(people: Any, shown: Story, capture: Any, who: str = "alice") -> Story:
    shown.refresh_from_db()
    with capture(execute=True):
        return story_services.story_withdraw(
            actor=people.users[who], story_id=shown.pk, expected_version=shown.version
        )
