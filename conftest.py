"""Test-suite wide rules.

No test reaches the network: Python-level socket connections are allowed only to
loopback addresses (127.0.0.0/8, ::1) and Unix sockets. A test that tries anything
else fails with a clear error instead of hanging or leaking data. (libpq connects to
PostgreSQL from C, outside this guard; the test database is on loopback anyway.)
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "testserver"}


class NetworkAccessError(RuntimeError):
    """A test tried to connect to a host that is not this machine."""


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_local(address):
        raise NetworkAccessError(f"tests must not reach the network (connect to {address!r})")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_local(address):
        raise NetworkAccessError(f"tests must not reach the network (connect to {address!r})")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = _real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _messages_in_english() -> Iterator[None]:
    """Outside a request, code runs in English so tests can compare message texts.

    Requests still choose their language as in production (a user's preference, then
    the cookie, then Khmer); tests of Khmer output ask for it explicitly.
    """
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, once per test module (see migra/config/tests/browser.py).

    Playwright's sync API keeps an asyncio loop in this thread, so Django takes the
    test's own database calls (and the flush after each test) for calls from async
    code. They are not: allowed for as long as the browser lives, which outlasts the
    database teardown of the module's tests."""
    from playwright.sync_api import sync_playwright

    from migra.config.tests.browser import ARGS, CHROMIUM

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield chromium
            chromium.close()
