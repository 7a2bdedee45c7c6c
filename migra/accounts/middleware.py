"""Session rules for staff: idle expiry, and a second factor for roles that need one."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from migra.accounts.selectors import user_needs_two_factor

LAST_SEEN_KEY = "migra_last_seen"


class IdleSessionMiddleware:
    """Log a staff user out after MIGRA_SESSION_IDLE_SECONDS without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(request, _("You were logged out after a time without activity."))
                if request.path.startswith("/app/"):
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseRedirect(f"{reverse('accounts:login')}?{query}")
            else:
                # Write at most once a minute: a session save on every request is wasted I/O.
                if not isinstance(last_seen, int) or now - last_seen >= 60:
                    request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


# Pages a user who still owes a second factor may reach.
_TWO_FACTOR_OPEN = (
    "accounts:login",
    "accounts:logout",
    "accounts:two-factor",
    "accounts:two-factor-setup",
)


class TwoFactorRequiredMiddleware:
    """Roles that handle cases reach the staff app and API only after a TOTP check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        guarded = request.path.startswith(("/app/", "/api/", "/admin/"))
        if guarded and user.is_authenticated and not user.is_verified():  # type: ignore[attr-defined]
            open_paths = {reverse(name) for name in _TWO_FACTOR_OPEN}
            if request.path not in open_paths and user_needs_two_factor(user):
                from django_otp import devices_for_user

                target = (
                    "accounts:two-factor"
                    if any(True for _d in devices_for_user(user, confirmed=True))
                    else "accounts:two-factor-setup"
                )
                if request.path.startswith("/api/"):
                    return HttpResponse(status=403)
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse(target)}?{query}")
        return self.get_response(request)
