"""The referral directory: who reads it, who maintains it, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from migra.audit.models import AuditAction, AuditEvent
from migra.cases.models import ServiceKind, ServiceOffer
from migra.cases.referral_services import (
    service_offer_create,
    service_offer_update,
    service_offer_version,
)
from migra.cases.tests.referral_fixtures import race

pytestmark = pytest.mark.django_db

LIST = reverse("cases:directory")
NEW = reverse("cases:directory-new")


def _post(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": ServiceKind.SHELTER,
        "contact_name": "Srey Mom",
        "phone": "012 345 678",
        "email": "Shelter@Crisis.Example.org",
        "notes": "Women and children only.",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("alice", 200),  # programme admin (lead NGO)
        ("bob", 200),  # programme admin (crisis centre)
        ("carol", 200),  # caseworker: refers
        ("dan", 200),
        ("frank", 200),  # authority officer: receives referrals
        ("gina", 403),  # SHG facilitator
        ("erin", 403),  # donor
        ("charlie", 403),  # nobody
    ],
)
def test_who_reads_the_directory(
    cast: Any, legal_offers: list, as_user: Callable[..., Client], name: str, status: int
) -> None:
    response = as_user(cast.users[name]).get(LIST)
    assert response.status_code == status
    if status == 200:
        assert "Desk officer" in response.content.decode()
    else:
        assert AuditEvent.objects.filter(
            action=AuditAction.DENIED, actor_id=cast.users[name].pk
        ).exists()


def test_filters_by_service_and_province(
    cast: Any, legal_offers: list, as_user: Callable[..., Client]
) -> None:
    ServiceOffer.objects.create(agency=cast.agencies["pcct01"], kind="shelter", province=None)
    ServiceOffer.objects.create(
        agency=cast.agencies["crisis"], kind="shelter", province=cast.places["17"]
    )
    client = as_user(cast.users["carol"])

    def kinds(**params: Any) -> list[tuple[str, str]]:
        rows = client.get(LIST, params).context["rows"]
        return sorted((r["offer"].kind, r["offer"].agency.name_en) for r in rows)

    assert kinds(kind="shelter") == [("shelter", "Crisis"), ("shelter", "PCCT 01")]
    assert kinds(kind="shelter", province=cast.places["01"].pk) == [("shelter", "PCCT 01")]
    assert kinds(province=cast.places["01"].pk) == [
        ("legal_aid", "Legal"),
        ("shelter", "PCCT 01"),
        ("wage_claim", "Legal"),
    ]
    # Nonsense filters show an error, not a crash, and no rows are lost.
    response = client.get(LIST, {"kind": "<script>", "province": "abc"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_lead_admin_adds_for_any_agency_others_for_their_own(
    cast: Any, as_user: Callable[..., Client]
) -> None:
    alice = as_user(cast.users["alice"])
    response = alice.post(
        NEW, _post(agency=cast.agencies["legal"].pk, province=cast.places["01"].pk)
    )
    assert response.status_code == 302
    offer = ServiceOffer.objects.get()
    assert offer.phone == "+85512345678"
    assert offer.email == "Shelter@crisis.example.org"
    assert offer.province_id == cast.places["01"].pk
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.serviceoffer")
    assert "Srey Mom" not in str(created.changes) and "+855" not in str(created.changes)

    bob = as_user(cast.users["bob"])
    response = bob.post(NEW, _post(agency=cast.agencies["legal"].pk, kind="medical"))
    assert response.status_code == 400  # not his agency: not even a choice
    assert response.context["form"].errors["agency"]
    response = bob.post(NEW, _post(agency=cast.agencies["crisis"].pk, kind="medical"))
    assert response.status_code == 302
    assert ServiceOffer.objects.count() == 2

    for name in ("carol", "frank", "charlie"):
        response = as_user(cast.users[name]).post(NEW, _post(agency=cast.agencies["crisis"].pk))
        assert response.status_code == 403, name
    assert ServiceOffer.objects.count() == 2


def test_edit_and_deactivate_only_what_one_maintains(
    cast: Any, legal_offers: list, as_user: Callable[..., Client]
) -> None:
    offer = legal_offers[0]
    edit = reverse("cases:directory-edit", args=[offer.pk])
    deactivate = reverse("cases:directory-deactivate", args=[offer.pk])
    assert as_user(cast.users["bob"]).get(edit).status_code == 403  # another agency's
    assert as_user(cast.users["carol"]).post(deactivate).status_code == 403
    alice = as_user(cast.users["alice"])
    form = alice.get(edit).context["form"]
    data = {
        **{k: v for k, v in form.initial.items() if v is not None},
        "agency": offer.agency_id,
        "province": offer.province_id,
        "contact_name": "New desk officer",
        "is_active": "on",
    }
    assert alice.post(edit, data).status_code == 302
    offer.refresh_from_db()
    assert offer.contact_name == "New desk officer"
    assert alice.post(deactivate).status_code == 302
    offer.refresh_from_db()
    assert offer.is_active is False
    # Twice: a clear message, nothing else changes.
    response = alice.post(deactivate, follow=True)
    assert "already inactive" in response.content.decode()
    # Inactive entries leave the list (and the suggestions) unless asked for.
    rows = alice.get(LIST).context["rows"]
    assert offer.pk not in [r["offer"].pk for r in rows]
    rows = alice.get(LIST, {"inactive": "on"}).context["rows"]
    assert offer.pk in [r["offer"].pk for r in rows]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"phone": "9" * 41}, "phone"),
        ({"email": "nobody@"}, "email"),
        ({"email": "a@b@c"}, "email"),
        ({"kind": "spa"}, "kind"),
        ({"contact_name": "x" * 121}, "contact_name"),
        ({"notes": "n" * 501}, "notes"),
        ({"province": "999999"}, "province"),
    ],
)
def test_bad_input_is_refused(
    cast: Any, as_user: Callable[..., Client], extra: dict[str, Any], field: str
) -> None:
    response = as_user(cast.users["alice"]).post(
        NEW, _post(agency=cast.agencies["legal"].pk, **extra)
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not ServiceOffer.objects.exists()


def test_khmer_phone_digits_and_contact_names_are_kept(
    cast: Any, as_user: Callable[..., Client]
) -> None:
    response = as_user(cast.users["alice"]).post(
        NEW,
        _post(agency=cast.agencies["legal"].pk, phone="០១២ ៣៤៥ ៦៧៨", contact_name="សុខ ដារា"),
    )
    assert response.status_code == 302
    offer = ServiceOffer.objects.get()
    assert offer.phone == "+85512345678" and offer.contact_name == "សុខ ដារា"


def test_one_entry_per_agency_service_and_province(cast: Any) -> None:
    alice = cast.users["alice"]
    legal = cast.agencies["legal"]
    service_offer_create(actor=alice, agency=legal, kind="shelter", province=None)
    with pytest.raises(Exception) as caught:
        service_offer_create(actor=alice, agency=legal, kind="shelter", province=None)
    assert "already has an entry" in str(caught.value)
    service_offer_create(actor=alice, agency=legal, kind="shelter", province=cast.places["01"])
    assert ServiceOffer.objects.count() == 2


def test_concurrent_edit_is_a_conflict_and_nothing_is_lost(cast: Any, legal_offers: list) -> None:
    alice = cast.users["alice"]
    offer = legal_offers[0]
    token = service_offer_version(offer)
    fields = {
        "agency": offer.agency,
        "kind": offer.kind,
        "province": offer.province,
        "phone": offer.phone,
        "email": offer.email,
    }
    service_offer_update(
        actor=alice, offer=offer, expected_version=token, contact_name="First", **fields
    )
    with pytest.raises(Exception) as caught:
        service_offer_update(
            actor=alice, offer=offer, expected_version=token, contact_name="Second", **fields
        )
    assert "Someone else changed this entry" in str(caught.value)
    offer.refresh_from_db()
    assert offer.contact_name == "First"


@pytest.mark.django_db(transaction=True)
def test_the_same_entry_added_twice_at_once_is_kept_once(cast: Any) -> None:
    alice = cast.users["alice"]
    legal = cast.agencies["legal"]

    def add() -> None:
        service_offer_create(actor=alice, agency=legal, kind="shelter", province=None)

    assert race(add, add) == ["ValidationError", "ok"]
    assert ServiceOffer.objects.count() == 1
