"""Logging in with email or phone, failures, and lockout."""

from __future__ import annotations

import pytest
from django.urls import reverse

from migra.accounts.tests.conftest import PASSWORD
from migra.audit.models import AuditAction, AuditEvent

LOGIN = "/app/login/"


def _post(client, username, password=PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_with_email_any_case(client, cast):  # type: ignore[no-untyped-def]
    response = _post(client, "  Gina@EXAMPLE.org ")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN, actor_id=cast.users["gina"].pk
    ).exists()


@pytest.mark.parametrize("typed", ["012 345 678", "+855 12 345 678", "០១២៣៤៥៦៧៨", "012-345-678"])
def test_login_with_phone_as_people_type_it(client, cast, typed):  # type: ignore[no-untyped-def]
    gina = cast.users["gina"]
    gina.phone = "+85512345678"
    gina.save(update_fields=["phone"])
    assert _post(client, typed).status_code == 302


@pytest.mark.parametrize(
    "username",
    ["nobody@example.org", "", "x" * 5000, "' OR 1=1 --", "<script>alert(1)</script>", "012"],
)
def test_bad_logins_get_one_clear_message(client, cast, username):  # type: ignore[no-untyped-def]
    response = _post(client, username, "wrong password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


def test_wrong_password_is_refused_and_logged(client, cast):  # type: ignore[no-untyped-def]
    response = _post(client, "gina@example.org", "not the password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()


def test_deactivated_user_cannot_log_in(client, cast):  # type: ignore[no-untyped-def]
    gina = cast.users["gina"]
    gina.is_active = False
    gina.save(update_fields=["is_active"])
    assert _post(client, "gina@example.org").status_code == 200
    assert "_auth_user_id" not in client.session


def test_lockout_after_repeated_failures(client, cast, settings):  # type: ignore[no-untyped-def]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post(client, "gina@example.org", "wrong")
    # Even the right password is refused while locked.
    response = _post(client, "gina@example.org")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account is not affected.
    assert _post(client, "carol@example.org").status_code == 302


def test_success_resets_the_failure_count(client, cast, settings):  # type: ignore[no-untyped-def]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _post(client, "gina@example.org", "wrong")
    assert _post(client, "gina@example.org").status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _post(client, "gina@example.org", "wrong")
    assert _post(client, "gina@example.org").status_code == 302


def test_open_redirect_is_ignored(client, cast):  # type: ignore[no-untyped-def]
    response = client.post(
        LOGIN,
        {"username": "gina@example.org", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("accounts:home")


def test_logout_needs_post(client, cast):  # type: ignore[no-untyped-def]
    _post(client, "gina@example.org")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_idle_session_expires(client, cast, settings):  # type: ignore[no-untyped-def]
    from migra.accounts.middleware import LAST_SEEN_KEY

    _post(client, "gina@example.org")
    assert client.get(reverse("accounts:home")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = session[LAST_SEEN_KEY] - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from migra.config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
