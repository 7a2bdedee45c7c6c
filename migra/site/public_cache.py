"""The public page cache: whole public pages kept for anonymous visitors.

Use:

    from migra.site.public_cache import public_page, public_content_changed

    @public_page
    @require_safe
    def story_detail(request, pk): ...

    def story_publish(...):            # any service that changes what the public sees
        ...
        public_content_changed()

How it holds together (docs/stories.md, "Public page cache"):

- One global *content generation* (a random token in the single row of
  `platform.PublicContentGeneration`) is part of every cache key.
  `public_content_changed()` gives it a new value when the change commits, so every
  page cached before is unreachable in every process at once: there is no expiry
  time to wait out, and nothing to list or purge.
- Every lookup reads the token (one primary-key read), then looks in this process's
  memory, then in the shared cache (`CACHES["public_pages"]`, a database table by
  default, so another process's copy is found too).
- `PublicPageCacheMiddleware` (early in MIDDLEWARE) serves a kept copy before the
  session, CSRF, authentication and messages middleware run, and keeps the final
  response (with every header those added). `@public_page` marks the views whose
  responses may be kept; it also works alone, without the middleware.
- Only plain anonymous visits use it: GET or HEAD, no session or messages cookie, no
  Authorization header. Only 200, 301 and 410 responses are kept, and never one that
  sets a cookie, used the CSRF token (a form), used a CSP nonce, was rendered inside an
  open database transaction, or says private/no-store/no-cache.
- Kept pages carry an ETag and `Cache-Control: no-cache` (browsers keep them but ask
  again each time), so a repeat visit costs a 304 and a withdrawn story is never shown
  from a browser's cache.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import sqlite3
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import InvalidCacheBackendError, caches
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control

logger = logging.getLogger(__name__)

# settings.CACHES alias of the cache every process shares.
SHARED_ALIAS = "public_pages"
# How long a page stays in the shared cache at most (it is dropped long before, when
# the generation changes; this only bounds the table).
SHARED_SECONDS = 24 * 60 * 60
# Pages kept in each process's memory, and the largest page kept anywhere.
MEMORY_ENTRIES = 1000
MAX_PAGE_BYTES = 1024 * 1024
KEPT_STATUSES = frozenset({200, 301, 410})
# A response that varies by anything else than these is not kept: the key holds the
# language (from the path or the language cookie), and a visitor with a session or
# messages cookie never uses the cache.
HARMLESS_VARY = frozenset({"cookie", "accept-language"})
# Click-tracking parameters added to shared links (they change nothing on a page).
TRACKING_PREFIXES = ("fbclid", "gclid", "utm_", "mc_eid", "igshid")
# Header telling whether a page came from the cache (for people and the benchmarks).
STATUS_HEADER = "X-Public-Cache"

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


# --------------------------------------------------------------------------- generation


def _generation_model() -> Any:
    from migra.config.models import PublicContentGeneration

    return PublicContentGeneration


class _SqliteReader(threading.local):
    """A read-only connection of this thread to the SQLite file, kept open.

    Django opens and closes an SQLite connection for every request (CONN_MAX_AGE is
    0 there, and opening runs several PRAGMAs): far more than a kept page costs. A
    kept page needs nothing but the generation, so it is read over a connection of
    its own that stays open (WAL lets it read while others write; every SELECT sees
    the last commit). PostgreSQL keeps Django's connections open: it uses them.
    """

    path = ""
    connection: sqlite3.Connection | None = None

    def read(self, path: str, table: str) -> str | None:
        if self.connection is None or self.path != path:
            self.close()
            uri = "file:" + urllib.parse.quote(path) + "?mode=ro"
            self.connection = sqlite3.connect(uri, uri=True, timeout=20, isolation_level=None)
            self.path = path
        row = self.connection.execute(f"SELECT token FROM {table} WHERE id = 1").fetchone()  # noqa: S608 (quoted model table name, no input)
        return None if row is None else str(row[0])

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None


_sqlite_reader = _SqliteReader()


def _sqlite_file(using: str) -> str | None:
    """The database file of an SQLite database (None for others, and in-memory ones)."""
    database = connections[using]
    if database.vendor != "sqlite":
        return None
    name = str(database.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return name


def current_generation(*, using: str = DEFAULT_DB_ALIAS) -> str:
    """The token of the current content generation (created if the row is missing,
    e.g. after a test flush)."""
    model = _generation_model()
    table = connections[using].ops.quote_name(model._meta.db_table)
    row: str | None = None
    path = _sqlite_file(using)
    if path is not None and not connections[using].in_atomic_block:
        try:
            row = _sqlite_reader.read(path, table)
        except sqlite3.Error:
            _sqlite_reader.close()
            path = None  # read it the ordinary way below
    if path is None:
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT token FROM {table} WHERE id = 1")  # noqa: S608 (quoted model table name, no input)
            found = cursor.fetchone()
        row = None if found is None else str(found[0])
    if row is not None:
        return row
    generation, _ = model.objects.using(using).get_or_create(
        pk=1, defaults={"token": secrets.token_hex(8), "changed_at": timezone.now()}
    )
    return str(generation.token)


def _bump(using: str) -> None:
    model = _generation_model()
    now = timezone.now()
    updated = (
        model.objects.using(using)
        .filter(pk=1)
        .update(token=secrets.token_hex(8), changes=F("changes") + 1, changed_at=now)
    )
    if not updated:
        # No row yet: creating it with a fresh token is a change of generation too.
        model.objects.using(using).get_or_create(
            pk=1, defaults={"token": secrets.token_hex(8), "changes": 1, "changed_at": now}
        )


def public_content_changed(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Something the public website shows has changed: drop every cached public page.

    Takes effect when the current transaction commits (at once outside one), so a
    rolled-back change drops nothing and no process can cache the old page again
    under the new generation. A failure to bump is logged, not raised: the change
    itself has already committed.
    """
    transaction.on_commit(functools.partial(_bump, using), using=using, robust=True)


# --------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class CachedPage:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    etag: str

    def as_tuple(self) -> tuple[Any, ...]:
        return (self.status, self.headers, self.content, self.etag)

    @classmethod
    def from_tuple(cls, value: Any) -> CachedPage | None:
        try:
            status, headers, content, etag = value
            return cls(int(status), tuple((str(k), str(v)) for k, v in headers), content, etag)
        except (TypeError, ValueError):
            return None

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response.headers[name] = value
        return response


@dataclass(frozen=True)
class Lookup:
    """One request's place in the cache: its key under the generation read at the start
    (a page rendered after that read is kept under that generation, never a newer one)."""

    key: str
    generation: str
    # False when the URL carried tracking parameters: such a request may be served
    # the clean URL's page, but what it renders is not kept (it could echo them).
    keep: bool = True


class PublicPageCache:
    """Per-process memory in front of the shared cache. One instance per process in
    production (`default_cache()`); tests make two to play two processes."""

    def __init__(self, *, alias: str = SHARED_ALIAS, memory_entries: int = MEMORY_ENTRIES):
        self.alias = alias
        self.memory_entries = memory_entries
        self._memory: OrderedDict[str, CachedPage] = OrderedDict()
        self._memory_generation = ""
        self._lock = threading.Lock()

    # -- memory
    def _memory_get(self, lookup: Lookup) -> CachedPage | None:
        with self._lock:
            if self._memory_generation != lookup.generation:
                # A new generation: everything kept belongs to an old one.
                self._memory.clear()
                self._memory_generation = lookup.generation
                return None
            page = self._memory.get(lookup.key)
            if page is not None:
                self._memory.move_to_end(lookup.key)
            return page

    def _memory_put(self, lookup: Lookup, page: CachedPage) -> None:
        with self._lock:
            if self._memory_generation != lookup.generation:
                return
            self._memory[lookup.key] = page
            self._memory.move_to_end(lookup.key)
            while len(self._memory) > self.memory_entries:
                self._memory.popitem(last=False)

    def forget_memory(self) -> None:
        with self._lock:
            self._memory.clear()
            self._memory_generation = ""

    # -- shared
    def _shared(self) -> Any:
        try:
            return caches[self.alias]
        except InvalidCacheBackendError:
            return None

    def _shared_get(self, key: str) -> CachedPage | None:
        shared = self._shared()
        if shared is None:
            return None
        try:
            return CachedPage.from_tuple(shared.get(key))
        except DatabaseError:
            logger.warning("Public page cache: the shared cache could not be read.")
            return None

    def _shared_put(self, key: str, page: CachedPage) -> None:
        shared = self._shared()
        if shared is None:
            return
        try:
            shared.set(key, page.as_tuple(), SHARED_SECONDS)
        except DatabaseError:
            logger.warning("Public page cache: the shared cache could not be written.")

    # -- the interface
    def begin(self, request: HttpRequest, *, layer: str) -> Lookup | None:
        """The request's key, or None when the cache must not be used for it."""
        if not plain_visit(request) or _in_transaction():
            return None
        try:
            generation = current_generation()
        except DatabaseError:
            # Not migrated yet, or the database is away: serve without the cache.
            logger.warning("Public page cache: the content generation could not be read.")
            return None
        query, clean = _without_tracking(request.META.get("QUERY_STRING", ""))
        parts = [
            layer,
            request.scheme or "",
            request.get_host(),
            request.path,
            query,
            _language_key(request),
            generation,
        ]
        digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
        return Lookup(key=f"page:{digest}", generation=generation, keep=clean)

    def get(self, lookup: Lookup) -> CachedPage | None:
        page = self._memory_get(lookup)
        if page is not None:
            return page
        page = self._shared_get(lookup.key)
        if page is not None:
            self._memory_put(lookup, page)
        return page

    def put(self, lookup: Lookup, response: HttpResponse) -> CachedPage:
        content = bytes(response.content)
        etag = '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'
        headers = tuple(
            (name, value) for name, value in response.items() if name.lower() != "x-public-cache"
        )
        page = CachedPage(response.status_code, headers, content, etag)
        self._memory_put(lookup, page)
        self._shared_put(lookup.key, page)
        return page


_default_cache = PublicPageCache()


def default_cache() -> PublicPageCache:
    return _default_cache


# --------------------------------------------------------------------------- rules


def _in_transaction() -> bool:
    # What a view reads inside an uncommitted transaction may be rolled back (and
    # tests run inside one): such pages are neither served from nor kept in the cache.
    return bool(connections[DEFAULT_DB_ALIAS].in_atomic_block)


def plain_visit(request: HttpRequest) -> bool:
    """A GET/HEAD from someone with no session, no pending messages, no credentials."""
    if request.method not in ("GET", "HEAD"):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def _without_tracking(query: str) -> tuple[str, bool]:
    """The query string without the click-tracking parameters a shared link gets
    (fbclid, utm_…), and whether it had none: every click on a shared story has its
    own, and the pages ignore them."""
    lowered = query.lower()
    if not any(mark in lowered for mark in TRACKING_PREFIXES):
        return query, True
    kept = [
        part
        for part in query.split("&")
        if part and not part.split("=", 1)[0].lower().startswith(TRACKING_PREFIXES)
    ]
    return "&".join(kept), False


def _language_key(request: HttpRequest) -> str:
    """The language the page will be in for an anonymous visitor (the path prefix, else
    the language cookie — see migra.config.middleware.language_for)."""
    from_path = translation.get_language_from_path(request.path_info)
    if from_path:
        return from_path
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return cookie if cookie in {code for code, _ in settings.LANGUAGES} else ""


def keepable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether a response may be served to every anonymous visitor of the same URL."""
    if request.method != "GET" or response.status_code not in KEPT_STATUSES:
        return False
    if response.streaming or not isinstance(response, HttpResponse):
        return False
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # sets a cookie, or holds a CSRF token (a form): personal
    if isinstance(getattr(request, "_csp_nonce", None), str):
        return False  # a CSP nonce must be new on every response
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}
    if not vary <= HARMLESS_VARY:
        return False
    return len(response.content) <= MAX_PAGE_BYTES


def _finish(
    request: HttpRequest, response: HttpResponse, etag: str, state: str
) -> HttpResponseBase:
    """Headers of a kept page, and a 304 when the browser already has it."""
    response.headers["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    response.headers[STATUS_HEADER] = state
    conditional = get_conditional_response(request, etag=etag, response=response)
    return response if conditional is None else conditional


def _serve(request: HttpRequest, page: CachedPage) -> HttpResponseBase:
    return _finish(request, page.response(), page.etag, "hit")


def _keep(
    cache: PublicPageCache, lookup: Lookup, request: HttpRequest, response: HttpResponseBase
) -> HttpResponseBase:
    if not lookup.keep or not keepable(request, response):
        return response
    page = cache.put(lookup, cast(HttpResponse, response))
    return _finish(request, cast(HttpResponse, response), page.etag, "miss")


# --------------------------------------------------------------------------- decorator


def public_page(view: ViewFunc) -> ViewFunc:
    """Mark a public view whose response is the same for every anonymous visitor.

    With PublicPageCacheMiddleware installed (the normal case) the middleware serves
    and keeps the pages; without it, the decorator does so itself (around the view).
    A logged-in visitor, or a response that is not keepable (see `keepable`), passes
    through untouched.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "_public_cache_middleware", False):
            response = view(request, *args, **kwargs)
            if not _logged_in(request):
                response._public_page = True
            return response
        cache = default_cache()
        lookup = None if _logged_in(request) else cache.begin(request, layer="view")
        if lookup is not None:
            page = cache.get(lookup)
            if page is not None:
                return _serve(request, page)
        response = view(request, *args, **kwargs)
        if lookup is None:
            return response
        return _keep(cache, lookup, request, response)

    wrapper.public_page = True  # type: ignore[attr-defined]
    return cast(ViewFunc, wrapper)


def _logged_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


# --------------------------------------------------------------------------- middleware


def _public_view(request: HttpRequest) -> bool:
    """Whether the URL leads to a view marked with @public_page."""
    return _marked(request.path_info, str(get_urlconf() or settings.ROOT_URLCONF))


@functools.lru_cache(maxsize=4096)
def _marked(path: str, urlconf: str) -> bool:
    # Remembered per path: resolving costs more than serving a kept page. Bounded, so
    # made-up addresses cannot fill the memory.
    language = translation.get_language_from_path(path)
    try:
        # i18n_patterns match only the active language's prefix.
        with translation.override(language or settings.LANGUAGE_CODE):
            match = resolve(path, urlconf)
    except Resolver404:
        return False
    return bool(getattr(match.func, "public_page", False))


class PublicPageCacheMiddleware:
    """Serve kept public pages before the rest of the middleware runs.

    Goes right after SecurityMiddleware and WhiteNoise, before CSP, sessions, CSRF,
    authentication and messages: a kept page already carries the headers they added
    when it was first made, and a hit costs one primary-key read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not plain_visit(request) or not _public_view(request):
            return self.get_response(request)
        cache = default_cache()
        lookup = cache.begin(request, layer="site")
        if lookup is None:
            return self.get_response(request)
        page = cache.get(lookup)
        if page is not None:
            return _serve(request, page)
        request._public_cache_middleware = True  # type: ignore[attr-defined]
        response = self.get_response(request)
        if not getattr(response, "_public_page", False):
            return response
        return _keep(cache, lookup, request, response)
