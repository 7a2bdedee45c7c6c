"""Writes for agencies, users, memberships, invitations and two-factor devices.

Every function is keyword-only, validates, saves inside one transaction and
writes the audit event. Views, the API and commands all call these.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from migra.accounts.identifiers import normalize_email, normalize_phone
from migra.accounts.models import Agency, Invitation, Membership, User
from migra.accounts.roles import ROLE_AGENCY_KINDS, AgencyKind, Perm, Role
from migra.accounts.selectors import (
    agencies_user_may_staff,
    deny,
    forget_memberships,
    scope_q,
    users_visible_to,
)
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.places.models import Place, PlaceKind
from migra.search.services import search_index_upsert

INVITATION_DAYS = 7
SCOPE_PLACE_KINDS = (PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.COMMUNE)


class ConflictError(ValidationError):
    """Someone else saved the record since the form was opened."""


def _conflict() -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this record while you were editing it. "
            "Reload the page to see their changes, then make yours again."
        ),
        code="conflict",
    )


def _update_versioned(
    instance: Agency | User,
    *,
    expected_version: int,
    new: dict[str, Any],
    actor: User,
    request: HttpRequest | None,
) -> None:
    """Compare-and-set on the version column: a stale form changes nothing.

    Call inside a transaction; audits the fields that really changed.
    """
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    changes = {k: [getattr(current, k), v] for k, v in new.items() if getattr(current, k) != v}
    updated = model.objects.filter(pk=instance.pk, version=expected_version).update(
        **new, version=expected_version + 1
    )
    if not updated:
        raise _conflict()
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=current,
            changes=changes,
            request=request,
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- agencies


def _check_agency_fields(*, kind: str, home_place: Place | None, name_km: str) -> None:
    if not name_km.strip():
        raise ValidationError({"name_km": _("Give the agency's name in Khmer.")})
    if kind not in AgencyKind.values:
        raise ValidationError({"kind": _("Choose a kind of agency from the list.")})
    provincial = kind in (AgencyKind.PCCT, AgencyKind.LABOUR_DEPARTMENT)
    if provincial and (home_place is None or home_place.kind != PlaceKind.PROVINCE):
        raise ValidationError({"home_place": _("A provincial body needs its province.")})
    if kind == AgencyKind.DESTINATION_AUTHORITY and (
        home_place is None or home_place.kind not in (PlaceKind.COUNTRY, PlaceKind.REGION)
    ):
        raise ValidationError(
            {"home_place": _("An authority abroad needs its country or province.")}
        )


def agency_create(
    *,
    actor: User | None,
    name_km: str,
    name_en: str = "",
    short_name: str = "",
    kind: str,
    home_place: Place | None = None,
    request: HttpRequest | None = None,
) -> Agency:
    if actor is not None and not agencies_may_create(actor):
        raise deny(request, actor, reason="may not create agencies")
    _check_agency_fields(kind=kind, home_place=home_place, name_km=name_km)
    with transaction.atomic():
        agency = Agency.objects.create(
            name_km=name_km.strip(),
            name_en=name_en.strip(),
            short_name=short_name.strip(),
            kind=kind,
            home_place=home_place,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=agency,
            changes={"kind": kind, "name_km": agency.name_km, "name_en": agency.name_en},
            request=request,
        )
        search_index_upsert(doc_type="agency", obj=agency)
    return agency


def agencies_may_create(actor: User) -> bool:
    """Creating agencies is for those who manage agencies programme-wide."""
    return not scope_q(actor, Perm.MANAGE_AGENCIES, agency_field="pk")


def agency_update(
    *,
    actor: User,
    agency: Agency,
    expected_version: int,
    name_km: str,
    name_en: str = "",
    short_name: str = "",
    kind: str,
    home_place: Place | None = None,
    is_active: bool = True,
    request: HttpRequest | None = None,
) -> Agency:
    _check_agency_fields(kind=kind, home_place=home_place, name_km=name_km)
    new = {
        "name_km": name_km.strip(),
        "name_en": name_en.strip(),
        "short_name": short_name.strip(),
        "kind": kind,
        "home_place_id": home_place.pk if home_place else None,
        "is_active": is_active,
    }
    with transaction.atomic():
        _update_versioned(
            agency, expected_version=expected_version, new=new, actor=actor, request=request
        )
        agency.refresh_from_db()
        search_index_upsert(doc_type="agency", obj=agency)
    agency.refresh_from_db()
    return agency


# --------------------------------------------------------------------------- memberships


def _check_scope(*, all_places: bool, places: Iterable[Place]) -> list[Place]:
    chosen = list(places)
    if all_places and chosen:
        raise ValidationError({"places": _("Choose either all places or some places, not both.")})
    if not all_places and not chosen:
        raise ValidationError(
            {"places": _("Choose the provinces, districts or communes this person works in.")}
        )
    for place in chosen:
        if place.kind not in SCOPE_PLACE_KINDS:
            raise ValidationError(
                {"places": _("Only provinces, districts and communes can be chosen.")}
            )
    return chosen


def _check_role_for_agency(*, role: str, agency: Agency) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    allowed = ROLE_AGENCY_KINDS.get(role)
    if allowed is not None and agency.kind not in allowed:
        raise ValidationError({"role": _("This role cannot be given in this kind of agency.")})


def _require_staffing(actor: User, agency: Agency, request: HttpRequest | None) -> None:
    if not agencies_user_may_staff(actor).filter(pk=agency.pk).exists():
        raise deny(request, actor, reason="may not manage members of this agency", target=agency)


def membership_add(
    *,
    actor: User | None,
    user: User,
    agency: Agency,
    role: str,
    all_places: bool,
    places: Iterable[Place] = (),
    request: HttpRequest | None = None,
) -> Membership:
    """Give a user a role. `actor=None` is the system itself (set-up commands only)."""
    if actor is not None:
        _require_staffing(actor, agency, request)
    _check_role_for_agency(role=role, agency=agency)
    chosen = _check_scope(all_places=all_places, places=places)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, agency=agency, role=role, defaults={"all_places": all_places}
        )
        if not created:
            if membership.is_active:
                raise ValidationError(
                    {"role": _("This person already has this role in this agency.")}
                )
            membership.is_active = True
            membership.all_places = all_places
            membership.save(update_fields=["is_active", "all_places"])
        membership.places.set(chosen)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=membership,
            changes={
                "user": user.pk,
                "agency": agency.pk,
                "role": role,
                "all_places": all_places,
                "places": [p.code for p in chosen],
            },
            request=request,
        )
    forget_memberships(user)
    return membership


def membership_end(
    *, actor: User, membership: Membership, request: HttpRequest | None = None
) -> Membership:
    _require_staffing(actor, membership.agency, request)
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=membership,
            changes={"is_active": [True, False]},
            request=request,
        )
    forget_memberships(membership.user)
    return membership


# --------------------------------------------------------------------------- users


def _clean_identity(email: str, phone: str) -> tuple[str | None, str | None]:
    try:
        clean_email = normalize_email(email) if email.strip() else None
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    try:
        clean_phone = normalize_phone(phone) if phone.strip() else None
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    if clean_email is None and clean_phone is None:
        raise ValidationError(_("Give an email address or a phone number to log in with."))
    return clean_email, clean_phone


def _check_unique(*, email: str | None, phone: str | None, exclude: int | None = None) -> None:
    others = User.objects.exclude(pk=exclude) if exclude else User.objects.all()
    if email and others.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Another user already logs in with this email.")})
    if phone and others.filter(phone=phone).exists():
        raise ValidationError({"phone": _("Another user already logs in with this phone number.")})


def _check_full_name(full_name: str) -> str:
    name = " ".join(full_name.split())
    if not name:
        raise ValidationError({"full_name": _("Give the person's name.")})
    if len(name) > 200:
        raise ValidationError({"full_name": _("The name is too long (200 characters at most).")})
    return name


def user_invite(
    *,
    actor: User,
    full_name: str,
    email: str = "",
    phone: str = "",
    language: str = "km",
    agency: Agency,
    role: str,
    all_places: bool,
    places: Iterable[Place] = (),
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """Create a user who cannot log in yet, with one membership and an invitation.

    Returns the user and the one-time invitation token (shown once, never stored).
    """
    _require_staffing(actor, agency, request)
    name = _check_full_name(full_name)
    clean_email, clean_phone = _clean_identity(email, phone)
    _check_role_for_agency(role=role, agency=agency)
    chosen = _check_scope(all_places=all_places, places=places)
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            _check_unique(email=clean_email, phone=clean_phone)
            user = User(full_name=name, email=clean_email, phone=clean_phone, language=language)
            user.set_unusable_password()
            user.save()
            membership = Membership.objects.create(
                user=user, agency=agency, role=role, all_places=all_places
            )
            membership.places.set(chosen)
            Invitation.objects.create(
                user=user,
                token_hash=_token_hash(token),
                created_by=actor,
                expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                target=user,
                changes={
                    "invited": True,
                    "agency": agency.pk,
                    "role": role,
                    "all_places": all_places,
                    "places": [p.code for p in chosen],
                },
                request=request,
            )
    except IntegrityError:
        # Two admins inviting the same person at the same moment: one wins.
        raise ValidationError(
            _("Another user already logs in with this email or phone number.")
        ) from None
    return user, token


def user_create(
    *,
    actor: User | None,
    full_name: str,
    email: str = "",
    phone: str = "",
    language: str = "km",
    password: str,
    request: HttpRequest | None = None,
) -> User:
    """Create a user who logs in with a known password (set-up commands and the demo)."""
    name = _check_full_name(full_name)
    clean_email, clean_phone = _clean_identity(email, phone)
    with transaction.atomic():
        _check_unique(email=clean_email, phone=clean_phone)
        user = User(full_name=name, email=clean_email, phone=clean_phone, language=language)
        validate_password(password, user)
        user.set_password(password)
        user.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=user,
            changes={"created": True},
            request=request,
        )
    return user


def invitation_find(token: str) -> Invitation | None:
    """The open invitation for this token, or None if unknown, used or expired."""
    if not token or len(token) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("user").filter(token_hash=_token_hash(token)).first()
    )
    if invitation is None or invitation.used_at or invitation.expires_at <= timezone.now():
        return None
    if not invitation.user.is_active:
        return None
    return invitation


def invitation_accept(*, token: str, password: str, request: HttpRequest | None = None) -> User:
    invitation = invitation_find(token)
    if invitation is None:
        raise ValidationError(
            _("This invitation link is not valid any more. Ask your administrator for a new one."),
            code="invalid_invitation",
        )
    user = invitation.user
    validate_password(password, user)
    with transaction.atomic():
        # Marking it used first, conditionally, makes a double submit harmless.
        claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not claimed:
            raise ValidationError(
                _("This invitation link has already been used."), code="invalid_invitation"
            )
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            actor=user,
            action=AuditAction.SECURITY,
            target=user,
            changes={"invitation_accepted": True},
            request=request,
        )
    return user


def user_update(
    *,
    actor: User,
    user: User,
    expected_version: int,
    full_name: str,
    email: str = "",
    phone: str = "",
    language: str = "km",
    request: HttpRequest | None = None,
) -> User:
    if not users_visible_to(actor).filter(pk=user.pk).exists():
        raise deny(request, actor, reason="may not manage this user", target=user)
    name = _check_full_name(full_name)
    clean_email, clean_phone = _clean_identity(email, phone)
    new: dict[str, Any] = {
        "full_name": name,
        "email": clean_email,
        "phone": clean_phone,
        "language": language,
    }
    try:
        with transaction.atomic():
            _check_unique(email=clean_email, phone=clean_phone, exclude=user.pk)
            _update_versioned(
                user, expected_version=expected_version, new=new, actor=actor, request=request
            )
    except IntegrityError:
        raise ValidationError(
            _("Another user already logs in with this email or phone number.")
        ) from None
    user.refresh_from_db()
    return user


def _set_active(*, actor: User, user: User, active: bool, request: HttpRequest | None) -> User:
    if not users_visible_to(actor).filter(pk=user.pk).exists():
        raise deny(request, actor, reason="may not manage this user", target=user)
    if user.pk == actor.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    with transaction.atomic():
        user.is_active = active
        user.deactivated_at = None if active else timezone.now()
        # No session sweep needed: the auth backend refuses inactive users on their next
        # request (ModelBackend.get_user), which logs them out everywhere at once.
        user.save(update_fields=["is_active", "deactivated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=user,
            changes={"is_active": [not active, active]},
            request=request,
        )
    return user


def user_deactivate(*, actor: User, user: User, request: HttpRequest | None = None) -> User:
    return _set_active(actor=actor, user=user, active=False, request=request)


def user_reactivate(*, actor: User, user: User, request: HttpRequest | None = None) -> User:
    return _set_active(actor=actor, user=user, active=True, request=request)


def user_preferences_set(
    *, user: User, language: str, khmer_digits: bool, request: HttpRequest | None = None
) -> User:
    if language not in {"km", "en", "th"}:
        raise ValidationError({"language": _("Choose a language from the list.")})
    changes: dict[str, list[Any]] = {}
    if user.language != language:
        changes["language"] = [user.language, language]
    if user.khmer_digits != khmer_digits:
        changes["khmer_digits"] = [user.khmer_digits, khmer_digits]
    if changes:
        with transaction.atomic():
            user.language = language
            user.khmer_digits = khmer_digits
            user.save(update_fields=["language", "khmer_digits"])
            audit_record(
                actor=user,
                action=AuditAction.UPDATE,
                target=user,
                changes=changes,
                request=request,
            )
    return user


def user_password_change(
    *, user: User, old_password: str, new_password: str, request: HttpRequest | None = None
) -> User:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("Your current password is not right.")})
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(
            actor=user,
            action=AuditAction.SECURITY,
            target=user,
            changes={"password_changed": True},
            request=request,
        )
    return user


# --------------------------------------------------------------------------- two-factor


def two_factor_device_pending(*, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created on first call (same secret on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=False)
    return device


def two_factor_confirm(
    *, user: User, device: TOTPDevice, token: str, request: HttpRequest | None = None
) -> bool:
    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        # One confirmed device at a time: a new phone replaces the old one.
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=user,
            action=AuditAction.SECURITY,
            target=user,
            changes={"two_factor": "enabled"},
            request=request,
        )
    return True


def two_factor_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Remove a user's devices (lost phone); they set up a new one at next login."""
    if actor.pk != user.pk and not users_visible_to(actor).filter(pk=user.pk).exists():
        raise deny(request, actor, reason="may not manage this user", target=user)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action=AuditAction.SECURITY,
            target=user,
            changes={"two_factor": "reset"},
            request=request,
        )
