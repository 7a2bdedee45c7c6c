"""The list shows 50 events a page, newest first, and keeps the filters across pages."""

from __future__ import annotations

import re

from django.urls import reverse

from migra.accounts.models import User
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.audit.tests.conftest import record_events, verified_client


def test_fifty_a_page(lena: User) -> None:
    record_events(120)
    client = verified_client(lena)
    url = reverse("audit:list")

    first = client.get(url)
    second = client.get(url, {"page": 2})
    third = client.get(url, {"page": 3})

    assert [e.seq for e in first.context["page"]] == list(range(120, 70, -1))
    assert [e.seq for e in second.context["page"]] == list(range(70, 20, -1))
    assert [e.seq for e in third.context["page"]] == list(range(20, 0, -1))
    assert first.context["page"].paginator.num_pages == 3


def test_the_next_page_link_keeps_the_filters(lena: User) -> None:
    record_events(60, action=AuditAction.VIEW)
    record_events(60, action=AuditAction.EXPORT)
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED)
    client = verified_client(lena)

    response = client.get(reverse("audit:list"), {"action": "export"})
    html = response.content.decode()
    links = re.findall(r'href="\?([^"]*page=2)"', html)
    assert links, "no link to page 2"
    following = client.get(reverse("audit:list") + "?" + links[0].replace("&amp;", "&"))
    assert {e.action for e in following.context["page"]} == {"export"}
    assert len(following.context["page"]) == 10
