"""The staff app's navigation, built from what the user may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from migra.accounts.roles import Perm
from migra.accounts.selectors import user_has_perm


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    perm: str | tuple[str, ...] | None  # any of them; None: everyone who is logged in


NAV_ITEMS = [
    NavItem("accounts:home", _("Home"), None),
    NavItem("programmes:detail", _("Programme"), Perm.VIEW_PROGRAMME),
    NavItem("people:list", _("People"), Perm.VIEW_PEOPLE),
    NavItem("community:home", _("Self-help groups"), Perm.MANAGE_GROUPS),
    NavItem("outreach:list", _("Awareness events"), Perm.LOG_OUTREACH),
    NavItem(
        "stories:list",
        _("Stories"),
        (Perm.WRITE_STORIES, Perm.EDIT_STORIES, Perm.WITHDRAW_STORIES),
    ),
    NavItem("site-editor:home", _("Public website"), Perm.EDIT_SITE),
    NavItem("documents:list", _("Documents"), Perm.EDIT_SITE),
    NavItem("collect:form-list", _("Field forms"), Perm.MANAGE_FORMS),
    # Field people set up ODK Collect on their phone here (the forms follow their role).
    NavItem(
        "collect_phone:setup",
        _("ODK Collect"),
        (Perm.MANAGE_GROUPS, Perm.LOG_OUTREACH, Perm.WRITE_STORIES, Perm.SCREEN),
    ),
    NavItem("screening:list", _("Screening"), Perm.SCREEN),
    NavItem("cases:list", _("Cases"), Perm.VIEW_CASES),
    NavItem("cases:referral-inbox", _("Referrals"), Perm.RECEIVE_REFERRALS),
    NavItem("cases:tip-list", _("Reported concerns"), Perm.MANAGE_CASES),
    NavItem("cases:directory", _("Referral directory"), Perm.MANAGE_PROGRAMME),
    NavItem("community:topics", _("Meeting topics"), Perm.MANAGE_PROGRAMME),
    NavItem(
        "outreach:reach", _("People reached"), (Perm.VIEW_STATISTICS, Perm.VIEW_AGGREGATES_ONLY)
    ),
    NavItem("places:browse", _("Places"), Perm.VIEW_PLACES),
    NavItem("accounts:agency-list", _("Agencies"), Perm.MANAGE_AGENCIES),
    NavItem("accounts:user-list", _("Users"), Perm.MANAGE_USERS),
    NavItem("audit:list", _("Audit trail"), Perm.VIEW_AUDIT),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = [
        {"url": reverse(item.url_name), "label": item.label, "active": item.url_name == current}
        for item in NAV_ITEMS
        if item.perm is None
        or any(
            user_has_perm(user, perm)
            for perm in ((item.perm,) if isinstance(item.perm, str) else item.perm)
        )
    ]
    return {"nav_items": items}
