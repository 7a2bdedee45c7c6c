"""Pages of referrals, the referral directory and notifications. Thin: forms in,
services (migra.cases.referral_services) to write, selectors to read."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, get_visible_or_deny, require_perm
from migra.cases import referral_services as services
from migra.cases.models import (
    Case,
    CaseType,
    Currency,
    Referral,
    ReferralStatus,
    RiskLevel,
    ServiceKind,
    ServiceOffer,
    ServiceStatus,
)
from migra.cases.notifications import (
    kind_text,
    notification_mark_read,
    notifications_mark_all_read,
    notifications_of,
    object_type_text,
)
from migra.cases.referral_forms import (
    DeclineForm,
    DirectoryFilterForm,
    InboxFilterForm,
    OfferEditForm,
    OfferForm,
    ReferralForm,
    ServiceAddForm,
    ServiceEditForm,
    SuggestForm,
    UpdateForm,
)
from migra.cases.referral_selectors import (
    OPEN_STATUSES,
    agencies_for_directory,
    directory_search,
    may_manage_directory,
    may_read_directory,
    offers_for,
    offers_manageable_by,
    overdue_referrals_of,
    overdue_tasks_of,
    referral_access,
    referral_get_for_user,
    referral_is_overdue,
    referral_service_get,
    referral_services,
    referral_updates,
    referrals_received_by,
    referrals_sent_by,
    user_may_refer,
)
from migra.config.forms import add_service_errors

PAGE_SIZE = 25

_GET = ["GET", "HEAD"]
_GET_POST = ["GET", "HEAD", "POST"]


# --------------------------------------------------------------------------- helpers


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _localised(names: Any) -> str:
    """A name kept in the snapshot in several languages, in the current one."""
    if not isinstance(names, dict):
        return ""
    language = (get_language() or "km")[:2]
    order = {"km": ("km", "en"), "en": ("en", "km"), "th": ("th", "en", "km")}.get(
        language, ("km", "en")
    )
    for code in order:
        if names.get(code):
            return str(names[code])
    return ""


def _date(value: Any) -> dt.date | None:
    return parse_date(value) if isinstance(value, str) else None


def shared_for_display(referral: Referral) -> dict[str, Any]:
    """The snapshot, ready for the page: labels in the current language."""
    data = services.referral_shared(referral)
    case = data.get("case") or {}
    out: dict[str, Any] = {
        "parts": data.get("parts") or [],
        "taken_on": _date(data.get("taken_on")),
        "case_type": _label(CaseType, case.get("case_type")),
        "risk": _label(RiskLevel, case.get("risk")),
        "province": _localised(case.get("province")),
        "destination": _localised(case.get("destination")),
    }
    identity = data.get("identity")
    if isinstance(identity, dict):
        from migra.people.models import Sex

        out["identity"] = {
            "names": [
                n.get("value", "") for n in identity.get("names") or [] if isinstance(n, dict)
            ],
            "sex": _label(Sex, identity.get("sex")),
            "age": identity.get("age"),
            "age_exact": bool(identity.get("age_exact")),
            "phones": [p for p in identity.get("phones") or [] if isinstance(p, str)],
        }
    if "summary" in data:
        out["summary"] = str(data.get("summary") or "")
    if "screening" in data:
        out["screening"] = _screening_display(data.get("screening"))
    if isinstance(data.get("services"), list):
        out["services"] = [
            {
                "kind": _label(ServiceKind, s.get("kind")),
                "status": _label(ServiceStatus, s.get("status")),
                "agency": _localised(s.get("agency")),
                "planned_on": _date(s.get("planned_on")),
                "delivered_on": _date(s.get("delivered_on")),
                "currency": s.get("currency") or "",
                "amount_claimed": s.get("amount_claimed"),
                "amount_recovered": s.get("amount_recovered"),
            }
            for s in data["services"]
            if isinstance(s, dict)
        ]
    if isinstance(data.get("notes"), list):
        out["notes"] = [
            {
                "at": parse_datetime(n.get("at") or "") if isinstance(n.get("at"), str) else None,
                "agency": _localised(n.get("agency")),
                "text": str(n.get("text") or ""),
            }
            for n in data["notes"]
            if isinstance(n, dict)
        ]
    return out


def _screening_display(screening: Any) -> dict[str, Any] | None:
    if not isinstance(screening, dict):
        return None
    try:
        from migra.screening.models import Mode, ResultCode
    except ImportError:  # pragma: no cover - the screening app is optional here
        return {"label": str(screening.get("result") or ""), "at": None, "mode": "", "child": False}
    at = screening.get("at")
    return {
        "label": _label(ResultCode, screening.get("result")),
        "at": parse_datetime(at) if isinstance(at, str) else None,
        "mode": _label(Mode, screening.get("mode")),
        "child": screening.get("group") == "child",
    }


def _services_text(kinds: Any) -> str:
    return ", ".join(_label(ServiceKind, k) for k in (kinds or []))


# --------------------------------------------------------------------------- sending


def _suggestions(case: Case, kinds: list[str]) -> list[dict[str, Any]]:
    """Agencies of the directory offering these services (all, when none chosen) in the
    case's province, with whether the person consented to a referral to each."""
    from migra.people.models import ConsentPurpose
    from migra.people.services import consent_allows

    offers = offers_for(kinds=kinds or list(ServiceKind.values), province=case.province).exclude(
        agency_id=case.agency_id
    )
    grouped: OrderedDict[int, dict[str, Any]] = OrderedDict()
    for offer in offers:
        entry = grouped.setdefault(
            offer.agency_id, {"agency": offer.agency, "offers": [], "kinds": set()}
        )
        entry["offers"].append(offer)
        entry["kinds"].add(offer.kind)
    rows = []
    for entry in grouped.values():
        rows.append(
            {
                "agency": entry["agency"],
                "offers": entry["offers"],
                "covers_all": bool(kinds) and set(kinds) <= entry["kinds"],
                "consent": consent_allows(
                    person=case.person, purpose=ConsentPurpose.REFERRAL, agency=entry["agency"]
                ),
            }
        )
    rows.sort(key=lambda r: (not r["covers_all"], not r["consent"]))
    return rows


def _referral_case(request: HttpRequest, case_pk: int) -> Case:
    from migra.cases.selectors import case_get_for_user

    case = case_get_for_user(request, case_pk)
    if not user_may_refer(request.user, case):
        raise deny(request, request.user, reason="may not refer this case", target=case)
    return case


@login_required
@require_http_methods(_GET_POST)
def referral_new(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _referral_case(request, case_pk)
    warning = ""
    consent_missing = False
    if request.method == "POST":
        form = ReferralForm(request.POST, case=case)
        kinds = request.POST.getlist("requested_services")
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = services.referral_send(
                    actor=request.user,  # type: ignore[arg-type]
                    case=case,
                    to_agency=data["to_agency"],
                    reason=data["reason"],
                    urgency=data["urgency"],
                    requested_services=data["requested_services"],
                    due_on=data["due_on"],
                    shared_parts=data["shared_parts"],
                    notes=list(data["notes"]),
                    confirm_unoffered=data["confirm_unoffered"],
                    request=request,
                )
            except services.UnofferedServices as error:
                warning = error.messages[0]
            except services.NoConsent as error:
                consent_missing = True
                add_service_errors(form, error)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The referral was sent."))
                return HttpResponseRedirect(reverse("cases:referral-detail", args=[referral.pk]))
        status = 400
    else:
        suggest = SuggestForm(request.GET or None)
        kinds = suggest.cleaned_data["requested_services"] if suggest.is_valid() else []
        form = ReferralForm(case=case, initial={"requested_services": kinds})
        status = 200
    valid_kinds = [k for k in kinds if k in ServiceKind.values][: len(ServiceKind.values)]
    return render(
        request,
        "cases/referrals/new.html",
        {
            "case": case,
            "form": form,
            "warning": warning,
            "consent_missing": consent_missing,
            "suggestions": _suggestions(case, valid_kinds),
            "suggest_kinds": valid_kinds,
            "service_choices": ServiceKind.choices,
        },
        status=status,
    )


# --------------------------------------------------------------------------- lists


def _referral_list(
    request: HttpRequest, referrals: QuerySet[Referral], template: str
) -> HttpResponse:
    """A page of referrals (open ones unless the filter says otherwise), with the
    services asked for and whether each is overdue."""
    form = InboxFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    if status == "":
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        referrals = referrals.filter(status=status)
    page = Paginator(referrals.order_by("-sent_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [
        {
            "referral": r,
            "services": _services_text(r.requested_services),
            "overdue": referral_is_overdue(r, today),
        }
        for r in page.object_list
    ]
    return render(request, template, {"form": form, "rows": rows, "page": page, "status": status})


@login_required
@require_http_methods(_GET)
def referral_inbox(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.RECEIVE_REFERRALS)
    received = referrals_received_by(request.user).select_related("from_agency", "to_agency")
    return _referral_list(request, received, "cases/referrals/inbox.html")


@login_required
@require_http_methods(_GET)
def referral_sent(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_CASES)
    sent = referrals_sent_by(request.user).select_related("to_agency", "case")
    return _referral_list(request, sent, "cases/referrals/sent.html")


# --------------------------------------------------------------------------- one referral


def _render_detail(
    request: HttpRequest,
    referral: Referral,
    *,
    status: int = 200,
    decline_form: DeclineForm | None = None,
    update_form: UpdateForm | None = None,
    service_form: ServiceAddForm | None = None,
    edit_forms: dict[int, ServiceEditForm] | None = None,
) -> HttpResponse:
    access = referral_access(request.user, referral)
    provided = list(referral_services(referral).select_related("agency"))
    editing = edit_forms or {}
    service_rows = [
        {
            "service": s,
            "form": editing.get(s.pk)
            or ServiceEditForm(
                initial={
                    "status": s.status,
                    "started_on": s.started_on,
                    "delivered_on": s.delivered_on,
                    "currency": s.currency,
                    "amount_claimed": s.amount_claimed,
                    "amount_recovered": s.amount_recovered,
                    "note": s.note,
                    "version": s.version,
                },
                prefix=f"s{s.pk}",
            ),
        }
        for s in provided
    ]
    accepted = referral.status == ReferralStatus.ACCEPTED
    return render(
        request,
        "cases/referrals/detail.html",
        {
            "referral": referral,
            "access": access,
            "shared": shared_for_display(referral),
            "requested": _services_text(referral.requested_services),
            "overdue": referral_is_overdue(referral),
            "updates": list(referral_updates(referral)),
            "service_rows": service_rows,
            "may_answer": access.receiver and referral.status == ReferralStatus.PENDING,
            "may_complete": access.receiver and accepted,
            "may_record_services": access.receiver and accepted,
            "may_cancel": access.sender and referral.status == ReferralStatus.PENDING,
            "decline_form": decline_form or DeclineForm(),
            "update_form": update_form or UpdateForm(),
            "service_form": service_form or ServiceAddForm(),
            "currencies": Currency.choices,
        },
        status=status,
    )


@login_required
@require_http_methods(_GET)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_get_for_user(request, pk)
    return _render_detail(request, referral)


def _action_target(request: HttpRequest, pk: int) -> Referral:
    return referral_get_for_user(request, pk, log_view=False)


def _require_receiver(request: HttpRequest, referral: Referral) -> None:
    """Forms of the receiving side: anyone else gets a logged 403 before any check."""
    if not referral_access(request.user, referral).receiver:
        raise deny(request, request.user, reason="not a receiver of this referral", target=referral)


def _back(referral: Referral) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:referral-detail", args=[referral.pk]))


def _simple_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    referral = _action_target(request, pk)
    try:
        action(actor=request.user, referral=referral, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        referral.refresh_from_db()  # show it as it is now
        return _render_detail(request, referral, status=409)
    messages.success(request, done)
    return _back(referral)


@login_required
@require_POST
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.referral_accept, _("You accepted the referral."))


@login_required
@require_POST
def referral_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.referral_cancel, _("The referral was cancelled."))


@login_required
@require_POST
def referral_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.referral_complete, _("The referral is completed."))


@login_required
@require_POST
def referral_decline(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _action_target(request, pk)
    _require_receiver(request, referral)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.referral_decline(
                actor=request.user,  # type: ignore[arg-type]
                referral=referral,
                reason=form.cleaned_data["decline_reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("You declined the referral."))
            return _back(referral)
    referral.refresh_from_db()
    return _render_detail(request, referral, status=400, decline_form=form)


@login_required
@require_POST
def referral_update_add(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _action_target(request, pk)
    access = referral_access(request.user, referral)
    if not (access.receiver or access.sender):
        raise deny(request, request.user, reason="may not post on this referral", target=referral)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            services.referral_update_post(
                actor=request.user,  # type: ignore[arg-type]
                referral=referral,
                text=form.cleaned_data["text"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your update was posted."))
            return _back(referral)
    return _render_detail(request, referral, status=400, update_form=form)


@login_required
@require_POST
def referral_service_add(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _action_target(request, pk)
    _require_receiver(request, referral)
    form = ServiceAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_service_add(
                actor=request.user,  # type: ignore[arg-type]
                referral=referral,
                kind=data["kind"],
                status=data["status"],
                planned_on=data["planned_on"],
                due_on=data["due_on"],
                currency=data["currency"],
                amount_claimed=data["amount_claimed"],
                note=data["note"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The service was recorded."))
            return _back(referral)
    return _render_detail(request, referral, status=400, service_form=form)


@login_required
@require_POST
def referral_service_edit(request: HttpRequest, pk: int, service_pk: int) -> HttpResponse:
    referral = _action_target(request, pk)
    _require_receiver(request, referral)
    service = referral_service_get(referral, service_pk)
    if service is None:
        raise deny(
            request, request.user, reason="no such service on this referral", target=referral
        )
    form = ServiceEditForm(request.POST, prefix=f"s{service.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_service_update(
                actor=request.user,  # type: ignore[arg-type]
                referral=referral,
                service=service,
                expected_version=data["version"],
                status=data["status"],
                started_on=data["started_on"],
                delivered_on=data["delivered_on"],
                currency=data["currency"],
                amount_claimed=data["amount_claimed"],
                amount_recovered=data["amount_recovered"],
                note=data["note"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The service was updated."))
            return _back(referral)
    return _render_detail(request, referral, status=400, edit_forms={service.pk: form})


# --------------------------------------------------------------------------- the directory


def _require_directory_reader(request: HttpRequest) -> None:
    if not may_read_directory(request.user):
        raise deny(request, request.user, reason="may not read the referral directory")


@login_required
@require_http_methods(_GET)
def directory_list(request: HttpRequest) -> HttpResponse:
    _require_directory_reader(request)
    form = DirectoryFilterForm(request.GET or None)
    kind, province, inactive = "", None, False
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        province = form.cleaned_data["province"]
        inactive = form.cleaned_data["inactive"]
    offers = directory_search(request.user, kind=kind, province=province, active_only=not inactive)
    page = Paginator(offers, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    manageable = set(
        offers_manageable_by(request.user)
        .filter(pk__in=[o.pk for o in rows])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "cases/directory/list.html",
        {
            "form": form,
            "rows": [{"offer": o, "may_edit": o.pk in manageable} for o in rows],
            "page": page,
            "may_add": may_manage_directory(request.user),
        },
    )


def _offer_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "agency": data["agency"],
        "kind": data["kind"],
        "province": data["province"],
        "contact_name": data["contact_name"],
        "phone": data["phone"],
        "email": data["email"],
        "notes": data["notes"],
    }


@login_required
@require_http_methods(_GET_POST)
def directory_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_PROGRAMME)
    agencies = agencies_for_directory(request.user).order_by("name_en", "name_km")
    if request.method != "POST":
        form = OfferForm(agencies=agencies)
        return render(request, "cases/directory/form.html", {"form": form, "offer": None})
    form = OfferForm(request.POST, agencies=agencies)
    if form.is_valid():
        try:
            services.service_offer_create(
                actor=request.user,  # type: ignore[arg-type]
                request=request,
                **_offer_values(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The entry was added to the directory."))
            return HttpResponseRedirect(reverse("cases:directory"))
    return render(request, "cases/directory/form.html", {"form": form, "offer": None}, status=400)


def _offer_for_admin(request: HttpRequest, pk: int) -> ServiceOffer:
    require_perm(request, Perm.MANAGE_PROGRAMME)
    return get_visible_or_deny(request, offers_manageable_by(request.user), pk)


@login_required
@require_http_methods(_GET_POST)
def directory_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer_for_admin(request, pk)
    agencies = agencies_for_directory(request.user).order_by("name_en", "name_km")
    if request.method != "POST":
        form = OfferEditForm(
            agencies=agencies,
            initial={
                "agency": offer.agency,
                "kind": offer.kind,
                "province": offer.province,
                "contact_name": offer.contact_name,
                "phone": offer.phone,
                "email": offer.email,
                "notes": offer.notes,
                "is_active": offer.is_active,
                "version": services.service_offer_version(offer),
            },
        )
        return render(request, "cases/directory/form.html", {"form": form, "offer": offer})
    form = OfferEditForm(request.POST, agencies=agencies)
    if form.is_valid():
        try:
            services.service_offer_update(
                actor=request.user,  # type: ignore[arg-type]
                offer=offer,
                expected_version=form.cleaned_data["version"],
                is_active=form.cleaned_data["is_active"],
                request=request,
                **_offer_values(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return HttpResponseRedirect(reverse("cases:directory"))
    return render(request, "cases/directory/form.html", {"form": form, "offer": offer}, status=400)


@login_required
@require_POST
def directory_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer_for_admin(request, pk)
    try:
        services.service_offer_deactivate(
            actor=request.user,  # type: ignore[arg-type]
            offer=offer,
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The entry was taken out of the directory."))
    return HttpResponseRedirect(reverse("cases:directory"))


# --------------------------------------------------------------------------- notifications


@login_required
@require_http_methods(_GET)
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "notification": n,
            "what": kind_text(n.kind),
            "object": object_type_text(n.object_type),
        }
        for n in page.object_list
    ]
    return render(request, "cases/notifications/list.html", {"rows": rows, "page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go to what it is about (a page of this site only)."""
    notification = notification_mark_read(user=request.user, notification_id=pk)
    if notification is None:
        raise deny(request, request.user, reason="not the user's notification")
    target = notification.url
    if (
        request.POST.get("stay")
        or not target
        or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(reverse("cases:notifications"))
    return HttpResponseRedirect(target)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All your notifications are marked read."))
    return HttpResponseRedirect(reverse("cases:notifications"))


@login_required
@require_http_methods(_GET)
def overdue_work(request: HttpRequest) -> HttpResponse:
    """The user's overdue tasks and referrals (what the daily digest points to)."""
    today = timezone.localdate()
    tasks = list(overdue_tasks_of(request.user, today)[:200])
    referrals = list(overdue_referrals_of(request.user, today)[:200])
    return render(
        request,
        "cases/notifications/overdue.html",
        {"tasks": tasks, "referrals": referrals, "today": today},
    )
