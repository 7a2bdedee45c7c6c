"""Commune and province summaries of the migration register and the meetings."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from migra.accounts.selectors import deny
from migra.community.forms import SummaryPeriodForm
from migra.community.summaries import place_summary, summary_reach
from migra.config.counts import shown
from migra.places.models import Place, PlaceKind


def _summary_page(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    place = Place.objects.filter(kind=kind, code=code[:16]).first()
    if place is None:
        raise Http404
    reach = summary_reach(request.user, place)
    if reach is None:
        raise deny(request, request.user, reason="summary outside the user's scope", target=place)
    form = SummaryPeriodForm(request.GET or None)
    status = 200
    data: dict[str, Any] = {}
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
        else:
            status = 400
    summary = place_summary(reach, since=data.get("since"), until=data.get("until"))
    masked = reach.masked

    def n(value: int) -> str:
        return shown(value, masked=masked)

    def rows(items: list[Any]) -> list[tuple[str, str]]:
        return [(row.label, n(row.count)) for row in items]

    context = {
        "place": place,
        "form": form,
        "summary": summary,
        "masked": masked,
        "away_total": n(summary.away_total),
        "away_sections": [
            ("country", rows(summary.away_by_country)),
            ("destination", rows(summary.away_by_destination)),
            ("sector", rows(summary.away_by_sector)),
            ("channel", rows(summary.away_by_channel)),
        ],
        "returns_total": n(summary.returns_total),
        "returns": rows(summary.returns_by_reason),
        "problems_total": n(summary.problems_total),
        "problems_waiting": n(summary.problems_waiting),
        "problems": [(r.label, n(r.count), n(r.waiting)) for r in summary.problems_by_kind],
        "meetings_held": n(summary.meetings_held),
        "groups_met": n(summary.groups_met),
        "groups_active": n(summary.groups_active),
        "member_attendances": n(summary.member_attendances),
        "guest_attendances": n(summary.guest_attendances),
        "attendance": [(r.label, n(r.members), n(r.guests)) for r in summary.attendance],
    }
    return render(request, "community/summary.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def commune_summary(request: HttpRequest, code: str) -> HttpResponse:
    return _summary_page(request, PlaceKind.COMMUNE, code)


@login_required
@require_http_methods(["GET", "HEAD"])
def province_summary(request: HttpRequest, code: str) -> HttpResponse:
    return _summary_page(request, PlaceKind.PROVINCE, code)
