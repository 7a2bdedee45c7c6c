"""Fixtures of the referral, directory and notification tests (imported by name).

On top of the case fixtures (carol's `bm_case`: a crisis-centre case of a person from
Banteay Meanchey, province 01):

- `lawyer` (Lena): a caseworker of the legal-aid agency in Banteay Meanchey (receives referrals);
- `consent_to`: record the person's consent to be referred to an agency;
- `legal_offers`: the directory says the legal-aid agency offers legal aid and wage
  claims in province 01;
- `sent`: carol's case referred to the legal-aid agency, with consent.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import Role
from migra.accounts.tests.conftest import Cast
from migra.cases.models import Case, Referral, ServiceKind, ServiceOffer, Urgency
from migra.cases.referral_services import referral_send
from migra.people.models import Consent, ConsentMethod, ConsentPurpose, Person
from migra.people.services import consent_give

PASSWORD = "correct horse battery staple"


def race(*calls: Callable[[], Any]) -> list[str]:
    """Run the calls at the same moment, each in its own thread (its own database
    connection); return each outcome: "ok", or the error's class name."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            result = "ok"
        except Exception as error:
            result = type(error).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def make_user(name: str, agency: Agency, role: str, places: list[Any] | None = None) -> User:
    user = User.objects.create_user(
        email=f"{name}@example.org", password=PASSWORD, full_name=name.title(), language="en"
    )
    membership = Membership.objects.create(
        user=user, agency=agency, role=role, all_places=places is None
    )
    if places:
        membership.places.set(places)
    return user


@pytest.fixture
def lawyer(cast: Cast) -> User:
    """A legal-aid caseworker working in Banteay Meanchey."""
    return make_user("lawyer", cast.agencies["legal"], Role.CASEWORKER, [cast.places["01"]])


@pytest.fixture
def consent_to(cast: Cast) -> Callable[..., Consent]:
    def _consent(person: Person, agency: Agency, *, given: bool = True) -> Consent:
        return consent_give(
            actor=cast.users["carol"],
            person=person,
            purpose=ConsentPurpose.REFERRAL,
            method=ConsentMethod.SIGNATURE,
            given=given,
            agency=agency,
        )

    return _consent


@pytest.fixture
def legal_offers(cast: Cast) -> list[ServiceOffer]:
    return [
        ServiceOffer.objects.create(
            agency=cast.agencies["legal"],
            kind=kind,
            province=cast.places["01"],
            contact_name="Desk officer",
            phone="+85512345678",
            email="desk@legal.example.org",
        )
        for kind in (ServiceKind.LEGAL_AID, ServiceKind.WAGE_CLAIM)
    ]


def send(
    case: Case,
    to_agency: Agency,
    actor: User,
    **extra: Any,
) -> Referral:
    fields: dict[str, Any] = {
        "reason": "Unpaid wages for eight months at a fishing company.",
        "urgency": Urgency.URGENT,
        "requested_services": [ServiceKind.WAGE_CLAIM],
        "due_on": timezone.localdate() + dt.timedelta(days=7),
        "shared_parts": ["identity", "summary"],
    }
    fields.update(extra)
    return referral_send(actor=actor, case=case, to_agency=to_agency, **fields)


@pytest.fixture
def sent(
    cast: Cast,
    bm_case: Case,
    lawyer: User,
    legal_offers: list[ServiceOffer],
    consent_to: Callable[..., Consent],
) -> Referral:
    consent_to(bm_case.person, cast.agencies["legal"])
    return send(bm_case, cast.agencies["legal"], cast.users["carol"])
