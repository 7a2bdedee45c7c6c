"""Background tasks of the community app (run by `migra worker`)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from migra.community.tallies import tallies_rebuild
from migra.config.worker import periodic


@periodic(every=timedelta(hours=24))
@task()
def recount_tallies() -> dict[str, int]:
    """Recount the summary tallies from the records. The services keep them exact;
    this takes in corrections made elsewhere (a member's sex or year of birth fixed
    in the registry after the meeting). One commune or group per transaction."""
    return tallies_rebuild()
