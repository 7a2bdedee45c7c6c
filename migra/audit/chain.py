"""How an audit event's hash is computed. Shared by writing and verifying.

The hash covers every stored field in a canonical form that does not depend on
the database the event was read back from:

- `at` in UTC, ISO 8601 with microseconds (SQLite and PostgreSQL both keep
  microseconds; the zone a driver attaches is normalised away);
- `ip` in its compressed form, IPv4-mapped IPv6 as plain IPv4 (PostgreSQL's
  `inet` rewrites addresses);
- `changes` as JSON with sorted keys (PostgreSQL's `jsonb` reorders keys) and
  integral floats of 1e16 and more as integers (`jsonb` stores numbers as
  `numeric` and gives `1e+16` back as `10000000000000000`).

`canonical_changes` makes a `changes` value storable on both databases before it
is written; `event_hash` then gives the same digest before and after the round
trip. Changing anything here changes every hash: the format is fixed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

GENESIS_HASH = "0" * 64

# Python writes floats from 1e16 up in exponent form, which PostgreSQL's numeric
# reads as an integer. Every float that large is integral.
_FLOAT_AS_INT_FROM = 1e16


@lru_cache(maxsize=8192)  # a programme's staff use few addresses; parsing is the slow part
def canonical_ip(ip: str | None) -> str | None:
    """The address as PostgreSQL's `inet` gives it back, or None if it is not one."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        if address.scope_id is not None:
            address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
    return str(address)


def canonical_text(value: str) -> str:
    """Text both databases store unchanged: no NUL, no lone surrogates."""
    if value.isascii():
        return value.replace("\x00", "\ufffd")
    value = value.replace("\x00", "\ufffd")
    return value.encode("utf-8", "replace").decode("utf-8")


def canonical_changes(value: Any) -> Any:
    """`value` as JSON both databases read back identically.

    Keys become strings; tuples lists; dates, decimals, UUIDs and other objects
    their string form; NaN and infinities strings; integral floats from 1e16 up
    integers. Apply before storing; `event_hash` applies it again (idempotent).
    """
    if isinstance(value, str):
        return canonical_text(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0:
            return 0.0  # PostgreSQL's numeric has no negative zero
        if abs(value) >= _FLOAT_AS_INT_FROM:
            return int(value)
        return value
    if isinstance(value, dict):
        return {canonical_text(str(k)): canonical_changes(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_changes(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return canonical_text(str(value))


def canonical_at(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("Audit timestamps must be timezone-aware.")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    object_label: str,
    changes: Any,
    ip: str | None,
    user_agent: str,
    path: str,
    prev_hash: str,
) -> str:
    body = json.dumps(
        [
            seq,
            canonical_at(at),
            actor_id,
            actor_label,
            action,
            object_type,
            object_id,
            object_label,
            canonical_changes(changes),
            (canonical_ip(ip) or ip) if ip else ip,
            user_agent,
            path,
            prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
