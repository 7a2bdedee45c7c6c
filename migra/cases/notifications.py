"""Notifications: a message for a user in the app, and the same by email.

`notify(users=..., kind=..., object_type=..., object_label=..., url=...)` stores one
`Notification` per user and, once the transaction commits, enqueues the email task
(`migra.cases.tasks.send_notification_emails`): email goes out from the worker, never
from the request. A notification holds no personal data: a kind (what happened), the
object it is about ("referral", "#12"), and a link. Emails say what happened in the
recipient's language and link to the page; they never name a person nor describe a
case (no object label either: a case number means nothing outside the office).

`unread_notifications(request)` is a context processor giving templates the number of
unread notifications (counted only when a template uses it).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from migra.cases.models import Notification

logger = logging.getLogger("migra.cases.notifications")

# What happened, said in a few words (the in-app list and the email's subject).
KIND_TEXT: dict[str, Any] = {
    "referral_received": _("A case was referred to your agency"),
    "referral_accepted": _("Your referral was accepted"),
    "referral_declined": _("Your referral was declined"),
    "referral_cancelled": _("A referral to your agency was cancelled"),
    "referral_update": _("A referral has a new update"),
    "referral_service": _("A service was recorded on a referral"),
    "referral_completed": _("A referral was completed"),
    "referral_overdue": _("A referral is overdue"),
    "task_assigned": _("A task was given to you"),
    "case_assigned": _("A case was given to you"),
    "daily_digest": _("Your daily list of overdue work"),
    "tip_new": _("A new concern was reported"),
}
GENERIC_TEXT = _("Something needs your attention")

OBJECT_TYPE_TEXT: dict[str, Any] = {
    "referral": _("Referral"),
    "case": _("Case"),
    "task": _("Task"),
    "digest": _("Overdue work"),
    "tip": _("Reported concern"),
}

MAX_KIND = Notification._meta.get_field("kind").max_length or 40
MAX_OBJECT_TYPE = Notification._meta.get_field("object_type").max_length or 20
MAX_OBJECT_LABEL = Notification._meta.get_field("object_label").max_length or 40
MAX_URL = Notification._meta.get_field("url").max_length or 200


def kind_text(kind: str) -> str:
    return str(KIND_TEXT.get(kind, GENERIC_TEXT))


def object_type_text(object_type: str) -> str:
    return str(OBJECT_TYPE_TEXT.get(object_type, object_type))


def _local_url(url: str) -> str:
    """Only paths on this site: a notification never sends anyone elsewhere."""
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith("//") or "\\" in url or len(url) > MAX_URL:
        return ""
    return url


def notify(
    *,
    users: Iterable[Any],
    kind: str,
    object_type: str = "",
    object_label: str = "",
    url: str = "",
) -> None:
    """Tell each (active) user in the app, and by email from the worker.

    Never put a name or a description of a case in any argument: they are shown in
    lists and the kind decides the email's text.
    """
    recipients: dict[int, Any] = {}
    for user in users:
        if user is not None and getattr(user, "is_active", False) and user.pk is not None:
            recipients.setdefault(user.pk, user)
    if not recipients:
        return
    now = timezone.now()
    rows = [
        Notification(
            user_id=pk,
            kind=kind[:MAX_KIND],
            at=now,
            object_type=object_type[:MAX_OBJECT_TYPE],
            object_label=object_label[:MAX_OBJECT_LABEL],
            url=_local_url(url),
        )
        for pk in sorted(recipients)
    ]
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        ids = [n.pk for n in created if n.pk is not None]
        if not ids:  # backends that do not return ids from a bulk insert
            ids = list(
                Notification.objects.filter(
                    user_id__in=list(recipients), kind=kind[:MAX_KIND], at=now
                ).values_list("pk", flat=True)
            )
        transaction.on_commit(lambda: _enqueue_emails(ids))


def _enqueue_emails(ids: list[int]) -> None:
    from migra.cases.tasks import send_notification_emails

    send_notification_emails.enqueue(notification_ids=ids)


# --------------------------------------------------------------------------- email


def site_url() -> str:
    """The address links in emails start with (MIGRA_SITE_URL; local by default)."""
    return str(getattr(settings, "MIGRA_SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def user_language(user: Any) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in codes else settings.LANGUAGE_CODE


def send_email(*, user: Any, subject_template: str, body_template: str, context: dict) -> bool:
    """Render and send one plain-text email in the user's language. False if the user
    has no email address."""
    if not getattr(user, "email", None):
        return False
    with translation.override(user_language(user)):
        subject = " ".join(render_to_string(subject_template, context).split())
        body = render_to_string(body_template, context)
    message = EmailMessage(subject=subject[:200], body=body, from_email=None, to=[user.email])
    message.send(fail_silently=False)
    return True


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification unless it was emailed already (claimed first, so two
    workers never send it twice). True when an email went out."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    user = notification.user
    if not user.is_active or not user.email:
        return False
    url = notification.url
    with translation.override(user_language(user)):
        what = kind_text(notification.kind)
    context = {"what": what, "link": site_url() + url if url else site_url() + "/app/"}
    try:
        return send_email(
            user=user,
            subject_template="cases/email/notification_subject.txt",
            body_template="cases/email/notification.txt",
            context=context,
        )
    except Exception:
        # Let a later run try again; the error goes to the task's result and the log.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise


# --------------------------------------------------------------------------- in the app


def notifications_of(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk).order_by("-at", "-pk")


def unread_count(user: Any) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()


def notification_mark_read(*, user: Any, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications read; None if it is not theirs."""
    notification = notifications_of(user).filter(pk=notification_id).first()
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    return notifications_of(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `unread_notifications`, the number of the user's unread
    notifications, counted only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {"unread_notifications": 0}
    return {"unread_notifications": LazyCount(lambda: unread_count(user))}


@functools.total_ordering
class LazyCount:
    """A number counted the first time it is used (shown, compared or tested)."""

    def __init__(self, count: Callable[[], int]) -> None:
        self._count = count
        self._value: int | None = None

    @property
    def value(self) -> int:
        if self._value is None:
            self._value = self._count()
        return self._value

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __bool__(self) -> bool:
        return self.value != 0

    def __str__(self) -> str:
        return str(self.value)

    def __eq__(self, other: object) -> bool:
        return self.value == (int(other) if isinstance(other, int | LazyCount) else other)

    def __lt__(self, other: object) -> bool:
        if isinstance(other, int | LazyCount):
            return self.value < int(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)
