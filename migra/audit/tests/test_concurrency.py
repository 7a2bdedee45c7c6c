"""Writers in several threads at once still build one unbroken chain.

Each thread has its own database connection. On PostgreSQL the chain head's row
lock orders the appends; on SQLite the IMMEDIATE transactions do.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from migra.audit.models import AuditAction, AuditChainHead, AuditEvent
from migra.audit.services import audit_record
from migra.audit.verify import verify_chain

THREADS = 6
APPENDS_EACH = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_build_one_intact_chain() -> None:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            for i in range(APPENDS_EACH):
                audit_record(
                    actor=None,
                    action=AuditAction.VIEW,
                    object_type="tests.thread",
                    object_id=f"{number}-{i}",
                )
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = THREADS * APPENDS_EACH
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))  # no duplicates, no gaps
    object_ids = set(AuditEvent.objects.values_list("object_id", flat=True))
    assert len(object_ids) == total  # every append landed once
    assert AuditChainHead.objects.get(pk=1).seq == total
    report = verify_chain(batch_size=50)
    assert report.ok, report.reason
    assert report.events_checked == total
