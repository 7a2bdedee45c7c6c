"""`migra demo`: idempotent, and every demo user can log in."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from migra.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from migra.accounts.management.commands.demo import _as_typed
from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import TWO_FACTOR_ROLES, Role
from migra.audit.verify import verify_chain


@pytest.mark.django_db
def test_demo_creates_everything_once(capsys):  # type: ignore[no-untyped-def]
    call_command("demo", "--allow-production")
    counts = (User.objects.count(), Agency.objects.count(), Membership.objects.count())
    call_command("demo", "--allow-production")
    assert (User.objects.count(), Agency.objects.count(), Membership.objects.count()) == counts
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    # Lead NGO, crisis centre, legal aid, media, NCCT, donor, Thai authority, 5 PCCT, 5 labour.
    assert Agency.objects.count() == 17
    out = capsys.readouterr().out
    for spec in DEMO_USERS:
        assert _as_typed(spec.login) in out
    assert DEMO_PASSWORD in out
    assert verify_chain().ok


@pytest.mark.django_db
def test_demo_refuses_without_debug(settings):  # type: ignore[no-untyped-def]
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_every_demo_user_can_log_in(client):  # type: ignore[no-untyped-def]
    call_command("demo", "--allow-production")
    for spec in DEMO_USERS:
        client.cookies.clear()
        response = client.post(
            reverse("accounts:login"), {"username": spec.login, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, spec.login
        home = client.get(reverse("accounts:home"))
        if spec.role in TWO_FACTOR_ROLES:
            assert home["Location"].startswith(reverse("accounts:two-factor-setup"))
            client.get(reverse("accounts:two-factor-setup"))
            device = TOTPDevice.objects.get(
                user__email=spec.email or None, user__phone=spec.phone or None, confirmed=False
            )
            code = str(totp(device.bin_key, device.step, device.t0, device.digits)).zfill(6)
            assert (
                client.post(reverse("accounts:two-factor-setup"), {"token": code}).status_code
                == 302
            )
            home = client.get(reverse("accounts:home"))
        assert home.status_code == 200, spec.login
        assert 'lang="km"' in home.content.decode()
        client.post(reverse("accounts:logout"))
