"""Reads of screening data, each through the permission API.

- `screenings_visible_to(user)`: screenings of the user's agency inside their places,
  for holders of `Perm.SCREEN` and, the same way, of `Perm.VIEW_CASES`.
- `screening_get_for_user(request, pk)`: one screening or a logged 403 / 404; the view
  is written to the audit trail.
- `catalogue_current()`: the newest published catalogue version (what new screenings
  use); `question_set(catalogue, mode)`: the questions a form shows.
- `may_manage_catalogue(user)`: programme admins of the lead NGO (the catalogue is the
  whole programme's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from migra.accounts.models import Agency
from migra.accounts.roles import AgencyKind, Perm
from migra.accounts.selectors import (
    agencies_with_perm_at,
    get_visible_or_deny,
    restrict,
    scope_q,
    user_has_perm,
)
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.places.models import Place
from migra.screening import rules
from migra.screening.models import CatalogueVersion, Indicator, Mode, Screening

AGENCY_FIELD = "agency"
PLACE_FIELD = "place"
# Who sees screenings: those who screen, and those who see cases, each over their scope.
VIEW_PERMS = (Perm.SCREEN, Perm.VIEW_CASES)


# --------------------------------------------------------------------------- screenings


def screenings_visible_to(user: Any) -> QuerySet[Screening]:
    conditions = [
        scope_q(user, perm, agency_field=AGENCY_FIELD, place_field=PLACE_FIELD)
        for perm in VIEW_PERMS
    ]
    everything = Screening.objects.all()
    # An empty Q means "no restriction" (a superuser): it must not vanish in an OR.
    if any(not q for q in conditions):
        return everything
    combined = Q(pk__in=[])
    for q in conditions:
        combined |= q
    return everything.filter(combined).distinct()


def screening_get_for_user(request: HttpRequest, pk: Any) -> Screening:
    """One screening the requesting user may see; the view goes into the audit trail."""
    screening = get_visible_or_deny(
        request,
        screenings_visible_to(request.user).select_related(
            "catalogue", "person", "agency", "place", "screened_by", "case"
        ),
        pk,
    )
    audit_record(actor=request.user, action=AuditAction.VIEW, target=screening, request=request)
    return screening


def screenings_for_person(user: Any, person: Any) -> QuerySet[Screening]:
    """The screenings of one person the user may see (for the person's page)."""
    return screenings_visible_to(user).filter(person=person).select_related("catalogue")


def screening_agencies_for(user: Any, place: Place) -> list[Agency]:
    """Agencies in which the user may screen at this place (memberships with SCREEN
    whose places contain it), in a stable order."""
    return sorted(agencies_with_perm_at(user, Perm.SCREEN, place), key=lambda a: a.pk)


def may_screen(user: Any) -> bool:
    return user_has_perm(user, Perm.SCREEN)


def may_screen_full(user: Any) -> bool:
    """The full screening is for caseworkers (those who manage cases)."""
    return may_screen(user) and user_has_perm(user, Perm.MANAGE_CASES)


def may_open_case(user: Any) -> bool:
    return user_has_perm(user, Perm.MANAGE_CASES)


def may_link_person(user: Any, screening: Screening) -> bool:
    """Whoever may screen where the screening is may link it to a person."""
    return restrict(
        Screening.objects.filter(pk=screening.pk),
        user,
        Perm.SCREEN,
        agency_field=AGENCY_FIELD,
        place_field=PLACE_FIELD,
    ).exists()


# --------------------------------------------------------------------------- catalogue


def may_manage_catalogue(user: Any) -> bool:
    """The catalogue belongs to the whole programme: programme admins of the lead NGO."""
    if not user_has_perm(user, Perm.MANAGE_PROGRAMME):
        return False
    lead = Agency.objects.filter(kind=AgencyKind.LEAD_NGO)
    return restrict(lead, user, Perm.MANAGE_PROGRAMME, agency_field="pk").exists()


def catalogue_current() -> CatalogueVersion | None:
    """The newest published version: what new screenings use."""
    return CatalogueVersion.objects.filter(published_at__isnull=False).order_by("-number").first()


def catalogue_draft() -> CatalogueVersion | None:
    return CatalogueVersion.objects.filter(published_at__isnull=True).order_by("-number").first()


def catalogue_by_number(number: Any) -> CatalogueVersion | None:
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 2**31:
        return None
    return CatalogueVersion.objects.filter(number=number).first()


def catalogue_versions() -> QuerySet[CatalogueVersion]:
    return CatalogueVersion.objects.select_related("published_by", "created_by").order_by("-number")


def catalogue_rows(catalogue: CatalogueVersion) -> list[Indicator]:
    return list(catalogue.indicators.order_by("position"))


def rule_rows(indicators: Sequence[Indicator]) -> list[rules.Row]:
    return [i.as_rule_row() for i in indicators]


# --------------------------------------------------------------------------- question sets


@dataclass
class Question:
    """One question of a form: a topic, asked the same way for adults and children.

    `rows` maps each list that has this topic to its row; `guided_in` names the lists in
    whose short screening the topic is asked."""

    topic: str
    dimension: str
    rows: dict[str, Indicator] = field(default_factory=dict)
    guided_in: list[str] = field(default_factory=list)
    order: tuple[int, int] = (0, 0)

    @property
    def field_name(self) -> str:
        return f"q_{self.topic}"

    def text(self, language: str | None, list_code: str | None = None) -> str:
        row = self.rows.get(list_code or "") or next(iter(self.rows.values()))
        return row.question(language)

    def lists(self) -> str:
        return " ".join(sorted(self.rows))


@dataclass
class QuestionSet:
    catalogue: CatalogueVersion
    mode: str
    questions: list[Question]
    # list codes per age group that have rows (available), e.g. {"adult": ["AL"], ...}
    lists_by_group: dict[str, list[str]]
    fl_list: str
    # the kinds of trafficking that can be assessed (labour; sexual once its lists exist)
    exploitations: set[str] = field(default_factory=set)

    def by_topic(self) -> dict[str, Question]:
        return {q.topic: q for q in self.questions}

    def sections(self) -> list[tuple[str, list[Question]]]:
        """Questions grouped by dimension (forced labour last), in catalogue order."""
        out: dict[str, list[Question]] = {}
        for question in self.questions:
            out.setdefault(question.dimension, []).append(question)
        return list(out.items())


def question_set(catalogue: CatalogueVersion, mode: str) -> QuestionSet:
    """The questions a screening form asks with this catalogue version.

    Full: every topic of the available trafficking lists (adult and child; a child's
    screening ignores the two adult-only topics), grouped by dimension, then the
    forced-labour indicators. Guided: the topics chosen for the short screening of
    either age group, in their order (the page shows those of the person's group)."""
    parsed = rules.rules_from_data(catalogue.rules)
    indicators = catalogue_rows(catalogue)
    available = {i.list_code for i in indicators}
    lists_by_group = {
        group: [s.code for s in parsed.lists_for(group) if s.code in available]
        for group in rules.GROUPS
    }
    delphi_lists = {code for codes in lists_by_group.values() for code in codes}
    questions: dict[str, Question] = {}
    for indicator in indicators:
        is_fl = indicator.list_code == parsed.fl_list
        if not is_fl and indicator.list_code not in delphi_lists:
            continue
        question = questions.get(indicator.topic)
        if question is None:
            dimension = rules.FORCED_LABOUR if is_fl else indicator.dimension
            question = Question(topic=indicator.topic, dimension=dimension)
            questions[indicator.topic] = question
        question.rows[indicator.list_code] = indicator
        if indicator.guided_order is not None:
            question.guided_in.append(indicator.list_code)
            guided = min(question.order[0] or 10**4, indicator.guided_order)
            question.order = (guided, question.order[1])
    dimension_order = {d: i for i, d in enumerate((*rules.DIMENSIONS, rules.FORCED_LABOUR))}
    chosen = list(questions.values())
    for position, question in enumerate(chosen):
        question.order = (question.order[0], position)
    if mode == Mode.GUIDED:
        chosen = [q for q in chosen if q.guided_in]
        chosen.sort(key=lambda q: q.order)
    else:
        chosen.sort(key=lambda q: (dimension_order.get(q.dimension, 99), q.order[1]))
    return QuestionSet(
        catalogue=catalogue,
        mode=mode,
        questions=chosen,
        lists_by_group=lists_by_group,
        fl_list=parsed.fl_list,
        exploitations={parsed.lists[code].exploitation for code in delphi_lists},
    )
