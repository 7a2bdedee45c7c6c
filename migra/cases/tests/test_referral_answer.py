"""Answering a referral: accept once (also when two people click at the same moment),
decline with a reason, post updates, record services, complete."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from migra.accounts.models import User
from migra.accounts.roles import Role
from migra.audit.models import AuditAction, AuditEvent
from migra.cases.models import (
    CaseEvent,
    CaseService,
    Referral,
    ReferralStatus,
    ReferralUpdate,
    ServiceKind,
    ServiceStatus,
)
from migra.cases.referral_services import (
    ReferralConflict,
    referral_accept,
    referral_cancel,
    referral_complete,
    referral_decline,
    referral_service_add,
    referral_service_update,
    referral_update_post,
)
from migra.cases.tests.referral_fixtures import make_user, race, send

pytestmark = pytest.mark.django_db


def _status(referral: Referral) -> str:
    referral.refresh_from_db()
    return referral.status


# --------------------------------------------------------------------------- accept


def test_accept_once_then_a_clear_error_and_nothing_changed(sent: Referral, lawyer: User) -> None:
    referral_accept(actor=lawyer, referral=sent)
    sent.refresh_from_db()
    decided = (sent.status, sent.decided_at, sent.decided_by_id, sent.version)
    assert decided[0] == ReferralStatus.ACCEPTED and decided[2] == lawyer.pk
    with pytest.raises(ReferralConflict) as caught:
        referral_accept(actor=lawyer, referral=sent)
    assert "already accepted" in str(caught.value)
    sent.refresh_from_db()
    assert (sent.status, sent.decided_at, sent.decided_by_id, sent.version) == decided
    assert CaseEvent.objects.filter(kind="referral_accepted").count() == 1


def test_a_declined_or_cancelled_referral_cannot_be_accepted(
    cast: Any, sent: Referral, lawyer: User, bm_case: Any, consent_to: Callable[..., Any]
) -> None:
    referral_decline(actor=lawyer, referral=sent, reason="We have no lawyer free this month.")
    with pytest.raises(ReferralConflict) as caught:
        referral_accept(actor=lawyer, referral=sent)
    assert "declined" in str(caught.value)
    assert _status(sent) == ReferralStatus.DECLINED

    again = send(bm_case, cast.agencies["legal"], cast.users["carol"])
    referral_cancel(actor=cast.users["carol"], referral=again)
    with pytest.raises(ReferralConflict) as caught:
        referral_accept(actor=lawyer, referral=again)
    assert "cancelled" in str(caught.value)
    assert _status(again) == ReferralStatus.CANCELLED


def test_accept_twice_over_http_gives_a_clear_error(
    sent: Referral, lawyer: User, as_user: Callable[..., Client]
) -> None:
    client = as_user(lawyer)
    url = reverse("cases:referral-accept", args=[sent.pk])
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 409
    assert "already accepted" in response.content.decode()
    assert (
        AuditEvent.objects.filter(
            object_type="cases.referral", object_id=str(sent.pk), action=AuditAction.UPDATE
        ).count()
        == 1
    )


def test_only_receivers_may_accept(
    cast: Any, sent: Referral, as_user: Callable[..., Client]
) -> None:
    url = reverse("cases:referral-accept", args=[sent.pk])
    for name in ("carol", "dan", "frank", "charlie", "bob", "alice"):
        response = as_user(cast.users[name]).post(url)
        assert response.status_code == 403, name
    assert _status(sent) == ReferralStatus.PENDING
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 6


def test_a_receiver_outside_the_case_province_sees_nothing(
    cast: Any, sent: Referral, as_user: Callable[..., Client]
) -> None:
    far = make_user("sophea", cast.agencies["legal"], Role.CASEWORKER, [cast.places["17"]])
    response = as_user(far).get(reverse("cases:referral-detail", args=[sent.pk]))
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        referral_accept(actor=far, referral=sent)
    assert _status(sent) == ReferralStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_receivers_accepting_at_once_exactly_one_wins(
    cast: Any, bm_case: Any, lawyer: User, legal_offers: list, consent_to: Callable[..., Any]
) -> None:
    """Two threads, two database connections, the same moment: one accept, one error."""
    colleague = make_user("vanna", cast.agencies["legal"], Role.CASEWORKER, [cast.places["01"]])
    consent_to(bm_case.person, cast.agencies["legal"])
    referral = send(bm_case, cast.agencies["legal"], cast.users["carol"])
    first = Referral.objects.get(pk=referral.pk)
    second = Referral.objects.get(pk=referral.pk)
    outcomes = race(
        lambda: referral_accept(actor=lawyer, referral=first),
        lambda: referral_accept(actor=colleague, referral=second),
    )
    assert outcomes == ["ReferralConflict", "ok"], outcomes
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.version == 2
    assert CaseEvent.objects.filter(kind="referral_accepted").count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db(transaction=True)
def test_accept_and_decline_at_once_one_answer_wins(
    cast: Any, bm_case: Any, lawyer: User, legal_offers: list, consent_to: Callable[..., Any]
) -> None:
    consent_to(bm_case.person, cast.agencies["legal"])
    referral = send(bm_case, cast.agencies["legal"], cast.users["carol"])
    outcomes = race(
        lambda: referral_accept(actor=lawyer, referral=referral),
        lambda: referral_decline(actor=lawyer, referral=referral, reason="No lawyer free."),
    )
    assert outcomes == ["ReferralConflict", "ok"], outcomes
    referral.refresh_from_db()
    events = list(CaseEvent.objects.filter(kind__in=["referral_accepted", "referral_declined"]))
    assert len(events) == 1
    assert events[0].kind == f"referral_{referral.status}"
    assert (referral.decline_reason == "No lawyer free.") == (
        referral.status == ReferralStatus.DECLINED
    )


# --------------------------------------------------------------------------- decline


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_decline_needs_a_reason_of_sensible_length(
    sent: Referral, lawyer: User, as_user: Callable[..., Client], reason: str
) -> None:
    response = as_user(lawyer).post(
        reverse("cases:referral-decline", args=[sent.pk]), {"decline_reason": reason}
    )
    assert response.status_code == 400
    assert response.context["decline_form"].errors["decline_reason"]
    assert _status(sent) == ReferralStatus.PENDING
    with pytest.raises(ValidationError):
        referral_decline(actor=lawyer, referral=sent, reason=reason)
    assert _status(sent) == ReferralStatus.PENDING


def test_decline_with_a_reason_the_sender_reads(
    cast: Any, sent: Referral, lawyer: User, as_user: Callable[..., Client]
) -> None:
    response = as_user(lawyer).post(
        reverse("cases:referral-decline", args=[sent.pk]),
        {"decline_reason": "No lawyer in your province this month."},
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.DECLINED
    assert sent.decline_reason == "No lawyer in your province this month."
    page = as_user(cast.users["carol"]).get(reverse("cases:referral-detail", args=[sent.pk]))
    assert "No lawyer in your province this month." in page.content.decode()
    # The reason is not in the audit trail nor on the timeline.
    event = CaseEvent.objects.get(kind="referral_declined")
    assert "lawyer" not in str(event.detail)
    assert not AuditEvent.objects.filter(changes__icontains="lawyer").exists()


# --------------------------------------------------------------------------- updates


def test_both_sides_post_updates_outsiders_may_not(
    cast: Any, sent: Referral, lawyer: User, as_user: Callable[..., Client]
) -> None:
    url = reverse("cases:referral-update", args=[sent.pk])
    assert as_user(lawyer).post(url, {"text": "We called the employer."}).status_code == 302
    assert as_user(cast.users["carol"]).post(url, {"text": "Thank you."}).status_code == 302
    for name in ("dan", "charlie", "frank"):
        assert as_user(cast.users[name]).post(url, {"text": "hello"}).status_code == 403
    updates = list(ReferralUpdate.objects.order_by("pk"))
    assert [(u.text, u.agency_id) for u in updates] == [
        ("We called the employer.", cast.agencies["legal"].pk),
        ("Thank you.", cast.agencies["crisis"].pk),
    ]
    assert as_user(lawyer).post(url, {"text": ""}).status_code == 400
    assert as_user(lawyer).post(url, {"text": "y" * 2001}).status_code == 400
    assert ReferralUpdate.objects.count() == 2


def test_no_updates_on_a_closed_referral(cast: Any, sent: Referral, lawyer: User) -> None:
    referral_decline(actor=lawyer, referral=sent, reason="No.")
    with pytest.raises(ReferralConflict):
        referral_update_post(actor=cast.users["carol"], referral=sent, text="Why?")
    assert not ReferralUpdate.objects.exists()


# --------------------------------------------------------------------------- services


def test_services_need_an_accepted_referral(sent: Referral, lawyer: User) -> None:
    with pytest.raises(ReferralConflict) as caught:
        referral_service_add(actor=lawyer, referral=sent, kind=ServiceKind.LEGAL_AID)
    assert "Accept the referral" in str(caught.value)
    assert not CaseService.objects.exists()


def test_wage_claim_recorded_updated_and_delivered(
    cast: Any, sent: Referral, lawyer: User, as_user: Callable[..., Client]
) -> None:
    client = as_user(lawyer)
    client.post(reverse("cases:referral-accept", args=[sent.pk]))
    response = client.post(
        reverse("cases:referral-service-add", args=[sent.pk]),
        {
            "kind": ServiceKind.WAGE_CLAIM,
            "status": ServiceStatus.IN_PROGRESS,
            "currency": "THB",
            "amount_claimed": "48000.00",
            "note": "Claim filed with the labour court.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    service = CaseService.objects.get()
    assert service.referral_id == sent.pk
    assert service.agency_id == cast.agencies["legal"].pk
    assert service.amount_claimed == Decimal("48000.00")
    response = client.post(
        reverse("cases:referral-service-edit", args=[sent.pk, service.pk]),
        {
            f"s{service.pk}-status": ServiceStatus.DELIVERED,
            f"s{service.pk}-currency": "THB",
            f"s{service.pk}-amount_claimed": "48000.00",
            f"s{service.pk}-amount_recovered": "36000.50",
            f"s{service.pk}-note": "Employer paid most of it.",
            f"s{service.pk}-version": service.version,
        },
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.status == ServiceStatus.DELIVERED
    assert service.amount_recovered == Decimal("36000.50")
    assert service.delivered_on is not None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "wage_claim", "amount_claimed": "-5", "currency": "USD"}, "amount_claimed"),
        ({"kind": "wage_claim", "amount_claimed": "1e30", "currency": "USD"}, "amount_claimed"),
        ({"kind": "wage_claim", "amount_claimed": "abc", "currency": "USD"}, "amount_claimed"),
        ({"kind": "wage_claim", "amount_claimed": "100"}, "currency"),
        ({"kind": "wage_claim", "amount_claimed": "100", "currency": "EUR"}, "currency"),
        ({"kind": "shelter", "amount_claimed": "100", "currency": "USD"}, "amount_claimed"),
        ({"kind": "teleport"}, "kind"),
        ({"kind": "legal_aid", "note": "n" * 2001}, "note"),
    ],
)
def test_bad_service_input_changes_nothing(
    sent: Referral, lawyer: User, as_user: Callable[..., Client], data: dict, field: str
) -> None:
    client = as_user(lawyer)
    client.post(reverse("cases:referral-accept", args=[sent.pk]))
    response = client.post(
        reverse("cases:referral-service-add", args=[sent.pk]), {"status": "planned", **data}
    )
    assert response.status_code == 400
    assert response.context["service_form"].errors.get(field), response.context[
        "service_form"
    ].errors
    assert not CaseService.objects.exists()


def test_stale_service_edit_is_a_conflict(sent: Referral, lawyer: User) -> None:
    referral_accept(actor=lawyer, referral=sent)
    service = referral_service_add(actor=lawyer, referral=sent, kind=ServiceKind.LEGAL_AID)
    stale_version = service.version
    referral_service_update(
        actor=lawyer,
        referral=sent,
        service=service,
        expected_version=stale_version,
        status=ServiceStatus.IN_PROGRESS,
    )
    with pytest.raises(ValidationError) as caught:
        referral_service_update(
            actor=lawyer,
            referral=sent,
            service=service,
            expected_version=stale_version,
            note="Second editor",
        )
    assert "Someone else changed this service" in str(caught.value)
    service.refresh_from_db()
    assert service.note == "" and service.status == ServiceStatus.IN_PROGRESS


def test_the_sender_cannot_record_services_on_the_receivers_behalf(
    cast: Any, sent: Referral, lawyer: User, as_user: Callable[..., Client]
) -> None:
    referral_accept(actor=lawyer, referral=sent)
    response = as_user(cast.users["carol"]).post(
        reverse("cases:referral-service-add", args=[sent.pk]),
        {"kind": "legal_aid", "status": "planned"},
    )
    assert response.status_code == 403
    assert not CaseService.objects.exists()


# --------------------------------------------------------------------------- complete


def test_complete_only_an_accepted_referral(sent: Referral, lawyer: User) -> None:
    with pytest.raises(ReferralConflict):
        referral_complete(actor=lawyer, referral=sent)
    referral_accept(actor=lawyer, referral=sent)
    referral_complete(actor=lawyer, referral=sent)
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.COMPLETED and sent.completed_at is not None
    with pytest.raises(ReferralConflict) as caught:
        referral_complete(actor=lawyer, referral=sent)
    assert "already completed" in str(caught.value)


def test_due_date_of_the_case_follows_its_open_referrals(
    cast: Any, sent: Referral, lawyer: User, bm_case: Any
) -> None:
    bm_case.refresh_from_db()
    assert bm_case.next_due_on == sent.due_on
    referral_accept(actor=lawyer, referral=sent)
    bm_case.refresh_from_db()
    assert bm_case.next_due_on == sent.due_on
    referral_complete(actor=lawyer, referral=sent)
    bm_case.refresh_from_db()
    assert bm_case.next_due_on is None


# --------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize(
    ("name", "detail", "inbox", "sent_list"),
    [
        ("carol", 200, 200, 200),  # sent it: sees it (and the case)
        ("bob", 200, 403, 200),  # programme admin of the crisis centre: sees its cases
        ("lawyer", 200, 200, 200),  # receiver
        ("dan", 403, 200, 200),  # same agency, another province
        ("alice", 403, 403, 200),  # lead NGO admin: not the lead NGO's case
        ("frank", 403, 200, 403),  # another receiving agency
        ("gina", 403, 403, 403),
        ("erin", 403, 403, 403),
        ("charlie", 403, 403, 403),
    ],
)
def test_who_sees_a_referral(
    cast: Any,
    sent: Referral,
    lawyer: User,
    as_user: Callable[..., Client],
    name: str,
    detail: int,
    inbox: int,
    sent_list: int,
) -> None:
    user = lawyer if name == "lawyer" else cast.users[name]
    client = as_user(user)
    detail_url = reverse("cases:referral-detail", args=[sent.pk])
    response = client.get(detail_url)
    assert response.status_code == detail
    if detail == 403:
        assert AuditEvent.objects.filter(
            action=AuditAction.DENIED, actor_id=user.pk, object_id=str(sent.pk)
        ).exists()
    else:
        assert AuditEvent.objects.filter(
            action=AuditAction.VIEW, actor_id=user.pk, object_type="cases.referral"
        ).exists()
    response = client.get(reverse("cases:referral-inbox"))
    assert response.status_code == inbox
    if inbox == 200:
        assert (detail_url in response.content.decode()) == (name == "lawyer")
    response = client.get(reverse("cases:referral-sent") + "?status=all")
    assert response.status_code == sent_list
    if sent_list == 200:
        assert (detail_url in response.content.decode()) == (name in ("carol", "bob"))
    assert client.get(reverse("cases:referral-detail", args=[sent.pk + 999])).status_code == 404
