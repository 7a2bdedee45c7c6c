"""The consent listener hook: parts that rely on a person's consent (published stories)
are told, inside the same transaction, when it may have ended — a withdrawal, a later
refusal, an erasure, a merge — and a listener that fails rolls the change back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.people.consent_listeners import (
    ConsentLoss,
    consent_listeners,
    consent_lost,
    register_consent_listener,
    unregister_consent_listener,
)
from migra.people.models import Consent, ConsentMethod, ConsentPurpose
from migra.people.services import (
    consent_give,
    consent_withdraw,
    person_erase_approve,
    person_erase_request,
    person_merge,
    person_unmerge,
)

KEY = "test-recorder"


@pytest.fixture
def heard() -> Iterator[list[tuple[ConsentLoss, bool]]]:
    """Every loss announced, with whether a transaction was open at that moment."""
    calls: list[tuple[ConsentLoss, bool]] = []

    def listener(loss: ConsentLoss) -> None:
        calls.append((loss, transaction.get_connection().in_atomic_block))

    register_consent_listener(KEY, listener)
    yield calls
    unregister_consent_listener(KEY)


def _give(cast, person, purpose: str = ConsentPurpose.STORY, given: bool = True) -> Consent:  # type: ignore[no-untyped-def]
    return consent_give(
        actor=cast.users["dan"],
        person=person,
        purpose=purpose,
        method=ConsentMethod.SIGNATURE,
        given=given,
    )


def _supervisor(cast) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user(email="sv@example.org", password="x" * 20, full_name="Sv")
    Membership.objects.create(
        user=user, agency=cast.agencies["crisis"], role=Role.CASE_SUPERVISOR, all_places=True
    )
    return user


def test_withdrawal_is_announced_inside_the_transaction(cast, register, heard):
    person = register("សុខ ចាន់ធា", age=24)
    consent = _give(cast, person, ConsentPurpose.PHOTO)
    assert heard == []  # giving consent ends nothing
    consent_withdraw(actor=cast.users["dan"], consent=consent)
    [(loss, in_transaction)] = heard
    assert in_transaction
    assert loss.person_id == person.pk
    assert loss.purposes == {ConsentPurpose.PHOTO}
    assert loss.reason == "withdrawn" and not loss.is_final
    assert loss.actor == cast.users["dan"]


def test_a_later_refusal_is_announced(cast, register, heard):
    person = register("សុខ ចាន់ធា", age=24)
    _give(cast, person)
    _give(cast, person, given=False)
    [(loss, _)] = heard
    assert loss.reason == "refused" and loss.purposes == {ConsentPurpose.STORY}


def test_erasure_is_final_for_every_purpose(cast, register, heard):
    person = register("សុខ ចាន់ធា", age=24)
    person_erase_request(actor=cast.users["dan"], person=person)
    person_erase_approve(actor=_supervisor(cast), person=person)
    [(loss, in_transaction)] = heard
    assert in_transaction and loss.is_final and loss.reason == "erased"
    assert loss.purposes == set(ConsentPurpose.values)


def test_merge_and_undo_are_announced(cast, register, heard):
    source = register("សុខ ចាន់ធា", age=24)
    target = register("សុខ ចាន់ថា", age=24)
    boss = _supervisor(cast)
    merge = person_merge(actor=boss, source=source, target=target)
    assert [(loss.person_id, loss.reason) for loss, _ in heard] == [
        (source.pk, "merged_away"),
        (target.pk, "merged_into"),
    ]
    assert heard[0][0].is_final and not heard[1][0].is_final
    heard.clear()
    person_unmerge(actor=boss, merge=merge)
    assert sorted((loss.person_id, loss.reason) for loss, _ in heard) == sorted(
        [(source.pk, "unmerged"), (target.pk, "unmerged")]
    )


def test_a_failing_listener_rolls_the_withdrawal_back(cast, register):
    person = register("សុខ ចាន់ធា", age=24)
    consent = _give(cast, person)

    def broken(loss: ConsentLoss) -> None:
        raise RuntimeError("could not unpublish")

    register_consent_listener("test-broken", broken)
    try:
        with pytest.raises(RuntimeError):
            consent_withdraw(actor=cast.users["dan"], consent=consent)
    finally:
        unregister_consent_listener("test-broken")
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused(cast, register):
    person = register("សុខ ចាន់ធា", age=24)
    with pytest.raises(RuntimeError):
        consent_lost(person_id=person.pk, purposes=["story"], reason="withdrawn", actor=None)
    with pytest.raises(ValueError), transaction.atomic():
        consent_lost(person_id=person.pk, purposes=["story"], reason="whatever", actor=None)


def test_one_listener_per_key():
    def first(loss: ConsentLoss) -> None: ...

    def second(loss: ConsentLoss) -> None: ...

    register_consent_listener("test-key", first)
    try:
        register_consent_listener("test-key", first)  # the same again: fine
        with pytest.raises(ValueError):
            register_consent_listener("test-key", second)
        assert ("test-key", first) in consent_listeners()
    finally:
        unregister_consent_listener("test-key")
