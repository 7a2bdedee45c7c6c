"""Django's admin shows audit events and offers no way to add, change or delete them."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from migra.accounts.models import User
from migra.audit.models import AuditEvent
from migra.audit.tests.conftest import record_events


def test_the_admin_is_read_only(db: Any) -> None:
    record_events(2)
    root = User.objects.create_superuser(email="root@example.org", password="x" * 12)
    client = Client()
    client.force_login(root)
    event = AuditEvent.objects.get(seq=1)

    listing = client.get(reverse("admin:audit_auditevent_changelist"))
    assert listing.status_code == 200
    assert "tests.thing" in listing.content.decode()
    assert reverse("admin:audit_auditevent_add") not in listing.content.decode()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403

    page = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    posted = client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]), {"object_id": "forged"}
    )
    assert posted.status_code == 403
    assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    bulk = client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk]},
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.get(pk=event.pk).object_id == "0"
    assert AuditEvent.objects.count() == 2
