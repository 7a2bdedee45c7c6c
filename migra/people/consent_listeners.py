"""Parts of Migra that rely on a person's consent and must act at once when it ends.

A story published with a person's consent (migra.stories) must come down the moment the
consent is withdrawn, the person refuses, or the record is erased or merged away. The
people services do not import those parts: the parts register a listener here, in their
AppConfig.ready(), and the people services call `consent_lost(...)` inside their own
transaction, after saving and auditing. A listener that raises rolls the whole change
back: nothing is withdrawn halfway.

    from migra.people.consent_listeners import ConsentLoss, register_consent_listener

    def unpublish(loss: ConsentLoss) -> None: ...

    register_consent_listener("stories", unpublish)

Listeners run one after the other, in the order of their keys, with the person's row
locked (SELECT … FOR UPDATE, `lock_person`). The people services take that lock first in
their transaction, and a service that publishes something on the strength of a consent
takes the same lock first and reads the consent after it: publishing and a withdrawal
never cross, and never deadlock (both take the person before the audit trail's lock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest


class LossReason(models.TextChoices):
    """Why consent may no longer hold (codes, for listeners and the audit trail)."""

    # A consent was withdrawn, or a refusal was recorded after it.
    WITHDRAWN = "withdrawn"
    REFUSED = "refused"
    # The record was erased, or merged into another one: everything relying on it ends.
    ERASED = "erased"
    MERGED_AWAY = "merged_away"
    # The record received another's consents (a merge into it) or lost some (an undone
    # merge): the latest answer per purpose may have changed; check again.
    MERGED_INTO = "merged_into"
    UNMERGED = "unmerged"


# Reasons after which nothing may stay published on the record's strength, whatever
# the consents say.
FINAL_REASONS = frozenset({LossReason.ERASED, LossReason.MERGED_AWAY})


@dataclass(frozen=True)
class ConsentLoss:
    person_id: int
    purposes: frozenset[str]  # ConsentPurpose values that may no longer hold
    reason: str  # a LossReason value
    actor: Any | None  # the user whose action caused it (None: the system)
    request: HttpRequest | None = None

    @property
    def is_final(self) -> bool:
        return self.reason in FINAL_REASONS


Listener = Callable[[ConsentLoss], None]

_LISTENERS: dict[str, Listener] = {}


def register_consent_listener(key: str, listener: Listener) -> None:
    """Call `listener` whenever a person's consent may have ended. `key` names it (one
    listener per key; registering the same one again is fine)."""
    existing = _LISTENERS.get(key)
    if existing is not None and existing is not listener:
        raise ValueError(f"consent listener {key!r} is already registered")
    _LISTENERS[key] = listener


def unregister_consent_listener(key: str) -> None:
    """For tests."""
    _LISTENERS.pop(key, None)


def consent_listeners() -> list[tuple[str, Listener]]:
    return sorted(_LISTENERS.items())


def lock_person(person_id: int) -> None:
    """Lock the person's row for the rest of the transaction. The services that change
    a consent take it before anything else (before the audit trail's lock), and so do
    services that publish on the strength of a consent: they wait for each other
    instead of deadlocking."""
    from migra.people.models import Person

    list(Person.objects.select_for_update().filter(pk=person_id).values_list("pk", flat=True))


def consent_lost(
    *,
    person_id: int,
    purposes: Iterable[str],
    reason: str,
    actor: Any | None,
    request: HttpRequest | None = None,
) -> None:
    """Tell every listener that the person's consent for `purposes` may have ended.
    Must be called inside the transaction that made the change."""
    if reason not in LossReason.values:
        raise ValueError(f"unknown reason {reason!r}")
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("consent_lost must run inside the transaction of the change")
    lock_person(person_id)  # already held when the caller took it first, as it should
    loss = ConsentLoss(
        person_id=person_id,
        purposes=frozenset(purposes),
        reason=reason,
        actor=actor,
        request=request,
    )
    for _key, listener in consent_listeners():
        listener(loss)
