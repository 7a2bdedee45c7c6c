"""Setting up ODK Collect on a phone with one QR code.

- `/app/collect/phone/`: a field user sets up their own phone (anyone whose role gets
  field forms, and the people who manage forms).
- `/app/collect/keys/<user_pk>/`: an admin who manages that user (Perm.MANAGE_USERS,
  within their agencies) makes the key for them, e.g. when handing out phones.

"Make a QR code" makes a new key (the old one stops: one phone per person) and shows
it once, as ODK Collect's settings in a QR code (qrcode.py), on the answer to the
POST itself: the key is never in a URL, a session or a cache. "Stop this phone" stops
the key, e.g. when a phone is lost.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import (
    deny,
    get_visible_or_deny,
    require_perm,
    user_has_perm,
    users_visible_to,
)
from migra.collect import qrcode, services
from migra.collect.models import AppToken, FormState, XForm
from migra.collect.selectors import forms_for_phone, user_roles


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def active_key(user: User) -> AppToken | None:
    """The person's working ODK Collect key (its dates only: the key itself is not kept)."""
    return (
        AppToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at").first()
    )


def may_use_collect(user: User) -> bool:
    """Whether the person's roles get field forms (or they manage the forms)."""
    if user_has_perm(user, Perm.MANAGE_FORMS):
        return True
    field_roles = {role for roles in services.BUILTIN_ROLES.values() for role in roles}
    for roles in XForm.objects.exclude(state=FormState.DRAFT).values_list("roles", flat=True):
        field_roles.update(roles or [])
    return bool(user_roles(user) & field_roles)


def server_url(request: HttpRequest, token: str) -> str:
    """What ODK Collect is given as its server: the OpenRosa root with the key in it."""
    path = reverse("odk:key-form-list", kwargs={"token": token}).removesuffix("/formList")
    # HTTPS always in production; plain HTTP only while developing on a laptop.
    scheme = "https" if request.is_secure() or not settings.DEBUG else "http"
    return f"{scheme}://{request.get_host()}{path}"


def _setup(request: HttpRequest, *, person: User, own: bool, here: str) -> HttpResponse:
    actor = _actor(request)
    context = {"person": person, "own": own, "here": here}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "new":
            if not person.is_active:
                messages.error(request, _("This account is deactivated: it cannot get a key."))
                return HttpResponseRedirect(here)
            token = services.app_token_issue(actor=actor, user=person, request=request)
            url = server_url(request, token)
            payload = qrcode.encode_settings(
                qrcode.collect_settings(server_url=url, language=person.language)
            )
            context.update(
                {"qr_data_uri": qrcode.qr_data_uri(payload), "server_url": url}
            )
            return render(request, "collect/phone_key.html", context)
        if action == "stop":
            stopped = services.app_token_revoke(actor=actor, user=person, request=request)
            if stopped:
                messages.success(request, _("The phone is stopped: its key no longer works."))
            else:
                messages.info(request, _("There was no working key to stop."))
            return HttpResponseRedirect(here)
        messages.error(request, _("Choose one of the buttons."))
        return HttpResponseRedirect(here)
    context.update({"key": active_key(person), "forms": forms_for_phone(person)})
    return render(request, "collect/phone.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def phone_setup(request: HttpRequest) -> HttpResponse:
    """The logged-in person sets up their own phone."""
    user = _actor(request)
    if not may_use_collect(user):
        raise deny(request, user, reason="no role that gets field forms")
    return _setup(request, person=user, own=True, here=reverse("collect_phone:setup"))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_key(request: HttpRequest, user_pk: int) -> HttpResponse:
    """An admin makes or stops the ODK Collect key of someone they manage."""
    require_perm(request, Perm.MANAGE_USERS)
    person = get_visible_or_deny(request, users_visible_to(request.user), user_pk)
    own = person.pk == request.user.pk
    here = reverse("collect_phone:user-key", args=[person.pk])
    return _setup(request, person=person, own=own, here=here)
