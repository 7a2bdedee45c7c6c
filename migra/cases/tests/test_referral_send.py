"""Sending a referral: consent first, the directory's warning, what is shared, and bad
input (each refused with a clear error and nothing sent)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from migra.accounts.models import User
from migra.audit.models import AuditAction, AuditEvent
from migra.cases.models import (
    Case,
    CaseEvent,
    Notification,
    Referral,
    ReferralStatus,
    ServiceKind,
    ServiceOffer,
)
from migra.cases.referral_services import NoConsent, UnofferedServices, referral_cancel
from migra.cases.services import case_note_add, case_transition
from migra.cases.tests.referral_fixtures import race, send
from migra.people.models import Consent

pytestmark = pytest.mark.django_db


def _form(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "requested_services": [ServiceKind.WAGE_CLAIM],
        "urgency": "urgent",
        "due_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "reason": "Unpaid wages.",
        "shared_parts": ["identity"],
    }
    data.update(extra)
    return data


# --------------------------------------------------------------------------- consent


def test_without_consent_nothing_is_sent_and_the_form_says_so(
    cast: Any, bm_case: Case, lawyer: User, legal_offers: list, as_user: Callable[..., Client]
) -> None:
    client = as_user(cast.users["carol"])
    url = reverse("cases:referral-new", args=[bm_case.pk])
    response = client.post(url, _form(to_agency=cast.agencies["legal"].pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert "has not agreed to be referred" in page
    person_url = reverse("people:detail", args=[bm_case.person_id]) + "#consent"
    assert person_url in page
    assert not Referral.objects.exists()
    assert not Notification.objects.filter(user=lawyer).exists()


def test_refused_or_withdrawn_consent_blocks_the_referral(
    cast: Any, bm_case: Case, lawyer: User, legal_offers: list, consent_to: Callable[..., Consent]
) -> None:
    legal = cast.agencies["legal"]
    consent_to(bm_case.person, legal, given=False)
    with pytest.raises(NoConsent):
        send(bm_case, legal, cast.users["carol"])
    consent = consent_to(bm_case.person, legal)
    from migra.people.services import consent_withdraw

    consent_withdraw(actor=cast.users["carol"], consent=consent)
    with pytest.raises(NoConsent):
        send(bm_case, legal, cast.users["carol"])
    assert not Referral.objects.exists()


def test_consent_to_another_agency_does_not_count(
    cast: Any, bm_case: Case, lawyer: User, legal_offers: list, consent_to: Callable[..., Consent]
) -> None:
    consent_to(bm_case.person, cast.agencies["pcct01"])
    with pytest.raises(NoConsent):
        send(bm_case, cast.agencies["legal"], cast.users["carol"])


# --------------------------------------------------------------------------- the directory


def test_agency_not_offering_the_service_gives_a_warning_to_confirm(
    cast: Any,
    bm_case: Case,
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
    as_user: Callable[..., Client],
) -> None:
    legal = cast.agencies["legal"]
    consent_to(bm_case.person, legal)
    client = as_user(cast.users["carol"])
    url = reverse("cases:referral-new", args=[bm_case.pk])
    data = _form(to_agency=legal.pk, requested_services=[ServiceKind.SHELTER])
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "does not offer Shelter" in page
    assert 'name="confirm_unoffered"' in page
    assert not Referral.objects.exists()

    response = client.post(url, {**data, "confirm_unoffered": "on"})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.requested_services == [ServiceKind.SHELTER]
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.referral")
    assert created.changes["unoffered_confirmed"] == [ServiceKind.SHELTER]


def test_unoffered_in_this_province_but_offered_everywhere_is_fine(
    cast: Any, bm_case: Case, lawyer: User, consent_to: Callable[..., Consent]
) -> None:
    legal = cast.agencies["legal"]
    consent_to(bm_case.person, legal)
    ServiceOffer.objects.create(agency=legal, kind=ServiceKind.LEGAL_AID, province=None)
    ServiceOffer.objects.create(agency=legal, kind=ServiceKind.SHELTER, province=cast.places["17"])
    send(bm_case, legal, cast.users["carol"], requested_services=[ServiceKind.LEGAL_AID])
    with pytest.raises(UnofferedServices) as caught:
        send(bm_case, cast.agencies["legal"], cast.users["carol"], requested_services=["shelter"])
    assert caught.value.kinds == ["shelter"]


def test_inactive_offer_does_not_count(
    cast: Any, bm_case: Case, lawyer: User, legal_offers: list, consent_to: Callable[..., Consent]
) -> None:
    consent_to(bm_case.person, cast.agencies["legal"])
    ServiceOffer.objects.filter(kind=ServiceKind.WAGE_CLAIM).update(is_active=False)
    with pytest.raises(UnofferedServices):
        send(bm_case, cast.agencies["legal"], cast.users["carol"])


def test_form_suggests_agencies_of_the_directory_for_the_services_and_province(
    cast: Any,
    bm_case: Case,
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
    as_user: Callable[..., Client],
) -> None:
    consent_to(bm_case.person, cast.agencies["legal"])
    ServiceOffer.objects.create(
        agency=cast.agencies["pcct01"], kind=ServiceKind.SHELTER, province=cast.places["17"]
    )
    ServiceOffer.objects.create(
        agency=cast.agencies["crisis"], kind=ServiceKind.WAGE_CLAIM, province=None
    )
    client = as_user(cast.users["carol"])
    url = reverse("cases:referral-new", args=[bm_case.pk])
    response = client.get(url, {"requested_services": ["wage_claim"]})
    assert response.status_code == 200
    suggestions = response.context["suggestions"]
    assert [row["agency"].pk for row in suggestions] == [cast.agencies["legal"].pk]
    assert suggestions[0]["consent"] is True
    assert suggestions[0]["covers_all"] is True
    page = response.content.decode()
    assert "Desk officer" in page and "+85512345678" in page
    # Another province's offer is not suggested, nor the case's own agency.
    response = client.get(url, {"requested_services": ["shelter"]})
    assert response.context["suggestions"] == []


# --------------------------------------------------------------------------- what is shared


def test_snapshot_holds_exactly_the_chosen_parts(
    cast: Any,
    open_case: Callable[..., Case],
    bm_person: Any,
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
) -> None:
    case = open_case(bm_person, actor=cast.users["carol"], summary="Held on a boat for a year.")
    kept = case_note_add(actor=cast.users["carol"], case=case, text="Shared note: wage slips.")
    case_note_add(actor=cast.users["carol"], case=case, text="Private note: family debt.")
    consent_to(bm_person, cast.agencies["legal"])
    referral = send(
        case,
        cast.agencies["legal"],
        cast.users["carol"],
        shared_parts=["summary", "notes"],
        notes=[kept],
    )
    shared = json.loads(referral.shared)
    assert shared["parts"] == ["summary", "notes"]
    assert shared["summary"] == "Held on a boat for a year."
    assert [n["text"] for n in shared["notes"]] == ["Shared note: wage slips."]
    assert "identity" not in shared and "services" not in shared and "screening" not in shared
    assert shared["case"]["case_type"] == case.case_type
    assert shared["case"]["province"]["code"] == "01"
    # Encrypted at rest: the raw column holds neither the summary nor the note.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT shared, reason FROM cases_referral WHERE id = %s", [referral.pk])
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert "boat" not in raw and "wage slips" not in raw and "Unpaid" not in raw


def test_snapshot_is_taken_at_sending_time(
    cast: Any,
    open_case: Callable[..., Case],
    bm_person: Any,
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
) -> None:
    case = open_case(bm_person, actor=cast.users["carol"], summary="First summary.")
    consent_to(bm_person, cast.agencies["legal"])
    referral = send(case, cast.agencies["legal"], cast.users["carol"], shared_parts=["summary"])
    Case.objects.filter(pk=case.pk).update(summary="")  # the case moves on
    case.refresh_from_db()
    case.summary = "Changed later."
    case.save(update_fields=["summary"])
    referral.refresh_from_db()
    assert json.loads(referral.shared)["summary"] == "First summary."


def test_identity_part_holds_names_sex_age_and_phones(
    cast: Any,
    register: Callable[..., Any],
    open_case: Callable[..., Case],
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
) -> None:
    person = register(
        "Sok Dara",
        actor=cast.users["carol"],
        village=cast.places["01020101"],
        age=30,
        phones=("012 345 678",),
    )
    case = open_case(person, actor=cast.users["carol"])
    consent_to(person, cast.agencies["legal"])
    referral = send(case, cast.agencies["legal"], cast.users["carol"], shared_parts=["identity"])
    identity = json.loads(referral.shared)["identity"]
    assert [n["value"] for n in identity["names"]] == ["Sok Dara"]
    assert identity["sex"] == "female"
    assert identity["age"] == 30
    assert identity["phones"] == ["+85512345678"]


# --------------------------------------------------------------------------- refusals


def test_case_of_its_own_agency_duplicate_and_closed_case_are_refused(
    cast: Any,
    bm_case: Case,
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
) -> None:
    carol = cast.users["carol"]
    consent_to(bm_case.person, cast.agencies["crisis"])
    with pytest.raises(ValidationError) as caught:
        send(bm_case, cast.agencies["crisis"], carol)
    assert "its own agency" in str(caught.value)

    consent_to(bm_case.person, cast.agencies["legal"])
    first = send(bm_case, cast.agencies["legal"], carol)
    with pytest.raises(ValidationError) as caught:
        send(bm_case, cast.agencies["legal"], carol)
    assert "already has an open referral" in str(caught.value)
    assert Referral.objects.count() == 1
    # Once the first is cancelled, a new one may go.
    referral_cancel(actor=carol, referral=first)
    send(bm_case, cast.agencies["legal"], carol)
    assert Referral.objects.count() == 2

    bm_case.refresh_from_db()
    case_transition(
        actor=carol,
        case=bm_case,
        to_status="closed",
        expected_version=bm_case.version,
        closing_reason="duplicate",
    )
    consent_to(bm_case.person, cast.agencies["pcct01"])
    with pytest.raises(ValidationError) as caught:
        send(bm_case, cast.agencies["pcct01"], carol, requested_services=[])
    assert Referral.objects.count() == 2


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
        ({"urgency": "whenever"}, "urgency"),
        ({"requested_services": []}, "requested_services"),
        ({"requested_services": ["spa_day"]}, "requested_services"),
        ({"due_on": "2026-13-45"}, "due_on"),
        ({"due_on": "1999-01-01"}, "due_on"),
        ({"due_on": "2999-01-01"}, "due_on"),
        ({"shared_parts": ["everything"]}, "shared_parts"),
        ({"to_agency": "999999"}, "to_agency"),
        ({"to_agency": "<script>"}, "to_agency"),
        ({"shared_parts": ["notes"]}, "notes"),
        ({"notes": ["not-a-number"]}, "notes"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_sent(
    cast: Any,
    bm_case: Case,
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
    as_user: Callable[..., Client],
    extra: dict[str, Any],
    field: str,
) -> None:
    consent_to(bm_case.person, cast.agencies["legal"])
    client = as_user(cast.users["carol"])
    data = _form(to_agency=cast.agencies["legal"].pk)
    data.update(extra)
    response = client.post(reverse("cases:referral-new", args=[bm_case.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not Referral.objects.exists()
    assert not CaseEvent.objects.filter(kind="referral_sent").exists()


def test_a_note_of_another_case_cannot_be_shared(
    cast: Any,
    bm_case: Case,
    open_case: Callable[..., Case],
    register: Callable[..., Any],
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
    as_user: Callable[..., Client],
) -> None:
    other_person = register(
        "Keo Malis", actor=cast.users["carol"], village=cast.places["01020101"], age=40
    )
    other = open_case(other_person, actor=cast.users["carol"])
    foreign = case_note_add(actor=cast.users["carol"], case=other, text="Other case's note")
    consent_to(bm_case.person, cast.agencies["legal"])
    client = as_user(cast.users["carol"])
    data = _form(to_agency=cast.agencies["legal"].pk, shared_parts=["notes"], notes=[foreign.pk])
    response = client.post(reverse("cases:referral-new", args=[bm_case.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["notes"]
    with pytest.raises(ValidationError):
        send(
            bm_case,
            cast.agencies["legal"],
            cast.users["carol"],
            shared_parts=["notes"],
            notes=[foreign],
        )
    assert not Referral.objects.exists()


def test_hostile_text_is_shown_as_text(
    cast: Any,
    bm_case: Case,
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
    as_user: Callable[..., Client],
) -> None:
    consent_to(bm_case.person, cast.agencies["legal"])
    hostile = "<script>alert('x')</script> ប្រាក់ខែ"
    referral = send(bm_case, cast.agencies["legal"], cast.users["carol"], reason=hostile)
    response = as_user(lawyer).get(reverse("cases:referral-detail", args=[referral.pk]))
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; ប្រាក់ខែ" in page


def test_who_may_open_the_referral_form(
    cast: Any, bm_case: Case, as_user: Callable[..., Client]
) -> None:
    url = reverse("cases:referral-new", args=[bm_case.pk])
    assert as_user(cast.users["carol"]).get(url).status_code == 200
    for name in ("dan", "charlie", "frank", "bob", "erin"):
        response = as_user(cast.users[name]).get(url)
        assert response.status_code == 403, name
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(bm_case.pk))
    assert denied.count() == 5
    # bob (programme admin) sees the case but may not manage it: refused with a log too.
    with pytest.raises(PermissionDenied):
        send(bm_case, cast.agencies["legal"], cast.users["bob"])


def test_the_sender_may_cancel_a_pending_referral_only(
    cast: Any, sent: Referral, lawyer: User, as_user: Callable[..., Client]
) -> None:
    url = reverse("cases:referral-cancel", args=[sent.pk])
    assert as_user(lawyer).post(url).status_code == 403
    response = as_user(cast.users["carol"]).post(url)
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.CANCELLED
    response = as_user(cast.users["carol"]).post(url)
    assert response.status_code == 409
    assert "was cancelled" in response.content.decode()
    assert CaseEvent.objects.filter(kind="referral_cancelled").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sends_of_the_same_referral_at_once_make_one(
    cast: Any, bm_case: Case, lawyer: User, legal_offers: list, consent_to: Callable[..., Consent]
) -> None:
    consent_to(bm_case.person, cast.agencies["legal"])
    carol = cast.users["carol"]
    outcomes = race(
        lambda: send(bm_case, cast.agencies["legal"], carol),
        lambda: send(bm_case, cast.agencies["legal"], carol),
    )
    assert outcomes == ["ValidationError", "ok"], outcomes
    assert Referral.objects.count() == 1
    assert CaseEvent.objects.filter(kind="referral_sent").count() == 1


def test_donors_and_media_partners_do_not_receive_referrals(
    cast: Any, bm_case: Case, consent_to: Callable[..., Consent], as_user: Callable[..., Client]
) -> None:
    consent_to(bm_case.person, cast.agencies["donor"])
    with pytest.raises(ValidationError) as caught:
        send(bm_case, cast.agencies["donor"], cast.users["carol"], confirm_unoffered=True)
    assert "does not receive referrals" in str(caught.value)
    page = as_user(cast.users["carol"]).get(reverse("cases:referral-new", args=[bm_case.pk]))
    choices = [str(c[1]) for c in page.context["form"].fields["to_agency"].choices]
    assert "Donor" not in choices and "Crisis" not in choices and "Legal" in choices


def test_screening_part_shows_the_result_never_the_answers(
    cast: Any,
    bm_case: Case,
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Consent],
    as_user: Callable[..., Client],
) -> None:
    import uuid

    from migra.screening.models import Screening
    from migra.screening.selectors import catalogue_current
    from migra.screening.services import catalogue_load_shipped

    catalogue_load_shipped()
    Screening.objects.create(
        catalogue=catalogue_current(),
        mode="full",
        person=bm_case.person,
        sex="female",
        age_band="25-34",
        group="adult",
        agency=cast.agencies["crisis"],
        place=cast.places["01020101"],
        answers={"secret_indicator_key": "yes"},
        result="trafficking_labour",
        explanation={},
        at=timezone.now(),
        case=bm_case,
        token=uuid.uuid4(),
    )
    consent_to(bm_case.person, cast.agencies["legal"])
    with_screening = send(
        bm_case, cast.agencies["legal"], cast.users["carol"], shared_parts=["screening"]
    )
    shared = json.loads(with_screening.shared)
    assert shared["screening"]["result"] == "trafficking_labour"
    assert "secret_indicator_key" not in with_screening.shared
    page = as_user(lawyer).get(reverse("cases:referral-detail", args=[with_screening.pk]))
    text = page.content.decode()
    assert "Indications of trafficking for labour exploitation" in text
    assert "secret_indicator_key" not in text
