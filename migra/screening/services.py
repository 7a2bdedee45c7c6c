"""Writes of the screening app. Keyword-only; each validates, saves and audits in one
transaction. Audit events name a screening as "screening #id" and hold codes and counts
only — never an answer that could identify someone, never a name.

Screenings: `screening_record`, `screening_link_person`, `screening_link_case`.
Catalogue: `catalogue_load_shipped`, `catalogue_draft_create`, `indicator_update`,
`catalogue_publish`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import User
from migra.accounts.selectors import deny
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.people.models import Person, Sex
from migra.people.selectors import persons_visible_to
from migra.places.models import Place, PlaceKind
from migra.screening import rules
from migra.screening.loader import InstallReport, install_shipped
from migra.screening.models import (
    AgeBand,
    CatalogueVersion,
    Indicator,
    Mode,
    Screening,
    SourceLabel,
    Strength,
    group_for,
)
from migra.screening.selectors import (
    catalogue_current,
    catalogue_draft,
    catalogue_rows,
    may_manage_catalogue,
    may_screen_full,
    question_set,
    rule_rows,
    screening_agencies_for,
    screenings_visible_to,
)

SCREENING_PLACE_KINDS = (PlaceKind.VILLAGE, PlaceKind.COMMUNE)
MAX_ANSWERS = 200


class StaleCatalogue(ValidationError):
    """The form was made with a catalogue version that is no longer the current one."""


class ScreeningConflict(ValidationError):
    """Someone else changed the screening (or the row) first: nothing was saved."""


def _conflict() -> ScreeningConflict:
    return ScreeningConflict(
        _(
            "Someone else changed this while you were working on it, so nothing was "
            "saved. Reload the page to see their change, then make yours again."
        ),
        code="conflict",
    )


# --------------------------------------------------------------------------- screenings


@dataclass(frozen=True)
class Recorded:
    screening: Screening
    created: bool  # False: the same form had been sent before (same token)


def _check_answers(answers: Mapping[str, str], allowed_topics: set[str]) -> dict[str, str]:
    if len(answers) > MAX_ANSWERS:
        raise ValidationError(_("Too many answers were sent."), code="too_many")
    clean: dict[str, str] = {}
    unknown_topics = []
    for topic, value in answers.items():
        if topic not in allowed_topics:
            unknown_topics.append(str(topic)[:48])
            continue
        if value not in rules.ANSWERS:
            raise ValidationError(
                _("Answer each question with yes, no or don't know."), code="invalid_answer"
            )
        clean[topic] = value
    if unknown_topics:
        raise ValidationError(
            _("These questions are not part of this screening: %(keys)s.")
            % {"keys": ", ".join(sorted(unknown_topics)[:5])},
            code="unknown_question",
        )
    if not clean:
        raise ValidationError(_("Answer at least one question."), code="no_answers")
    return clean


def screening_record(
    *,
    actor: User,
    catalogue: CatalogueVersion,
    mode: str,
    answers: Mapping[str, str],
    sex: str,
    age_band: str,
    place: Place,
    token: uuid.UUID,
    person: Person | None = None,
    request: HttpRequest | None = None,
) -> Recorded:
    """Record one screening and its result.

    `answers` maps question topics (`Indicator.topic`) to yes / no / unknown; they are
    stored per indicator key of the lists used (the child lists for under-18s). The
    same `token` sent again returns the screening already made (a double submit)."""
    if mode not in Mode.values:
        raise ValidationError(_("Choose the short or the full screening."), code="mode")
    if mode == Mode.FULL and not may_screen_full(actor):
        raise deny(request, actor, reason="the full screening is for caseworkers")
    if not isinstance(token, uuid.UUID):
        raise ValidationError(_("The form is damaged: open it again."), code="token")
    # A double submit: the same form again. Answer with what was made the first time.
    existing = Screening.objects.filter(token=token).first()
    if existing is not None:
        return _same_form_again(existing, actor)
    current = catalogue_current()
    if not catalogue.is_published:
        raise ValidationError(
            _("This questionnaire is not published. Open the screening again."),
            code="unpublished",
        )
    if current is None or catalogue.pk != current.pk:
        raise StaleCatalogue(
            _(
                "The questions were updated while you were answering. Your answers are "
                "kept: check them and send again."
            ),
            code="stale",
        )
    if sex not in Sex.values:
        raise ValidationError({"sex": _("Choose the person's sex.")}, code="sex")
    if age_band not in AgeBand.values:
        raise ValidationError({"age_band": _("Choose the person's age.")}, code="age_band")
    if not isinstance(place, Place) or place.kind not in SCREENING_PLACE_KINDS:
        raise ValidationError({"place": _("Choose a village or a commune.")}, code="place")
    agencies = screening_agencies_for(actor, place)
    if not agencies:
        raise ValidationError(
            {"place": _("You do not screen in this place. Choose a place you work in.")},
            code="place_scope",
        )
    if person is not None:
        if not persons_visible_to(actor).filter(pk=person.pk).exists():
            raise deny(request, actor, reason="person outside the user's scope", target=person)

    questions = question_set(catalogue, mode).by_topic()
    clean = _check_answers(answers, set(questions))
    group = group_for(age_band)
    parsed = rules.rules_from_data(catalogue.rules)
    used_lists = {*[s.code for s in parsed.lists_for(group)], parsed.fl_list}
    by_key: dict[str, str] = {}
    for topic, value in clean.items():
        for list_code, row in questions[topic].rows.items():
            if list_code in used_lists:
                by_key[row.key] = value
    indicators = [i for i in catalogue_rows(catalogue) if i.list_code in used_lists]
    explanation = rules.assess(
        rows=rule_rows(indicators), answers=by_key, group=group, rules=parsed
    )
    explanation["catalogue"] = catalogue.number

    try:
        with transaction.atomic():
            screening = Screening.objects.create(
                catalogue=catalogue,
                mode=mode,
                person=person,
                sex=sex,
                age_band=age_band,
                group=group,
                agency=agencies[0],
                place=place,
                answers=by_key,
                result=explanation["result"],
                explanation=explanation,
                screened_by=actor,
                at=timezone.now(),
                token=token,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                target=screening,
                changes={
                    "mode": mode,
                    "catalogue": catalogue.number,
                    "group": group,
                    "result": screening.result,
                    "answers": len(by_key),
                    "person": bool(person),
                },
                request=request,
            )
    except IntegrityError:
        # The same form sent at the same moment: the other request made it.
        existing = Screening.objects.filter(token=token).first()
        if existing is None:
            raise
        return _same_form_again(existing, actor)
    return Recorded(screening=screening, created=True)


def _same_form_again(existing: Screening, actor: User) -> Recorded:
    if existing.screened_by_id != actor.pk:
        raise ValidationError(_("The form is damaged: open it again."), code="token")
    return Recorded(screening=existing, created=False)


def screening_link_person(
    *,
    screening: Screening,
    person: Person,
    actor: User,
    request: HttpRequest | None = None,
) -> Screening:
    """Link an anonymous screening to a registered person (once)."""
    if not screenings_visible_to(actor).filter(pk=screening.pk).exists():
        raise deny(request, actor, reason="screening outside the user's scope", target=screening)
    if not persons_visible_to(actor).filter(pk=person.pk).exists():
        raise deny(request, actor, reason="person outside the user's scope", target=person)
    if screening.person_id == person.pk:
        return screening
    if screening.person_id is not None:
        raise ValidationError(
            _("This screening is already linked to another person."), code="linked"
        )
    with transaction.atomic():
        changed = Screening.objects.filter(
            pk=screening.pk, person__isnull=True, version=screening.version
        ).update(person=person, version=screening.version + 1)
        if not changed:
            raise _conflict()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=screening,
            changes={"person": "linked"},
            request=request,
        )
    screening.refresh_from_db(fields=["person", "version"])
    return screening


def screening_link_case(
    *,
    screening: Screening,
    case: Any,
    actor: User,
    request: HttpRequest | None = None,
) -> Screening:
    """Record that `case` was opened from (or follows up) this screening.

    Called by the cases part after it has checked the case itself. The screening
    must be visible to the actor and not linked to another case; an anonymous
    screening takes the case's person; a screening of another person is refused."""
    if not screenings_visible_to(actor).filter(pk=screening.pk).exists():
        raise deny(request, actor, reason="screening outside the user's scope", target=screening)
    if screening.case_id == case.pk:
        return screening
    if screening.case_id is not None:
        raise ValidationError(
            _("This screening already belongs to another case."), code="case_linked"
        )
    if screening.person_id is not None and screening.person_id != case.person_id:
        raise ValidationError(
            _("This screening is of another person than the case."), code="case_person"
        )
    with transaction.atomic():
        changed = Screening.objects.filter(
            pk=screening.pk, case__isnull=True, version=screening.version
        ).update(case=case, person_id=case.person_id, version=screening.version + 1)
        if not changed:
            raise _conflict()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=screening,
            changes={"case": str(case)},
            request=request,
        )
    screening.refresh_from_db(fields=["case", "person", "version"])
    return screening


# --------------------------------------------------------------------------- catalogue


def catalogue_load_shipped() -> InstallReport:
    """Load the shipped catalogue files not loaded yet (idempotent)."""
    with transaction.atomic():
        report = install_shipped(CatalogueVersion, Indicator, now=timezone.now())
        for number in report.created:
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                target=CatalogueVersion.objects.get(number=number),
                changes={"shipped": True},
            )
    return report


def _require_manager(actor: User, request: HttpRequest | None) -> None:
    if not may_manage_catalogue(actor):
        raise deny(request, actor, reason="may not manage the screening catalogue")


def catalogue_draft_create(
    *, actor: User, note: str = "", request: HttpRequest | None = None
) -> CatalogueVersion:
    """A new draft version, copied from the current one (rows, questions, rules).

    There is at most one draft: asking again returns it."""
    _require_manager(actor, request)
    with transaction.atomic():
        draft = catalogue_draft()
        if draft is not None:
            return draft
        current = catalogue_current()
        if current is None:
            raise ValidationError(_("There is no published catalogue to start from."))
        last = CatalogueVersion.objects.order_by("-number").first()
        draft = CatalogueVersion.objects.create(
            number=(last.number if last else 0) + 1,
            based_on=current,
            title=current.title,
            note=note.strip()[:4000],
            rules=current.rules,
            gaps=current.gaps,
            created_by=actor,
        )
        Indicator.objects.bulk_create(
            [
                Indicator(
                    catalogue=draft,
                    **{
                        f.name: getattr(row, f.name)
                        for f in Indicator._meta.concrete_fields
                        if f.name not in ("id", "catalogue", "version")
                    },
                )
                for row in catalogue_rows(current)
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=draft,
            changes={"based_on": current.number},
            request=request,
        )
    return draft


EDITABLE_FIELDS = (
    "strength",
    "source",
    "disputed",
    "confidence",
    "question_km",
    "question_en",
    "question_th",
    "guided_order",
)


def indicator_update(
    *,
    actor: User,
    indicator: Indicator,
    expected_version: int,
    changes: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> Indicator:
    """Correct one row of a draft catalogue (strength, source, confidence, questions,
    place in the short screening). Published versions never change."""
    _require_manager(actor, request)
    if set(changes) - set(EDITABLE_FIELDS):
        raise ValidationError(_("Only the strength, the source and the questions can change."))
    catalogue = indicator.catalogue
    if catalogue.is_published:
        raise ValidationError(
            _("A published catalogue never changes. Make a new version to correct it."),
            code="published",
        )
    values = dict(changes)
    is_fl = indicator.list_code == "FL"
    if "strength" in values:
        strength = values["strength"] or ""
        if is_fl and strength:
            raise ValidationError({"strength": _("Forced-labour indicators have no strength.")})
        if not is_fl and strength not in Strength.values:
            raise ValidationError({"strength": _("Choose strong, medium or weak.")})
        values["strength"] = strength
    if "source" in values and values["source"] not in SourceLabel.values:
        raise ValidationError({"source": _("Choose a source label from the list.")})
    for lang in ("km", "en", "th"):
        name = f"question_{lang}"
        if name in values:
            text = " ".join(str(values[name] or "").split())
            if not text:
                raise ValidationError({name: _("Every question needs a text in each language.")})
            if len(text) > 400:
                raise ValidationError({name: _("A question has at most 400 characters.")})
            values[name] = text
    if "confidence" in values:
        values["confidence"] = " ".join(str(values["confidence"] or "").split())[:600]
    if "guided_order" in values:
        order = values["guided_order"]
        if order is not None and (
            isinstance(order, bool) or not isinstance(order, int) or not 0 < order < 1000
        ):
            raise ValidationError({"guided_order": _("Give a position from 1 to 999.")})
    with transaction.atomic():
        changed = Indicator.objects.filter(
            pk=indicator.pk, version=expected_version, catalogue__published_at__isnull=True
        ).update(**values, version=expected_version + 1)
        if not changed:
            raise _conflict()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=catalogue,
            changes={"indicator": indicator.key, "fields": sorted(values)},
            request=request,
        )
    indicator.refresh_from_db()
    return indicator


def catalogue_publish(
    *,
    actor: User,
    catalogue: CatalogueVersion,
    expected_version: int,
    note: str,
    request: HttpRequest | None = None,
) -> CatalogueVersion:
    """Publish a draft: from now on new screenings use it. Screenings made before keep
    pointing at the version they used."""
    _require_manager(actor, request)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what changed in this version.")}, code="note")
    if len(note) > 4000:
        raise ValidationError({"note": _("Keep the note under 4000 characters.")})
    if catalogue.is_published:
        raise ValidationError(_("This version is already published."), code="published")
    try:
        parsed = rules.rules_from_data(catalogue.rules)
        rules.check_rows(rule_rows(catalogue_rows(catalogue)), parsed)
    except rules.RulesError as error:
        raise ValidationError(
            _("This version cannot be used: %(error)s") % {"error": str(error)}
        ) from None
    with transaction.atomic():
        changed = CatalogueVersion.objects.filter(
            pk=catalogue.pk, version=expected_version, published_at__isnull=True
        ).update(
            published_at=timezone.now(),
            published_by=actor,
            note=note,
            version=expected_version + 1,
        )
        if not changed:
            raise _conflict()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=catalogue,
            changes={"published": True},
            request=request,
        )
    catalogue.refresh_from_db()
    return catalogue
