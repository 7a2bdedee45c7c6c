"""The field form "outreach event" (forms/event.xlsx) → an outreach event.

Calls the services of the web pages, as the person who sent the form:
`event_record` (kind, title, place, date, materials, notes, anonymous counts),
`event_attendance_add` for each registered person, `knowledge_test_set` and
`participant_score_record` for the short test, `event_photo_add` for each photo (the
same photo path as a web upload: type sniffed, EXIF/GPS gone, the original not kept).

The helpers at the top are shared by the other field mappers (stories, cases): fields
are found by their name wherever a group puts them (each name is unique in its form),
numbers and dates are read strictly, and files stored before a refusal are deleted
(`files_cleaned_on_failure`): the caller's savepoint undoes the rows, not the files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any
from xml.etree.ElementTree import Element

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from migra.cases.attachments import blob_read
from migra.collect.mapping import MappedRecord, MappingInput, MappingProblem, mapper
from migra.collect.models import BuiltinForm
from migra.media import photos as media_photos
from migra.outreach import services
from migra.places.models import Place, PlaceKind
from migra.places.selectors import place_by_code

MAX_DIGITS = 9
MAX_REPEATS = 1000  # rows of one repeat (people, counts, scores …) in one submission
PLACE_LEVELS = ("province", "district", "commune", "village")


# --------------------------------------------------------------------------- shared helpers


def value(node: Element, name: str) -> str:
    """The stripped text of the field `name` anywhere under `node`, or ""."""
    found = node.find(f".//{name}")
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def text_value(node: Element, name: str) -> str:
    """Free text as typed (line breaks kept, ends stripped): the service cleans it."""
    found = node.find(f".//{name}")
    if found is None:
        return ""
    return "".join(found.itertext()).strip()


def repeats(root: Element, name: str, *, limit: int = MAX_REPEATS) -> list[Element]:
    """Each filled instance of the repeat `name` (empty ones, which ODK Collect can
    leave behind when someone backs out, are skipped). More than `limit` is refused
    before any work: nobody fills that many on a phone."""
    found = [
        node
        for node in root.iter(name)
        if not any(key.endswith("template") for key in node.attrib)
        and any((child.text or "").strip() for child in node.iter())
    ]
    if len(found) > limit:
        raise MappingProblem(
            _("The form has %(count)d “%(name)s” entries; at most %(limit)d are taken.")
            % {"count": len(found), "name": name, "limit": limit}
        )
    return found


def whole_number(raw: str, *, question: str) -> int | None:
    """An integer answer: "" is None; anything else but plain digits is refused."""
    if raw == "":
        return None
    digits = raw[1:] if raw.startswith("-") else raw
    if not digits or len(digits) > MAX_DIGITS or not all("0" <= ch <= "9" for ch in digits):
        raise MappingProblem(
            _("The answer to “%(question)s” is not a whole number: %(value)s")
            % {"question": question, "value": raw[:40]}
        )
    return int(raw)


def day(raw: str, *, question: str) -> dt.date:
    """A date answer (YYYY-MM-DD, as ODK Collect sends it)."""
    try:
        if len(raw) != 10:
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise MappingProblem(
            _("The answer to “%(question)s” is not a date: %(value)s")
            % {"question": question, "value": raw[:40]}
        ) from None


def yes_no(raw: str, *, question: str) -> bool | None:
    if raw == "":
        return None
    if raw not in ("yes", "no"):
        raise MappingProblem(
            _("The answer to “%(question)s” is not yes or no: %(value)s")
            % {"question": question, "value": raw[:40]}
        )
    return raw == "yes"


def attachment(given: MappingInput, name: str) -> SimpleUploadedFile:
    """The file the form names, as an upload for the services; MappingProblem when it
    did not arrive or cannot be read."""
    item = given.files.get(name)
    if item is None:
        raise MappingProblem(
            _(
                "The file %(name)s named in the form did not arrive. Ask the sender to "
                "send the form again from ODK Collect (it sends the missing files)."
            )
            % {"name": name[:100]}
        )
    try:
        data = blob_read(item.blob)
    except Exception:  # noqa: BLE001  (missing or damaged blob: any storage or crypto error)
        raise MappingProblem(
            _("The file %(name)s cannot be read on the server any more.") % {"name": name[:100]}
        ) from None
    return SimpleUploadedFile(name, data, content_type=item.content_type or "")


def require_attachments(given: MappingInput, names: list[str]) -> None:
    """Check every file the form names before anything is made."""
    for name in names:
        if name not in given.files:
            attachment(given, name)  # raises the MappingProblem


def refused(error: ValidationError, *, what: str) -> MappingProblem:
    """A service's refusal, in its own words, after what was being done."""
    reasons = " ".join(str(message) for message in error.messages) or _("It was refused.")
    return MappingProblem(_("%(what)s: %(reasons)s") % {"what": what, "reasons": reasons})


def not_allowed(what: str) -> MappingProblem:
    return MappingProblem(
        _("%(what)s: the person who sent the form may not do this.") % {"what": what}
    )


def chosen_place(root: Element, *, levels: tuple[str, ...] = PLACE_LEVELS) -> Place | None:
    """The most precise place picked from places.csv (province → … → village), checked
    to lie inside each place picked above it; None when none was picked."""
    chosen: Place | None = None
    for level in levels:
        code = value(root, level)
        if not code:
            break
        place = place_by_code(code)
        if place is None or place.kind != level or not place.is_in_cambodia:
            raise MappingProblem(
                _(
                    "The place %(code)s chosen on the phone is not in the list of places "
                    "any more. Update the forms' place list and correct the submission."
                )
                % {"code": code[:20]}
            )
        if chosen is not None and not chosen.contains(place):
            raise MappingProblem(
                _("The places chosen do not fit together: %(inner)s is not in %(outer)s.")
                % {"inner": place.code, "outer": chosen.code}
            )
        chosen = place
    return chosen


def already_done(given: MappingInput) -> None:
    """A submission made into a record once is never made again (the caller refuses a
    reprocess after success too; this is the mapper's own guard)."""
    if given.submission.record_id:
        raise MappingProblem(_("This submission was already made into a record."))


@contextmanager
def files_cleaned_on_failure() -> Iterator[list[Callable[[], Any]]]:
    """Collect "delete this file" actions while records are made; run them if anything
    fails, since rolling back the rows leaves the stored files behind."""
    undo: list[Callable[[], Any]] = []
    try:
        yield undo
    except BaseException:
        for action in reversed(undo):
            try:
                action()
            except Exception:  # noqa: BLE001, S110  (best effort: the refusal matters more)
                pass
        raise


# --------------------------------------------------------------------------- the event


def _counts(root: Element) -> list[dict[str, Any]]:
    """The anonymous audience rows; the same sex, age and category twice are added up
    (two rows typed for one group of people)."""
    cells: dict[tuple[str, str, str], int] = {}
    for row in repeats(root, "audience"):
        key = (value(row, "sex"), value(row, "age_band"), value(row, "category"))
        count = whole_number(value(row, "count"), question=_("Number of people"))
        if count is None:
            continue
        cells[key] = cells.get(key, 0) + count
    return [
        {"sex": sex, "age_band": band, "category": category, "count": count}
        for (sex, band, category), count in cells.items()
    ]


def _attendees(root: Element) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    seen: set[int] = set()
    for row in repeats(root, "attendee"):
        person = whole_number(value(row, "person"), question=_("Their number in the registry"))
        if person is None:
            continue
        if person in seen:
            raise MappingProblem(
                _("Person number %(n)d is on the list of registered people twice.") % {"n": person}
            )
        seen.add(person)
        out.append((person, value(row, "person_category") or "general_public"))
    return out


def _add_attendee(given: MappingInput, event_id: int, person: int, category: str) -> int:
    what = _("Registered person number %(n)d") % {"n": person}
    try:
        attendance = services.event_attendance_add(
            actor=given.actor,
            event_id=event_id,
            person_id=person,
            category=category,
            request=given.request,
        )
    except PermissionDenied:
        raise MappingProblem(
            _(
                "Registered person number %(n)d is not among the people the sender may "
                "see in the registry."
            )
            % {"n": person}
        ) from None
    except ValidationError as error:
        raise refused(error, what=what) from None
    return attendance.pk


def _test(given: MappingInput, event_id: int, attendance_of: dict[int, int]) -> None:
    root = given.root
    if not yes_no(value(root, "test_given"), question=_("Knowledge test")):
        return
    questions = [text_value(row, "question_text") for row in repeats(root, "question")]
    try:
        services.knowledge_test_set(
            actor=given.actor, event_id=event_id, questions=questions, request=given.request
        )
    except ValidationError as error:
        raise refused(error, what=_("The knowledge test")) from None
    for row in repeats(root, "score"):
        person = whole_number(value(row, "score_person"), question=_("Registry number"))
        label = value(row, "score_label")
        who = str(person) if person is not None else label
        attendance_id = None
        if person is not None:
            attendance_id = attendance_of.get(person)
            if attendance_id is None:
                raise MappingProblem(
                    _(
                        "Person number %(n)d has test scores but is not on the list of "
                        "registered people who came."
                    )
                    % {"n": person}
                )
        before = whole_number(value(row, "score_before"), question=_("Score before"))
        after = whole_number(value(row, "score_after"), question=_("Score after"))
        if before is None:
            raise MappingProblem(
                _("Participant %(who)s has no score before the activity.") % {"who": who[:20]}
            )
        try:
            services.participant_score_record(
                actor=given.actor,
                event_id=event_id,
                before=before,
                after=after,
                attendance_id=attendance_id,
                label="" if attendance_id else label,
                request=given.request,
            )
        except ValidationError as error:
            raise refused(
                error, what=_("The scores of participant %(who)s") % {"who": who[:20]}
            ) from None


@mapper(BuiltinForm.EVENT)
def map_event(given: MappingInput) -> MappedRecord:
    already_done(given)
    root = given.root
    place = chosen_place(root)
    if place is None or place.kind not in (PlaceKind.COMMUNE, PlaceKind.VILLAGE):
        raise MappingProblem(_("Choose the village or commune where it took place."))
    date = day(value(root, "date"), question=_("Date it took place"))
    photos = [
        (value(row, "photo"), text_value(row, "photo_caption"))
        for row in repeats(root, "photos", limit=services.MAX_PHOTOS)
    ]
    photos = [(name, caption) for name, caption in photos if name]
    require_attachments(given, [name for name, _caption in photos])
    attendees = _attendees(root)
    counts = _counts(root)
    with files_cleaned_on_failure() as undo:
        try:
            event = services.event_record(
                actor=given.actor,
                kind=value(root, "kind"),
                title=text_value(root, "title"),
                place_code=place.code,
                date=date,
                materials=text_value(root, "materials"),
                notes=text_value(root, "notes"),
                counts=counts,
                request=given.request,
            )
        except PermissionDenied:
            raise not_allowed(_("The activity was not recorded")) from None
        except ValidationError as error:
            raise refused(error, what=_("The activity was not recorded")) from None
        attendance_of = {
            person: _add_attendee(given, event.pk, person, category)
            for person, category in attendees
        }
        _test(given, event.pk, attendance_of)
        for number, (name, caption) in enumerate(photos, start=1):
            try:
                photo = services.event_photo_add(
                    actor=given.actor,
                    event_id=event.pk,
                    upload=attachment(given, name),
                    caption=caption,
                    request=given.request,
                )
            except ValidationError as error:
                raise refused(
                    error,
                    what=_("Photo %(number)d (%(name)s) was not added")
                    % {"number": number, "name": name[:80]},
                ) from None
            undo.append(partial(media_photos.photo_delete, photo.web_file, photo.thumb_file))
    return MappedRecord(record_type="outreach.event", record_id=str(event.pk))
