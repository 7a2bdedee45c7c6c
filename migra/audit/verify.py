"""Checking the audit trail: every hash recomputed, every link and number followed.

`verify_chain` walks the events in `seq` order, `batch_size` rows at a time
(keyset pagination on the unique `seq` index), so memory stays flat however long
the trail is. It reports the first event from which the trail can no longer be
trusted:

- an event whose stored fields no longer give its hash (changed in place);
- an event whose `prev_hash` is not the hash of the event before it (the one
  before was replaced, or the hashes were rewritten);
- a missing sequence number (an event was deleted), including at the start and
  after the last event the chain head records (the newest events were deleted);
- a last event that is not the one the chain head records, or events beyond it.

The walk runs outside a transaction (on SQLite a transaction would hold the
write lock and stop the programme from working meanwhile). It checks the trail
as it stood when the walk began; events appended during the walk are left for
the next run.

Someone who can drop the triggers, rewrite every hash from some point on and
move the head can still rewrite history undetected: copy the head's hash
(`migra audit verify` prints it) somewhere else from time to time to anchor it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from migra.audit.chain import GENESIS_HASH, event_hash
from migra.audit.models import AuditChainHead, AuditEvent

HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "ip",
    "user_agent",
    "path",
    "prev_hash",
)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    first_broken_seq: int | None = None
    # Translated when shown: str() it where a language is active (the command
    # shows the English text).
    reason: str | Promise = ""
    head_seq: int = 0
    head_hash: str = GENESIS_HASH


def event_hash_matches(event: AuditEvent) -> bool:
    """Whether one event's stored fields still give its stored hash."""
    return event_hash(**{name: getattr(event, name) for name in HASHED_FIELDS}) == event.hash


def _rows(*, up_to: int | None, batch_size: int) -> Iterator[tuple[Any, ...]]:
    after = 0
    while True:
        batch = AuditEvent.objects.filter(seq__gt=after)
        if up_to is not None:
            batch = batch.filter(seq__lte=up_to)
        rows = list(
            batch.order_by("seq").values_list(*HASHED_FIELDS, "hash")[:batch_size]
        )
        yield from rows
        if len(rows) < batch_size:
            return
        after = rows[-1][0]


def _broken(
    checked: int, seq: int, reason: str | Promise, head: AuditChainHead | None
) -> ChainReport:
    return ChainReport(
        ok=False,
        events_checked=checked,
        first_broken_seq=seq,
        reason=reason,
        head_seq=head.seq if head else 0,
        head_hash=head.hash if head else GENESIS_HASH,
    )


def verify_chain(*, batch_size: int = 2000) -> ChainReport:
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    head = AuditChainHead.objects.filter(pk=1).first()
    up_to = head.seq if head is not None else None
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for row in _rows(up_to=up_to, batch_size=batch_size):
        fields = dict(zip(HASHED_FIELDS, row[:-1], strict=True))
        stored_hash = row[-1]
        seq = fields["seq"]
        if seq != expected_seq:
            return _broken(
                checked,
                expected_seq,
                format_lazy(
                    _("event #{missing} is missing (the next event is #{found})."),
                    missing=expected_seq,
                    found=seq,
                ),
                head,
            )
        if fields["prev_hash"] != prev_hash:
            return _broken(
                checked,
                seq,
                format_lazy(
                    _("event #{seq} does not link to the event before it."), seq=seq
                ),
                head,
            )
        if event_hash(**fields) != stored_hash:
            return _broken(
                checked,
                seq,
                format_lazy(
                    _("the contents of event #{seq} do not match its hash: it was changed."),
                    seq=seq,
                ),
                head,
            )
        checked += 1
        expected_seq += 1
        prev_hash = stored_hash

    last_seq = expected_seq - 1
    if head is None:
        if checked:
            return _broken(
                checked,
                last_seq,
                _("the chain head is missing: the newest events cannot be confirmed."),
                head,
            )
        return ChainReport(ok=True, events_checked=0)
    if last_seq < head.seq:
        return _broken(
            checked,
            last_seq + 1,
            format_lazy(
                _("events #{first} to #{last} are missing (the newest events were deleted)."),
                first=last_seq + 1,
                last=head.seq,
            ),
            head,
        )
    if prev_hash != head.hash:
        return _broken(
            checked,
            last_seq,
            format_lazy(
                _("event #{seq} is not the last event the chain head records."), seq=last_seq
            ),
            head,
        )
    # An event and its head update commit together, so any event visible now
    # is covered by the head read after it.
    newest = AuditEvent.objects.aggregate(newest=Max("seq"))["newest"] or 0
    head_now = AuditChainHead.objects.filter(pk=1).first()
    if head_now is None or newest > head_now.seq:
        head_seq_now = head_now.seq if head_now is not None else 0
        return _broken(
            checked,
            head_seq_now + 1,
            format_lazy(
                _("event #{seq} and later were added without moving the chain head."),
                seq=head_seq_now + 1,
            ),
            head,
        )
    return ChainReport(ok=True, events_checked=checked, head_seq=head.seq, head_hash=head.hash)
