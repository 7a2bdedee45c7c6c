"""TOTP two-factor: required for roles that handle cases, optional for others."""

from __future__ import annotations

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from migra.accounts.tests.conftest import PASSWORD
from migra.audit.models import AuditAction, AuditEvent


def _code(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, device.step, device.t0, device.digits, drift=offset)
    return str(value).zfill(device.digits)


def _login(client, email):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})


def test_caseworker_must_set_up_two_factor(client, cast):  # type: ignore[no-untyped-def]
    _login(client, "carol@example.org")
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor-setup"))
    # The API is closed too until the second step.
    assert client.get("/api/v1/places/").status_code == 403


def test_setup_with_the_right_code_opens_the_app(client, cast):  # type: ignore[no-untyped-def]
    _login(client, "carol@example.org")
    page = client.get(reverse("accounts:two-factor-setup"))
    assert page.status_code == 200
    assert page.context["qr_data_uri"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=cast.users["carol"], confirmed=False)
    wrong = client.post(
        reverse("accounts:two-factor-setup"),
        {"token": "000000" if _code(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 200
    assert wrong.context["form"].errors
    # Wrong codes slow further tries (django-otp throttling); the person waits a moment.
    from datetime import timedelta

    from django.utils import timezone

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )
    done = client.post(reverse("accounts:two-factor-setup"), {"token": _code(device)})
    assert done.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(
        action=AuditAction.SECURITY, object_id=str(cast.users["carol"].pk)
    ).exists()


def test_second_login_asks_for_the_code(client, cast):  # type: ignore[no-untyped-def]
    carol = cast.users["carol"]
    device = TOTPDevice.objects.create(user=carol, name="phone", confirmed=True)
    _login(client, "carol@example.org")
    response = client.get(reverse("accounts:user-list"))
    assert response["Location"].startswith(reverse("accounts:two-factor"))
    bad = client.post(reverse("accounts:two-factor"), {"token": "12345"})
    assert bad.context["form"].errors
    # Khmer digits are accepted.
    from migra.lib.khmer.digits import to_khmer_digits

    ok = client.post(reverse("accounts:two-factor"), {"token": to_khmer_digits(_code(device))})
    assert ok.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200


def test_setup_page_cannot_replace_a_device_without_the_second_step(client, cast):  # type: ignore[no-untyped-def]
    carol = cast.users["carol"]
    TOTPDevice.objects.create(user=carol, name="phone", confirmed=True)
    _login(client, "carol@example.org")
    response = client.get(reverse("accounts:two-factor-setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor"))


def test_two_factor_is_optional_for_a_facilitator(client, cast):  # type: ignore[no-untyped-def]
    _login(client, "gina@example.org")
    assert client.get(reverse("accounts:home")).status_code == 200


def test_admin_resets_a_lost_phone(client, cast, as_user):  # type: ignore[no-untyped-def]
    carol = cast.users["carol"]
    TOTPDevice.objects.create(user=carol, name="phone", confirmed=True)
    admin = as_user(cast.users["bob"])
    response = admin.post(reverse("accounts:two-factor-reset", args=[carol.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=carol, name="phone").exists()


def test_codes_are_throttled(client, cast):  # type: ignore[no-untyped-def]
    carol = cast.users["carol"]
    device = TOTPDevice.objects.create(user=carol, name="phone", confirmed=True)
    _login(client, "carol@example.org")
    wrong = "999999" if _code(device) != "999999" else "888888"
    client.post(reverse("accounts:two-factor"), {"token": wrong})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Right after a wrong code, even the right one is refused, with a clear message.
    response = client.post(reverse("accounts:two-factor"), {"token": _code(device)})
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["token"][0].code == "throttled"
    assert client.get(reverse("accounts:home")).status_code == 302
