"""The "Verify the chain" button."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from migra.accounts.models import User
from migra.audit.models import AuditEvent
from migra.audit.tests.conftest import drop_guards, record_events, verified_client


def _messages(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def test_the_list_page_offers_the_button(lena: User) -> None:
    html = verified_client(lena).get(reverse("audit:list")).content.decode()
    assert f'action="{reverse("audit:verify")}"' in html
    assert 'method="post"' in html


def test_an_intact_chain(lena: User) -> None:
    record_events(7)
    client = verified_client(lena)

    response = client.post(reverse("audit:verify"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response["Location"] == reverse("audit:list")
    [message] = _messages(response)
    assert "7" in message
    # The check itself is on record, with its result.
    logged = AuditEvent.objects.filter(object_type="audit.chain").get()
    assert logged.actor_id == lena.pk
    assert logged.changes == {"ok": True, "events_checked": 7, "first_broken_seq": None}


def test_a_broken_chain(lena: User) -> None:
    record_events(7)
    drop_guards()
    AuditEvent.objects.filter(seq=3).update(object_id="forged")
    lena.language = "en"  # the message's wording is checked below
    lena.save(update_fields=["language"])
    client = verified_client(lena)

    response = client.post(reverse("audit:verify"))

    [message] = _messages(response)
    assert "#3" in message
    logged = AuditEvent.objects.filter(object_type="audit.chain").get()
    assert logged.changes["ok"] is False
    assert logged.changes["first_broken_seq"] == 3


def test_get_is_not_allowed(lena: User) -> None:
    assert verified_client(lena).get(reverse("audit:verify")).status_code == 405
