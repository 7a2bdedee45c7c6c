"""Who may open the audit pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from migra.accounts.models import User
from migra.audit.models import AuditAction, AuditEvent
from migra.audit.services import audit_record
from migra.audit.tests.conftest import verified_client


@pytest.fixture
def events(lena: User, piseth: User, chantha: User, dara: User) -> dict[str, AuditEvent]:
    return {
        user.email.split("@")[0]: audit_record(
            actor=user, action=AuditAction.UPDATE, object_type="t.x", object_id=f"by-{user.pk}"
        )
        for user in (lena, piseth, chantha, dara)
        if user.email
    }


def _shown_ids(response: Any) -> set[str]:
    return {e.object_id for e in response.context["page"].object_list}


def test_anonymous_visitors_are_sent_to_log_in(db: Any) -> None:
    for url in (reverse("audit:list"), reverse("audit:detail", args=[1])):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    response = Client().post(reverse("audit:verify"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_caseworker_is_refused_and_the_refusal_is_logged(
    chantha: User, events: dict[str, AuditEvent]
) -> None:
    client = verified_client(chantha)
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:detail", args=[events["lena"].seq])).status_code == 403
    assert client.post(reverse("audit:verify")).status_code == 403
    refusals = AuditEvent.objects.filter(actor_id=chantha.pk, action=AuditAction.DENIED)
    assert refusals.count() == 3


def test_the_lead_ngo_admin_sees_every_event(
    lena: User, events: dict[str, AuditEvent]
) -> None:
    response = verified_client(lena).get(reverse("audit:list"))
    assert response.status_code == 200
    assert _shown_ids(response) == {e.object_id for e in events.values()}


def test_a_partner_admin_sees_events_of_their_agency_only(
    piseth: User, chantha: User, events: dict[str, AuditEvent]
) -> None:
    client = verified_client(piseth)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    assert _shown_ids(response) == {f"by-{piseth.pk}", f"by-{chantha.pk}"}
    assert f"by-{events['dara'].actor_id}" not in response.content.decode()

    own = client.get(reverse("audit:detail", args=[events["chantha"].seq]))
    assert own.status_code == 200
    other = client.get(reverse("audit:detail", args=[events["dara"].seq]))
    assert other.status_code == 403
    missing = client.get(reverse("audit:detail", args=[99999]))
    assert missing.status_code == 404


def test_a_programme_admin_without_the_second_factor_is_sent_to_verify(
    lena: User, events: dict[str, AuditEvent]
) -> None:
    client = Client()
    client.force_login(lena)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert "two-factor" in response["Location"]


def test_an_event_number_beyond_any_integer_is_not_found(lena: User) -> None:
    client = verified_client(lena)
    assert client.get(f"{reverse('audit:list')}{10**30}/").status_code == 404
