"""Reading an uploaded file without reading more than a limit."""

from __future__ import annotations

from typing import Any


class TooLarge(Exception):
    """The upload holds more than the limit."""


def read_at_most(upload: Any, limit: int) -> bytes | None:
    """All the bytes of an uploaded file (from its start), or TooLarge when there are
    more than `limit`: a declared size over the limit stops before reading, and the
    read stops one byte past the limit whatever size was declared. None when the
    upload gives something else than bytes."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > limit:
        raise TooLarge
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if not isinstance(data, bytes):
        return None
    if len(data) > limit:
        raise TooLarge
    return data
