"""The community forms → self-help group meetings, the migration register, problems and
short screenings, through the services of the web pages, as the person who sent them.

- meeting (forms/meeting.xlsx) → `meeting_record`: the group chosen from groups.csv,
  members present by person number or by name, sex and age (matched against the
  group's members with the registry's matching), a head count, guests by sex and age
  band, follow-ups (each the sender's own, as they see them on their home page).
- register_entry → `register_entry_add`: a registered person (their number) or a new
  one registered through the registry, whose duplicate matching stops the submission
  (needs attention) until the person fixing it names the person or confirms.
- register_update → `register_entry_update` of the person's entry (the one still away,
  else the latest): the news given replaces what it changes, the rest stays.
- problem → `register_problem_report` on the person's entry and, when the short
  screening was asked, `screening_record` (guided, the current catalogue) of that
  person: one submission, the problem and its screening, as the web "report a problem"
  then "screen the person now" does.

A person named by number must be one the sender may see (a merged record leads to the
one it was merged into); named by name, sex and age, they are found with
`person_candidates` (the registry's matching) among those the sender may see — one
close match is taken, several or none stop the submission with their numbers.

The same submission processed again makes nothing twice: a meeting, a register entry
and a screening carry the instanceID as their form token (the services return what the
first processing made); updates and problems are not made again because a submission
made into records is never processed again (collect.services.submission_reprocess).
Every refusal — an unknown group, an unmatched person, a value a service refuses — is
a MappingProblem in words for the person who fixes it, and nothing of the record stays
(each mapper runs in one savepoint).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import User
from migra.collect.mapping import MappedRecord, MappingInput, MappingProblem, mapper
from migra.collect.models import BuiltinForm
from migra.community import services
from migra.community.models import (
    Group,
    GroupMember,
    GuestAgeBand,
    GuestSex,
    RegisterEntry,
)
from migra.community.selectors import entries_visible_to, groups_visible_to
from migra.lib.matching import LIKELY_THRESHOLD, MATCH_THRESHOLD, PersonFacts, score
from migra.people.identity import facts_for, person_facts
from migra.people.models import Person
from migra.people.selectors import person_candidates, person_records_visible_to
from migra.places.models import Place
from migra.places.selectors import place_by_code
from migra.screening import services as screening_services
from migra.screening.models import Mode, Screening
from migra.screening.selectors import catalogue_current

MAX_ID = 2**62
MAX_DIGITS = 19
MAX_AGE = 120
MAX_ATTENDEES = 500
MAX_CHOICES = 50
MAX_MERGE_HOPS = 10
SHOWN_NUMBERS = 5
ANSWER_PREFIX = "q_"
SCREENING = "screening"

# A service's field names → the form's, so that a refusal names what to correct.
FORM_FIELDS = {
    "attendees": "present",
    "follow_ups": "follow_up",
    "names": "person_name",
    "sex": "person_sex",
    "approximate_age": "person_age",
    "date_of_birth": "person_age",
    "home_village": "person_village",
    "phones": "person_phone",
    "person": "person_number",
    "destination": "destination_country",
    "place": "person_number",
}


# --------------------------------------------------------------------------- reading


def form_token(given: MappingInput) -> uuid.UUID:
    """The form token of what the submission makes: its instanceID ("uuid:…"), so the
    same submission processed again finds what it made the first time."""
    raw = given.submission.instance_id
    text = raw[5:] if raw.lower().startswith("uuid:") else raw
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"odk-instance:{raw}")


def _show(raw: str) -> str:
    return raw[:40]


class Answers:
    """The answers under one node of the instance, read strictly: a value that is not
    what its question asks raises MappingProblem naming the field."""

    def __init__(self, node: Element, prefix: str = "") -> None:
        self.node = node
        self.prefix = prefix

    def field(self, path: str) -> str:
        """How a refusal names the field (with its repeat row: "present[2]/person_name")."""
        return f"{self.prefix}{path}"

    def raw(self, path: str) -> str:
        found = self.node.find(path)
        if found is None or found.text is None:
            return ""
        return found.text.strip()

    def text(self, path: str) -> str:
        """Free text as typed (line breaks kept); the services check its length."""
        found = self.node.find(path)
        if found is None:
            return ""
        return "".join(found.itertext()).strip()

    def integer(self, path: str, *, low: int = 0, high: int = MAX_ID) -> int | None:
        raw = self.raw(path)
        if raw == "":
            return None
        digits = raw[1:] if raw.startswith("-") else raw
        if digits and len(digits) <= MAX_DIGITS and all("0" <= ch <= "9" for ch in digits):
            number = int(raw)
            if low <= number <= high:
                return number
        raise MappingProblem(
            _("%(field)s: give a whole number from %(low)d to %(high)d, not “%(value)s”.")
            % {"field": self.field(path), "low": low, "high": high, "value": _show(raw)}
        )

    def date(self, path: str) -> dt.date | None:
        raw = self.raw(path)
        if raw == "":
            return None
        try:
            if len(raw) != 10:
                raise ValueError(raw)
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise MappingProblem(
                _("%(field)s: give a date as YYYY-MM-DD, not “%(value)s”.")
                % {"field": self.field(path), "value": _show(raw)}
            ) from None

    def choices(self, path: str) -> list[str]:
        """A select_multiple answer: its values (the services check each)."""
        values = self.raw(path).split()
        if len(values) > MAX_CHOICES:
            raise MappingProblem(_("%(field)s: too many choices.") % {"field": self.field(path)})
        return values

    def yes(self, path: str) -> bool:
        raw = self.raw(path)
        if raw not in ("", "yes", "no"):
            raise MappingProblem(
                _("%(field)s: answer yes or no, not “%(value)s”.")
                % {"field": self.field(path), "value": _show(raw)}
            )
        return raw == "yes"

    def place(self, path: str) -> Place | None:
        """A place chosen from places.csv, by its code."""
        raw = self.raw(path)
        if raw == "":
            return None
        found = place_by_code(raw)
        if found is None:
            raise MappingProblem(
                _("%(field)s: there is no place with the code “%(value)s”.")
                % {"field": self.field(path), "value": _show(raw)}
            )
        return found

    def rows(self, name: str, *, limit: int) -> list[Answers]:
        """The filled instances of the repeat `name` (ODK Collect may leave an empty
        one behind when someone backs out of adding it)."""
        found = [
            node
            for node in self.node.findall(name)
            if not any(key.endswith("template") for key in node.attrib)
            and any((child.text or "").strip() for child in node.iter() if child is not node)
        ]
        if len(found) > limit:
            raise MappingProblem(
                _("%(field)s: at most %(limit)d rows, not %(count)d.")
                % {"field": name, "limit": limit, "count": len(found)}
            )
        return [Answers(node, f"{name}[{i}]/") for i, node in enumerate(found, start=1)]


# --------------------------------------------------------------------------- refusals


def _field(key: str) -> str:
    return FORM_FIELDS.get(key, key)


def _reasons(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        parts = []
        for key, messages in error.message_dict.items():
            text = " ".join(str(m) for m in messages)
            parts.append(text if key == NON_FIELD_ERRORS else f"{_field(key)}: {text}")
        return " ".join(parts)
    return " ".join(str(m) for m in error.messages)


def _numbers(ids: list[int]) -> str:
    shown = ", ".join(str(pk) for pk in ids[:SHOWN_NUMBERS])
    return shown + (" …" if len(ids) > SHOWN_NUMBERS else "")


@contextmanager
def _calling(what: str) -> Iterator[None]:
    """A service's refusal → MappingProblem: what was being done, then the service's
    own words with the form's field names."""
    try:
        yield
    except services.PossibleDuplicate as error:
        message = _("%(what)s: %(reasons)s") % {"what": what, "reasons": _reasons(error)}
        if error.candidates:
            message += " " + _("Persons who look the same: numbers %(numbers)s.") % {
                "numbers": _numbers(error.candidates)
            }
        raise MappingProblem(
            message
            + " "
            + _(
                "To fix it: put the right person's number in person_number, or set "
                "confirm_new to yes if this is someone else (or a new departure)."
            )
        ) from None
    except ValidationError as error:
        raise MappingProblem(
            _("%(what)s: %(reasons)s") % {"what": what, "reasons": _reasons(error)}
        ) from None
    except PermissionDenied:
        raise MappingProblem(
            _(
                "%(what)s: the person who sent the form may not do this (their role or "
                "places do not reach it)."
            )
            % {"what": what}
        ) from None


def _atomic(
    function: Callable[[MappingInput], MappedRecord],
) -> Callable[[MappingInput], MappedRecord]:
    """Run a mapper in one savepoint: a refusal half-way leaves nothing behind."""

    def run(given: MappingInput) -> MappedRecord:
        with transaction.atomic():
            return function(given)

    run.__name__ = function.__name__
    run.__doc__ = function.__doc__
    return run


def _record(obj: Any) -> MappedRecord:
    return MappedRecord(record_type=obj._meta.label_lower, record_id=str(obj.pk))


# --------------------------------------------------------------------------- persons


def _birth_year(age: int | None) -> int | None:
    return timezone.localdate().year - age if age is not None else None


def _facts(name: str, sex: str, age: int | None) -> PersonFacts:
    return facts_for(
        names=[name],
        birth_year=_birth_year(age),
        birth_year_exact=False,
        village_code=None,
        sex=sex,
    )


def _current(actor: User, number: int) -> Person | None:
    """The person with this number the actor may see; a merged record leads to the
    record it was merged into."""
    records = person_records_visible_to(actor)
    person = records.filter(pk=number).first()
    hops = 0
    while person is not None and person.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        person = records.filter(pk=person.merged_into_id).first()
        hops += 1
    if person is None or not person.is_active_record:
        return None
    return person


def _person_by_number(actor: User, number: int, field: str) -> Person:
    person = _current(actor, number)
    if person is None:
        raise MappingProblem(
            _("%(field)s: there is no person number %(number)d that the sender may see.")
            % {"field": field, "number": number}
        )
    return person


def _one_of(scores: dict[int, float]) -> int | None:
    """The one person meant among likely ones (score at least LIKELY_THRESHOLD): the
    only likely one, or the only very probable one (MATCH_THRESHOLD); None when it is
    not clear (nobody, or several as close)."""
    likely = [pk for pk, value in scores.items() if value >= LIKELY_THRESHOLD]
    if len(likely) == 1:
        return likely[0]
    strong = [pk for pk in likely if scores[pk] >= MATCH_THRESHOLD]
    return strong[0] if len(strong) == 1 else None


def _person_by_name(
    actor: User, answers: Answers, *, keep: Callable[[list[int]], set[int]]
) -> Person:
    """The one registered person close to the name, sex and age given, among those
    the actor may see and `keep` keeps (ids in, ids kept out)."""
    name = answers.text("person_name")
    sex = answers.raw("person_sex")
    age = answers.integer("person_age", high=MAX_AGE)
    field = answers.field("person_name")
    if not name:
        raise MappingProblem(
            _("%(field)s: give the person's number, or their name, sex and age.")
            % {"field": answers.field("person_number")}
        )
    found = person_candidates(actor, _facts(name, sex, age))
    kept = keep([c.person.pk for c in found.visible])
    visible = {c.person.pk: c for c in found.visible if c.person.pk in kept}
    chosen = _one_of({pk: c.score for pk, c in visible.items()})
    if chosen is not None:
        return visible[chosen].person
    if visible:
        raise MappingProblem(
            _(
                "%(field)s: several registered persons match: numbers %(numbers)s. Put the "
                "right one's number in person_number."
            )
            % {"field": field, "numbers": _numbers(sorted(visible))}
        )
    if found.hidden_match:
        raise MappingProblem(
            _(
                "%(field)s: a person who looks the same is registered by another team. "
                "Ask a supervisor for their number and put it in person_number."
            )
            % {"field": field}
        )
    raise MappingProblem(
        _("%(field)s: no registered person matches this name, sex and age.") % {"field": field}
    )


def _with_entries(actor: User) -> Callable[[list[int]], set[int]]:
    def keep(ids: list[int]) -> set[int]:
        return set(
            entries_visible_to(actor).filter(person_id__in=ids).values_list("person_id", flat=True)
        )

    return keep


def _registered_migrant(actor: User, answers: Answers) -> tuple[Person, RegisterEntry]:
    """The person the form is about and their register entry: the one still away, else
    the latest, among the entries the actor keeps."""
    number = answers.integer("person_number", low=1)
    if number is not None:
        person = _person_by_number(actor, number, "person_number")
    else:
        person = _person_by_name(actor, answers, keep=_with_entries(actor))
    entries = entries_visible_to(actor).filter(person=person).order_by("-pk")
    entry = entries.filter(returned_on__isnull=True).first() or entries.first()
    if entry is None:
        raise MappingProblem(
            _(
                "%(field)s: person %(number)d is not in a migration register the sender "
                "keeps. Add them with the form “Migration register: someone left” first."
            )
            % {"field": "person_number", "number": person.pk}
        )
    return person, entry


def _group(actor: User, number: int | None, field: str = "group") -> Group:
    if number is None:
        raise MappingProblem(_("%(field)s: choose the group.") % {"field": field})
    group = groups_visible_to(actor).filter(pk=number).first()
    if group is None:
        if Group.objects.filter(pk=number).exists():
            raise MappingProblem(
                _("%(field)s: the sender does not run group number %(number)d.")
                % {"field": field, "number": number}
            )
        raise MappingProblem(
            _("%(field)s: there is no group number %(number)d.")
            % {"field": field, "number": number}
        )
    return group


# --------------------------------------------------------------------------- meeting


def _attendees(group: Group, held_on: dt.date | None, rows: list[Answers]) -> list[int]:
    """Ids of the group's members present: by person number (a merged record leads to
    the one it was merged into) or by name, sex and age (the registry's scoring against
    each member of the group on the meeting day)."""
    members = GroupMember.objects.filter(group=group)
    if held_on is not None:
        members = members.filter(Q(left_on__isnull=True) | Q(left_on__gte=held_on))
    by_person = dict(members.values_list("person_id", "pk"))
    named: list[GroupMember] | None = None
    ids: list[int] = []
    for row in rows:
        number = row.integer("person_number", low=1)
        if number is not None:
            person_id: int | None = number
            hops = 0
            while person_id is not None and person_id not in by_person and hops < MAX_MERGE_HOPS:
                person_id = (
                    Person.objects.filter(pk=person_id)
                    .values_list("merged_into_id", flat=True)
                    .first()
                )
                hops += 1
            if person_id is None or person_id not in by_person:
                raise MappingProblem(
                    _("%(field)s: person number %(number)d is not a member of this group.")
                    % {"field": row.field("person_number"), "number": number}
                )
            ids.append(by_person[person_id])
            continue
        name = row.text("person_name")
        if not name:
            raise MappingProblem(
                _("%(field)s: give the member's number, or their name and sex.")
                % {"field": row.field("person_number")}
            )
        if named is None:
            named = list(
                members.select_related("person__home_village").prefetch_related("person__names")
            )
        facts = _facts(name, row.raw("person_sex"), row.integer("person_age", high=MAX_AGE))
        scores = {
            m.pk: score(facts, person_facts(m.person, phones=False, documents=False)).score
            for m in named
        }
        chosen = _one_of(scores)
        if chosen is None:
            message = (
                _("%(field)s: several members of this group match: give the person number.")
                if any(value >= LIKELY_THRESHOLD for value in scores.values())
                else _("%(field)s: no member of this group matches this name and sex.")
            )
            raise MappingProblem(message % {"field": row.field("person_name")})
        ids.append(chosen)
    return ids


@mapper(BuiltinForm.MEETING)
@_atomic
def meeting(given: MappingInput) -> MappedRecord:
    actor = given.actor
    answers = Answers(given.root)
    group = _group(actor, answers.integer("group", low=1))
    held_on = answers.date("held_on")
    present = answers.rows("present", limit=MAX_ATTENDEES)
    follow_rows = answers.rows("follow_up", limit=services.MAX_FOLLOW_UPS)
    guests = {
        (sex, band): answers.integer(f"guests/guests_{sex}_{band}", high=services.MAX_GUESTS) or 0
        for sex in GuestSex.values
        for band in GuestAgeBand.values
    }
    follow_ups = []
    for row in follow_rows:
        due_on = row.date("due_on")
        if due_on is None:
            raise MappingProblem(_("%(field)s: give the date.") % {"field": row.field("due_on")})
        follow_ups.append(
            services.FollowUpInput(action=row.text("action"), owner=actor, due_on=due_on)
        )
    attendees = _attendees(group, held_on, present)
    with _calling(_("Recording the meeting")):
        made = services.meeting_record(
            actor=actor,
            group=group,
            held_on=held_on,
            venue=answers.text("venue"),
            topics=answers.choices("topics"),
            attendees=attendees,
            attendance_total=answers.integer("attendance_total", high=services.MAX_GUESTS),
            guests=guests,
            decisions=answers.text("decisions"),
            follow_ups=follow_ups,
            token=form_token(given),
            request=given.request,
        )
    return _record(made)


# --------------------------------------------------------------------------- register


def _destination(answers: Answers) -> Place | None:
    """The province or region chosen, else the country."""
    country = answers.place("destination_country")
    area = answers.place("destination_area")
    if area is not None and country is not None and not country.contains(area):
        raise MappingProblem(
            _("%(field)s: this place is not in the country chosen.") % {"field": "destination_area"}
        )
    return area or country


def _debt(answers: Answers) -> tuple[Decimal | str | None, str]:
    raw = answers.raw("debt_amount")
    return (raw or None), answers.raw("debt_currency")


@mapper(BuiltinForm.REGISTER_ENTRY)
@_atomic
def register_entry(given: MappingInput) -> MappedRecord:
    actor = given.actor
    answers = Answers(given.root)
    commune = answers.place("commune")
    number = answers.integer("group", low=1)
    group = _group(actor, number) if number is not None else None
    person = None
    new_person = None
    person_number = answers.integer("person_number", low=1)
    if person_number is not None:
        person = _person_by_number(actor, person_number, "person_number")
    else:
        phone = answers.raw("person_phone")
        new_person = services.NewPerson(
            names=[n for n in [answers.text("person_name")] if n],
            sex=answers.raw("person_sex"),
            home_village=answers.place("person_village"),
            approximate_age=answers.integer("person_age", high=MAX_AGE),
            phones=[phone] if phone else [],
        )
    amount, currency = _debt(answers)
    with _calling(_("Adding to the migration register")):
        entry = services.register_entry_add(
            actor=actor,
            commune=commune,
            person=person,
            new_person=new_person,
            group=group,
            departed_on=answers.date("departed_on"),
            destination=_destination(answers),
            sector=answers.raw("sector"),
            channel=answers.raw("channel"),
            documents_held=answers.choices("documents_held"),
            debt_amount=amount,
            debt_currency=currency,
            last_contact_on=answers.date("last_contact_on"),
            returned_on=answers.date("returned_on"),
            return_reason=answers.raw("return_reason"),
            confirm_possible_duplicate=answers.yes("confirm_new"),
            token=form_token(given),
            request=given.request,
        )
    return _record(entry)


@mapper(BuiltinForm.REGISTER_UPDATE)
@_atomic
def register_update(given: MappingInput) -> MappedRecord:
    """News of a migrant: what the form gives replaces what it changes; the entry's
    other values stay. A last contact older than the one known keeps the newer."""
    actor = given.actor
    answers = Answers(given.root)
    _person, entry = _registered_migrant(actor, answers)
    contact = answers.date("last_contact_on")
    if entry.last_contact_on is not None and (contact is None or contact < entry.last_contact_on):
        contact = entry.last_contact_on
    returned_on, return_reason = entry.returned_on, entry.return_reason
    if answers.yes("returned"):
        returned_on = answers.date("returned_on")
        if returned_on is None:
            raise MappingProblem(
                _("%(field)s: give the date they came back.") % {"field": "returned_on"}
            )
        return_reason = answers.raw("return_reason") or return_reason
    destination = _destination(answers) or entry.destination
    documents = answers.choices("documents_held") or list(entry.documents_held)
    amount: Decimal | str | None = entry.debt_amount
    currency = entry.debt_currency
    if answers.raw("debt_amount"):
        amount, currency = _debt(answers)
    with _calling(_("Updating the migration register")):
        fresh = services.register_entry_update(
            actor=actor,
            entry=entry,
            expected_version=entry.version,
            departed_on=entry.departed_on,
            destination=destination,
            sector=answers.raw("sector") or entry.sector,
            channel=entry.channel,
            documents_held=documents,
            debt_amount=amount,
            debt_currency=currency,
            last_contact_on=contact,
            returned_on=returned_on,
            return_reason=return_reason,
            request=given.request,
        )
    return _record(fresh)


# --------------------------------------------------------------------------- problem


def _screening_answers(node: Element | None) -> dict[str, str]:
    if node is None:
        return {}
    return {
        child.tag[len(ANSWER_PREFIX) :][:60]: (child.text or "").strip()[:20]
        for child in node
        if isinstance(child.tag, str)
        and child.tag.startswith(ANSWER_PREFIX)
        and (child.text or "").strip()
    }


@mapper(BuiltinForm.PROBLEM)
@_atomic
def problem(given: MappingInput) -> MappedRecord:
    """The problems on the person's register entry, then (when asked) their short
    screening; the screening is what the submission became when there is one."""
    actor = given.actor
    answers = Answers(given.root)
    token = form_token(given)
    person, entry = _registered_migrant(actor, answers)
    screen = answers.yes("screen_now")
    seen = Screening.objects.filter(token=token).first() if screen else None
    if seen is not None and seen.screened_by_id == actor.pk:
        # Made by an earlier processing of this very submission (with its problems).
        return _record(seen)
    with _calling(_("Reporting the problem")):
        services.register_problem_report(
            actor=actor,
            entry=entry,
            problems=answers.choices("problems"),
            noted_on=answers.date("noted_on"),
            note=answers.text("note"),
            request=given.request,
        )
    if not screen:
        return _record(entry)
    catalogue = catalogue_current()
    if catalogue is None:
        raise MappingProblem(
            _("The screening questions are not published yet: the screening cannot be recorded.")
        )
    if person.home_village is None:
        raise MappingProblem(
            _("%(field)s: person %(number)d has no home village: the screening needs one.")
            % {"field": "person_number", "number": person.pk}
        )
    with _calling(_("Recording the short screening")):
        recorded = screening_services.screening_record(
            actor=actor,
            catalogue=catalogue,
            mode=Mode.GUIDED,
            answers=_screening_answers(given.root.find(SCREENING)),
            sex=person.sex,
            age_band=answers.raw(f"{SCREENING}/age_band"),
            place=person.home_village,
            token=token,
            person=person,
            request=given.request,
        )
    return _record(recorded.screening)
