"""Limits for forms anyone may post (the "report a concern" form): per client address,
counted in Django's cache, and a guard against the same post arriving twice.

Addresses are never stored as such: the cache keys hold a keyed hash of them.

The cache must be shared by every application process for the limits to hold across
them (Django's default local-memory cache counts per process; see docs/tips.md).
Behind a reverse proxy set `MIGRA_TRUSTED_PROXY_HOPS` to the number of proxies that
append to X-Forwarded-For, or every visitor shares the proxy's address.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

_SALT = "migra.site.ratelimit"


def _now() -> float:
    return time.time()


def client_address(request: HttpRequest) -> str:
    """The visitor's address: REMOTE_ADDR, or the entry the trusted proxies added."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    hops = int(getattr(settings, "MIGRA_TRUSTED_PROXY_HOPS", 0) or 0)
    if hops > 0:
        header = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")[:1000]
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= hops:
            remote = forwarded[-hops]
    return remote[:64]


def _hash(*parts: str) -> str:
    return salted_hmac(_SALT, "\x1f".join(parts)).hexdigest()[:40]


def over_limit(request: HttpRequest, *, scope: str, limits: Iterable[Sequence[int]]) -> bool:
    """Count this request for its client; True when any (count, seconds) limit is passed.

    Fixed windows: at most `count` requests in each `seconds`-long window."""
    who = _hash(scope, client_address(request))
    now = int(_now())
    over = False
    for count, seconds in limits:
        key = f"migra:rl:{scope}:{seconds}:{now // seconds}:{who}"
        cache.add(key, 0, timeout=seconds + 1)
        try:
            hits = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds + 1)
            hits = 1
        if hits > count:
            over = True
    return over


def first_time(*, scope: str, parts: Iterable[str], seconds: int) -> str | None:
    """A key when these parts were not seen in the last `seconds` (else None): the same
    form posted twice at once — a double tap, a resent request — is kept once.

    Pass the key to `forget` if the post could not be kept after all."""
    key = f"migra:once:{scope}:{_hash(scope, *parts)}"
    return key if cache.add(key, 1, timeout=seconds) else None


def forget(key: str) -> None:
    cache.delete(key)
