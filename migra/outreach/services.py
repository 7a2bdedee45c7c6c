"""Writes of outreach events. Keyword-only, plain values in (codes, ids, dates, ints),
so that a web form and a later ODK submission mapping call the same functions. Each
validates, saves and writes the audit trail in one transaction; audit events hold
counts and ids, never a person's name or the event's notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import Agency, User
from migra.accounts.roles import Perm
from migra.accounts.selectors import agencies_with_perm_at, deny
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.media import photos as media_photos
from migra.outreach.models import (
    AgeBand,
    Attendance,
    AudienceCategory,
    AudienceCount,
    Event,
    EventKind,
    EventPhoto,
    KnowledgeTest,
    ParticipantScore,
)
from migra.outreach.selectors import events_visible_to
from migra.people.models import Person, Sex
from migra.people.selectors import persons_visible_to
from migra.places.models import Place, PlaceKind

MAX_TITLE = 200
MAX_TEXT = 4000
MAX_COUNT = 5000  # people of one sex, age band and category at one event
MAX_QUESTIONS = 20
MAX_QUESTION = 300
MAX_LABEL = 20
MAX_PHOTOS = 50  # photos of one event
MAX_CAPTION = 300
PHOTO_FOLDER = "outreach/photos"
OLDEST = dt.date(2000, 1, 1)


class EventConflict(ValidationError):
    """Someone else saved the event since the form was opened: nothing was saved."""


def _conflict() -> EventConflict:
    return EventConflict(
        _(
            "Someone else changed this event while you were editing it, so nothing was "
            "saved. Reload the page to see their changes, then make yours again."
        ),
        code="conflict",
    )


def _clean_text(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Give text.")}, code="invalid")
    value = value.replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("This is required.")}, code="required")
    if len(value) > limit:
        raise ValidationError(
            {field: _("At most %(limit)d characters.") % {"limit": limit}}, code="too_long"
        )
    return value


def _clean_kind(kind: Any) -> str:
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("Choose the kind of activity.")}, code="kind")
    return str(kind)


def _clean_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({"date": _("Give the date of the activity.")}, code="invalid")
    if value > timezone.localdate():
        raise ValidationError(
            {"date": _("The activity cannot be in the future: record it once it took place.")},
            code="future",
        )
    if value < OLDEST:
        raise ValidationError({"date": _("The date is too long ago.")}, code="too_old")
    return value


def _clean_place(code: Any) -> tuple[Place, Place, Place | None]:
    """The place (village or commune, by code), its commune and its province."""
    place = (
        Place.objects.filter(code=code, kind__in=[PlaceKind.VILLAGE, PlaceKind.COMMUNE]).first()
        if isinstance(code, str) and 0 < len(code) <= 16
        else None
    )
    if place is None:
        raise ValidationError(
            {"place": _("Choose the village or commune where it took place.")}, code="place"
        )
    commune = place if place.kind == PlaceKind.COMMUNE else place.parent
    if commune is None or commune.kind != PlaceKind.COMMUNE:
        raise ValidationError({"place": _("This village has no commune.")}, code="place")
    parts = place.path.split("/")
    province = (
        Place.objects.filter(path="/".join(parts[:2]), kind=PlaceKind.PROVINCE).first()
        if len(parts) >= 2
        else None
    )
    return place, commune, province


def _agency_for(actor: User, place: Place, agency_id: int | None) -> Agency:
    """An agency in which the actor may log outreach at this place."""
    possible = agencies_with_perm_at(actor, Perm.LOG_OUTREACH, place)
    if agency_id is not None:
        for agency in possible:
            if agency.pk == agency_id:
                return agency
        if actor.is_superuser and actor.is_active:
            found = Agency.objects.filter(pk=agency_id, is_active=True).first()
            if found is not None:
                return found
        raise deny(None, actor, reason="may not log outreach for this agency here")
    if len(possible) == 1:
        return possible[0]
    if not possible:
        raise ValidationError(
            {"place": _("You may not log activities in this place.")}, code="outside_scope"
        )
    raise ValidationError(
        {"agency": _("You work for several agencies here: choose the one that organised it.")},
        code="agency",
    )


def _event_to_change(actor: User, event_id: Any, request: HttpRequest | None) -> Event:
    """The event, when the actor may log outreach for it (a logged 403 otherwise)."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise ValidationError(_("This event does not exist."), code="missing")
    if not events_visible_to(actor).filter(pk=event.pk).exists():
        raise deny(request, actor, reason="outside the user's scope", target=event)
    return event


def _clean_counts(counts: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], int]:
    out: dict[tuple[str, str, str], int] = {}
    for row in counts:
        sex, band, category = row.get("sex"), row.get("age_band"), row.get("category")
        number = row.get("count")
        if sex not in Sex.values or band not in AgeBand.values:
            raise ValidationError({"counts": _("Choose a sex and an age band.")}, code="cell")
        if category not in AudienceCategory.values:
            raise ValidationError({"counts": _("Choose a category.")}, code="cell")
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValidationError({"counts": _("Give whole numbers.")}, code="invalid")
        if number < 0 or number > MAX_COUNT:
            raise ValidationError(
                {"counts": _("Give numbers between 0 and %(max)d.") % {"max": MAX_COUNT}},
                code="range",
            )
        key = (str(sex), str(band), str(category))
        if key in out:
            raise ValidationError({"counts": _("A cell is given twice.")}, code="duplicate")
        out[key] = number
    return out


def _write_counts(event: Event, counts: dict[tuple[str, str, str], int]) -> None:
    AudienceCount.objects.filter(event=event).delete()
    AudienceCount.objects.bulk_create(
        AudienceCount(event=event, sex=s, age_band=b, category=c, count=n)
        for (s, b, c), n in sorted(counts.items())
        if n > 0
    )


def event_record(
    *,
    actor: User,
    kind: str,
    title: str,
    place_code: str,
    date: dt.date,
    agency_id: int | None = None,
    materials: str = "",
    notes: str = "",
    counts: Iterable[Mapping[str, Any]] = (),
    request: HttpRequest | None = None,
) -> Event:
    """Record an activity that took place. `counts`: rows of {"sex", "age_band",
    "category", "count"} for the people present who are not registered."""
    clean_kind = _clean_kind(kind)
    clean_title = _clean_text(title, field="title", limit=MAX_TITLE, required=True)
    clean_date = _clean_date(date)
    place, commune, province = _clean_place(place_code)
    clean_materials = _clean_text(materials, field="materials", limit=MAX_TEXT)
    clean_notes = _clean_text(notes, field="notes", limit=MAX_TEXT)
    clean_counts = _clean_counts(counts)
    agency = _agency_for(actor, place, agency_id)
    with transaction.atomic():
        event = Event.objects.create(
            kind=clean_kind,
            title=clean_title,
            organiser=actor,
            agency=agency,
            place=place,
            commune=commune,
            province=province,
            date=clean_date,
            materials=clean_materials,
            notes=clean_notes,
            created_by=actor,
        )
        _write_counts(event, clean_counts)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=event,
            changes={
                "kind": clean_kind,
                "place": place.code,
                "date": clean_date.isoformat(),
                "anonymous": sum(clean_counts.values()),
            },
            request=request,
        )
    return event


def event_update(
    *,
    actor: User,
    event_id: int,
    expected_version: int,
    kind: str,
    title: str,
    place_code: str,
    date: dt.date,
    materials: str = "",
    notes: str = "",
    counts: Iterable[Mapping[str, Any]] | None = None,
    request: HttpRequest | None = None,
) -> Event:
    """Change an event. A stale `expected_version` raises EventConflict; nothing saved.
    `counts` None keeps the anonymous counts; a list replaces them."""
    event = _event_to_change(actor, event_id, request)
    clean_kind = _clean_kind(kind)
    clean_title = _clean_text(title, field="title", limit=MAX_TITLE, required=True)
    clean_date = _clean_date(date)
    place, commune, province = _clean_place(place_code)
    if place != event.place:
        _agency_for(actor, place, event.agency_id)  # a logged 403 outside the actor's places
    clean_materials = _clean_text(materials, field="materials", limit=MAX_TEXT)
    clean_notes = _clean_text(notes, field="notes", limit=MAX_TEXT)
    clean_counts = _clean_counts(counts) if counts is not None else None
    with transaction.atomic():
        updated = Event.objects.filter(pk=event.pk, version=expected_version).update(
            version=expected_version + 1
        )
        if updated != 1:
            raise _conflict()
        locked = Event.objects.select_for_update().get(pk=event.pk)
        before = {"kind": locked.kind, "place": locked.place_id, "date": locked.date}
        locked.kind = clean_kind
        locked.title = clean_title
        locked.place = place
        locked.commune = commune
        locked.province = province
        locked.date = clean_date
        locked.materials = clean_materials
        locked.notes = clean_notes
        locked.save(
            update_fields=[
                "kind",
                "title",
                "place",
                "commune",
                "province",
                "date",
                "materials",
                "notes",
            ]
        )
        if clean_counts is not None:
            _write_counts(locked, clean_counts)
        changed = [
            name
            for name, value in (
                ("kind", clean_kind),
                ("place", place.pk),
                ("date", clean_date),
            )
            if before[name] != value
        ]
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={
                "changed": changed,
                "version": locked.version,
                "anonymous": None if clean_counts is None else sum(clean_counts.values()),
            },
            request=request,
        )
    return locked


def event_attendance_add(
    *,
    actor: User,
    event_id: int,
    person_id: int,
    category: str = AudienceCategory.GENERAL_PUBLIC,
    request: HttpRequest | None = None,
) -> Attendance:
    """A registered person was at the event. The same person twice is refused."""
    event = _event_to_change(actor, event_id, request)
    if category not in AudienceCategory.values:
        raise ValidationError({"category": _("Choose a category.")}, code="category")
    if isinstance(person_id, bool) or not isinstance(person_id, int):
        raise ValidationError({"person": _("Choose a registered person.")}, code="person")
    person = persons_visible_to(actor).filter(pk=person_id).first()
    if person is None:
        if Person.objects.filter(pk=person_id).exists():
            raise deny(request, actor, reason="person outside the user's scope")
        raise ValidationError({"person": _("Choose a registered person.")}, code="person")
    if Attendance.objects.filter(event=event, person=person).exists():
        raise ValidationError(
            {"person": _("This person is already on the list of this event.")},
            code="duplicate",
        )
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                event=event, person=person, category=category, created_by=actor
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                target=attendance,
                changes={"event": event.pk, "person": person.pk, "category": category},
                request=request,
            )
    except IntegrityError:
        raise ValidationError(
            {"person": _("This person is already on the list of this event.")},
            code="duplicate",
        ) from None
    return attendance


def event_attendance_remove(
    *, actor: User, event_id: int, attendance_id: int, request: HttpRequest | None = None
) -> None:
    event = _event_to_change(actor, event_id, request)
    attendance = Attendance.objects.filter(pk=attendance_id, event=event).first()
    if attendance is None:
        raise ValidationError(_("This person is not on the list."), code="missing")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            target=attendance,
            changes={"event": event.pk, "person": attendance.person_id},
            request=request,
        )
        attendance.delete()


# --------------------------------------------------------------------------- knowledge test


def knowledge_test_set(
    *,
    actor: User,
    event_id: int,
    questions: Iterable[str],
    request: HttpRequest | None = None,
) -> KnowledgeTest:
    """Give the event a short pre/post test (or change its questions)."""
    event = _event_to_change(actor, event_id, request)
    cleaned: list[str] = []
    for question in questions:
        text = _clean_text(question, field="questions", limit=MAX_QUESTION)
        if text:
            cleaned.append(text)
    if not cleaned:
        raise ValidationError({"questions": _("Give at least one question.")}, code="required")
    if len(cleaned) > MAX_QUESTIONS:
        raise ValidationError(
            {"questions": _("Give at most %(max)d questions.") % {"max": MAX_QUESTIONS}},
            code="too_many",
        )
    with transaction.atomic():
        test, _created = KnowledgeTest.objects.get_or_create(event=event)
        if ParticipantScore.objects.filter(test=test).exists() and len(cleaned) < len(
            test.questions
        ):
            raise ValidationError(
                {"questions": _("Scores are recorded: questions can be added, not removed.")},
                code="has_scores",
            )
        test.questions = cleaned
        test.save(update_fields=["questions"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=test,
            changes={"event": event.pk, "questions": len(cleaned)},
            request=request,
        )
    return test


def _clean_score(value: Any, *, field: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: _("Give the score as a whole number.")}, code="invalid")
    if not 0 <= value <= maximum:
        raise ValidationError(
            {field: _("Give a score between 0 and %(max)d.") % {"max": maximum}}, code="range"
        )
    return value


def participant_score_record(
    *,
    actor: User,
    event_id: int,
    before: int,
    after: int | None = None,
    attendance_id: int | None = None,
    label: str = "",
    request: HttpRequest | None = None,
) -> ParticipantScore:
    """One participant's scores: a registered attendee (attendance_id) or an anonymous
    participant (label). Recording again for the same participant replaces the scores."""
    event = _event_to_change(actor, event_id, request)
    test = KnowledgeTest.objects.filter(event=event).first()
    if test is None:
        raise ValidationError(_("This event has no knowledge test."), code="no_test")
    clean_before = _clean_score(before, field="before", maximum=test.max_score)
    clean_after = (
        None if after is None else _clean_score(after, field="after", maximum=test.max_score)
    )
    clean_label = _clean_text(label, field="label", limit=MAX_LABEL)
    attendance = None
    if attendance_id is not None:
        attendance = Attendance.objects.filter(pk=attendance_id, event=event).first()
        if attendance is None:
            raise ValidationError({"attendance": _("Choose a person on the list.")}, code="who")
        clean_label = ""
    elif not clean_label:
        raise ValidationError(
            {"label": _("Choose a person on the list or give a participant label.")},
            code="who",
        )
    with transaction.atomic():
        score, created = ParticipantScore.objects.select_for_update().get_or_create(
            test=test,
            attendance=attendance,
            label=clean_label,
            defaults={"before": clean_before, "after": clean_after},
        )
        if not created:
            score.before = clean_before
            score.after = clean_after
            score.save(update_fields=["before", "after"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            target=score,
            changes={"event": event.pk, "before": clean_before, "after": clean_after},
            request=request,
        )
    return score


# --------------------------------------------------------------------------- photos


def _too_many_photos() -> ValidationError:
    message = _("An activity keeps at most %(max)d photos: remove one to add another.")
    return ValidationError(
        {"photos": ValidationError(message % {"max": MAX_PHOTOS}, code="too_many")}
    )


def event_photo_add(
    *,
    actor: User,
    event_id: int,
    upload: Any,
    caption: str = "",
    request: HttpRequest | None = None,
) -> EventPhoto:
    """Keep a photo of the event: only its clean web rendition and thumbnail (see
    migra.media.photos: type sniffed, size and pixels limited, EXIF/GPS gone). At most
    MAX_PHOTOS per event. A refused photo leaves nothing behind."""
    event = _event_to_change(actor, event_id, request)
    clean_caption = _clean_text(caption, field="caption", limit=MAX_CAPTION)
    if EventPhoto.objects.filter(event=event).count() >= MAX_PHOTOS:
        raise _too_many_photos()  # before the work of decoding the photo
    prepared = media_photos.photo_prepare(upload)
    stored = media_photos.photo_store(prepared, folder=PHOTO_FOLDER)
    try:
        with transaction.atomic():
            # The event's row is the lock: two uploads at once cannot both take the
            # last free place.
            Event.objects.select_for_update().filter(pk=event.pk).first()
            if EventPhoto.objects.filter(event=event).count() >= MAX_PHOTOS:
                raise _too_many_photos()
            photo = EventPhoto.objects.create(
                event=event,
                web_file=stored.web_name,
                thumb_file=stored.thumb_name,
                width=prepared.web.width,
                height=prepared.web.height,
                caption=clean_caption,
                uploaded_at=timezone.now(),
                uploaded_by=actor,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                target=photo,
                changes={
                    "event": event.pk,
                    "source_type": prepared.source_type,
                    "bytes": len(prepared.web.data) + len(prepared.thumb.data),
                    "captioned": bool(clean_caption),
                },
                request=request,
            )
    except BaseException:
        media_photos.photo_delete(stored.web_name, stored.thumb_name)
        raise
    return photo


def event_photo_remove(
    *, actor: User, event_id: int, photo_id: int, request: HttpRequest | None = None
) -> None:
    """Remove a photo of the event; its files go once the removal is saved."""
    event = _event_to_change(actor, event_id, request)
    photo = (
        EventPhoto.objects.filter(pk=photo_id, event=event).first()
        if isinstance(photo_id, int) and not isinstance(photo_id, bool)
        else None
    )
    if photo is None:
        raise ValidationError(_("This photo is not there any more."), code="missing")
    names = (photo.web_file, photo.thumb_file)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            target=photo,
            changes={"event": event.pk},
            request=request,
        )
        deleted, _rows = EventPhoto.objects.filter(pk=photo.pk).delete()
        if not deleted:
            raise ValidationError(_("This photo is not there any more."), code="missing")
        transaction.on_commit(lambda: media_photos.photo_delete(*names))
