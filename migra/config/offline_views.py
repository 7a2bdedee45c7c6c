"""The staff app without network: the service worker, its state and the waiting page.

A facilitator in a village opens a form once with network; the service worker
(migra/static/migra/offline/sw.js) keeps that blank form and the static files it
needs. Without network the form still opens (with a fresh form number, `token`),
and a form sent then is kept on the phone (IndexedDB) and sent by the service
worker when the network returns. The community services treat the same token sent
twice as one form, so a form sent again after a lost answer is recorded once.

What may be kept is an allow-list (OFFLINE_FORMS below): blank forms only, never a
page about a person or a case. Forms that belong to a record (a register entry's
changes, a problem report) are queued when sent without network but their pages
are not kept.

Replays go through the ordinary views: the session and CSRF are checked as for any
form. Before and after each replay the service worker asks `state.json` who is
logged in (a fresh CSRF token, which stays valid after a new login rotates the
cookie) and, after a replay, which messages the view left (a view that refuses a
form by redirecting with an error message is told apart from one that saved it).

URLs (one line in migra/config/urls.py): `path("app/", include("migra.config.offline_views"))`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from migra.accounts.selectors import user_needs_two_factor

app_name = "offline"

SCOPE = "/app/"
SW_SOURCE = Path(__file__).resolve().parent.parent / "static" / "migra" / "offline" / "sw.js"
# A number no real URL holds: reversed in place of each <int:pk>, then made a pattern.
_ANY_PK = 918273645
# A phone keeps at most this many forms waiting, and no form bigger than this.
MAX_WAITING = 200
MAX_FORM_BYTES = 10 * 1024 * 1024
# Static files every kept page needs (each form page's own are found in its HTML).
PRECACHE = (
    "migra/app.css",
    "migra/app.js",
    "migra/favicon.svg",
    "migra/offline/offline.js",
    "migra/offline/queue.js",
    "migra/offline/offline.css",
)


@dataclass(frozen=True)
class OfflineForm:
    """A form the service worker handles. `kind` names it on the waiting page;
    `keep_page`: its blank page is kept to open without network (never for a page
    that shows a record)."""

    kind: str
    url_name: str
    pks: int
    keep_page: bool


OFFLINE_FORMS = (
    OfflineForm("meeting", "community:meeting-new", 1, keep_page=True),
    OfflineForm("register_entry", "community:entry-new", 0, keep_page=True),
    OfflineForm("register_update", "community:entry-edit", 1, keep_page=False),
    OfflineForm("problem", "community:problem-report", 1, keep_page=False),
    OfflineForm("outreach", "outreach:new", 0, keep_page=True),
    OfflineForm("story", "stories:new", 0, keep_page=True),
)


def url_pattern(url_name: str, pks: int = 0) -> str:
    """An anchored regular expression (valid in Python and JavaScript) matching the
    paths of a URL name whose arguments are all whole numbers."""
    reversed_path = reverse(url_name, args=[_ANY_PK] * pks)
    return "^" + re.escape(reversed_path).replace(str(_ANY_PK), "[0-9]+") + "$"


def worker_config() -> dict[str, Any]:
    """What the service worker is told: the allow-list, its URLs and limits."""
    queue_url = reverse("offline:queue")
    forms = [
        {"kind": f.kind, "pattern": url_pattern(f.url_name, f.pks), "keep": f.keep_page}
        for f in OFFLINE_FORMS
    ]
    return {
        "scope": SCOPE,
        "queueUrl": queue_url,
        "stateUrl": reverse("offline:state"),
        "forms": forms,
        # The waiting page is kept too: it is what opens for any page without network.
        "keep": [url_pattern("offline:queue")],
        "static": [static(name) for name in PRECACHE],
        "staticPrefix": settings.STATIC_URL,
        "maxWaiting": MAX_WAITING,
        "maxFormBytes": MAX_FORM_BYTES,
    }


@lru_cache(maxsize=1)
def _source(mtime: float) -> str:
    return SW_SOURCE.read_text(encoding="utf-8")


def worker_script() -> str:
    """The service worker: its configuration, then sw.js. The version (a hash of
    both) changes when either does, so browsers install the new worker."""
    source = _source(SW_SOURCE.stat().st_mtime)
    config = worker_config()
    version = hashlib.sha256(
        (json.dumps(config, sort_keys=True) + source).encode("utf-8")
    ).hexdigest()[:16]
    config["version"] = version
    return f"self.MIGRA_OFFLINE = {json.dumps(config, sort_keys=True)};\n{source}"


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """/app/sw.js. Public: it holds no data, and a browser asks for it to update the
    worker whether or not anyone is logged in."""
    response = HttpResponse(worker_script(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = SCOPE
    # Browsers fetch a worker's script past their cache anyway; say so for proxies.
    response["Cache-Control"] = "no-cache"
    return response


def _may_send_forms(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    owes_second_factor = user_needs_two_factor(user) and not (callable(verified) and verified())
    return not owes_second_factor


@never_cache
@require_safe
def state(request: HttpRequest) -> JsonResponse:
    """Who may send forms now (null: log in first), a CSRF token for the replays and,
    with ?messages=1, the messages the last replayed form left (taken: they were for
    the service worker, not for a page)."""
    user_id = request.user.pk if _may_send_forms(request) else None
    left: list[dict[str, str]] = []
    if request.GET.get("messages") == "1":
        left = [
            {"level": message.level_tag or "info", "text": str(message.message)}
            for message in messages.get_messages(request)
        ]
    return JsonResponse({"user": user_id, "csrf": get_token(request), "messages": left})


@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """The forms kept on this phone. Its list is drawn by queue.js from what the
    service worker holds: the server sends the words, never a form's content. Open
    without login, so that after a session ended the page can say "log in to send"."""
    return render(
        request,
        "offline/queue.html",
        {"login_url": reverse("accounts:login") + "?next=" + reverse("offline:queue")},
    )


urlpatterns = [
    path("sw.js", service_worker, name="sw"),
    path("offline/", queue, name="queue"),
    path("offline/state.json", state, name="state"),
]
