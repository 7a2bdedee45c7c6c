"""Pages of outreach events and reach. Thin: forms in, services to write, selectors to
read."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, require_perm, user_has_perm
from migra.config.counts import shown
from migra.config.forms import add_service_errors
from migra.media.photos import photo_response
from migra.outreach import services
from migra.outreach.forms import (
    AttendanceForm,
    CountsForm,
    EventForm,
    PersonSearchForm,
    PhotoUploadForm,
    QuestionsForm,
    ReachFilterForm,
    ScoreForm,
    count_field_name,
)
from migra.outreach.models import (
    BROAD_AGE_BANDS,
    AgeBand,
    AudienceCategory,
    BroadAgeBand,
    Event,
    KnowledgeTest,
)
from migra.outreach.reach import (
    ReachFilters,
    age_band_is_fine,
    count_anonymous,
    count_unique,
    reach_filters,
)
from migra.outreach.selectors import (
    event_anonymous_total,
    event_attendees,
    event_get_for_user,
    event_photo_get_for_user,
    event_photos,
    events_for_list,
    knowledge_test_change,
)
from migra.people.models import Person, Sex
from migra.people.selectors import persons_visible_to
from migra.places.models import Place, PlaceKind
from migra.search.selectors import search_for_user

PAGE_SIZE = 25
MAX_QUERY = 200


def _forms_page(
    request: HttpRequest,
    form: EventForm,
    counts: CountsForm,
    event: Event | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "outreach/form.html",
        {"form": form, "counts": counts, "event": event, "sexes": Sex.choices},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def event_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.LOG_OUTREACH)
    paginator = Paginator(events_for_list(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "outreach/list.html", {"page": page, "events": page.object_list})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.LOG_OUTREACH)
    if request.method != "POST":
        return _forms_page(request, EventForm(), CountsForm(prefix="c"), None)
    form = EventForm(request.POST)
    counts = CountsForm(request.POST, prefix="c")
    if form.is_valid() and counts.is_valid():
        try:
            event = services.event_record(
                actor=request.user,  # type: ignore[arg-type]
                counts=counts.rows(),
                request=request,
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The activity was recorded."))
            return HttpResponseRedirect(reverse("outreach:detail", args=[event.pk]))
    return _forms_page(request, form, counts, None, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_get_for_user(request, pk)
    if request.method != "POST":
        initial = {
            "kind": event.kind,
            "title": event.title,
            "place": event.place,
            "date": event.date,
            "materials": event.materials,
            "notes": event.notes,
            "version": event.version,
        }
        counts_initial = {
            count_field_name(c.sex, c.age_band, c.category): c.count for c in event.counts.all()
        }
        return _forms_page(
            request,
            EventForm(initial=initial),
            CountsForm(initial=counts_initial, prefix="c"),
            event,
        )
    form = EventForm(request.POST)
    counts = CountsForm(request.POST, prefix="c")
    if form.is_valid() and counts.is_valid():
        version = form.cleaned_data.get("version")
        try:
            services.event_update(
                actor=request.user,  # type: ignore[arg-type]
                event_id=event.pk,
                expected_version=version if version is not None else -1,
                counts=counts.rows(),
                request=request,
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return HttpResponseRedirect(reverse("outreach:detail", args=[event.pk]))
    return _forms_page(request, form, counts, event, status=400)


def _person_matches(request: HttpRequest, query: str) -> list[Person]:
    results = search_for_user(request.user, query, doc_types=["person"], limit=20)
    ids = [int(r.object_id) for r in results]
    by_id = {
        p.pk: p
        for p in persons_visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("home_village")
        .prefetch_related("names")
    }
    return [by_id[pk] for pk in ids if pk in by_id]


def _detail(
    request: HttpRequest,
    event: Event,
    *,
    attendance_form: AttendanceForm | None = None,
    score_form: ScoreForm | None = None,
    questions_form: QuestionsForm | None = None,
    photo_form: PhotoUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    attendees = event_attendees(request.user, event)
    may_search = user_has_perm(request.user, Perm.VIEW_PEOPLE)
    search = PersonSearchForm(request.GET or None)
    matches: list[Person] = []
    query = ""
    if may_search and search.is_valid() and search.cleaned_data["q"].strip():
        query = search.cleaned_data["q"].strip()[:MAX_QUERY]
        present = {row.attendance.person_id for row in attendees}
        matches = [p for p in _person_matches(request, query) if p.pk not in present]
    test = KnowledgeTest.objects.filter(event=event).first()
    choices = [
        (
            row.attendance.pk,
            (row.person.names.all()[0].value if row.person and row.person.names.all() else "")
            or _("Registered person #%(n)d") % {"n": row.attendance.person_id},
        )
        for row in attendees
    ]
    return render(
        request,
        "outreach/detail.html",
        {
            "event": event,
            "attendees": attendees,
            "counts": event.counts.order_by("category", "age_band", "sex"),
            "anonymous_total": event_anonymous_total(event),
            "may_search": may_search,
            "search": search,
            "query": query,
            "matches": matches,
            "attendance_form": attendance_form or AttendanceForm(),
            "test": test,
            "change": knowledge_test_change(test) if test else None,
            "questions_form": questions_form
            or QuestionsForm(initial={"questions": "\n".join(test.questions) if test else ""}),
            "score_form": score_form or ScoreForm(attendees=choices),
            "photos": list(event_photos(event)),
            "max_photos": services.MAX_PHOTOS,
            "photo_form": photo_form or PhotoUploadForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, event_get_for_user(request, pk))


@login_required
@require_POST
def attendance_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_get_for_user(request, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            services.event_attendance_add(
                actor=request.user,  # type: ignore[arg-type]
                event_id=event.pk,
                person_id=form.cleaned_data["person"],
                category=form.cleaned_data["category"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The person was added to the list."))
            return HttpResponseRedirect(reverse("outreach:detail", args=[event.pk]))
    return _detail(request, event, attendance_form=form, status=400)


@login_required
@require_POST
def attendance_remove(request: HttpRequest, pk: int, attendance_pk: int) -> HttpResponse:
    event = event_get_for_user(request, pk)
    try:
        services.event_attendance_remove(
            actor=request.user,  # type: ignore[arg-type]
            event_id=event.pk,
            attendance_id=attendance_pk,
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The person was taken off the list."))
    return HttpResponseRedirect(reverse("outreach:detail", args=[event.pk]))


@login_required
@require_POST
def test_questions(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_get_for_user(request, pk)
    form = QuestionsForm(request.POST)
    if form.is_valid():
        try:
            services.knowledge_test_set(
                actor=request.user,  # type: ignore[arg-type]
                event_id=event.pk,
                questions=form.question_list(),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The test was saved."))
            return HttpResponseRedirect(reverse("outreach:detail", args=[event.pk]))
    return _detail(request, event, questions_form=form, status=400)


@login_required
@require_POST
def test_score(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_get_for_user(request, pk)
    attendees = [(row.attendance.pk, "") for row in event_attendees(request.user, event)]
    form = ScoreForm(request.POST, attendees=attendees)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.participant_score_record(
                actor=request.user,  # type: ignore[arg-type]
                event_id=event.pk,
                attendance_id=data.get("attendance"),
                label=data.get("label") or "",
                before=data["before"],
                after=data.get("after"),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The scores were saved."))
            return HttpResponseRedirect(reverse("outreach:detail", args=[event.pk]))
    return _detail(request, event, score_form=form, status=400)


# --------------------------------------------------------------------------- photos


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    """One or more photos from one input; each is kept or refused on its own."""
    event = event_get_for_user(request, pk)
    form = PhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, event, photo_form=form, status=400)
    added = 0
    for number, upload in enumerate(form.cleaned_data["photos"], start=1):
        try:
            services.event_photo_add(
                actor=request.user,  # type: ignore[arg-type]
                event_id=event.pk,
                upload=upload,
                caption=form.cleaned_data.get("caption") or "",
                request=request,
            )
        except ValidationError as error:
            messages.error(
                request,
                _("Photo %(number)d (%(name)s) was not added: %(reason)s")
                % {
                    "number": number,
                    "name": str(getattr(upload, "name", ""))[:80],
                    "reason": " ".join(error.messages),
                },
            )
        else:
            added += 1
    if added:
        messages.success(
            request,
            ngettext("%(n)d photo was added.", "%(n)d photos were added.", added) % {"n": added},
        )
    return HttpResponseRedirect(reverse("outreach:detail", args=[event.pk]) + "#photos")


@login_required
@require_POST
def photo_remove(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    event = event_get_for_user(request, pk)
    try:
        services.event_photo_remove(
            actor=request.user,  # type: ignore[arg-type]
            event_id=event.pk,
            photo_id=photo_pk,
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The photo was removed."))
    return HttpResponseRedirect(reverse("outreach:detail", args=[event.pk]) + "#photos")


@login_required
@require_http_methods(["GET", "HEAD"])
def photo_file(request: HttpRequest, pk: int, photo_pk: int, size: str) -> FileResponse:
    """A photo's web rendition or thumbnail, to people who may see the event only (the
    files are never linked through MEDIA_URL)."""
    return photo_response(event_photo_get_for_user(request, pk, photo_pk), size)


# --------------------------------------------------------------------------- reach


def _row(label: Any, filters: ReachFilters, mask: bool, *, sub: bool = False) -> dict[str, Any]:
    return {
        "label": label,
        "sub": sub,
        "unique": shown(count_unique(filters), masked=mask),
        "anonymous": shown(count_anonymous(filters), masked=mask),
    }


def _age_rows(variant: Callable[..., ReachFilters], mask: bool) -> list[dict[str, Any]]:
    """Each broad band (events and meeting guests), then its fine bands (events only)."""
    fine_labels = dict(AgeBand.choices)
    rows = []
    for broad, label in BroadAgeBand.choices:
        rows.append(_row(label, variant(age_band=broad), mask))
        rows.extend(
            _row(fine_labels[fine], variant(age_band=fine), mask, sub=True)
            for fine in BROAD_AGE_BANDS[broad]
        )
    return rows


@login_required
@require_http_methods(["GET", "HEAD"])
def reach_page(request: HttpRequest) -> HttpResponse:
    may_see_records = user_has_perm(request.user, Perm.VIEW_STATISTICS)
    if not may_see_records and not user_has_perm(request.user, Perm.VIEW_AGGREGATES_ONLY):
        raise deny(request, request.user, reason=f"missing permission {Perm.VIEW_STATISTICS}")
    mask = not may_see_records
    form = ReachFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    base = reach_filters(
        since=data.get("since"),
        until=data.get("until"),
        province=data.get("province"),
        commune=data.get("commune"),
        sex=data.get("sex"),
        age_band=data.get("age_band"),
        category=data.get("category"),
    )

    def variant(**changes: Any) -> ReachFilters:
        return dataclasses.replace(base, **changes)

    province: Place | None = data.get("province")
    if province is not None:
        communes = Place.objects.filter(
            pk__in=Event.objects.filter(province=province).values("commune_id"),
            kind=PlaceKind.COMMUNE,
        )
        by_place = [_row(p.name, variant(commune_id=p.pk), mask) for p in communes]
    else:
        provinces = Place.objects.filter(
            pk__in=Event.objects.values("province_id"), kind=PlaceKind.PROVINCE
        )
        by_place = [_row(p.name, variant(province_id=p.pk), mask) for p in provinces]
    return render(
        request,
        "outreach/reach.html",
        {
            "form": form,
            "total": _row(_("All"), base, mask),
            "by_place": by_place,
            "place_heading": _("Commune") if province is not None else _("Province"),
            "by_sex": [_row(label, variant(sex=value), mask) for value, label in Sex.choices],
            "by_age": _age_rows(variant, mask),
            "fine_age_filter": age_band_is_fine(base.age_band),
            "by_category": [
                _row(label, variant(category=value), mask)
                for value, label in AudienceCategory.choices
            ],
            "masked": mask,
        },
    )
