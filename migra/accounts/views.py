"""Staff app: logging in, two-factor, home, preferences, agencies and users."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from migra.accounts import selectors, services
from migra.accounts.forms import (
    AgencyForm,
    InviteForm,
    LoginForm,
    MembershipForm,
    PasswordChangeForm,
    PreferencesForm,
    SetPasswordForm,
    TokenForm,
    UserEditForm,
)
from migra.accounts.models import User
from migra.accounts.roles import Perm, Role
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.config.forms import add_service_errors
from migra.config.middleware import SUPPORTED

PAGE_SIZE = 50


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --------------------------------------------------------------------------- logging in


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect("accounts:home")
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid() and form.user is not None:
            login(request, form.user, backend="migra.accounts.backends.EmailOrPhoneBackend")
            audit_record(
                actor=form.user, action=AuditAction.LOGIN, target=form.user, request=request
            )
            return HttpResponseRedirect(_safe_next(request, reverse("accounts:home")))
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            object_type="accounts.user",
            object_label=str(request.POST.get("username", ""))[:100],
            request=request,
        )
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")})


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown instead of the login form after too many failed attempts (django-axes)."""
    from django.conf import settings

    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
        status=429,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(
            actor=request.user, action=AuditAction.LOGOUT, target=request.user, request=request
        )
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:login")


def _not_throttled(form: Form, devices: list[Any]) -> bool:
    """After wrong codes, django-otp makes a person wait; say so instead of 'wrong code'."""
    if all(device.verify_is_allowed()[0] for device in devices):
        return True
    form.add_error(
        "token",
        ValidationError(
            _("You typed wrong codes. Wait a minute, then type the newest code."),
            code="throttled",
        ),
    )
    return False


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    already = any(True for _d in devices_for_user(user, confirmed=True))
    if already and not request.user.is_verified():  # type: ignore[union-attr]
        # A new phone must be set up by someone who has passed the second factor.
        return redirect(
            f"{reverse('accounts:two-factor')}?next={reverse('accounts:two-factor-setup')}"
        )
    device = services.two_factor_device_pending(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _not_throttled(form, [device]):
        if services.two_factor_confirm(
            user=user, device=device, token=form.cleaned_data["token"], request=request
        ):
            otp_login(request, device)
            messages.success(request, _("Two-step login is set up. Keep your phone safe."))
            return HttpResponseRedirect(_safe_next(request, reverse("accounts:home")))
        form.add_error(
            "token",
            _("That code is not right. Check the time on your phone and try the newest code."),
        )
    qr = segno.make(device.config_url, error="m")
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_data_uri": qr.svg_data_uri(scale=5, dark="#1b1b1b"),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required": selectors.user_needs_two_factor(user),
            "next": _safe_next(request, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        return redirect("accounts:two-factor-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _not_throttled(form, devices):
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return HttpResponseRedirect(_safe_next(request, reverse("accounts:home")))
        audit_record(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            target=user,
            changes={"second_factor": "wrong code"},
            request=request,
        )
        form.add_error("token", _("That code is not right. Try the newest code in your app."))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


# --------------------------------------------------------------------------- home and preferences


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/home.html",
        {
            "memberships": selectors.memberships_of(user),
            "two_factor_on": any(True for _d in devices_for_user(user, confirmed=True)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    prefs = PreferencesForm(
        request.POST if request.POST.get("form") == "prefs" else None,
        initial={"language": user.language, "khmer_digits": user.khmer_digits},
    )
    password = PasswordChangeForm(request.POST if request.POST.get("form") == "password" else None)
    if prefs.is_bound and prefs.is_valid():
        services.user_preferences_set(
            user=user,
            language=prefs.cleaned_data["language"],
            khmer_digits=prefs.cleaned_data["khmer_digits"],
            request=request,
        )
        messages.success(request, _("Your preferences are saved."))
        return redirect("accounts:preferences")
    if password.is_bound and password.is_valid():
        try:
            services.user_password_change(
                user=user,
                old_password=password.cleaned_data["old_password"],
                new_password=password.cleaned_data["new_password"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(password, error)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, user)
            messages.success(request, _("Your password is changed."))
            return redirect("accounts:preferences")
    return render(
        request,
        "accounts/preferences.html",
        {
            "prefs_form": prefs,
            "password_form": password,
            "two_factor_on": any(True for _d in devices_for_user(user, confirmed=True)),
            "two_factor_required": selectors.user_needs_two_factor(user),
        },
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language: saved on the user when logged in, and in a cookie always."""
    from django.conf import settings

    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request, reverse("accounts:home")))
    if language not in SUPPORTED:
        messages.error(request, _("Choose a language from the list."))
        return response
    if request.user.is_authenticated:
        user: User = request.user
        services.user_preferences_set(
            user=user, language=language, khmer_digits=user.khmer_digits, request=request
        )
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


# --------------------------------------------------------------------------- agencies


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_AGENCIES)
    agencies = (
        selectors.agencies_visible_to(request.user)
        .select_related("home_place")
        .annotate(
            members=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
        )
        .order_by("kind", "name_km")
    )
    return render(
        request,
        "accounts/agency_list.html",
        {"agencies": agencies, "may_create": services.agencies_may_create(request.user)},  # type: ignore[arg-type]
    )


@login_required
@require_http_methods(["GET", "POST"])
def agency_create(request: HttpRequest) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_AGENCIES)
    form = AgencyForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agency = services.agency_create(
                actor=request.user,  # type: ignore[arg-type]
                name_km=data["name_km"],
                name_en=data["name_en"],
                short_name=data["short_name"],
                kind=data["kind"],
                home_place=data["home_place"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Agency added."))
            return redirect("accounts:agency-edit", pk=agency.pk)
    return render(request, "accounts/agency_form.html", {"form": form, "agency": None})


@login_required
@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_AGENCIES)
    agency = selectors.get_visible_or_deny(request, selectors.agencies_visible_to(request.user), pk)
    form = AgencyForm(
        request.POST or None,
        initial={
            "name_km": agency.name_km,
            "name_en": agency.name_en,
            "short_name": agency.short_name,
            "kind": agency.kind,
            "home_place": agency.home_place,
            "is_active": agency.is_active,
            "version": agency.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agency_update(
                actor=request.user,  # type: ignore[arg-type]
                agency=agency,
                expected_version=data["version"] or 0,
                name_km=data["name_km"],
                name_en=data["name_en"],
                short_name=data["short_name"],
                kind=data["kind"],
                home_place=data["home_place"],
                is_active=data["is_active"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Agency saved."))
            return redirect("accounts:agency-list")
    members = (
        selectors.memberships_visible_to(request.user)
        .filter(agency=agency, is_active=True)
        .order_by("user__full_name")
    )
    return render(
        request, "accounts/agency_form.html", {"form": form, "agency": agency, "members": members}
    )


# --------------------------------------------------------------------------- users


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_USERS)
    query = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    users = selectors.users_visible_to(request.user).prefetch_related("memberships__agency")
    if query:
        users = users.filter(
            Q(full_name__icontains=query) | Q(email__icontains=query) | Q(phone__icontains=query)
        )
    if role in Role.values:
        users = users.filter(memberships__role=role, memberships__is_active=True).distinct()
    page = Paginator(users.order_by("full_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "query": query, "role": role, "roles": Role.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_USERS)
    agencies = selectors.agencies_user_may_staff(request.user)
    form = InviteForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, token = services.user_invite(
                actor=request.user,  # type: ignore[arg-type]
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                language=data["language"],
                agency=data["agency"],
                role=data["role"],
                all_places=data["all_places"],
                places=data["places"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            link = request.build_absolute_uri(reverse("accounts:invitation-accept", args=[token]))
            return render(request, "accounts/invite_done.html", {"invited": user, "link": link})
    return render(request, "accounts/user_invite.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_USERS)
    person = selectors.get_visible_or_deny(request, selectors.users_visible_to(request.user), pk)
    form = _user_form(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,  # type: ignore[arg-type]
                user=person,
                expected_version=data["version"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                language=data["language"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:user-detail", pk=person.pk)
    if request.method == "GET":
        # A user's page shows their phone and email: reading it is logged.
        audit_record(actor=request.user, action=AuditAction.VIEW, target=person, request=request)
    return _user_page(request, person, form=form)


def _user_form(person: User, data: Any = None) -> UserEditForm:
    return UserEditForm(
        data,
        initial={
            "full_name": person.full_name,
            "email": person.email or "",
            "phone": person.phone or "",
            "language": person.language,
            "version": person.version,
        },
    )


def _user_page(
    request: HttpRequest,
    person: User,
    *,
    form: UserEditForm | None = None,
    membership_form: MembershipForm | None = None,
    status: int = 200,
) -> HttpResponse:
    memberships = (
        person.memberships.select_related("agency")
        .prefetch_related("places")
        .order_by("-is_active", "agency__name_km")
    )
    agencies = selectors.agencies_user_may_staff(request.user)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "person": person,
            "form": form or _user_form(person),
            "memberships": memberships,
            "membership_form": membership_form or MembershipForm(agencies=agencies),
            "two_factor_on": any(True for _d in devices_for_user(person, confirmed=True)),
        },
        status=status,
    )


@login_required
@require_POST
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_USERS)
    person = selectors.get_visible_or_deny(request, selectors.users_visible_to(request.user), pk)
    form = MembershipForm(request.POST, agencies=selectors.agencies_user_may_staff(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_add(
                actor=request.user,  # type: ignore[arg-type]
                user=person,
                agency=data["agency"],
                role=data["role"],
                all_places=data["all_places"],
                places=data["places"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Role added."))
            return redirect("accounts:user-detail", pk=person.pk)
    return _user_page(request, person, membership_form=form, status=400)


@login_required
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_USERS)
    membership = selectors.get_visible_or_deny(
        request, selectors.memberships_visible_to(request.user), pk
    )
    services.membership_end(actor=request.user, membership=membership, request=request)  # type: ignore[arg-type]
    messages.success(request, _("Role removed."))
    return redirect("accounts:user-detail", pk=membership.user_id)


def _toggle_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_USERS)
    person = selectors.get_visible_or_deny(request, selectors.users_visible_to(request.user), pk)
    try:
        if active:
            services.user_reactivate(actor=request.user, user=person, request=request)  # type: ignore[arg-type]
            messages.success(request, _("The account can log in again."))
        else:
            services.user_deactivate(actor=request.user, user=person, request=request)  # type: ignore[arg-type]
            messages.success(request, _("The account is deactivated and logged out everywhere."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("accounts:user-detail", pk=person.pk)


@login_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _toggle_active(request, pk, active=False)


@login_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _toggle_active(request, pk, active=True)


@login_required
@require_POST
def two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_perm(request, Perm.MANAGE_USERS)
    person = selectors.get_visible_or_deny(request, selectors.users_visible_to(request.user), pk)
    services.two_factor_reset(actor=request.user, user=person, request=request)  # type: ignore[arg-type]
    messages.success(
        request, _("Two-step login was reset. The person sets it up again at next login.")
    )
    return redirect("accounts:user-detail", pk=person.pk)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_find(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, password=form.cleaned_data["password"], request=request
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_errors(form, error)
            else:
                form.add_error("password", error)
        else:
            messages.success(request, _("Your password is set. Log in now."))
            response = redirect("accounts:login")
            response.set_cookie("migra_language", user.language, samesite="Lax")
            return response
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invited": invitation.user}
    )
