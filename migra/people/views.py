"""Pages of the people registry. Thin: forms in, services to write, selectors to read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, get_visible_or_deny, require_perm, user_has_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.config.forms import add_service_errors
from migra.lib.khmer.digits import to_arabic_digits
from migra.people import services
from migra.people.forms import ConsentForm, HouseholdForm, MergeForm, PersonForm, PersonSearchForm
from migra.people.identity import document_normal, facts_for, phone_e164
from migra.people.models import Consent, HouseholdMember, Person, PersonMerge, Vulnerability
from migra.people.selectors import (
    may_manage,
    may_supervise,
    merge_undoable_by,
    person_access_log,
    person_candidates,
    person_get_for_user,
    person_records_visible_to,
    persons_by_document,
    persons_by_phone,
    persons_visible_to,
)
from migra.places.models import PlaceKind
from migra.places.selectors import place_by_code
from migra.search.selectors import search_for_user

PAGE_SIZE = 25
MAX_QUERY = 200


def _looks_like_number(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in to_arabic_digits(text))
    return digits >= 6


@login_required
@require_http_methods(["GET", "HEAD"])
def person_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_PEOPLE)
    form = PersonSearchForm(request.GET or None)
    query = ""
    persons: Any
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()[:MAX_QUERY]
        found: dict[int, Person] = {}
        if _looks_like_number(query):
            for person in list(persons_by_phone(request.user, query)) + list(
                persons_by_document(request.user, query)
            ):
                found[person.pk] = person
        if not found:
            results = search_for_user(request.user, query, doc_types=["person"], limit=50)
            ids = [int(r.object_id) for r in results]
            by_id = {p.pk: p for p in persons_visible_to(request.user).filter(pk__in=ids)}
            found = {pk: by_id[pk] for pk in ids if pk in by_id}
        persons = list(found.values())
        page = None
    else:
        paginator = Paginator(persons_visible_to(request.user).order_by("-pk"), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        persons = list(page.object_list)
    ids = [p.pk for p in persons]
    shown = {
        p.pk: p
        for p in person_records_visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("home_village")
        .prefetch_related("names")
    }
    return render(
        request,
        "people/list.html",
        {
            "form": form,
            "query": query,
            "persons": [shown[pk] for pk in ids if pk in shown],
            "page": page,
            "may_register": user_has_perm(request.user, Perm.MANAGE_PEOPLE),
        },
    )


def _render_form(
    request: HttpRequest, form: PersonForm, person: Person | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "people/form.html",
        {"form": form, "person": person},
        status=status,
    )


def _save_errors(form: PersonForm, error: ValidationError) -> PersonForm:
    """Show a service error; a duplicate document brings up the confirmation box."""
    if isinstance(error, services.DuplicateDocument):
        shown = PersonForm(form.data, show_confirm=True)
        shown.is_valid()
        add_service_errors(shown, error)
        return shown
    add_service_errors(form, error)
    return form


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_PEOPLE)
    if request.method != "POST":
        return _render_form(request, PersonForm(), None)
    form = PersonForm(request.POST, show_confirm="confirm_duplicate_document" in request.POST)
    if form.is_valid():
        try:
            person = services.person_register(
                actor=request.user,  # type: ignore[arg-type]
                request=request,
                **form.service_fields(),
            )
        except ValidationError as error:
            form = _save_errors(form, error)
        else:
            messages.success(request, _("The person was registered."))
            return HttpResponseRedirect(reverse("people:detail", args=[person.pk]))
    return _render_form(request, form, None, status=400)


def _initial(person: Person) -> dict[str, Any]:
    names = list(person.names.all())
    km = next((n.value for n in names if n.script == "km"), "")
    latin = next((n.value for n in names if n.script == "latin"), "")
    others = [n.value for n in names if n.value not in (km, latin)]
    docs = list(person.documents.all())
    initial: dict[str, Any] = {
        "name_km": km,
        "name_latin": latin,
        "other_names": "\n".join(others),
        "sex": person.sex,
        "date_of_birth": person.date_of_birth,
        "approximate_age": (
            timezone.localdate().year - person.birth_year
            if person.birth_year and not person.birth_year_exact
            else None
        ),
        "home_village": person.home_village,
        "current_place": person.current_place,
        "phones": "\n".join(p.value for p in person.phones.all()),
        "vulnerabilities": person.vulnerabilities,
        "version": person.version,
    }
    for prefix, doc in zip(("document", "document2"), docs, strict=False):
        initial[f"{prefix}_kind"] = doc.kind
        initial[f"{prefix}_number"] = doc.number
    return initial


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(request, pk)
    if not may_manage(request.user, person) or not person.is_active_record:
        raise deny(request, request.user, reason="may not change this person", target=person)
    if request.method != "POST":
        return _render_form(request, PersonForm(initial=_initial(person)), person)
    form = PersonForm(request.POST, show_confirm="confirm_duplicate_document" in request.POST)
    if form.is_valid():
        version = form.cleaned_data.get("version")
        try:
            services.person_update(
                actor=request.user,  # type: ignore[arg-type]
                person=person,
                expected_version=version if version is not None else -1,
                request=request,
                **form.service_fields(),
            )
        except ValidationError as error:
            form = _save_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return HttpResponseRedirect(reverse("people:detail", args=[person.pk]))
    return _render_form(request, form, person, status=400)


# --------------------------------------------------------------------------- candidates


def _int(value: str | None) -> int | None:
    text = to_arabic_digits((value or "").strip())
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None


def _facts_from_query(request: HttpRequest) -> Any:
    get = request.GET
    names = [get.get(k, "")[:MAX_QUERY] for k in ("name_km", "name_latin", "name")]
    names += [n[:MAX_QUERY] for n in get.get("other_names", "").splitlines()[:10]]
    village = get.get("village", "").strip()[:16]
    village_place = place_by_code(village) if village else None
    village_code = (
        village_place.code
        if village_place is not None and village_place.kind == PlaceKind.VILLAGE
        else None
    )
    birth_year, exact = None, False
    dob = to_arabic_digits(get.get("dob", "").strip())[:10]
    if len(dob) == 10 and dob[:4].isdigit():
        birth_year, exact = int(dob[:4]), True
    else:
        age = _int(get.get("age"))
        if age is not None and 0 <= age <= services.MAX_AGE:
            birth_year = timezone.localdate().year - age
    phones = []
    for raw in get.get("phones", "").splitlines()[:5]:
        try:
            phones.append(phone_e164(raw))
        except ValidationError:
            continue
    documents = []
    for kind_key, number_key in (
        ("document_kind", "document_number"),
        ("document2_kind", "document2_number"),
    ):
        number = get.get(number_key, "")
        if number.strip():
            try:
                documents.append((get.get(kind_key, "other")[:20], document_normal(number)))
            except ValidationError:
                continue
    return facts_for(
        names=[n.strip() for n in names if n.strip()],
        birth_year=birth_year,
        birth_year_exact=exact,
        village_code=village_code,
        phones=phones,
        documents=documents,
        sex=get.get("sex", "")[:8] or None,
    )


def _reason_label(reason: Any) -> str:
    from migra.people.reasons import reason_label

    return reason_label(reason)


@login_required
@require_http_methods(["GET", "HEAD"])
def candidates_json(request: HttpRequest) -> JsonResponse:
    """Likely existing persons for what is typed in the registration form.

    Persons the user may not see are never described: only `hidden_match`."""
    require_perm(request, Perm.MANAGE_PEOPLE)
    facts = _facts_from_query(request)
    raw_exclude = request.GET.get("exclude", "")[:19]
    valid = raw_exclude.isascii() and raw_exclude.isdigit() and int(raw_exclude) < 2**63
    exclude = [int(raw_exclude)] if valid else []
    found = person_candidates(request.user, facts, exclude=exclude)
    items = []
    for candidate in found.visible:
        person = candidate.person
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=person,
            changes={"via": "candidates"},
            request=request,
        )
        names = [n.value for n in person.names.all()]
        items.append(
            {
                "id": person.pk,
                "url": reverse("people:detail", args=[person.pk]),
                "names": names,
                "village": person.home_village.name if person.home_village else "",
                "birth_year": person.birth_year,
                "score": round(candidate.score, 2),
                "strong": candidate.strong,
                "reasons": [_reason_label(r) for r in candidate.reasons],
            }
        )
    return JsonResponse(
        {
            "candidates": items,
            "hidden_match": found.hidden_match,
            "hidden_message": (
                _("Possible existing record — ask your supervisor.") if found.hidden_match else ""
            ),
        }
    )


# --------------------------------------------------------------------------- person page


@login_required
@require_http_methods(["GET", "HEAD"])
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(request, pk)
    if person.merged_into_id is not None and not may_supervise(request.user, person):
        return HttpResponseRedirect(reverse("people:detail", args=[person.merged_into_id]))
    visible = person_records_visible_to(request.user)
    households = []
    for membership in person.households.select_related("household"):
        others = HouseholdMember.objects.filter(household=membership.household).exclude(
            person=person
        )
        visible_ids = set(
            visible.filter(pk__in=[m.person_id for m in others]).values_list("pk", flat=True)
        )
        households.append(
            {
                "membership": membership,
                "others": [m for m in others if m.person_id in visible_ids],
                "hidden": sum(1 for m in others if m.person_id not in visible_ids),
            }
        )
    consents = list(person.consents.select_related("agency", "recorded_by"))
    manage = may_manage(request.user, person) and person.is_active_record
    supervise = may_supervise(request.user, person)
    merges_in = list(PersonMerge.objects.filter(target=person, undone_at__isnull=True))
    merges_out = list(PersonMerge.objects.filter(source=person, undone_at__isnull=True))
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "names": list(person.names.all()),
            "phones": list(person.phones.all()),
            "documents": list(person.documents.all()),
            "vulnerabilities": [
                str(Vulnerability(v).label)
                for v in person.vulnerabilities
                if v in Vulnerability.values
            ],
            "households": households,
            "consents": consents,
            "may_manage": manage,
            "may_supervise": supervise,
            "consent_form": ConsentForm(),
            "household_form": HouseholdForm(),
            "merge_form": MergeForm(),
            "merges_in": merges_in,
            "merges_out": merges_out,
            **_community_sections(request, person),
            **_cases_section(request, person),
            **_screenings_section(request, person),
        },
    )


def _cases_section(request: HttpRequest, person: Person) -> dict[str, Any]:
    """The person's cases the viewer may see, and whether they may open one."""
    from migra.cases.selectors import agencies_for_opening, cases_of_person

    may_open = (
        person.is_active_record
        and person.home_village is not None
        and bool(agencies_for_opening(request.user, person.home_village))
    )
    return {
        "cases": list(cases_of_person(request.user, person.pk)[:50]),
        "may_open_case": may_open,
    }


def _community_sections(request: HttpRequest, person: Person) -> dict[str, Any]:
    """The person's self-help groups, migration register entries, events attended and
    stories, each through its app's need-to-know selector (records of persons merged
    into this one included: memberships and attendances stay with the merged record)."""
    from migra.community.selectors import entries_visible_to, members_visible_to
    from migra.outreach.selectors import events_visible_to
    from migra.stories.forms import StoryLinkForm
    from migra.stories.selectors import stories_visible_to

    user = request.user
    ids = [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]
    return {
        "memberships": list(
            members_visible_to(user).filter(person_id__in=ids).order_by("-pk")[:50]
        ),
        "register_entries": list(
            entries_visible_to(user)
            .filter(person_id__in=ids)
            .select_related("destination")
            .order_by("-departed_on", "-pk")[:50]
        ),
        "events": list(
            events_visible_to(user)
            .filter(attendances__person_id__in=ids)
            .distinct()
            .order_by("-date", "-pk")[:50]
        ),
        "stories": list(stories_visible_to(user).filter(person_id__in=ids).order_by("-pk")[:50]),
        "story_link_form": StoryLinkForm(),
    }


def _screenings_section(request: HttpRequest, person: Person) -> dict[str, Any]:
    """The person's screenings the viewer may see, and whether they may screen them."""
    from migra.screening.selectors import screenings_for_person

    return {
        "screenings": list(screenings_for_person(request.user, person).order_by("-at")[:50]),
        "may_screen": person.is_active_record and user_has_perm(request.user, Perm.SCREEN),
    }


def _person_for_write(request: HttpRequest, pk: int) -> Person:
    """A person the user may see, without logging a view (the write is audited)."""
    return get_visible_or_deny(request, person_records_visible_to(request.user), pk)


def _back(pk: int, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("people:detail", args=[pk]) + anchor)


def _error_message(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_write(request, pk)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return _back(person.pk, "#consent")
    data = form.cleaned_data
    try:
        services.consent_give(
            actor=request.user,  # type: ignore[arg-type]
            person=person,
            purpose=data["purpose"],
            agency=data.get("agency"),
            given=data["given"],
            method=data["method"],
            witness_name=data.get("witness_name") or "",
            request=request,
        )
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, _("The answer was recorded."))
    return _back(person.pk, "#consent")


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    person = _person_for_write(request, pk)
    consent = Consent.objects.filter(pk=consent_pk, person=person).first()
    if consent is None:
        return HttpResponse(status=404)
    try:
        services.consent_withdraw(actor=request.user, consent=consent, request=request)  # type: ignore[arg-type]
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, _("The consent was withdrawn."))
    return _back(person.pk, "#consent")


@login_required
@require_POST
def household_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_write(request, pk)
    form = HouseholdForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the household details."))
        return _back(person.pk, "#household")
    household = None
    other_pk = form.cleaned_data.get("with_person")
    if other_pk:
        other = get_visible_or_deny(request, persons_visible_to(request.user), other_pk)
        first = other.households.select_related("household").first()
        if first is None:
            messages.error(request, _("That person is not in a household yet."))
            return _back(person.pk, "#household")
        household = first.household
    try:
        services.household_add_member(
            actor=request.user,  # type: ignore[arg-type]
            person=person,
            household=household,
            relationship=form.cleaned_data["relationship"],
            request=request,
        )
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, _("The household was saved."))
    return _back(person.pk, "#household")


# --------------------------------------------------------------------------- merge


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def person_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge another (duplicate) record into this one. Supervisors only."""
    require_perm(request, Perm.SUPERVISE_CASES)
    target = person_get_for_user(request, pk)
    if not may_supervise(request.user, target):
        raise deny(request, request.user, reason="may not merge this person", target=target)
    form = MergeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            source = get_visible_or_deny(
                request, person_records_visible_to(request.user), form.cleaned_data["other"]
            )
            try:
                services.person_merge(
                    actor=request.user,  # type: ignore[arg-type]
                    source=source,
                    target=target,
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The records were merged."))
                return _back(target.pk)
    return render(request, "people/merge.html", {"form": form, "person": target}, status=status)


@login_required
@require_POST
def merge_undo(request: HttpRequest, merge_pk: int) -> HttpResponse:
    require_perm(request, Perm.SUPERVISE_CASES)
    merge = merge_undoable_by(request.user, merge_pk)
    if merge is None:
        raise deny(request, request.user, reason="no merge to undo within the user's scope")
    try:
        services.person_unmerge(actor=request.user, merge=merge, request=request)  # type: ignore[arg-type]
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, _("The merge was undone."))
    return _back(merge.target_id)


# --------------------------------------------------------------------------- erasure


@login_required
@require_POST
def erase_request(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_write(request, pk)
    try:
        services.person_erase_request(actor=request.user, person=person, request=request)  # type: ignore[arg-type]
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, _("Erasure was requested. A supervisor must approve it."))
    return _back(person.pk)


@login_required
@require_POST
def erase_decide(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_write(request, pk)
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            services.person_erase_approve(actor=request.user, person=person, request=request)  # type: ignore[arg-type]
            messages.success(request, _("The person's identifiers were erased."))
        elif decision == "cancel":
            services.person_erase_cancel(actor=request.user, person=person, request=request)  # type: ignore[arg-type]
            messages.success(request, _("The erasure request was turned down."))
        else:
            return HttpResponse(status=400)
    except ValidationError as error:
        _error_message(request, error)
    return _back(person.pk)


# --------------------------------------------------------------------------- access log


@login_required
@require_http_methods(["GET", "HEAD"])
def access_log(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.SUPERVISE_CASES)
    person = get_visible_or_deny(request, person_records_visible_to(request.user), pk)
    if not may_supervise(request.user, person):
        raise deny(request, request.user, reason="may not read this access log", target=person)
    paginator = Paginator(person_access_log(person), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "people/access_log.html", {"person": person, "page": page})
