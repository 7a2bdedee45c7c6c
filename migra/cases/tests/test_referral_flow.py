"""The whole referral, as its users live it: carol (crisis centre) refers her case to
the legal-aid agency with the person's consent; lawyer (legal aid) accepts, records a
wage claim, delivers it and completes the referral; carol sees it all on her case
page; charlie and dan see nothing and their attempts are logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from migra.accounts.models import User
from migra.accounts.tests.conftest import login_as
from migra.audit.models import AuditAction, AuditEvent
from migra.cases.models import (
    CaseEvent,
    CaseService,
    Notification,
    Referral,
    ReferralStatus,
)
from migra.cases.services import case_note_add
from migra.people.models import ConsentPurpose

pytestmark = pytest.mark.django_db

NAME = "Sok Dara"
SUMMARY = "Worked on a fishing boat for ten months without pay."
SHARED_NOTE = "Has wage slips from the first two months."
PRIVATE_NOTE = "Family owes money to the broker in the village."


def test_referral_from_start_to_end(
    cast: Any,
    register: Callable[..., Any],
    open_case: Callable[..., Any],
    lawyer: User,
    legal_offers: list,
    as_user: Callable[..., Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    carol = cast.users["carol"]
    legal = cast.agencies["legal"]
    person = register(NAME, actor=carol, village=cast.places["01020101"], age=30)
    case = open_case(person, actor=carol, summary=SUMMARY, assigned_to=carol)
    shared_note = case_note_add(actor=carol, case=case, text=SHARED_NOTE)
    case_note_add(actor=carol, case=case, text=PRIVATE_NOTE)

    # --- carol: the case page offers to refer it
    sender = login_as(Client(), carol)
    page = sender.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    new_url = reverse("cases:referral-new", args=[case.pk])
    assert new_url in page.content.decode()

    form = {
        "to_agency": legal.pk,
        "requested_services": ["wage_claim", "legal_aid"],
        "urgency": "urgent",
        "due_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
        "reason": "Needs a lawyer to claim ten months of wages.",
        "shared_parts": ["identity", "summary", "notes"],
        "notes": [shared_note.pk],
    }
    # Without consent: nothing sent, the way to record it offered.
    response = sender.post(new_url, form)
    assert response.status_code == 400
    assert "has not agreed to be referred" in response.content.decode()
    assert not Referral.objects.exists()

    response = sender.post(
        reverse("people:consent-add", args=[person.pk]),
        {
            "purpose": ConsentPurpose.REFERRAL,
            "agency": legal.pk,
            "given": "yes",
            "method": "signature",
        },
    )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = sender.post(new_url, form)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert response["Location"] == reverse("cases:referral-detail", args=[referral.pk])
    assert referral.status == ReferralStatus.PENDING

    # --- lawyer: the inbox, the referral page with exactly what was shared
    receiver = login_as(Client(), lawyer)
    inbox = receiver.get(reverse("cases:referral-inbox")).content.decode()
    detail_url = reverse("cases:referral-detail", args=[referral.pk])
    assert detail_url in inbox
    assert NAME not in inbox and case.number not in inbox
    page = receiver.get(detail_url).content.decode()
    assert NAME in page and SUMMARY in page and SHARED_NOTE in page
    assert PRIVATE_NOTE not in page
    assert case.number not in page
    assert reverse("cases:detail", args=[case.pk]) not in page
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW,
        object_type="cases.referral",
        object_id=str(referral.pk),
        actor_id=lawyer.pk,
    ).exists()
    # The receiver may not open the case itself.
    assert receiver.get(reverse("cases:detail", args=[case.pk])).status_code == 403

    # --- lawyer accepts, records the wage claim, delivers it, posts an update, completes
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            receiver.post(reverse("cases:referral-accept", args=[referral.pk])).status_code == 302
        )
        response = receiver.post(
            reverse("cases:referral-service-add", args=[referral.pk]),
            {
                "kind": "wage_claim",
                "status": "in_progress",
                "currency": "THB",
                "amount_claimed": "48000",
            },
        )
        assert response.status_code == 302
        service = CaseService.objects.get()
        response = receiver.post(
            reverse("cases:referral-service-edit", args=[referral.pk, service.pk]),
            {
                f"s{service.pk}-status": "delivered",
                f"s{service.pk}-currency": "THB",
                f"s{service.pk}-amount_claimed": "48000",
                f"s{service.pk}-amount_recovered": "40000",
                f"s{service.pk}-version": service.version,
            },
        )
        assert response.status_code == 302
        response = receiver.post(
            reverse("cases:referral-update", args=[referral.pk]),
            {"text": "The employer paid 40,000 baht at the labour court."},
        )
        assert response.status_code == 302
        assert (
            receiver.post(reverse("cases:referral-complete", args=[referral.pk])).status_code == 302
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED
    service.refresh_from_db()
    assert service.status == "delivered" and service.agency_id == legal.pk

    # --- carol sees it all: on the case page and on the referral page
    response = sender.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Completed" in page
    assert detail_url in page
    assert "Wage or compensation claim" in page
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    for kind in (
        "referral_sent",
        "referral_accepted",
        "service_added",
        "service_updated",
        "referral_update",
        "referral_completed",
    ):
        assert kind in kinds, kind
    page = sender.get(detail_url).content.decode()
    assert "The employer paid 40,000 baht at the labour court." in page
    assert "40000" in page and "THB" in page
    assert "Completed" in page

    # --- notifications in the app and by email, without names or case details
    assert Notification.objects.filter(user=lawyer, kind="referral_received").count() == 1
    carol_kinds = set(Notification.objects.filter(user=carol).values_list("kind", flat=True))
    assert {"referral_accepted", "referral_service", "referral_update", "referral_completed"} <= (
        carol_kinds
    )
    assert mail.outbox, "emails went out"
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in (NAME, SUMMARY, SHARED_NOTE, case.number, "40,000", "fishing"):
            assert secret not in text
    to_lena = [m for m in mail.outbox if m.to == [lawyer.email]]
    assert "A case was referred to your agency" in to_lena[0].subject
    assert "http://127.0.0.1:8000" + detail_url in to_lena[0].body

    # --- outsiders see nothing, and their attempts are logged
    for name in ("charlie", "dan"):
        outsider = login_as(Client(), cast.users[name])
        before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
        assert outsider.get(detail_url).status_code == 403
        assert outsider.get(reverse("cases:detail", args=[case.pk])).status_code == 403
        assert outsider.get(new_url).status_code == 403
        assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 3
    assert as_user(cast.users["charlie"]).get(reverse("cases:referral-inbox")).status_code == 403
    inbox = as_user(cast.users["dan"]).get(reverse("cases:referral-inbox"))
    assert inbox.status_code == 200 and detail_url not in inbox.content.decode()
    sent_list = as_user(cast.users["dan"]).get(reverse("cases:referral-sent")).content.decode()
    assert detail_url not in sent_list
    sent_list = sender.get(reverse("cases:referral-sent") + "?status=all").content.decode()
    assert detail_url in sent_list and case.number in sent_list
