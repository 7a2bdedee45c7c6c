"""Pages of the screening app. Thin: forms in, services to write, selectors to read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import (
    deny,
    get_visible_or_deny,
    memberships_of,
    require_perm,
    user_has_perm,
)
from migra.community.prefill import prefill_answers
from migra.config.forms import add_service_errors
from migra.people.models import Person
from migra.people.selectors import person_get_for_user, persons_visible_to
from migra.places.models import Place
from migra.screening import rules, services
from migra.screening.explain import explain
from migra.screening.forms import (
    ANSWER_PREFIX,
    LinkPersonForm,
    ScreeningForm,
    answers_from,
)
from migra.screening.labels import ANSWER_LABELS, DIMENSION_LABELS, DIMENSION_SHORT
from migra.screening.models import CHILD_BANDS, AgeBand, CatalogueVersion, Mode
from migra.screening.selectors import (
    QuestionSet,
    catalogue_by_number,
    catalogue_current,
    may_link_person,
    may_open_case,
    may_screen_full,
    question_set,
    screening_get_for_user,
    screenings_visible_to,
)

PAGE_SIZE = 25
# More answers than any catalogue has questions: a flood is refused before any work.
MAX_POSTED_ANSWERS = 200


def _age_band(person: Person) -> str:
    if not person.birth_year:
        return ""
    age = timezone.localdate().year - person.birth_year
    for band, low, high in (
        (AgeBand.UNDER_15, 0, 14),
        (AgeBand.FROM_15, 15, 17),
        (AgeBand.FROM_18, 18, 24),
        (AgeBand.FROM_25, 25, 34),
        (AgeBand.FROM_35, 35, 44),
        (AgeBand.FROM_45, 45, 59),
    ):
        if low <= age <= high:
            return str(band)
    return str(AgeBand.FROM_60)


@dataclass
class _Shown:
    """One question as the form shows it."""

    name: str
    topic: str
    text: str
    texts_by_list: dict[str, str]
    lists: str
    guided_in: str
    dimension: str
    selected: str


def _shown_questions(qset: QuestionSet, answers: dict[str, str]) -> list[_Shown]:
    language = get_language()
    out = []
    for question in qset.questions:
        texts = {code: row.question(language) for code, row in question.rows.items()}
        out.append(
            _Shown(
                name=question.field_name,
                topic=question.topic,
                text=question.text(language),
                texts_by_list=texts,
                lists=question.lists(),
                guided_in=" ".join(sorted(question.guided_in)),
                dimension=question.dimension,
                selected=answers.get(question.topic, ""),
            )
        )
    return out


def _render_form(
    request: HttpRequest,
    *,
    form: ScreeningForm,
    catalogue: CatalogueVersion,
    mode: str,
    person: Person | None,
    answers: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    qset = question_set(catalogue, mode)
    questions = _shown_questions(qset, answers)
    sections: list[dict[str, Any]] = []
    for question in questions:
        if not sections or sections[-1]["dimension"] != question.dimension:
            sections.append(
                {
                    "dimension": question.dimension,
                    "label": DIMENSION_LABELS.get(question.dimension, ""),
                    "short": DIMENSION_SHORT.get(question.dimension, ""),
                    "questions": [],
                }
            )
        sections[-1]["questions"].append(question)
    return render(
        request,
        "screening/form.html",
        {
            "form": form,
            "mode": mode,
            "guided": mode == Mode.GUIDED,
            "catalogue": catalogue,
            "person": person,
            "sections": sections,
            "questions": questions,
            "answer_choices": [(value, ANSWER_LABELS[value]) for value in rules.ANSWERS],
            "lists_adult": " ".join(qset.lists_by_group[rules.ADULT]),
            "lists_child": " ".join(qset.lists_by_group[rules.CHILD]),
            "fl_list": qset.fl_list,
            "child_bands": " ".join(sorted(CHILD_BANDS)),
            "sexual_available": rules.SEXUAL in qset.exploitations,
        },
        status=status,
    )


def _mode_from(value: Any) -> str | None:
    return value if value in Mode.values else None


def _check_mode(request: HttpRequest, mode: str) -> None:
    if mode == Mode.FULL and not may_screen_full(request.user):
        raise deny(request, request.user, reason="the full screening is for caseworkers")


def _single_place(user: Any) -> Place | None:
    """The one village or commune the user screens in, if there is exactly one (an SHG
    facilitator's commune): the form starts with it."""
    places = {
        place.pk: place
        for membership in memberships_of(user)
        if Perm.SCREEN in ROLE_PERMISSIONS.get(membership.role, frozenset())
        and not membership.all_places
        for place in membership.places.all()
    }
    only = list(places.values())
    if len(only) == 1 and only[0].kind in services.SCREENING_PLACE_KINDS:
        return only[0]
    return None


def _person_for_screening(request: HttpRequest, pk: Any) -> Person:
    """A current person the user may see (a logged 403 otherwise); the view is logged."""
    person = person_get_for_user(request, pk)
    if not person.is_active_record:
        raise deny(request, request.user, reason="merged or erased record", target=person)
    return person


@login_required
@require_http_methods(["GET", "HEAD"])
def screening_list(request: HttpRequest) -> HttpResponse:
    if not (
        user_has_perm(request.user, Perm.SCREEN) or user_has_perm(request.user, Perm.VIEW_CASES)
    ):
        raise deny(request, request.user, reason="missing permission screen")
    visible = screenings_visible_to(request.user).select_related(
        "place", "agency", "catalogue", "screened_by"
    )
    page = Paginator(visible.order_by("-at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "screening/list.html",
        {
            "page": page,
            "screenings": list(page.object_list),
            "may_screen": user_has_perm(request.user, Perm.SCREEN),
            "may_screen_full": may_screen_full(request.user),
            "may_see_catalogue": user_has_perm(request.user, Perm.SCREEN)
            or user_has_perm(request.user, Perm.MANAGE_PROGRAMME),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def screening_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.SCREEN)
    if request.method == "POST":
        return _screening_post(request)
    mode = _mode_from(request.GET.get("mode", Mode.GUIDED))
    if mode is None:
        return HttpResponse(_("Unknown kind of screening."), status=400, content_type="text/plain")
    _check_mode(request, mode)
    catalogue = catalogue_current()
    if catalogue is None:
        return render(request, "screening/unavailable.html", status=503)
    person = None
    initial: dict[str, Any] = {
        "token": uuid.uuid4(),
        "catalogue": catalogue.number,
        "mode": mode,
    }
    default_place = _single_place(request.user)
    if default_place is not None:
        initial["place"] = default_place
    raw_person = request.GET.get("person", "")
    if raw_person:
        person = _person_for_screening(request, raw_person[:20])
        initial.update(
            person=person.pk,
            sex=person.sex,
            age_band=_age_band(person) or None,
            place=person.home_village,
        )
    return _render_form(
        request,
        form=ScreeningForm(initial=initial),
        catalogue=catalogue,
        mode=mode,
        person=person,
        # Problems reported in the community register pre-select "yes" (changeable).
        answers=prefill_answers(request.GET.get("prefill", "")),
    )


def _screening_post(request: HttpRequest) -> HttpResponse:
    answer_names = [k for k in request.POST if k.startswith(ANSWER_PREFIX)]
    if len(answer_names) > MAX_POSTED_ANSWERS:
        return HttpResponse(_("Too many answers were sent."), status=400, content_type="text/plain")
    mode = _mode_from(request.POST.get("mode"))
    if mode is None:
        return HttpResponse(_("Unknown kind of screening."), status=400, content_type="text/plain")
    _check_mode(request, mode)
    form = ScreeningForm(request.POST)
    answers, repeated = answers_from(request.POST)
    posted = catalogue_by_number(_int(request.POST.get("catalogue")))
    current = catalogue_current()
    if current is None:
        return render(request, "screening/unavailable.html", status=503)
    # The form was made with a draft or a catalogue that does not exist: refuse.
    if posted is None or not posted.is_published:
        return HttpResponse(
            _("This questionnaire is not published. Open the screening again."),
            status=400,
            content_type="text/plain",
        )
    person = None
    raw_person = request.POST.get("person", "")
    if raw_person:
        person = get_visible_or_deny(request, persons_visible_to(request.user), raw_person[:20])
    shown_catalogue = posted
    if not form.is_valid() or repeated:
        if repeated:
            form.add_error(None, _("Each question takes one answer."))
        return _render_form(
            request,
            form=form,
            catalogue=shown_catalogue,
            mode=mode,
            person=person,
            answers=answers,
            status=400,
        )
    data = form.cleaned_data
    try:
        recorded = services.screening_record(
            actor=request.user,  # type: ignore[arg-type]
            catalogue=posted,
            mode=mode,
            answers=answers,
            sex=data["sex"],
            age_band=data["age_band"],
            place=data["place"],
            token=data["token"],
            person=person,
            request=request,
        )
    except services.StaleCatalogue as error:
        # Show the current questions with the answers given (topics carry over), and
        # the same token: sending again makes one screening.
        messages.warning(request, error.messages[0])
        return _render_form(
            request,
            form=_rebind(request, current),
            catalogue=current,
            mode=mode,
            person=person,
            answers=answers,
            status=409,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_form(
            request,
            form=form,
            catalogue=shown_catalogue,
            mode=mode,
            person=person,
            answers=answers,
            status=400,
        )
    return HttpResponseRedirect(reverse("screening:detail", args=[recorded.screening.pk]))


def _rebind(request: HttpRequest, current: CatalogueVersion) -> ScreeningForm:
    data = request.POST.copy()
    data["catalogue"] = str(current.number)
    form = ScreeningForm(data)
    form.is_valid()
    return form


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else None


@login_required
@require_http_methods(["GET", "HEAD"])
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    screening = screening_get_for_user(request, pk)
    person_visible = (
        screening.person_id is not None
        and persons_visible_to(request.user).filter(pk=screening.person_id).exists()
    )
    return render(
        request,
        "screening/detail.html",
        {
            "screening": screening,
            "view": explain(screening, get_language()),
            "may_open_case": may_open_case(request.user) and screening.case_id is None,
            "open_case_url": f"/app/cases/new/?screening={screening.pk}",
            "person_visible": person_visible,
            "may_link_person": screening.person_id is None
            and may_link_person(request.user, screening),
            "link_form": LinkPersonForm(),
        },
    )


@login_required
@require_POST
def screening_link_person(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.SCREEN)
    screening = get_visible_or_deny(request, screenings_visible_to(request.user), pk)
    if not may_link_person(request.user, screening):
        raise deny(request, request.user, reason="may not link this screening", target=screening)
    form = LinkPersonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of a person's record."))
        return HttpResponseRedirect(reverse("screening:detail", args=[screening.pk]))
    person = get_visible_or_deny(
        request, persons_visible_to(request.user), form.cleaned_data["person"]
    )
    try:
        services.screening_link_person(
            screening=screening,
            person=person,
            actor=request.user,  # type: ignore[arg-type]
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The screening is now linked to the person."))
    return HttpResponseRedirect(reverse("screening:detail", args=[screening.pk]))
