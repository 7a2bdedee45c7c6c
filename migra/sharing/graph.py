"""The two Graph API calls Migra makes: publish a post on the Page, and delete it.

    POST   {MIGRA_FACEBOOK_GRAPH_URL}/{page-id}/feed   message, link, access_token
           → {"id": "<page-id>_<post-id>"}
    DELETE {MIGRA_FACEBOOK_GRAPH_URL}/{page-post-id}   (Authorization: Bearer <token>)
           → {"success": true}

Plain urllib from the standard library. Every call has a timeout and reads at most
MAX_ANSWER_BYTES; redirects are not followed (a redirect could carry the token to
another host). The token travels in the request body (publish) or the Authorization
header (delete), never in a URL, so no proxy or server log keeps it. Every failure
becomes a GraphError with a kind — what to tell the editor — and a short detail with
the token scrubbed out. Nothing here touches the database.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

TIMEOUT_SECONDS: float = 20
MAX_ANSWER_BYTES = 64 * 1024
MAX_DETAIL = 200
# Page and post ids are ASCII digits; a post id is "<page id>_<post id>".
PAGE_ID = re.compile(r"[0-9]{1,30}")
POST_ID = re.compile(r"[0-9]{1,30}(?:_[0-9]{1,30})?")
# Anything that looks like a Facebook token or a token parameter, scrubbed from details
# even when it is not our own token (an echo of a rotated one, say).
_TOKENISH = re.compile(r"EAA[A-Za-z0-9]{16,}|access_token=[^&\s\"']*", re.IGNORECASE)


class ErrorKind:
    """Why a call failed (stored in FacebookPost.error_kind; explained to editors)."""

    OFF = "off"  # no Page is set up
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"  # connection refused, name not found, connection cut
    FACEBOOK_DOWN = "facebook_down"  # 5xx, or Graph codes 1 and 2
    TOKEN = "token"  # noqa: S105 - a kind of error, not a password: the token was refused
    PERMISSION = "permission"  # the token may not post on the Page (3, 10, 200-299)
    RATE_LIMIT = "rate_limit"  # 4, 17, 32, 341, 613
    BLOCKED = "blocked"  # 368: temporarily blocked for a policy reason
    DUPLICATE = "duplicate"  # 506
    LINK = "link"  # 1609005: Facebook could not read the story's link
    REFUSED = "refused"  # any other refusal
    BAD_ANSWER = "bad_answer"  # an answer that is not what the Graph API gives
    INTERRUPTED = "interrupted"  # a worker stopped while posting (see services)


_KIND_BY_CODE = {
    1: ErrorKind.FACEBOOK_DOWN,
    2: ErrorKind.FACEBOOK_DOWN,
    3: ErrorKind.PERMISSION,
    4: ErrorKind.RATE_LIMIT,
    10: ErrorKind.PERMISSION,
    17: ErrorKind.RATE_LIMIT,
    32: ErrorKind.RATE_LIMIT,
    102: ErrorKind.TOKEN,
    190: ErrorKind.TOKEN,
    341: ErrorKind.RATE_LIMIT,
    368: ErrorKind.BLOCKED,
    506: ErrorKind.DUPLICATE,
    613: ErrorKind.RATE_LIMIT,
    1609005: ErrorKind.LINK,
}
# Graph's answer to deleting something that is not there (already removed by hand).
_GONE = {(100, 33)}


class GraphError(Exception):
    def __init__(self, kind: str, detail: str = "", *, gone: bool = False) -> None:
        super().__init__(kind)
        self.kind = kind
        self.detail = detail
        self.gone = gone

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}" if self.detail else self.kind


@dataclass(frozen=True)
class GraphConfig:
    base_url: str
    page_id: str
    token: str

    def __repr__(self) -> str:  # never the token, whatever prints this
        return f"GraphConfig(base_url={self.base_url!r}, page_id={self.page_id!r})"


def config_from_settings() -> GraphConfig | None:
    """The Page to post to, or None when posting is off (no page id or no token)."""
    page_id = str(getattr(settings, "MIGRA_FACEBOOK_PAGE_ID", "") or "")
    token = str(getattr(settings, "MIGRA_FACEBOOK_PAGE_TOKEN", "") or "")
    base_url = str(getattr(settings, "MIGRA_FACEBOOK_GRAPH_URL", "") or "").rstrip("/")
    if not page_id or not token or not base_url or not PAGE_ID.fullmatch(page_id):
        return None
    return GraphConfig(base_url=base_url, page_id=page_id, token=token)


def scrub(text: str, token: str = "") -> str:
    """A detail fit to store and show: no token, no control characters, short."""
    if token:
        text = text.replace(token, "[token]")
    text = _TOKENISH.sub("[token]", text)
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text[:MAX_DETAIL]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx comes back as an HTTPError


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirect)


def _read(response: Any) -> bytes:
    return bytes(response.read(MAX_ANSWER_BYTES + 1))[:MAX_ANSWER_BYTES]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _error_from_answer(status: int, body: bytes, token: str) -> GraphError:
    answer = _json(body)
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        kind = ErrorKind.FACEBOOK_DOWN if status >= 500 else ErrorKind.REFUSED
        # Never "gone" without Graph's own word for it: a wrong address answers 404 too.
        return GraphError(kind, scrub(f"HTTP {status}", token))
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    message = error.get("message") if isinstance(error.get("message"), str) else ""
    if code in _KIND_BY_CODE:
        kind = _KIND_BY_CODE[code]
    elif code is not None and 200 <= code <= 299:
        kind = ErrorKind.PERMISSION
    elif error.get("type") == "OAuthException" and code is None:
        kind = ErrorKind.TOKEN
    else:
        kind = ErrorKind.FACEBOOK_DOWN if status >= 500 else ErrorKind.REFUSED
    detail = f"HTTP {status}" + (f", code {code}" if code is not None else "")
    if message:
        detail += f": {message}"
    return GraphError(kind, scrub(detail, token), gone=(code, subcode) in _GONE)


def _call(request: urllib.request.Request, token: str) -> Any:
    """Send the request; the answer's JSON, or a GraphError."""
    try:
        with _opener().open(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - https base URL checked in settings
            body = _read(response)
    except urllib.error.HTTPError as error:
        try:
            body = _read(error)
        except (OSError, http.client.HTTPException):
            body = b""
        finally:
            error.close()
        raise _error_from_answer(error.code, body, token) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise GraphError(ErrorKind.TIMEOUT, "no answer in time") from None
        reason = error.reason.strerror if isinstance(error.reason, OSError) else error.reason
        raise GraphError(ErrorKind.UNREACHABLE, scrub(str(reason or ""), token)) from None
    except TimeoutError:
        raise GraphError(ErrorKind.TIMEOUT, "no answer in time") from None
    except (OSError, http.client.HTTPException) as error:
        raise GraphError(ErrorKind.UNREACHABLE, scrub(type(error).__name__, token)) from None
    answer = _json(body)
    if answer is None:
        raise GraphError(ErrorKind.BAD_ANSWER, "the answer is not JSON")
    return answer


def publish(config: GraphConfig, *, message: str, link: str) -> str:
    """Post `message` with `link` on the Page; the post's id ("<page>_<post>")."""
    body = urllib.parse.urlencode(
        {"message": message, "link": link, "access_token": config.token}
    ).encode("ascii")
    request = urllib.request.Request(  # noqa: S310 - see _call
        f"{config.base_url}/{config.page_id}/feed",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": "Migra",
        },
    )
    answer = _call(request, config.token)
    post_id = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(post_id, str) or not POST_ID.fullmatch(post_id):
        raise GraphError(ErrorKind.BAD_ANSWER, "no post id in the answer")
    return post_id


def delete(config: GraphConfig, *, post_id: str) -> None:
    """Delete the post. One already gone (removed on Facebook by hand) counts as done."""
    if not POST_ID.fullmatch(post_id):
        raise GraphError(ErrorKind.BAD_ANSWER, "not a post id")
    request = urllib.request.Request(  # noqa: S310 - see _call
        f"{config.base_url}/{post_id}",
        method="DELETE",
        headers={
            "Authorization": f"Bearer {config.token}",
            "Accept": "application/json",
            "User-Agent": "Migra",
        },
    )
    try:
        answer = _call(request, config.token)
    except GraphError as error:
        if error.gone:
            return
        raise
    if not (isinstance(answer, dict) and answer.get("success") is True):
        raise GraphError(ErrorKind.BAD_ANSWER, "Facebook did not confirm the removal")
