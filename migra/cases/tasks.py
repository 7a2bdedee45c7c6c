"""Background work of cases and referrals, run by `migra worker` (never in a request).

- `send_notification_emails(notification_ids=[...])`: enqueued by `notify()` once the
  transaction commits; emails each notification once.
- `alert_overdue_referrals()`: every 15 minutes; alerts once about each referral past
  its due date (`Referral.overdue_alerted_at`).
- `send_daily_digests()`: every 15 minutes; from `DIGEST_HOUR` local time it sends each
  user with overdue tasks or referrals one digest a day (a second run the same day
  finds the day's digest already there and sends nothing).

The two periodic tasks are enqueued by every long-running worker
(`migra.config.worker.periodic`); both are safe to run any number of times.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from migra.config.worker import periodic

logger = logging.getLogger("migra.cases.tasks")

MAX_IDS = 1000


def digest_hour() -> int:
    """The local hour from which the daily digest goes out (MIGRA_DIGEST_HOUR, 7)."""
    hour = getattr(settings, "MIGRA_DIGEST_HOUR", 7)
    return hour if isinstance(hour, int) and 0 <= hour <= 23 else 7


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email these notifications (each at most once). Returns how many went out."""
    from migra.cases.notifications import notification_email_send

    sent = 0
    for pk in list(notification_ids)[:MAX_IDS]:
        if not isinstance(pk, int):
            continue
        try:
            if notification_email_send(notification_id=pk):
                sent += 1
        except Exception:
            # The notification stays in the app; the others still go out.
            logger.exception("Could not email notification %s", pk)
    return sent


@periodic(every=timedelta(minutes=15))
@task()
def alert_overdue_referrals() -> int:
    """Alert about referrals that became overdue. Returns how many."""
    from migra.cases.referral_services import referrals_alert_overdue

    return referrals_alert_overdue()


@periodic(every=timedelta(minutes=15))
@task()
def send_daily_digests() -> int:
    """Send today's digests once it is time. Returns how many went out."""
    from migra.cases.referral_services import daily_digest_send

    if timezone.localtime().hour < digest_hour():
        return 0
    return daily_digest_send()
