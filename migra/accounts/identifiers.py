"""Email addresses and phone numbers as people type them, made comparable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from migra.lib.khmer.digits import to_arabic_digits

if TYPE_CHECKING:
    from migra.accounts.models import User

MAX_LOGIN_LENGTH = 254


def normalize_phone(raw: str) -> str:
    """E.164 form of a Cambodian (default) or international number; ValidationError if not one.

    Khmer digits, spaces, dashes and a leading 0 are all accepted: ០១២ ៣៤៥ ៦៧៨ → +85512345678.
    """
    text = to_arabic_digits(raw.strip())
    if not text or len(text) > 32:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    try:
        number = phonenumbers.parse(text, "KH")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    text = raw.strip()
    validate_email(text)
    local, _sep, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def find_user_by_login(login: str) -> User | None:
    """The active-or-not user whose email or phone is `login`, or None."""
    from migra.accounts.models import User

    login = login.strip()
    if not login or len(login) > MAX_LOGIN_LENGTH:
        return None
    if "@" in login:
        try:
            email = normalize_email(login)
        except ValidationError:
            return None
        return User.objects.filter(email__iexact=email).first()
    try:
        phone = normalize_phone(login)
    except ValidationError:
        return None
    return User.objects.filter(phone=phone).first()


def login_key(login: str) -> str:
    """One key per account however its login is typed (for counting failed logins)."""
    login = (login or "").strip()[:MAX_LOGIN_LENGTH]
    try:
        return normalize_email(login).lower() if "@" in login else normalize_phone(login)
    except ValidationError:
        return login.lower()


def axes_username(request: object, credentials: dict[str, str] | None) -> str:
    """django-axes hook: the account a login attempt was for."""
    # axes hands its backend the login under "email" on some paths, "username" on others.
    raw = (credentials or {}).get("username") or (credentials or {}).get("email") or ""
    if not raw and hasattr(request, "POST"):
        raw = request.POST.get("username", "")
    return login_key(str(raw))
