"""Who is this phone? The two ways ODK Collect (and Enketo) identify a person.

- **A key in the path** (`/odk/key/<token>/…`): the per-person ODK Collect key that the
  QR code carries (`migra.collect.models.AppToken`, made by `app_token_issue`). Nothing
  else is asked. An unknown, stopped or replaced key, or the key of a deactivated
  account, is a 401 without a password challenge: typing a password would not help.
- **HTTP Basic** (`/odk/…`): the person's login (email or phone number) and password,
  checked by Django's `authenticate` exactly as the login page checks them, so
  django-axes counts the failures and locks the account after
  MIGRA_LOGIN_FAILURE_LIMIT of them, as on the login page. A password is only asked
  for and read over HTTPS (`request.is_secure()`), except with DEBUG on; over plain
  HTTP a sent password is refused without being checked.

Decided here: people whose role needs two-step login (caseworkers, case supervisors,
programme admins: `user_needs_two_factor`) and superusers may **not** use Basic — a
password alone would skip their second step. They scan a key made in the staff app
(`/app/collect/phone/`), which they reach only after the second step. Field roles
without two-step login (SHG facilitators, peer educators, social ambassadors) may use
either way in.

A key in the path would end up wherever the path is written down; `hide_token`
replaces it in the request's path before anything (the audit trail, Django's request
log) reads it.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _

from migra.accounts.identifiers import MAX_LOGIN_LENGTH, login_key
from migra.accounts.models import User
from migra.accounts.selectors import user_needs_two_factor
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.collect.selectors import user_for_app_token

REALM = "Migra"
BASIC_CHALLENGE = f'Basic realm="{REALM}", charset="UTF-8"'
# "Basic " + base64 of a 254-character login, ":" and a 200-character password, in UTF-8.
MAX_AUTHORIZATION = 4096
KEY_PLACEHOLDER = "…"


class PhoneAuthFailed(Exception):
    """The request is not let in; `status` and `message` (for the person) say why.

    `challenge`: whether to ask for a password (WWW-Authenticate: Basic).
    `retry_after`: seconds to wait, after too many wrong passwords.
    `language`: the person's language when they are known (else the default).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        challenge: bool = False,
        retry_after: int | None = None,
        language: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.challenge = challenge
        self.retry_after = retry_after
        self.language = language


def basic_allowed(request: HttpRequest) -> bool:
    """A password may travel only over HTTPS (plain HTTP only while developing)."""
    return request.is_secure() or bool(settings.DEBUG)


def hide_token(request: HttpRequest, token: str) -> None:
    """Take the key out of the request's path: the audit trail and logs keep the path."""
    if not token:
        return
    marker = f"/key/{token}/"
    hidden = f"/key/{KEY_PLACEHOLDER}/"
    request.path = request.path.replace(marker, hidden, 1)
    request.path_info = request.path_info.replace(marker, hidden, 1)
    if "PATH_INFO" in request.META:
        request.META["PATH_INFO"] = str(request.META["PATH_INFO"]).replace(marker, hidden, 1)


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(login, password) from an `Authorization: Basic …` header, or None if malformed."""
    scheme, _space, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "basic" or not value or len(header) > MAX_AUTHORIZATION:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # RFC 7617 leaves the charset to the client unless asked; old ones send Latin-1.
        text = raw.decode("latin-1")
    login, colon, password = text.partition(":")
    if not colon or not login.strip() or not password or len(login) > MAX_LOGIN_LENGTH:
        return None
    return login, password


def phone_user(request: HttpRequest, token: str | None) -> User:
    """The person making an OpenRosa request, or PhoneAuthFailed (its message in the
    default language, or in the person's when they are known: `language`)."""
    if token is not None:
        return _user_for_key(token)
    return _user_for_password(request)


def _user_for_key(token: str) -> User:
    user = user_for_app_token(token)
    if user is None:
        raise PhoneAuthFailed(
            401,
            _(
                "This phone's key does not work any more: it was stopped or replaced. "
                "Ask for a new QR code and scan it in ODK Collect."
            ),
        )
    return user


def _wrong_password() -> PhoneAuthFailed:
    return PhoneAuthFailed(
        401,
        _("The email or phone number and password do not match an active account."),
        challenge=True,
    )


def _user_for_password(request: HttpRequest) -> User:
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    if not basic_allowed(request):
        if header:
            # Already sent in clear: refused unread, and not counted as a failure.
            raise PhoneAuthFailed(
                403,
                _(
                    "Passwords are only accepted over a secure (https) connection. "
                    "Set up ODK Collect with your QR code instead."
                ),
            )
        raise PhoneAuthFailed(
            401, _("Set up ODK Collect with your QR code from Migra to get and send forms.")
        )
    if not header:
        raise PhoneAuthFailed(
            401,
            _("Log in to get and send forms: type your email or phone number and password."),
            challenge=True,
        )
    credentials = basic_credentials(header)
    if credentials is None:
        raise _wrong_password()
    login, password = credentials
    # django-axes finds the login in request.POST, as on the login page (its backend is
    # given the login under the key "email": migra.accounts.identifiers.axes_username
    # reads "username"), and writes request.POST into its failure record: so it gets
    # the login alone, never a submission's body.
    form = QueryDict(mutable=True)
    form["username"] = login
    request.POST = form  # type: ignore[assignment]  # a QueryDict, as Django makes
    user = authenticate(request, username=login, password=password)
    if getattr(request, "axes_locked_out", False):
        # Answered here, in OpenRosa's words: AxesMiddleware would send the HTML page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        minutes = int(settings.LOGIN_LOCKOUT_MINUTES)
        raise PhoneAuthFailed(
            429,
            _("Too many wrong passwords. Wait %(minutes)d minutes, then try again.")
            % {"minutes": minutes},
            retry_after=minutes * 60,
        )
    if not isinstance(user, User):
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            object_type="accounts.user",
            object_label=login[:100],
            request=request,
        )
        raise _wrong_password()
    if user.is_superuser or user_needs_two_factor(user):
        with translation.override(user.language):
            message = _(
                "Your role needs two-step login, so your password alone cannot be used "
                "here. In Migra, open “Set up ODK Collect” and scan the QR code."
            )
        raise PhoneAuthFailed(403, message, language=user.language)
    _forget_failures(request, login)
    return user


def _forget_failures(request: HttpRequest, login: str) -> None:
    """A right password clears earlier wrong ones, as a login does (AXES_RESET_ON_SUCCESS).

    Not through the user_logged_in signal: that would also write an access log row and
    the last-login time on every form a phone fetches.
    """
    if not getattr(settings, "AXES_RESET_ON_SUCCESS", False):
        return
    from axes.handlers.proxy import AxesProxyHandler

    if AxesProxyHandler.get_failures(request, {"username": login}) > 0:
        AxesProxyHandler.reset_attempts(username=login_key(login))
