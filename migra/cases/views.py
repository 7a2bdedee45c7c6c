"""Pages of cases. Thin: forms in, services to write, selectors to read.

Every read of a case goes through `case_get_for_user` (the view is audited) or
`case_for_write` (the write is audited by its service); a case outside the user's
reach is a logged 403.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.models import Agency, User
from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import (
    deny,
    get_visible_or_deny,
    memberships_of,
    require_perm,
    user_has_perm,
)
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.cases import exports, services
from migra.cases.forms import (
    AttachmentForm,
    CaseFilterForm,
    CaseForm,
    NoteForm,
    PersonPickForm,
    SavedViewForm,
    ServiceForm,
    ServiceUpdateForm,
    TaskForm,
    TransitionForm,
)
from migra.cases.models import (
    Case,
    CaseEvent,
    CaseService,
    CaseSource,
    CaseStatus,
    CaseTask,
    CaseType,
    ClosingReason,
    RiskLevel,
    ServiceKind,
    ServiceStatus,
)
from migra.cases.selectors import (
    CaseFilters,
    agencies_for_opening,
    attachment_get_for_user,
    case_for_write,
    case_get_for_user,
    case_list,
    caseworkers_for,
    may_manage_case,
    saved_views_of,
)
from migra.config.forms import add_service_errors
from migra.lib.crypto import DecryptionError
from migra.people.models import Person
from migra.people.selectors import persons_matching

logger = logging.getLogger("migra.cases")

PAGE_SIZE = 25
NOTES_ON_PAGE = 20
EVENTS_ON_PAGE = 30
FULL_LIST_PAGE = 50


# --------------------------------------------------------------------------- helpers


def _back(case_pk: int, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:detail", args=[case_pk]) + anchor)


def _error_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else str(message))


def _require_manage(request: HttpRequest, case: Case) -> None:
    if not may_manage_case(request.user, case):
        raise deny(request, request.user, reason="may not change this case", target=case)


def _as_attachment(filename: str) -> str:
    """A Content-Disposition that downloads the file (any script in its name)."""
    return content_disposition_header(as_attachment=True, filename=filename) or "attachment"


def _positive_int(value: Any) -> int | None:
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and 0 < len(text) <= 18:
        return int(text)
    return None


def _caseworkers_for_user(user: Any) -> QuerySet[User]:
    """Caseworkers of the agencies in which the user may open cases."""
    agencies = agencies_for_opening(user)
    if not agencies:
        return User.objects.none()
    pks: set[int] = set()
    for agency in agencies:
        pks.update(caseworkers_for(agency).values_list("pk", flat=True))
    return User.objects.filter(pk__in=sorted(pks)).order_by("full_name", "pk")


# --------------------------------------------------------------------------- the list


def _visible_agencies(user: Any) -> QuerySet[Agency]:
    if getattr(user, "is_superuser", False):
        return Agency.objects.order_by("name_km")
    pks = {
        m.agency_id
        for m in memberships_of(user)
        if Perm.VIEW_CASES in ROLE_PERMISSIONS.get(m.role, frozenset())
    }
    return Agency.objects.filter(pk__in=sorted(pks)).order_by("name_km")


def _filters(request: HttpRequest, data: QueryDict) -> tuple[CaseFilterForm, CaseFilters]:
    form = CaseFilterForm(data, agencies=_visible_agencies(request.user))
    if not form.is_valid():
        return form, CaseFilters()
    cleaned = form.cleaned_data
    return form, CaseFilters(
        status=cleaned.get("status") or "",
        case_type=cleaned.get("case_type") or "",
        risk=cleaned.get("risk") or "",
        province=cleaned.get("province"),
        agency=cleaned.get("agency"),
        mine=bool(cleaned.get("mine")),
        overdue=bool(cleaned.get("overdue")),
        today=timezone.localdate(),
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _cursor(case: Case) -> str:
    micros = (case.opened_at - _EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros}-{case.pk}"


def _parse_cursor(text: str) -> tuple[dt.datetime, int] | None:
    micros, dash, pk = (text or "").partition("-")
    if not dash or not micros.isascii() or not micros.isdigit() or len(micros) > 18:
        return None
    number = _positive_int(pk)
    if number is None:
        return None
    try:
        return _EPOCH + dt.timedelta(microseconds=int(micros)), number
    except OverflowError:
        return None


@login_required
@require_http_methods(["GET", "HEAD"])
def case_list_view(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_CASES)
    form, filters = _filters(request, request.GET)
    queryset = case_list(request.user, filters)
    after = request.GET.get("after", "")
    if after:
        cursor = _parse_cursor(after)
        if cursor is None:
            messages.warning(
                request, _("That page link was not valid: the newest cases are shown.")
            )
        else:
            at, pk = cursor
            queryset = queryset.filter(Q(opened_at__lt=at) | Q(opened_at=at, pk__lt=pk)).filter(
                opened_at__lte=at
            )
    # One page of ids through the list's own query (and one more row to know whether
    # there is a next page); then the rows to show, by primary key.
    ids = list(queryset.values_list("pk", flat=True)[: PAGE_SIZE + 1])
    has_next = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    rows = {
        c.pk: c
        for c in Case.objects.filter(pk__in=ids).select_related(
            "agency", "assigned_to", "origin", "province"
        )
    }
    cases = [rows[pk] for pk in ids if pk in rows]
    query = form.query_string()
    next_url = ""
    if has_next and cases:
        next_url = "?" + urlencode([*QueryDict(query).items(), ("after", _cursor(cases[-1]))])
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "cases": cases,
            "next_url": next_url,
            "first_url": "?" + query if after else "",
            "query": query,
            "today": timezone.localdate(),
            "saved_views": list(saved_views_of(request.user)),
            "saved_view_form": SavedViewForm(),
            "may_open": user_has_perm(request.user, Perm.MANAGE_CASES),
            "may_export": _may_export(request.user),
        },
    )


def _may_export(user: Any) -> bool:
    return user_has_perm(user, Perm.EXPORT_DATA) or user_has_perm(user, Perm.SUPERVISE_CASES)


@login_required
@require_http_methods(["GET", "HEAD"])
def case_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered list as CSV or XLSX: no person names; permission-checked, audited."""
    require_perm(request, Perm.VIEW_CASES)
    if not _may_export(request.user):
        raise deny(request, request.user, reason="may not export cases")
    form, filters = _filters(request, request.GET)
    if not form.is_valid():
        messages.error(request, _("Check the filters before exporting."))
        return HttpResponseRedirect(reverse("cases:list"))
    export = exports.export_rows(case_list(request.user, filters))
    if export.too_many:
        messages.error(
            request,
            _("More than %(limit)s cases match: narrow the filters to export them.")
            % {"limit": f"{exports.MAX_EXPORT_ROWS:,}"},
        )
        return HttpResponseRedirect(reverse("cases:list") + "?" + form.query_string())
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="cases.case",
        object_label="case list",
        changes={"format": fmt, "filters": filters.as_audit(), "rows": len(export.rows) - 1},
        request=request,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        response = HttpResponse(
            exports.to_xlsx(export.rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(exports.to_csv(export.rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _as_attachment(f"cases-{stamp}.{fmt}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_CASES)
    form = SavedViewForm(request.POST)
    filter_form, _filters_ = _filters(request, request.POST)
    query = filter_form.query_string()
    if not filter_form.is_valid():
        messages.error(request, _("Check the filters before saving them."))
    elif not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.saved_view_create(
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                query=query,
            )
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("The view was saved."))
    return HttpResponseRedirect(reverse("cases:list") + ("?" + query if query else ""))


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    # Another user's view: a logged 403; no such view: 404.
    view = get_visible_or_deny(request, saved_views_of(request.user), pk)
    services.saved_view_delete(user=request.user, view=view)  # type: ignore[arg-type]
    messages.success(request, _("The view was deleted."))
    return HttpResponseRedirect(reverse("cases:list"))


# --------------------------------------------------------------------------- opening


def _screening_for(request: HttpRequest, pk: Any) -> Any:
    try:
        from migra.screening.selectors import screening_get_for_user
    except ImportError:
        raise Http404 from None
    return screening_get_for_user(request, pk)


# The case type a screening's result suggests (the caseworker may change it).
SCREENING_CASE_TYPES = {
    "trafficking_labour": CaseType.TRAFFICKING,
    "trafficking_sexual": CaseType.TRAFFICKING,
    "forced_labour": CaseType.FORCED_LABOUR,
    "labour_rights": CaseType.LABOUR_EXPLOITATION,
}


def _screening_url(screening: Any) -> str:
    try:
        return reverse("screening:detail", args=[screening.pk])
    except NoReverseMatch:
        return reverse("cases:list")


def _person_for(request: HttpRequest, pk: Any) -> Person:
    from migra.people.selectors import persons_visible_to

    person = get_visible_or_deny(
        request,
        persons_visible_to(request.user).select_related("home_village").prefetch_related("names"),
        pk,
    )
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=person,
        changes={"via": "case_open"},
        request=request,
    )
    return person


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case: for a screened person (?screening=), a registered person (?person=),
    or first choose the person from the registry."""
    require_perm(request, Perm.MANAGE_CASES)
    source = request.POST if request.method == "POST" else request.GET
    screening = None
    person: Person | None = None
    screening_pk = _positive_int(source.get("screening"))
    person_pk = _positive_int(source.get("person"))
    if (source.get("screening") and screening_pk is None) or (
        source.get("person") and person_pk is None
    ):
        raise Http404
    if screening_pk is not None:
        screening = _screening_for(request, screening_pk)
        if screening.case_id is not None:
            messages.error(request, _("This screening already belongs to a case."))
            return HttpResponseRedirect(_screening_url(screening))
        person = screening.person
    if person is None and person_pk is not None:
        person = _person_for(request, person_pk)
    if person is None:
        pick = PersonPickForm(request.GET or None)
        found = []
        if pick.is_valid() and pick.cleaned_data["q"].strip():
            found = persons_matching(request.user, pick.cleaned_data["q"])
        return render(
            request,
            "cases/pick_person.html",
            {
                "form": pick,
                "persons": found,
                "searched": bool(request.GET.get("q")),
                "screening": screening,
            },
        )
    agencies = agencies_for_opening(request.user)
    caseworkers = _caseworkers_for_user(request.user)
    if request.method != "POST":
        initial: dict[str, Any] = {"origin": person.home_village}
        if screening is not None:
            initial["case_type"] = SCREENING_CASE_TYPES.get(screening.result, "")
        if caseworkers.filter(pk=request.user.pk or 0).exists():
            initial["assigned_to"] = request.user
        form = CaseForm(initial=initial, agencies=agencies, caseworkers=caseworkers)
        return _render_new(request, form, person, screening)
    form = CaseForm(request.POST, agencies=agencies, caseworkers=caseworkers)
    if form.is_valid():
        try:
            if screening is not None:
                case = services.case_open_from_screening(
                    actor=request.user,  # type: ignore[arg-type]
                    screening=screening,
                    person=person,
                    request=request,
                    **form.service_fields(),
                )
            else:
                case = services.case_open(
                    actor=request.user,  # type: ignore[arg-type]
                    person=person,
                    source=CaseSource.MANUAL,
                    request=request,
                    **form.service_fields(),
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Case %(number)s was opened.") % {"number": case.number})
            return _back(case.pk)
    return _render_new(request, form, person, screening, status=400)


def _render_new(
    request: HttpRequest, form: CaseForm, person: Person, screening: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "cases/form.html",
        {
            "form": form,
            "person": person,
            "person_name": _primary_name(person),
            "screening": screening,
            "case": None,
        },
        status=status,
    )


def _primary_name(person: Person) -> str:
    names = list(person.names.all())
    primary = next((n for n in names if n.is_primary), names[0] if names else None)
    return primary.value if primary else _("Person #%(number)s") % {"number": person.pk}


# --------------------------------------------------------------------------- the case page


def _screenings_of(case: Case) -> list[Any]:
    """Screenings linked to the case (when the screening part is installed)."""
    related = getattr(case, "screenings", None)  # the reverse accessor, once it exists
    if related is None:
        return []
    screenings = list(related.all()[:20])
    for screening in screenings:
        try:
            screening.page_url = reverse("screening:detail", args=[screening.pk])
        except NoReverseMatch:
            screening.page_url = ""
    return screenings


def _person_label(request: HttpRequest, case: Case) -> tuple[str, bool]:
    """The person's name when the viewer may see the person's record, else a number."""
    from migra.people.selectors import persons_visible_to

    person = (
        persons_visible_to(request.user).filter(pk=case.person_id).prefetch_related("names").first()
    )
    if person is None:
        return _("Person #%(number)s") % {"number": case.person_id}, False
    return _primary_name(person), True


def _event_title(kind: str) -> str:
    titles = {
        "opened": _("Case opened"),
        "status": _("Status changed"),
        "reopened": _("Case reopened"),
        "updated": _("Case details changed"),
        "assigned": _("Caseworker changed"),
        "service_added": _("Service added"),
        "service_updated": _("Service changed"),
        "note_added": _("Note added"),
        "task_added": _("Task added"),
        "task_done": _("Task done"),
        "attachment_added": _("File attached"),
        "screening_linked": _("Screening linked"),
        "tip_merged": _("Tip added to the case"),
        "referral_sent": _("Referred to another agency"),
        "referral_accepted": _("Referral accepted"),
        "referral_declined": _("Referral declined"),
        "referral_completed": _("Referral completed"),
        "referral_cancelled": _("Referral cancelled"),
        "referral_update": _("Referral update"),
    }
    return str(titles.get(kind, kind.replace("_", " ").capitalize()))


def _label(choices: Any, value: Any) -> str:
    if isinstance(value, str) and value in choices.values:
        return str(choices(value).label)
    return str(value or "")


def timeline_rows(events: list[CaseEvent]) -> list[dict[str, Any]]:
    """Each event with its title and details in words; users and agencies named by a
    fixed number of queries however many events there are."""
    user_ids: set[int] = set()
    agency_ids: set[int] = set()
    for event in events:
        detail = event.detail if isinstance(event.detail, dict) else {}
        if isinstance(detail.get("to"), int):
            user_ids.add(detail["to"])
        for key in ("agency", "to_agency"):
            if isinstance(detail.get(key), int):
                agency_ids.add(detail[key])
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=sorted(user_ids))} if user_ids else {}
    agencies = (
        {a.pk: str(a) for a in Agency.objects.filter(pk__in=sorted(agency_ids))}
        if agency_ids
        else {}
    )
    rows = []
    for event in events:
        detail = event.detail if isinstance(event.detail, dict) else {}
        parts: list[str] = []
        kind = event.kind
        if kind in ("status", "reopened"):
            parts.append(
                f"{_label(CaseStatus, detail.get('from'))} → {_label(CaseStatus, detail.get('to'))}"
            )
            if detail.get("reason"):
                parts.append(_label(ClosingReason, detail.get("reason")))
        elif kind == "opened":
            parts += [
                _label(CaseSource, detail.get("source")),
                _label(CaseType, detail.get("case_type")),
                _label(RiskLevel, detail.get("risk")),
            ]
        elif kind == "updated":
            for name, choices in (("case_type", CaseType), ("risk", RiskLevel)):
                pair = detail.get(name)
                if isinstance(pair, list) and len(pair) == 2:
                    parts.append(f"{_label(choices, pair[0])} → {_label(choices, pair[1])}")
        elif kind in ("service_added", "service_updated"):
            parts.append(_label(ServiceKind, detail.get("kind")))
            if detail.get("from"):
                parts.append(
                    f"{_label(ServiceStatus, detail.get('from'))} → "
                    f"{_label(ServiceStatus, detail.get('status'))}"
                )
            else:
                parts.append(_label(ServiceStatus, detail.get("status")))
        elif kind == "referral_sent":
            services_asked = detail.get("services")
            if isinstance(services_asked, list):
                parts += [_label(ServiceKind, k) for k in services_asked[:10]]
        for key in ("agency", "to_agency"):
            if isinstance(detail.get(key), int) and detail[key] in agencies:
                parts.append(agencies[detail[key]])
        if kind in ("assigned", "task_added") and isinstance(detail.get("to"), int):
            parts.append(users.get(detail["to"], ""))
        if kind == "task_added" and detail.get("due_on"):
            parts.append(_("due %(date)s") % {"date": detail["due_on"]})
        rows.append(
            {
                "event": event,
                "title": _event_title(kind),
                "detail": " · ".join(p for p in parts if p),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "HEAD"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for_user(request, pk)
    manage = may_manage_case(request.user, case)
    person_label, person_visible = _person_label(request, case)
    services_ = list(case.services.select_related("agency").order_by("pk"))
    tasks = list(case.tasks.select_related("assigned_to").order_by("done_at", "due_on", "pk"))
    notes = list(case.notes.select_related("author").order_by("-at", "-pk")[: NOTES_ON_PAGE + 1])
    attachments = list(case.attachments.select_related("uploaded_by").order_by("-uploaded_at"))
    events = list(case.events.select_related("actor").order_by("-at", "-pk")[: EVENTS_ON_PAGE + 1])
    referrals = list(case.referrals.select_related("to_agency").order_by("-sent_at", "-pk"))
    today = timezone.localdate()
    for service in services_:
        service.overdue = bool(  # type: ignore[attr-defined]
            service.due_on and service.due_on < today and service.status in services.OPEN_SERVICE
        )
    caseworkers = caseworkers_for(case.agency, case.origin) if manage else User.objects.none()
    context = {
        "case": case,
        "person_label": person_label,
        "person_visible": person_visible,
        "may_manage": manage,
        "transitions": [
            {"status": s, "label": _label(CaseStatus, s)}
            for s in services.allowed_transitions(case)
        ]
        if manage
        else [],
        "services": services_,
        "tasks": tasks,
        "open_tasks": sum(1 for t in tasks if t.done_at is None),
        "notes": notes[:NOTES_ON_PAGE],
        "more_notes": len(notes) > NOTES_ON_PAGE,
        "attachments": attachments,
        "timeline": timeline_rows(events[:EVENTS_ON_PAGE]),
        "more_events": len(events) > EVENTS_ON_PAGE,
        "referrals": referrals,
        "screenings": _screenings_of(case),
        "today": today,
        "closing_reasons": ClosingReason.choices,
    }
    if manage:
        context.update(
            {
                "note_form": NoteForm(),
                "task_form": TaskForm(caseworkers=caseworkers),
                "service_form": ServiceForm(),
                "attachment_form": AttachmentForm(),
            }
        )
    return render(request, "cases/detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def case_notes(request: HttpRequest, pk: int) -> HttpResponse:
    from django.core.paginator import Paginator

    case = case_get_for_user(request, pk)
    paginator = Paginator(
        case.notes.select_related("author").order_by("-at", "-pk"), FULL_LIST_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "cases/notes.html", {"case": case, "page": page})


@login_required
@require_http_methods(["GET", "HEAD"])
def case_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    from django.core.paginator import Paginator

    case = case_get_for_user(request, pk)
    paginator = Paginator(
        case.events.select_related("actor").order_by("-at", "-pk"), FULL_LIST_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "cases/timeline.html",
        {"case": case, "page": page, "timeline": timeline_rows(list(page.object_list))},
    )


# --------------------------------------------------------------------------- changing a case


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = (
        case_for_write(request, pk) if request.method == "POST" else case_get_for_user(request, pk)
    )
    _require_manage(request, case)
    caseworkers = caseworkers_for(case.agency)
    if request.method != "POST":
        form = CaseForm(
            initial={
                "case_type": case.case_type,
                "risk": case.risk,
                "assigned_to": case.assigned_to,
                "origin": case.origin,
                "destination": case.destination,
                "summary": case.summary,
                "version": case.version,
            },
            caseworkers=caseworkers,
            editing=True,
        )
        return _render_edit(request, form, case)
    form = CaseForm(request.POST, caseworkers=caseworkers, editing=True)
    status = 400
    if form.is_valid():
        version = form.cleaned_data.get("version")
        try:
            services.case_update(
                actor=request.user,  # type: ignore[arg-type]
                case=case,
                expected_version=version if version is not None else -1,
                request=request,
                **form.service_fields(),
            )
        except services.CaseConflict as error:
            # The form keeps what was typed; the page shows the case as it is now.
            add_service_errors(form, error)
            status = 409
            case = case_for_write(request, pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return _back(case.pk)
    return _render_edit(request, form, case, status=status)


def _render_edit(
    request: HttpRequest, form: CaseForm, case: Case, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "cases/form.html",
        {"form": form, "case": case, "person": None, "screening": None},
        status=status,
    )


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    _require_manage(request, case)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk)
    try:
        services.case_transition(
            actor=request.user,  # type: ignore[arg-type]
            case=case,
            to_status=form.cleaned_data["to_status"],
            expected_version=form.cleaned_data["version"],
            closing_reason=form.cleaned_data.get("closing_reason") or "",
            request=request,
        )
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The status was changed."))
    return _back(case.pk)


# --------------------------------------------------------------------------- services


@login_required
@require_POST
def service_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    _require_manage(request, case)
    form = ServiceForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk, "#services")
    data = form.cleaned_data
    try:
        services.case_service_add(
            actor=request.user,  # type: ignore[arg-type]
            case=case,
            kind=data["kind"],
            agency=data["agency"],
            status=data["status"],
            planned_on=data.get("planned_on"),
            due_on=data.get("due_on"),
            currency=data.get("currency") or "",
            amount_claimed=data.get("amount_claimed"),
            note=data.get("note") or "",
            request=request,
        )
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The service was added."))
    return _back(case.pk, "#services")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def service_edit(request: HttpRequest, pk: int, service_pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    _require_manage(request, case)
    service = CaseService.objects.filter(case=case, pk=service_pk).select_related("agency").first()
    if service is None:
        raise Http404
    service.case = case
    if request.method != "POST":
        form = ServiceUpdateForm(
            initial={
                "status": service.status,
                "started_on": service.started_on,
                "delivered_on": service.delivered_on,
                "currency": service.currency,
                "amount_claimed": service.amount_claimed,
                "amount_recovered": service.amount_recovered,
                "note": service.note,
                "version": service.version,
            }
        )
        return _render_service(request, form, case, service)
    form = ServiceUpdateForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.case_service_update(
                actor=request.user,  # type: ignore[arg-type]
                service=service,
                expected_version=form.cleaned_data["version"],
                request=request,
                **form.service_fields(),
            )
        except services.CaseConflict as error:
            add_service_errors(form, error)
            status = 409
            service.refresh_from_db()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The service was saved."))
            return _back(case.pk, "#services")
    return _render_service(request, form, case, service, status=status)


def _render_service(
    request: HttpRequest,
    form: ServiceUpdateForm,
    case: Case,
    service: CaseService,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "cases/service_form.html",
        {"form": form, "case": case, "service": service},
        status=status,
    )


# --------------------------------------------------------------------------- notes, tasks, files


@login_required
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    _require_manage(request, case)
    form = NoteForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk, "#notes")
    try:
        services.case_note_add(
            actor=request.user,  # type: ignore[arg-type]
            case=case,
            text=form.cleaned_data["text"],
            request=request,
        )
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The note was added."))
    return _back(case.pk, "#notes")


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    _require_manage(request, case)
    form = TaskForm(request.POST, caseworkers=caseworkers_for(case.agency, case.origin))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk, "#tasks")
    try:
        services.case_task_add(
            actor=request.user,  # type: ignore[arg-type]
            case=case,
            title=form.cleaned_data["title"],
            due_on=form.cleaned_data["due_on"],
            assigned_to=form.cleaned_data.get("assigned_to"),
            request=request,
        )
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The task was added."))
    return _back(case.pk, "#tasks")


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    _require_manage(request, case)
    task = CaseTask.objects.filter(case=case, pk=task_pk).first()
    if task is None:
        raise Http404
    task.case = case
    try:
        services.case_task_done(actor=request.user, task=task, request=request)  # type: ignore[arg-type]
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The task is done."))
    return _back(case.pk, "#tasks")


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    _require_manage(request, case)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk, "#attachments")
    try:
        services.case_attachment_add(
            actor=request.user,  # type: ignore[arg-type]
            case=case,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data.get("description") or "",
            request=request,
        )
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The file was attached."))
    return _back(case.pk, "#attachments")


@login_required
@require_http_methods(["GET"])
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """The decrypted file, to people who may see the case; every download is audited."""
    from migra.cases.attachments import blob_read

    attachment = attachment_get_for_user(request, pk, attachment_pk)
    try:
        data = blob_read(attachment.blob)
    except (DecryptionError, OSError):
        logger.exception("attachment %s of case %s cannot be read", attachment.pk, pk)
        messages.error(
            request,
            _("This file cannot be read: it is damaged or missing. Ask your administrator."),
        )
        return _back(pk, "#attachments")
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=attachment.case,
        changes={"attachment": attachment.pk, "download": True},
        request=request,
    )
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = _as_attachment(attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store, private"
    return response
