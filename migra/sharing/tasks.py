"""Background work of migra.sharing, run by `migra worker` (never in a request).

- `facebook_send(post_pk=…)`: enqueued when a story is queued for the Page, when it is
  withdrawn after being posted, and by the editor's "try again now": one attempt.
- `facebook_retry_due()`: every minute, the attempts that are due (retries after a
  failure, and anything a lost task left behind). Safe in many workers at once: each
  row is claimed before anything is sent.
"""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from migra.config.worker import periodic


@task()
def facebook_send(post_pk: int) -> str:
    from migra.sharing.services import facebook_process

    if isinstance(post_pk, bool) or not isinstance(post_pk, int):
        return "skipped"
    return facebook_process(post_pk=post_pk)


@periodic(every=timedelta(minutes=1))
@task()
def facebook_retry_due() -> dict[str, int]:
    from migra.sharing.services import facebook_process_due

    return facebook_process_due()
