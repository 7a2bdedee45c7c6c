"""A fixed cast for the audit tests.

- Lena is a programme admin at the lead NGO: she sees every event.
- Piseth is a programme admin at a partner NGO: he sees events by members of his
  agency only (Chantha, and himself).
- Chantha is a caseworker at the partner NGO: no access to the audit trail.
- Dara is a caseworker at another partner: his events are hidden from Piseth.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import AgencyKind, Role
from migra.audit.models import AuditAction
from migra.audit.services import audit_record


def make_user(email: str, full_name: str, agency: Agency, role: str) -> User:
    user = User.objects.create_user(email=email, password="correct horse 1", full_name=full_name)
    Membership.objects.create(user=user, agency=agency, role=role, all_places=True)
    return user


@pytest.fixture
def lead_ngo(db: Any) -> Agency:
    return Agency.objects.create(name_km="អង្គការនាំមុខ", name_en="Lead NGO", kind=AgencyKind.LEAD_NGO)


@pytest.fixture
def partner(db: Any) -> Agency:
    return Agency.objects.create(
        name_km="មជ្ឈមណ្ឌលស្ត្រី", name_en="Women's Crisis Centre", kind=AgencyKind.PARTNER_NGO
    )


@pytest.fixture
def other_partner(db: Any) -> Agency:
    return Agency.objects.create(
        name_km="ជំនួយផ្លូវច្បាប់", name_en="Legal Aid", kind=AgencyKind.PARTNER_NGO
    )


@pytest.fixture
def lena(lead_ngo: Agency) -> User:
    return make_user("lena@example.org", "លីណា Lena", lead_ngo, Role.PROGRAMME_ADMIN)


@pytest.fixture
def piseth(partner: Agency) -> User:
    return make_user("piseth@example.org", "ពិសិដ្ឋ Piseth", partner, Role.PROGRAMME_ADMIN)


@pytest.fixture
def chantha(partner: Agency) -> User:
    return make_user("chantha@example.org", "ចន្ថា Chantha", partner, Role.CASEWORKER)


@pytest.fixture
def dara(other_partner: Agency) -> User:
    return make_user("dara@example.org", "តារា Dara", other_partner, Role.CASEWORKER)


def verified_client(user: User) -> Client:
    """A logged-in client that has passed the second factor (as after a TOTP check)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def record_events(count: int, **kwargs: Any) -> None:
    kwargs.setdefault("actor", None)
    kwargs.setdefault("action", AuditAction.VIEW)
    for number in range(count):
        audit_record(object_type="tests.thing", object_id=str(number), **kwargs)


def drop_guards() -> None:
    """What an attacker with database access does first: remove the triggers.

    Inside a test's transaction, so the triggers are back when it rolls back.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in (
                "audit_event_no_update",
                "audit_event_no_delete",
                "audit_head_only_forward",
                "audit_head_no_delete",
            ):
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditchainhead DISABLE TRIGGER USER")
