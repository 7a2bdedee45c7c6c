"""Pages of tips: the triage queue, a tip, its triage, and a tip taken on the hotline.

Thin: forms in, `tip_services` to write, `tip_selectors` to read. The public "report a
concern" page lives in migra/site (it calls the same `tip_submit`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.roles import Perm
from migra.accounts.selectors import get_visible_or_deny, require_perm
from migra.cases.models import Case, TipSource, TipStatus
from migra.cases.tip_forms import (
    DismissTipForm,
    HotlineTipForm,
    MergeTipForm,
    OpenCaseForm,
    PersonLookupForm,
    TipFilterForm,
)
from migra.cases.tip_selectors import (
    case_for_merge,
    case_visible_to,
    may_triage,
    tip_for_action,
    tip_get_for_user,
    tips_visible_to,
)
from migra.cases.tip_services import (
    DismissReason,
    TipConflict,
    tip_dismiss,
    tip_merge,
    tip_open_case,
    tip_parts,
    tip_submit,
)
from migra.config.forms import add_service_errors
from migra.lib.khmer.digits import to_arabic_digits
from migra.people.models import Person
from migra.people.selectors import persons_by_document, persons_by_phone, persons_manageable_by
from migra.places.selectors import with_ancestors
from migra.search.selectors import search_for_user

PAGE_SIZE = 25
MAX_FOUND = 20


def _label_places(tips: list[Any]) -> list[Any]:
    """Give each tip `place_label`: "Commune, District, Province" or "City, Country"."""
    matches = with_ancestors(t.place for t in tips if t.place_id is not None)
    labels = {m.place.pk: m.label for m in matches}
    for tip in tips:
        tip.place_label = labels.get(tip.place_id, "")
    return tips


@login_required
@require_http_methods(["GET", "HEAD"])
def tip_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_CASES)
    form = TipFilterForm(request.GET or None)
    status = form.chosen_status()
    tips = tips_visible_to(request.user).select_related("place")
    if status is not None:
        tips = tips.filter(status=status)
    page = Paginator(tips, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/tips/list.html",
        {
            "form": form,
            "page": page,
            "tips": _label_places(list(page.object_list)),
            "status": status,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def tip_new(request: HttpRequest) -> HttpResponse:
    """A tip taken on the hotline, typed by the staff member who answered the call."""
    require_perm(request, Perm.MANAGE_CASES)
    form = HotlineTipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tip = tip_submit(
                source=TipSource.HOTLINE,
                text=data["text"],
                contact=data["contact"],
                place=data["place"],
                place_note=data["place_note"],
                actor=request.user,  # type: ignore[arg-type]
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if may_triage(request.user, tip):
                messages.success(request, _("The tip was recorded."))
                return HttpResponseRedirect(reverse("cases:tip-detail", args=[tip.pk]))
            messages.success(
                request,
                _(
                    "The tip was recorded. It is outside the places you work in: colleagues "
                    "who work there were told and will triage it."
                ),
            )
            return HttpResponseRedirect(reverse("cases:tip-list"))
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/tips/new.html", {"form": form}, status=status)


def _render_detail(
    request: HttpRequest,
    tip: Any,
    *,
    dismiss_form: DismissTipForm | None = None,
    merge_form: MergeTipForm | None = None,
    status: int = 200,
) -> HttpResponse:
    _label_places([tip])
    place_note, text = tip_parts(tip)
    initial = {"version": tip.version}
    reason = tip.dismiss_reason
    return render(
        request,
        "cases/tips/detail.html",
        {
            "tip": tip,
            "text": text,
            "place_note": place_note,
            "is_new": tip.status == TipStatus.NEW,
            "dismiss_form": dismiss_form or DismissTipForm(initial=initial),
            "merge_form": merge_form or MergeTipForm(initial=initial),
            "dismiss_label": DismissReason(reason).label if reason in DismissReason.values else "",
            "case_visible": case_visible_to(request.user, tip.case_id),
            "case_url": _case_url(tip.case) if tip.case_id else "",
        },
        status=status,
    )


def _case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


@login_required
@require_http_methods(["GET", "HEAD"])
def tip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_CASES)
    return _render_detail(request, tip_get_for_user(request, pk))


def _back(tip_pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:tip-detail", args=[tip_pk]))


def _conflict(request: HttpRequest, pk: int, error: ValidationError) -> HttpResponse:
    """Show the tip as it is now, with the message: nothing was changed."""
    for message in error.messages:
        messages.error(request, message)
    return _render_detail(request, tip_get_for_user(request, pk), status=409)


@login_required
@require_POST
def tip_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_CASES)
    tip = tip_for_action(request, pk)
    form = DismissTipForm(request.POST)
    if form.is_valid():
        try:
            tip_dismiss(
                actor=request.user,  # type: ignore[arg-type]
                tip=tip,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except TipConflict as error:
            return _conflict(request, pk, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The tip was dismissed."))
            return _back(tip.pk)
    return _render_detail(request, tip_get_for_user(request, pk), dismiss_form=form, status=400)


@login_required
@require_POST
def tip_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_CASES)
    tip = tip_for_action(request, pk)
    form = MergeTipForm(request.POST)
    if form.is_valid():
        case = case_for_merge(request, form.cleaned_data["case_number"])
        if case is None:
            form.add_error("case_number", _("No case with this number among the cases you manage."))
        else:
            try:
                tip_merge(
                    actor=request.user,  # type: ignore[arg-type]
                    tip=tip,
                    expected_version=form.cleaned_data["version"],
                    case=case,
                    request=request,
                )
            except TipConflict as error:
                return _conflict(request, pk, error)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The tip was added to case %(number)s.") % {"number": case.number},
                )
                return _back(tip.pk)
    return _render_detail(request, tip_get_for_user(request, pk), merge_form=form, status=400)


# --------------------------------------------------------------------------- open a case


def _active_manageable(user: Any) -> Any:
    return persons_manageable_by(user).filter(merged_into__isnull=True, erased_at__isnull=True)


def _find_persons(user: Any, query: str) -> list[Person]:
    """Persons the user may open a case for, matching a name, phone or document number,
    or a record number written "#123"."""
    query = query.strip()
    arabic = to_arabic_digits(query)
    ids: list[int] = []
    if arabic.startswith("#") and arabic[1:].isascii() and arabic[1:].isdigit():
        if len(arabic) <= 19:
            ids = [int(arabic[1:])]
    elif sum(ch.isdigit() for ch in arabic) >= 6:
        ids = [p.pk for p in persons_by_phone(user, query)[:MAX_FOUND]]
        ids += [p.pk for p in persons_by_document(user, query)[:MAX_FOUND]]
    if not ids:
        results = search_for_user(user, query, doc_types=["person"], limit=MAX_FOUND)
        ids = [int(r.object_id) for r in results if str(r.object_id).isdigit()]
    found = {
        p.pk: p
        for p in _active_manageable(user)
        .filter(pk__in=ids[: MAX_FOUND * 2])
        .select_related("home_village")
        .prefetch_related("names")
    }
    ordered = list(dict.fromkeys(ids))
    return [found[pk] for pk in ordered if pk in found][:MAX_FOUND]


def _person_label(person: Person) -> str:
    names = " · ".join(n.value for n in person.names.all()) or _("Person #%(number)d") % {
        "number": person.pk
    }
    parts = [names]
    if person.birth_year:
        if person.birth_year_exact:
            parts.append(_("born %(year)d") % {"year": person.birth_year})
        else:
            parts.append(_("born about %(year)d") % {"year": person.birth_year})
    if person.home_village is not None:
        parts.append(person.home_village.name)
    return " — ".join(parts)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def tip_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a new case from the tip, for a person found in (or added to) the registry."""
    require_perm(request, Perm.MANAGE_CASES)
    tip = tip_get_for_user(request, pk)
    if tip.status != TipStatus.NEW:
        messages.info(request, _("This tip was already handled."))
        return _back(tip.pk)
    lookup = PersonLookupForm(request.GET or None)
    query = lookup.cleaned_data["q"].strip() if lookup.is_valid() else ""
    found = _find_persons(request.user, query) if query else []
    choices = [(p.pk, _person_label(p)) for p in found]
    status = 200
    if request.method == "POST":
        status = 400
        form = OpenCaseForm(request.POST, person_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            person = get_visible_or_deny(request, _active_manageable(request.user), data["person"])
            try:
                case = tip_open_case(
                    actor=request.user,  # type: ignore[arg-type]
                    tip=tip,
                    expected_version=data["version"],
                    person=person,
                    case_type=data["case_type"],
                    risk=data["risk"],
                    origin=data["origin"] or person.home_village,
                    destination=data["destination"],
                    summary=tip_parts(tip)[1] if data["copy_text"] else "",
                    request=request,
                )
            except TipConflict as error:
                for message in error.messages:
                    messages.error(request, message)
                return _back(tip.pk)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Case %(number)s was opened from the tip.") % {"number": case.number}
                )
                return HttpResponseRedirect(_case_url(case))
    else:
        form = OpenCaseForm(initial={"version": tip.version}, person_choices=choices)
    _label_places([tip])
    place_note, text = tip_parts(tip)
    return render(
        request,
        "cases/tips/open.html",
        {
            "tip": tip,
            "text": text,
            "place_note": place_note,
            "lookup": lookup,
            "query": query,
            "found": found,
            "form": form,
            "action": request.path + ("?" + urlencode({"q": query}) if query else ""),
        },
        status=status,
    )
