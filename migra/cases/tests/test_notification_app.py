"""Notifications in the app and by email: what is stored, what the email says (never a
name nor a case detail), in which language, and the pages to read them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from migra.accounts.models import User
from migra.cases.models import Notification, Referral
from migra.cases.notifications import (
    notification_email_send,
    notify,
    unread_notifications,
)
from migra.cases.referral_services import referral_accept
from migra.cases.tasks import send_notification_emails
from migra.cases.tests.referral_fixtures import send

pytestmark = pytest.mark.django_db


def test_notify_stores_one_per_active_user_and_emails_after_commit(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    carol, dan = cast.users["carol"], cast.users["dan"]
    dan.is_active = False
    dan.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(
            users=[carol, carol, dan, None],
            kind="task_assigned",
            object_type="case",
            object_label="MG-2026-000001",
            url="/app/cases/1/",
        )
    assert Notification.objects.filter(user=carol).count() == 1
    assert not Notification.objects.filter(user=dan).exists()
    assert mail.outbox == []  # nothing is sent inside the request's transaction
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@example.org"]
    assert "A task was given to you" in message.subject
    assert "http://127.0.0.1:8000/app/cases/1/" in message.body
    assert "MG-2026-000001" not in message.subject + message.body
    assert Notification.objects.get(user=carol).emailed_at is not None


def test_each_notification_is_emailed_once(cast: Any) -> None:
    notify(users=[cast.users["carol"]], kind="referral_received", url="/app/")
    pk = Notification.objects.get().pk
    assert notification_email_send(notification_id=pk) is True
    assert notification_email_send(notification_id=pk) is False
    assert send_notification_emails.call(notification_ids=[pk, "x", 99999]) == 0
    assert len(mail.outbox) == 1


def test_a_user_without_email_gets_the_app_notification_only(cast: Any) -> None:
    phone_user = User.objects.create_user(phone="+85512000111", full_name="Phone only")
    notify(users=[phone_user], kind="referral_received", url="/app/")
    pk = Notification.objects.get().pk
    assert notification_email_send(notification_id=pk) is False
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "A case was referred to your agency"),
        ("km", "Migra"),
        ("th", "Migra"),
    ],
)
def test_email_in_the_recipients_language(cast: Any, language: str, words: str) -> None:
    carol = cast.users["carol"]
    carol.language = language
    carol.save(update_fields=["language"])
    notify(users=[carol], kind="referral_received", url="/app/cases/referrals/1/")
    notification_email_send(notification_id=Notification.objects.get().pk)
    message = mail.outbox[0]
    assert words in message.subject
    from django.utils import translation

    with translation.override(language):
        from migra.cases.notifications import kind_text

        assert kind_text("referral_received") in message.subject


def test_foreign_or_hostile_urls_are_not_kept(cast: Any) -> None:
    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil"):
        notify(users=[cast.users["carol"]], kind="referral_update", url=url)
    assert set(Notification.objects.values_list("url", flat=True)) == {""}
    notify(users=[cast.users["carol"]], kind="x" * 100, object_label="y" * 100)
    last = Notification.objects.order_by("-pk").first()
    assert last is not None and len(last.kind) == 40 and len(last.object_label) == 40


def test_referral_emails_never_hold_names_or_case_details(
    cast: Any,
    register: Callable[..., Any],
    open_case: Callable[..., Any],
    lawyer: User,
    legal_offers: list,
    consent_to: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    carol = cast.users["carol"]
    person = register("Sok Dara", actor=carol, village=cast.places["01020101"], age=30)
    case = open_case(person, actor=carol, summary="Kept on a boat near Songkhla.")
    consent_to(person, cast.agencies["legal"])
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(
            case,
            cast.agencies["legal"],
            carol,
            reason="Sok Dara needs a lawyer in Songkhla.",
            shared_parts=["identity", "summary"],
        )
        referral_accept(actor=lawyer, referral=referral)
    assert {tuple(m.to) for m in mail.outbox} == {(lawyer.email,), (carol.email,)}
    for message in mail.outbox:
        text = message.subject + message.body
        assert "Sok" not in text and "Songkhla" not in text and case.number not in text
        assert "lawyer" not in text and "Legal" not in text.split("Migra", 1)[0]


# --------------------------------------------------------------------------- pages


def test_notification_list_open_and_mark_read(
    cast: Any, sent: Referral, lawyer: User, as_user: Callable[..., Client]
) -> None:
    client = as_user(lawyer)
    notification = Notification.objects.get(user=lawyer)
    response = client.get(reverse("cases:notifications"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A case was referred to your agency" in page
    assert f"Referral #{sent.pk}" in page
    response = client.post(reverse("cases:notification-read", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:referral-detail", args=[sent.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_nobody_reads_or_marks_someone_elses_notifications(
    cast: Any, sent: Referral, lawyer: User, as_user: Callable[..., Client]
) -> None:
    notification = Notification.objects.get(user=lawyer)
    client = as_user(cast.users["charlie"])
    assert "A case was referred" not in client.get(reverse("cases:notifications")).content.decode()
    response = client.post(reverse("cases:notification-read", args=[notification.pk]))
    assert response.status_code == 403
    client.post(reverse("cases:notifications-read-all"))
    notification.refresh_from_db()
    assert notification.read_at is None
    assert client.get(reverse("cases:notification-read", args=[notification.pk])).status_code == 405


def test_mark_all_read_and_the_unread_count(
    cast: Any, as_user: Callable[..., Client], rf: RequestFactory
) -> None:
    carol = cast.users["carol"]
    for _ in range(3):
        notify(users=[carol], kind="task_assigned", url="/app/")
    request = rf.get("/")
    request.user = carol
    assert int(unread_notifications(request)["unread_notifications"]) == 3
    client = as_user(carol)
    assert client.post(reverse("cases:notifications-read-all")).status_code == 302
    assert not Notification.objects.filter(user=carol, read_at__isnull=True).exists()
    request.user = carol
    assert int(unread_notifications(request)["unread_notifications"]) == 0
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert unread_notifications(request) == {"unread_notifications": 0}


def test_notification_pages_need_a_login(client: Client) -> None:
    for url in (reverse("cases:notifications"), reverse("cases:overdue")):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_a_failing_email_is_logged_and_the_others_still_go(
    cast: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send

    def flaky(self: EmailMessage, fail_silently: bool = False) -> int:
        if self.to == ["carol@example.org"]:
            raise OSError("SMTP server away")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    notify(users=[cast.users["carol"], cast.users["dan"]], kind="task_assigned", url="/app/")
    ids = list(Notification.objects.order_by("user_id").values_list("pk", flat=True))
    assert send_notification_emails.call(notification_ids=ids) == 1
    assert [m.to for m in mail.outbox] == [["dan@example.org"]]
    assert "Could not email notification" in caplog.text
    carol_note = Notification.objects.get(user=cast.users["carol"])
    assert carol_note.emailed_at is None  # not marked sent; still in the app
