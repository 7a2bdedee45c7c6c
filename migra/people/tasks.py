"""Background tasks of the people registry (run by `migra worker`)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from migra.config.worker import periodic
from migra.people.selectors import persons_past_retention
from migra.people.services import person_erase_request_for_retention


@periodic(every=timedelta(hours=6))
@task()
def request_erasure_past_retention() -> int:
    """Put records kept past the retention period forward for erasure (a supervisor
    still approves each one). Safe to run any number of times: a record already
    waiting is skipped. Returns how many were put forward."""
    waiting = persons_past_retention().filter(erasure_requested_at__isnull=True)
    return sum(
        person_erase_request_for_retention(person=person)
        for person in waiting.iterator(chunk_size=500)
    )
