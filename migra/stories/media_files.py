"""Serving a story medium's web rendition or poster, with HTTP Range requests.

Django's FileResponse always sends the whole file; a player seeking in a video asks
for a part (`Range: bytes=1000000-`) and expects `206 Partial Content`. This serves
one range (several in one request, rare from players, get the whole file, as RFC 9110
allows), answers 416 to a range past the end, honours `If-Range` and `If-None-Match`,
and gives every file a strong ETag (its storage name and size: renditions never
change, a new one gets a new name).

Public files are `Cache-Control: public, no-cache` — kept by browsers and caches but
asked again each time (a 304 costs nothing), so a withdrawn story's video stops at
once, as its page does. Staff files are private.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import IO, Any

from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.utils.http import parse_etags

from migra.stories.models import MediaKind, StoryMedia

BLOCK = 64 * 1024
PUBLIC_CACHE = "public, no-cache"
PRIVATE_CACHE = "private, max-age=3600"
# One range: "bytes=first-last", "bytes=first-" or "bytes=-suffix" (ASCII digits only).
RANGE_RE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})")


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(first, last) of a satisfiable single range; None to send the whole file (no
    range, several, or a malformed one); "unsatisfiable" for a range past the end."""
    match = RANGE_RE.fullmatch(header.strip())
    if match is None or size <= 0:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # the last n bytes
        suffix = int(last_text)
        if suffix == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else None
    if last is not None and last < first:
        return None
    if first >= size:
        return "unsatisfiable"
    return first, size - 1 if last is None else min(last, size - 1)


def _blocks(handle: IO[bytes], length: int) -> Iterator[bytes]:
    try:
        while length > 0:
            block = handle.read(min(BLOCK, length))
            if not block:
                break
            length -= len(block)
            yield block
    finally:
        handle.close()


def _headers(response: HttpResponseBase, etag: str, cache_control: str) -> HttpResponseBase:
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


def ranged_response(
    request: HttpRequest, *, name: str, content_type: str, cache_control: str
) -> HttpResponseBase:
    """A stored file (default storage), whole or the range asked for."""
    try:
        size = default_storage.size(name)
    except OSError:
        raise Http404 from None
    digest = hashlib.sha256(f"{name}:{size}".encode()).hexdigest()[:32]
    etag = f'"{digest}"'
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return _headers(HttpResponse(status=304), etag, cache_control)
    wanted: tuple[int, int] | None | str = None
    header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if header and (if_range is None or if_range.strip() == etag):
        wanted = parse_range(header, size)
    if wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _headers(response, etag, cache_control)
    try:
        handle: Any = default_storage.open(name, "rb")
    except OSError:
        raise Http404 from None
    if isinstance(wanted, tuple):
        first, last = wanted
        handle.seek(first)
        partial = StreamingHttpResponse(
            _blocks(handle, last - first + 1), status=206, content_type=content_type
        )
        partial["Content-Range"] = f"bytes {first}-{last}/{size}"
        partial["Content-Length"] = str(last - first + 1)
        partial["Content-Disposition"] = "inline"
        return _headers(partial, etag, cache_control)
    whole = FileResponse(handle, content_type=content_type)
    whole["Content-Disposition"] = "inline"
    return _headers(whole, etag, cache_control)


def rendition_response(
    request: HttpRequest, media: StoryMedia, rendition: str, *, public: bool
) -> HttpResponseBase:
    """A ready medium's "web" rendition or "poster" (never the original)."""
    if rendition == "web" and media.web_file:
        name = media.web_file
        content_type = "audio/mp4" if media.kind == MediaKind.AUDIO else "video/mp4"
    elif rendition == "poster" and media.poster_file:
        name, content_type = media.poster_file, "image/jpeg"
    else:
        raise Http404
    return ranged_response(
        request,
        name=name,
        content_type=content_type,
        cache_control=PUBLIC_CACHE if public else PRIVATE_CACHE,
    )
