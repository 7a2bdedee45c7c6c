"""One event: every field, the changes laid out, and whether it still matches its seal."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape

from migra.accounts.models import User
from migra.audit.models import AuditAction, AuditEvent
from migra.audit.services import audit_record
from migra.audit.tests.conftest import drop_guards, verified_client


def test_the_changes_are_shown_field_by_field(lena: User, chantha: User) -> None:
    event = audit_record(
        actor=chantha,
        action=AuditAction.UPDATE,
        object_type="people.person",
        object_id="12",
        object_label="P-0012",
        changes={
            "village": {"old": "ភូមិ ១", "new": "ភូមិ ២"},
            "reason": "បានផ្លាស់ទីលំនៅ",
            "tags": ["returnee", "ថៃ"],
        },
    )
    response = verified_client(lena).get(reverse("audit:detail", args=[event.seq]))

    assert response.status_code == 200
    html = response.content.decode()
    rows = {row["field"]: row for row in response.context["change_rows"]}
    assert (rows["village"]["old"], rows["village"]["new"]) == ("ភូមិ ១", "ភូមិ ២")
    assert rows["reason"]["value"] == "បានផ្លាស់ទីលំនៅ"
    assert '"ថៃ"' in rows["tags"]["value"]
    for text in ("ភូមិ ១", "ភូមិ ២", "បានផ្លាស់ទីលំនៅ", "P-0012", "people.person", event.hash):
        assert escape(text) in html
    assert response.context["hash_matches"] is True
    assert "audit-seal--ok" in html


def test_an_altered_event_is_flagged_on_its_page(lena: User) -> None:
    event = audit_record(actor=lena, action=AuditAction.VIEW, object_label="honest")
    drop_guards()
    AuditEvent.objects.filter(pk=event.pk).update(object_label="forged")

    response = verified_client(lena).get(reverse("audit:detail", args=[event.seq]))

    assert response.context["hash_matches"] is False
    assert "audit-seal--broken" in response.content.decode()


def test_older_and_newer_links_skip_events_out_of_reach(
    piseth: User, chantha: User, dara: User
) -> None:
    first = audit_record(actor=chantha, action=AuditAction.VIEW)
    audit_record(actor=dara, action=AuditAction.VIEW)  # another agency's
    middle = audit_record(actor=piseth, action=AuditAction.VIEW)
    audit_record(actor=dara, action=AuditAction.VIEW)
    last = audit_record(actor=chantha, action=AuditAction.VIEW)

    response = verified_client(piseth).get(reverse("audit:detail", args=[middle.seq]))

    assert (response.context["previous_seq"], response.context["next_seq"]) == (
        first.seq,
        last.seq,
    )


def test_an_event_without_changes(lena: User) -> None:
    event = audit_record(actor=None, action=AuditAction.LOGOUT)
    response = verified_client(lena).get(reverse("audit:detail", args=[event.seq]))
    assert response.status_code == 200
    assert response.context["change_rows"] == []
