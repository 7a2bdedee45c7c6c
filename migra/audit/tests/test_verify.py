"""verify_chain on trails that nobody touched."""

from __future__ import annotations

from typing import Any

import pytest

from migra.audit.models import AuditChainHead
from migra.audit.tests.conftest import record_events
from migra.audit.verify import verify_chain


def test_an_empty_trail_is_intact(db: Any) -> None:
    report = verify_chain()
    assert report.ok
    assert report.events_checked == 0
    assert report.first_broken_seq is None


@pytest.mark.parametrize("batch_size", [1, 3, 10, 11, 2000])
def test_an_intact_trail_passes_whatever_the_batch_size(db: Any, batch_size: int) -> None:
    record_events(10, changes={"ក": "ខ"})
    report = verify_chain(batch_size=batch_size)
    assert report.ok, report.reason
    assert report.events_checked == 10
    head = AuditChainHead.objects.get(pk=1)
    assert (report.head_seq, report.head_hash) == (head.seq, head.hash)


def test_batch_size_must_be_positive(db: Any) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        verify_chain(batch_size=0)
