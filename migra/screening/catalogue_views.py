"""Pages of the indicator catalogue: read by those who screen, corrected by programme
admins of the lead NGO (a new version from the current one, then published)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, user_has_perm
from migra.config.forms import add_service_errors
from migra.screening import rules, services
from migra.screening.forms import IndicatorForm, NewVersionForm, PublishForm
from migra.screening.labels import DIMENSION_LABELS
from migra.screening.models import CatalogueVersion, Indicator, ListCode
from migra.screening.selectors import (
    catalogue_by_number,
    catalogue_current,
    catalogue_draft,
    catalogue_rows,
    catalogue_versions,
    may_manage_catalogue,
)


def _require_reader(request: HttpRequest) -> None:
    user = request.user
    if not (
        user_has_perm(user, Perm.SCREEN)
        or user_has_perm(user, Perm.VIEW_CASES)
        or user_has_perm(user, Perm.MANAGE_PROGRAMME)
    ):
        raise deny(request, user, reason="may not read the screening catalogue")


def _require_manager(request: HttpRequest) -> None:
    if not may_manage_catalogue(request.user):
        raise deny(request, request.user, reason="may not manage the screening catalogue")


def _catalogue(number: int) -> CatalogueVersion:
    catalogue = catalogue_by_number(number)
    if catalogue is None:
        raise Http404
    return catalogue


@login_required
@require_http_methods(["GET", "HEAD"])
def catalogue_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    current = catalogue_current()
    return render(
        request,
        "screening/catalogue_list.html",
        {
            "versions": list(catalogue_versions()),
            "current": current,
            "draft": catalogue_draft(),
            "may_manage": may_manage_catalogue(request.user),
            "new_form": NewVersionForm(),
        },
    )


@login_required
@require_POST
def catalogue_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = NewVersionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        draft = services.catalogue_draft_create(
            actor=request.user,  # type: ignore[arg-type]
            note=note,
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return HttpResponseRedirect(reverse("screening:catalogue"))
    return HttpResponseRedirect(reverse("screening:catalogue-detail", args=[draft.number]))


def _grouped(catalogue: CatalogueVersion) -> list[dict[str, Any]]:
    language = get_language()
    lists: dict[str, dict[str, Any]] = {}
    for code, label in ListCode.choices:
        lists[code] = {"code": code, "label": label, "dimensions": {}, "count": 0}
    for row in catalogue_rows(catalogue):
        entry = lists.setdefault(
            row.list_code,
            {"code": row.list_code, "label": row.list_code, "dimensions": {}, "count": 0},
        )
        dimension = row.dimension or rules.FORCED_LABOUR
        entry["dimensions"].setdefault(dimension, []).append(
            {"row": row, "question": row.question(language)}
        )
        entry["count"] += 1
    out = []
    for entry in lists.values():
        entry["gap"] = catalogue.gaps.get(entry["code"], "")
        entry["dimensions"] = [
            {"label": DIMENSION_LABELS.get(code, code), "rows": rows}
            for code, rows in entry["dimensions"].items()
        ]
        out.append(entry)
    return out


@login_required
@require_http_methods(["GET", "HEAD"])
def catalogue_detail(request: HttpRequest, number: int) -> HttpResponse:
    _require_reader(request)
    catalogue = _catalogue(number)
    current = catalogue_current()
    may_manage = may_manage_catalogue(request.user)
    return render(
        request,
        "screening/catalogue_detail.html",
        {
            "catalogue": catalogue,
            "is_current": current is not None and current.pk == catalogue.pk,
            "lists": _grouped(catalogue),
            "rules": catalogue.rules,
            "may_edit": may_manage and not catalogue.is_published,
            "publish_form": PublishForm(initial={"version": catalogue.version}),
        },
    )


def _indicator(catalogue: CatalogueVersion, key: str) -> Indicator:
    row = catalogue.indicators.filter(key=key[:16]).first()
    if row is None:
        raise Http404
    return row


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def indicator_edit(request: HttpRequest, number: int, key: str) -> HttpResponse:
    _require_manager(request)
    catalogue = _catalogue(number)
    if catalogue.is_published:
        messages.error(
            request, _("A published catalogue never changes. Make a new version to correct it.")
        )
        return HttpResponseRedirect(reverse("screening:catalogue-detail", args=[number]))
    row = _indicator(catalogue, key)
    forced_labour = row.list_code == ListCode.FORCED_LABOUR
    status = 200
    if request.method == "POST":
        form = IndicatorForm(request.POST, forced_labour=forced_labour)
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.indicator_update(
                    actor=request.user,  # type: ignore[arg-type]
                    indicator=row,
                    expected_version=version,
                    changes=data,
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The row was corrected."))
                return HttpResponseRedirect(
                    reverse("screening:catalogue-detail", args=[number]) + f"#{row.key}"
                )
    else:
        initial = {name: getattr(row, name) for name in (*services.EDITABLE_FIELDS, "version")}
        form = IndicatorForm(initial=initial, forced_labour=forced_labour)
    return render(
        request,
        "screening/indicator_form.html",
        {"form": form, "catalogue": catalogue, "row": row},
        status=status,
    )


@login_required
@require_POST
def catalogue_publish(request: HttpRequest, number: int) -> HttpResponse:
    _require_manager(request)
    catalogue = _catalogue(number)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what changed in this version."))
        return HttpResponseRedirect(reverse("screening:catalogue-detail", args=[number]))
    try:
        services.catalogue_publish(
            actor=request.user,  # type: ignore[arg-type]
            catalogue=catalogue,
            expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Version %(number)d is published: new screenings use it.") % {"number": number},
        )
    return HttpResponseRedirect(reverse("screening:catalogue-detail", args=[number]))
