"""The programme page and its edit form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from migra.accounts.roles import Perm
from migra.accounts.selectors import require_perm, user_has_perm
from migra.config.forms import add_service_errors
from migra.places.selectors import with_ancestors
from migra.programmes.forms import ProgrammeForm, TargetForm
from migra.programmes.models import Programme
from migra.programmes.selectors import programme_current_for, programme_current_for_manager
from migra.programmes.services import (
    ProgrammeConflict,
    programme_create,
    programme_target_set,
    programme_update,
)


@login_required
@require_http_methods(["GET", "HEAD"])
def detail(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_PROGRAMME)
    programme = programme_current_for(request.user)
    communes = with_ancestors(programme.target_communes.all()) if programme else []
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "provinces": list(programme.target_provinces.all()) if programme else [],
            "communes": communes,
            "targets": list(programme.targets.all()) if programme else [],
            "may_edit": user_has_perm(request.user, Perm.MANAGE_PROGRAMME),
        },
    )


def _initial(programme: Programme) -> dict[str, object]:
    return {
        "name_km": programme.name_km,
        "name_en": programme.name_en,
        "donors": programme.donors,
        "start_month": programme.start_month,
        "end_month": programme.end_month,
        "target_provinces": list(programme.target_provinces.all()),
        "target_communes": list(programme.target_communes.all()),
        "version": programme.version,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_PROGRAMME)
    programme = programme_current_for_manager(request.user)
    if request.method != "POST":
        form = ProgrammeForm(initial=_initial(programme) if programme else None)
        return render(request, "programmes/edit.html", {"form": form, "programme": programme})
    form = ProgrammeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        fields = {
            "name_km": data["name_km"],
            "name_en": data["name_en"],
            "donors": data["donors"],
            "start_month": data["start_month"],
            "end_month": data["end_month"],
            "target_provinces": data["target_provinces"],
            "target_communes": data["target_communes"],
        }
        try:
            if programme is None:
                programme_create(actor=request.user, request=request, **fields)
            else:
                programme_update(
                    actor=request.user,
                    programme=programme,
                    expected_version=data["version"] if data["version"] is not None else -1,
                    request=request,
                    **fields,
                )
        except ProgrammeConflict as conflict:
            form.add_error(None, str(conflict))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The programme was saved."))
            return HttpResponseRedirect(reverse("programmes:detail"))
    return render(
        request, "programmes/edit.html", {"form": form, "programme": programme}, status=400
    )


def _target_forms(programme: Programme) -> list[TargetForm]:
    return [
        TargetForm(
            prefix=f"t{target.pk}",
            existing=True,
            initial={
                "key": target.key,
                "label_km": target.label_km,
                "label_en": target.label_en,
                "label_th": target.label_th,
                "value": target.value,
                "version": programme.version,
            },
        )
        for target in programme.targets.all()
    ]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    """Change a target's number or names, or add a target; one form is sent at a time."""
    require_perm(request, Perm.MANAGE_PROGRAMME)
    programme = programme_current_for_manager(request.user)
    if programme is None:
        return HttpResponseRedirect(reverse("programmes:edit"))
    forms = _target_forms(programme)
    new_form = TargetForm(prefix="new", initial={"version": programme.version})
    status = 200
    if request.method == "POST":
        prefix = request.POST.get("form", "")
        sent_prefixes = {form.prefix for form in forms} | {"new"}
        if prefix not in sent_prefixes:
            return HttpResponse(status=400)
        existing = next((form for form in forms if form.prefix == prefix), None)
        sent = TargetForm(
            request.POST,
            prefix=prefix,
            existing=existing is not None,
            initial=existing.initial if existing else None,
        )
        if sent.is_valid():
            data = sent.cleaned_data
            try:
                programme_target_set(
                    actor=request.user,
                    programme=programme,
                    key=data["key"],
                    label_km=data["label_km"],
                    label_en=data["label_en"],
                    label_th=data["label_th"],
                    value=data["value"],
                    expected_version=data["version"],
                    request=request,
                )
            except ProgrammeConflict as conflict:
                sent.add_error(None, str(conflict))
            except ValidationError as error:
                add_service_errors(sent, error)
            else:
                messages.success(request, _("The target was saved."))
                return HttpResponseRedirect(reverse("programmes:targets"))
        status = 400
        if prefix == "new":
            new_form = sent
        else:
            forms = [sent if form.prefix == prefix else form for form in forms]
    return render(
        request,
        "programmes/targets.html",
        {"programme": programme, "forms": forms, "new_form": new_form},
        status=status,
    )
