"""Writes of the community app. Keyword-only, plain values in (the same functions serve
the web forms and, later, ODK Collect submissions); each validates, checks the actor's
reach (Perm.MANAGE_GROUPS in the agency and commune), saves and audits in one
transaction. Audit events hold codes and counts, never a name or free text.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Model, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import Agency, User
from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import agencies_with_perm_at, deny, memberships_of
from migra.audit.models import AuditAction, AuditEvent
from migra.audit.services import audit_record
from migra.community.models import (
    Channel,
    DebtCurrency,
    FollowUp,
    Group,
    GroupMember,
    GroupStatus,
    GuestAgeBand,
    GuestSex,
    Meeting,
    MeetingGuests,
    MemberRole,
    ProblemKind,
    RegisterEntry,
    RegisterProblem,
    ReturnReason,
    Sector,
    Topic,
)
from migra.community.selectors import may_manage_topics, migrant_household, topic_stamp
from migra.community.tallies import tally_entry, tally_meeting
from migra.lib.khmer.normalize import fold, normalize
from migra.people.identity import facts_for
from migra.people.models import DocumentKind, HouseholdMember, Person, Relationship
from migra.people.selectors import may_manage, person_candidates, persons_visible_to
from migra.people.services import NameInput, household_add_member, person_register
from migra.places.models import Place, PlaceKind
from migra.search.services import search_index_upsert

MAX_TEXT = 4000
MAX_NAME = 200
MAX_GUESTS = 10_000
MAX_FOLLOW_UPS = 20
MAX_DEBT = Decimal("999999999999")


class EntryConflict(ValidationError):
    """Someone else saved the register entry since the form was opened."""


class EditConflict(ValidationError):
    """Someone else saved the group, member, meeting or topic since the form was
    opened: nothing was saved."""


class PossibleDuplicate(ValidationError):
    """The registry already holds a person (or a register entry) that looks the same.
    `candidates`: ids of the likely persons the actor may see."""

    def __init__(self, message: Any, *, code: str, candidates: Sequence[int] = ()) -> None:
        super().__init__(message, code=code)
        self.candidates = list(candidates)


@dataclass(frozen=True)
class FollowUpInput:
    action: str
    owner: User
    due_on: dt.date


@dataclass(frozen=True)
class NewPerson:
    """A migrant not yet in the registry: registered through `person_register`."""

    names: Sequence[str]
    sex: str
    home_village: Place | None
    approximate_age: int | None = None
    date_of_birth: dt.date | None = None
    phones: Sequence[str] = ()


# --------------------------------------------------------------------------- checks


class _Denied(PermissionDenied):
    """Out of reach: logged by `_writes` once the transaction is rolled back (so that the
    logged refusal is kept)."""

    def __init__(self, reason: str, target: Model | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.target = target


F = TypeVar("F", bound=Callable[..., Any])


def _writes(function: F) -> F:
    """Run a service in one transaction; a refusal is written to the audit trail after."""

    @functools.wraps(function)
    def wrapper(**kwargs: Any) -> Any:
        try:
            try:
                with transaction.atomic():
                    return function(**kwargs)
            except IntegrityError:
                # The same form (token) sent twice at once: the other request made the
                # record; this one returns it.
                if kwargs.get("token") is None:
                    raise
                with transaction.atomic():
                    return function(**kwargs)
        except _Denied as refused:
            raise deny(
                kwargs.get("request"),
                kwargs.get("actor"),
                reason=refused.reason,
                target=refused.target,
            ) from None

    return cast(F, wrapper)


def _reach(actor: User | None, commune: Place, agency: Agency | None, request: Any) -> Agency:
    """The agency writing in this commune: one where the actor runs groups here."""
    if actor is None:
        if agency is None:
            raise ValueError("the system writes only for a given agency")
        return agency
    possible = agencies_with_perm_at(actor, Perm.MANAGE_GROUPS, commune)
    if agency is not None:
        if agency in possible or (actor.is_superuser and actor.is_active):
            return agency
        raise _Denied("may not run groups for this agency here")
    if len(possible) == 1:
        return possible[0]
    if not possible:
        raise _Denied("may not run groups in this commune")
    raise ValidationError({"agency": _("You work for several agencies here: choose one.")})


def _runs_groups(user: User, commune: Place, agency: Agency) -> bool:
    return any(
        m.agency_id == agency.pk
        and Perm.MANAGE_GROUPS in ROLE_PERMISSIONS.get(m.role, frozenset())
        and (m.all_places or any(p.contains(commune) for p in m.places.all()))
        for m in memberships_of(user)
    ) or (user.is_superuser and user.is_active)


def _check_group(actor: User | None, group: Group, request: Any) -> None:
    _reach(actor, group.commune, group.agency, request)


def _text(value: str, field: str, limit: int = MAX_TEXT, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")}, code="required")
    if len(value) > limit:
        raise ValidationError(
            {field: _("Keep this under %(limit)d characters.") % {"limit": limit}},
            code="too_long",
        )
    return value


def _not_future(value: dt.date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")}, code="future")


def _choice(value: str, choices: Iterable[str], field: str, *, blank: bool = True) -> str:
    if (blank and value == "") or value in choices:
        return value
    raise ValidationError({field: _("Choose from the list.")}, code="invalid_choice")


def _commune(place: Place | None) -> Place:
    if place is None or place.kind != PlaceKind.COMMUNE:
        raise ValidationError({"commune": _("Choose a commune.")}, code="invalid")
    return place


def _invalid(field: str, message: str, code: str) -> ValidationError:
    """A field's error that keeps its code (tests and callers compare codes, not text)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _conflict() -> EditConflict:
    return EditConflict(
        _(
            "Someone else saved changes here while you were editing, so nothing was "
            "saved. Reload the page to see their changes, then make yours again."
        ),
        code="conflict",
    )


def _expect_version(current: int, expected: Any) -> None:
    """EditConflict unless the form was opened on the version saved now."""
    if isinstance(expected, bool) or not isinstance(expected, int) or expected != current:
        raise _conflict()


def _one_line(value: str, field: str, limit: int = MAX_NAME, *, required: bool = False) -> str:
    """A name typed on one line: normalised (Khmer typed on any keyboard compares
    equal), no control characters."""
    text = normalize(_text(value, field, limit, required=required))
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise _invalid(field, _("Remove the special characters."), "invalid")
    return text


# --------------------------------------------------------------------------- groups


def _group_values(
    *,
    name: str,
    where: Place,
    villages: Iterable[Place],
    founded_on: dt.date | None,
    status: str,
) -> tuple[str, list[Place]]:
    """The checks of a group's own fields, new or changed: its name and its villages."""
    name = _one_line(name, "name", required=True)
    _choice(status, GroupStatus.values, "status", blank=False)
    _not_future(founded_on, "founded_on")
    village_list = list(villages)
    if any(v.kind != PlaceKind.VILLAGE or not where.contains(v) for v in village_list):
        raise _invalid("villages", _("Choose villages of the group's commune."), "invalid")
    return name, village_list


def _check_facilitators(people: Sequence[User], where: Place, owner: Agency) -> None:
    if not all(_runs_groups(user, where, owner) for user in people):
        raise _invalid(
            "facilitators", _("Each facilitator must run groups in this commune."), "invalid"
        )


@_writes
def group_create(
    *,
    actor: User | None,
    name: str,
    commune: Place | None,
    villages: Iterable[Place] = (),
    facilitators: Iterable[User] = (),
    founded_on: dt.date | None = None,
    status: str = GroupStatus.ACTIVE,
    agency: Agency | None = None,
    request: HttpRequest | None = None,
) -> Group:
    where = _commune(commune)
    name, village_list = _group_values(
        name=name, where=where, villages=villages, founded_on=founded_on, status=status
    )
    owner = _reach(actor, where, agency, request)
    people = list(facilitators) or ([actor] if actor is not None else [])
    _check_facilitators(people, where, owner)
    group = Group.objects.create(
        agency=owner,
        name=name,
        commune=where,
        founded_on=founded_on,
        status=status,
        created_by=actor,
    )
    group.villages.set(village_list)
    group.facilitators.set(people)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=group,
        changes={
            "agency": owner.pk,
            "commune": where.code,
            "villages": sorted(v.code for v in village_list),
            "facilitators": sorted(u.pk for u in people),
            "status": status,
        },
        request=request,
    )
    return group


@_writes
def group_update(
    *,
    actor: User | None,
    group: Group,
    expected_version: int,
    name: str,
    villages: Iterable[Place] = (),
    facilitators: Iterable[User] = (),
    founded_on: dt.date | None = None,
    status: str = GroupStatus.ACTIVE,
    request: HttpRequest | None = None,
) -> Group:
    """Change a group's name, villages, facilitators, founding date and status. A group
    is never deleted: deactivating it is a status. The commune and the agency stay.
    A stale `expected_version` raises EditConflict, nothing saved."""
    _check_group(actor, group, request)
    current = Group.objects.select_for_update().get(pk=group.pk)
    _expect_version(current.version, expected_version)
    name, village_list = _group_values(
        name=name, where=group.commune, villages=villages, founded_on=founded_on, status=status
    )
    people = list(facilitators)
    if not people:
        raise _invalid("facilitators", _("Tick at least one facilitator."), "required")
    _check_facilitators(people, group.commune, group.agency)
    renamed = current.name != name
    current.name = name
    current.founded_on = founded_on
    current.status = status
    current.version += 1
    current.save(update_fields=["name", "founded_on", "status", "version"])
    current.villages.set(village_list)
    current.facilitators.set(people)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=current,
        changes={
            "version": current.version,
            "renamed": renamed,
            "villages": sorted(v.code for v in village_list),
            "facilitators": sorted(u.pk for u in people),
            "founded_on": founded_on.isoformat() if founded_on else None,
            "status": status,
        },
        request=request,
    )
    return current


@_writes
def group_member_add(
    *,
    actor: User | None,
    group: Group,
    person: Person | None = None,
    new_person: NewPerson | None = None,
    role: str,
    joined_on: dt.date | None = None,
    confirm_possible_duplicate: bool = False,
    token: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> GroupMember:
    """Add a member: a registered person the actor may see, or a new person registered
    through the registry, whose duplicate matching warns with PossibleDuplicate unless
    `confirm_possible_duplicate`. The same `token` sent again returns the member
    already added (and registers the new person once)."""
    _check_group(actor, group, request)
    if token is not None:
        seen = GroupMember.objects.filter(token=token).first()
        if seen is not None:
            if seen.group_id != group.pk:
                raise ValidationError(_("This form was already used for another group."))
            return seen
    _choice(role, MemberRole.values, "role", blank=False)
    _not_future(joined_on, "joined_on")
    who = _person_for_entry(
        actor=actor,
        person=person,
        new_person=new_person,
        confirm_possible_duplicate=confirm_possible_duplicate,
        request=request,
    )
    existing = GroupMember.objects.filter(group=group, person=who).first()
    if existing is not None and existing.left_on is not None:
        raise _invalid(
            "person",
            _("This person left the group: change their membership to bring them back."),
            "left",
        )
    if existing is not None:
        raise _invalid("person", _("This person is already a member."), "duplicate")
    try:
        member = GroupMember.objects.create(
            group=group, person=who, role=role, joined_on=joined_on, token=token
        )
    except IntegrityError:
        if token is not None:
            raise  # the same form twice at once: `_writes` runs it again and finds it
        # Someone added the same person at the same moment.
        raise _invalid("person", _("This person is already a member."), "duplicate") from None
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=member,
        changes={
            "group": group.pk,
            "person": who.pk,
            "role": role,
            "new_person": new_person is not None,
        },
        request=request,
    )
    return member


@_writes
def group_member_update(
    *,
    actor: User | None,
    member: GroupMember,
    expected_version: int,
    role: str,
    left_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> GroupMember:
    """Change a member's role, or mark them as having left on `left_on` (None: still a
    member). A member who left stays: old meetings still count them, new meetings do
    not offer them. A stale `expected_version` raises EditConflict, nothing saved."""
    _check_group(actor, member.group, request)
    current = GroupMember.objects.select_for_update().get(pk=member.pk)
    _expect_version(current.version, expected_version)
    _choice(role, MemberRole.values, "role", blank=False)
    _not_future(left_on, "left_on")
    if left_on is not None and current.joined_on is not None and left_on < current.joined_on:
        raise _invalid("left_on", _("This is before the member joined the group."), "invalid")
    if (
        left_on is not None
        and Meeting.objects.filter(attendees=current, held_on__gt=left_on).exists()
    ):
        raise _invalid(
            "left_on",
            _("This member was ticked present at a meeting after that date."),
            "attended_later",
        )
    current.role = role
    current.left_on = left_on
    current.version += 1
    current.save(update_fields=["role", "left_on", "version"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=current,
        changes={
            "version": current.version,
            "role": role,
            "left_on": left_on.isoformat() if left_on else None,
        },
        request=request,
    )
    return current


# --------------------------------------------------------------------------- meetings


def _guests(guests: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    clean: dict[tuple[str, str], int] = {}
    for (sex, band), count in guests.items():
        if sex not in GuestSex.values or band not in GuestAgeBand.values:
            raise ValidationError({"guests": _("Unknown group of guests.")}, code="invalid")
        if not isinstance(count, int) or count < 0 or count > MAX_GUESTS:
            raise ValidationError(
                {
                    "guests": _("Give a number of guests between 0 and %(max)d.")
                    % {"max": MAX_GUESTS}
                },
                code="invalid",
            )
        if count:
            clean[(sex, band)] = count
    return clean


class _MeetingValues(NamedTuple):
    held_on: dt.date
    venue: str
    decisions: str
    topic_codes: list[str]
    topics: list[Topic]
    members: list[GroupMember]
    guest_counts: dict[tuple[str, str], int]
    guest_total: int


def _members_at(group: Group, day: dt.date) -> Any:
    """The group's members on `day`: those who had not left before it."""
    return GroupMember.objects.filter(group=group).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=day)
    )


def _meeting_values(
    *,
    group: Group,
    held_on: dt.date | None,
    venue: str,
    topics: Iterable[str],
    attendees: Iterable[int],
    attendance_total: int | None,
    guests: Mapping[tuple[str, str], int] | None,
    decisions: str,
    meeting: Meeting | None = None,
) -> _MeetingValues:
    """The checks of a meeting, new or corrected. Attendees are members who had not
    left by the meeting date; a corrected meeting keeps topics taken out of use since."""
    if held_on is None:
        raise _invalid("held_on", _("Give the date of the meeting."), "required")
    if held_on > timezone.localdate():
        raise _invalid(
            "held_on",
            _("The meeting date is in the future: record a meeting once it is held."),
            "future",
        )
    venue = _text(venue, "venue", MAX_NAME)
    decisions = _text(decisions, "decisions")
    topic_codes = sorted(set(topics))
    usable = Q(is_active=True)
    if meeting is not None:
        usable |= Q(pk__in=meeting.topics.values("pk"))
    topic_rows = list(Topic.objects.filter(usable, code__in=topic_codes))
    if len(topic_rows) != len(topic_codes):
        raise _invalid("topics", _("Choose topics from the list."), "invalid_choice")
    if not topic_rows:
        raise _invalid("topics", _("Choose at least one topic."), "required")
    attendee_ids = sorted(set(attendees))
    present = _members_at(group, held_on)
    members = list(present.filter(pk__in=attendee_ids))
    if len(members) != len(attendee_ids):
        raise _invalid("attendees", _("Tick only members of this group."), "invalid_choice")
    guest_counts = _guests(guests or {})
    guest_total = sum(guest_counts.values())
    if attendance_total is not None and (
        isinstance(attendance_total, bool)
        or not isinstance(attendance_total, int)
        or attendance_total < 0
        or attendance_total > present.count() + guest_total
    ):
        raise _invalid(
            "attendance_total",
            _("More people attended than the group has members: count the others as guests."),
            "too_many",
        )
    return _MeetingValues(
        held_on, venue, decisions, topic_codes, topic_rows, members, guest_counts, guest_total
    )


def _follow_up_actions(
    group: Group, held_on: dt.date, follow_ups: Sequence[FollowUpInput]
) -> list[tuple[str, FollowUpInput]]:
    """Checked follow-ups: an action, due on or after the meeting, for a facilitator of
    the group (who alone sees it on their home page)."""
    if len(follow_ups) > MAX_FOLLOW_UPS:
        raise _invalid("follow_ups", _("Too many follow-up actions."), "too_many")
    owners = set(group.facilitators.values_list("pk", flat=True)) if follow_ups else set()
    actions = []
    for item in follow_ups:
        action = _text(item.action, "follow_ups", required=True)
        if item.due_on < held_on:
            raise _invalid(
                "follow_ups", _("A follow-up cannot be due before the meeting."), "invalid"
            )
        if item.owner.pk not in owners:
            raise _invalid(
                "follow_ups",
                _("Give the follow-up to a facilitator of the group."),
                "invalid_choice",
            )
        actions.append((action, item))
    return actions


def _save_guests(meeting: Meeting, guest_counts: Mapping[tuple[str, str], int]) -> None:
    MeetingGuests.objects.bulk_create(
        MeetingGuests(meeting=meeting, sex=sex, age_band=band, count=count)
        for (sex, band), count in guest_counts.items()
    )


@_writes
def meeting_record(
    *,
    actor: User | None,
    group: Group,
    held_on: dt.date | None,
    venue: str = "",
    topics: Iterable[str] = (),
    attendees: Iterable[int] = (),
    attendance_total: int | None = None,
    guests: Mapping[tuple[str, str], int] | None = None,
    decisions: str = "",
    follow_ups: Sequence[FollowUpInput] = (),
    token: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Meeting:
    """Record a meeting. `attendees` are ids of the group's members; `attendance_total`
    (a head count, as ODK forms send it) must not exceed the members plus guests. The
    same `token` sent again returns the meeting already recorded."""
    _check_group(actor, group, request)
    if token is not None:
        seen = Meeting.objects.filter(token=token).first()
        if seen is not None:
            if seen.group_id != group.pk:
                raise ValidationError(_("This form was already used for another group."))
            return seen
    held_on, venue, decisions, topic_codes, topic_rows, members, guest_counts, guest_total = (
        _meeting_values(
            group=group,
            held_on=held_on,
            venue=venue,
            topics=topics,
            attendees=attendees,
            attendance_total=attendance_total,
            guests=guests,
            decisions=decisions,
        )
    )
    actions = _follow_up_actions(group, held_on, follow_ups)
    meeting = Meeting.objects.create(
        group=group,
        held_on=held_on,
        venue=venue,
        guests=guest_total,
        decisions=decisions,
        recorded_by=actor,
        token=token,
    )
    meeting.topics.set(topic_rows)
    meeting.attendees.set(members)
    _save_guests(meeting, guest_counts)
    tally_meeting(meeting, +1)
    FollowUp.objects.bulk_create(
        FollowUp(meeting=meeting, action=action, owner=item.owner, due_on=item.due_on)
        for action, item in actions
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=meeting,
        changes={
            "group": group.pk,
            "held_on": held_on.isoformat(),
            "topics": topic_codes,
            "members": len(members),
            "guests": guest_total,
            "follow_ups": len(actions),
        },
        request=request,
    )
    return meeting


@_writes
def follow_up_done(
    *, actor: User | None, follow_up: FollowUp, request: HttpRequest | None = None
) -> FollowUp:
    _check_group(actor, follow_up.meeting.group, request)
    # Locked: two clicks at once mark it once.
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.done_at is not None:
        return locked
    locked.done_at = timezone.now()
    locked.done_by = actor
    locked.save(update_fields=["done_at", "done_by"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=locked,
        changes={"done": True},
        request=request,
    )
    return locked


@_writes
def meeting_update(
    *,
    actor: User | None,
    meeting: Meeting,
    expected_version: int,
    held_on: dt.date | None,
    venue: str = "",
    topics: Iterable[str] = (),
    attendees: Iterable[int] = (),
    attendance_total: int | None = None,
    guests: Mapping[tuple[str, str], int] | None = None,
    decisions: str = "",
    open_follow_ups: Mapping[int, FollowUpInput | None] | None = None,
    new_follow_ups: Sequence[FollowUpInput] = (),
    request: HttpRequest | None = None,
) -> Meeting:
    """Correct a recorded meeting, with the checks of `meeting_record`. Follow-ups
    marked done stay as they are; `open_follow_ups` changes open ones by id (None takes
    one out) and `new_follow_ups` adds some. A stale `expected_version` raises
    EditConflict, nothing saved. The attendance tallies take the meeting out as it was
    and count it in again as it is saved."""
    group = meeting.group
    _check_group(actor, group, request)
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _expect_version(current.version, expected_version)
    held_on, venue, decisions, topic_codes, topic_rows, members, guest_counts, guest_total = (
        _meeting_values(
            group=group,
            held_on=held_on,
            venue=venue,
            topics=topics,
            attendees=attendees,
            attendance_total=attendance_total,
            guests=guests,
            decisions=decisions,
            meeting=current,
        )
    )
    # Locked: marking one done at the same moment waits for this correction.
    open_rows = {
        f.pk: f
        for f in FollowUp.objects.select_for_update().filter(meeting=current, done_at__isnull=True)
    }
    changes = dict(open_follow_ups or {})
    if any(pk not in open_rows for pk in changes):
        raise _invalid("follow_ups", _("A follow-up marked done cannot change."), "done")
    changed = [(pk, item) for pk, item in changes.items() if item is not None]
    removed = [pk for pk, item in changes.items() if item is None]
    checked = _follow_up_actions(group, held_on, [item for _, item in changed])
    added = _follow_up_actions(group, held_on, new_follow_ups)
    kept = FollowUp.objects.filter(meeting=current).exclude(pk__in=list(changes))
    if kept.filter(done_at__isnull=True, due_on__lt=held_on).exists():
        raise _invalid("held_on", _("A follow-up cannot be due before the meeting."), "invalid")
    if kept.count() + len(changed) + len(added) > MAX_FOLLOW_UPS:
        raise _invalid("follow_ups", _("Too many follow-up actions."), "too_many")
    tally_meeting(current, -1)
    current.held_on = held_on
    current.venue = venue
    current.decisions = decisions
    current.guests = guest_total
    current.version += 1
    current.save(update_fields=["held_on", "venue", "decisions", "guests", "version"])
    current.topics.set(topic_rows)
    current.attendees.set(members)
    MeetingGuests.objects.filter(meeting=current).delete()
    _save_guests(current, guest_counts)
    tally_meeting(current, +1)
    for (pk, item), (action, _item) in zip(changed, checked, strict=True):
        row = open_rows[pk]
        row.action, row.owner, row.due_on = action, item.owner, item.due_on
        row.save(update_fields=["action", "owner", "due_on"])
    FollowUp.objects.filter(pk__in=removed).delete()
    FollowUp.objects.bulk_create(
        FollowUp(meeting=current, action=action, owner=item.owner, due_on=item.due_on)
        for action, item in added
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=current,
        changes={
            "version": current.version,
            "held_on": held_on.isoformat(),
            "topics": topic_codes,
            "members": len(members),
            "guests": guest_total,
            "follow_ups_changed": len(changed),
            "follow_ups_removed": len(removed),
            "follow_ups_added": len(added),
        },
        request=request,
    )
    return current


# --------------------------------------------------------------------------- topics

_CODE_START = frozenset(string.ascii_lowercase)
_CODE_CHARS = frozenset(string.ascii_lowercase + string.digits + "_")
MAX_CODE = 40


def _require_topic_manager(actor: User | None) -> None:
    if actor is not None and not may_manage_topics(actor):
        raise _Denied("may not manage the meeting topics")


def _locked_topics() -> list[Topic]:
    """Every topic: topic writes take turns (the catalogue is small). The lock is taken
    first; the topics are read after it, so a topic added meanwhile is seen."""
    list(Topic.objects.select_for_update().values_list("pk", flat=True))
    return list(Topic.objects.order_by("order", "pk"))


def _topic_names(
    *, name_km: str, name_en: str, name_th: str, topics: Sequence[Topic], topic: Topic | None
) -> tuple[str, str, str]:
    km = _one_line(name_km, "name_km", required=True)
    en = _one_line(name_en, "name_en", required=True)
    th = _one_line(name_th, "name_th")
    others = [t for t in topics if topic is None or t.pk != topic.pk]
    for field, value in (("name_km", km), ("name_en", en), ("name_th", th)):
        if value and any(fold(getattr(t, field)) == fold(value) for t in others):
            raise _invalid(field, _("Another topic has this name."), "duplicate")
    return km, en, th


def _topic_code(code: str, name_en: str, topics: Sequence[Topic]) -> str:
    """The code typed (small Latin letters, digits, _), or one made from the English
    name. It never changes: forms and exports use it."""
    taken = {t.code for t in topics}
    code = (code or "").strip()
    if code:
        if not (2 <= len(code) <= MAX_CODE and code[0] in _CODE_START and set(code) <= _CODE_CHARS):
            raise _invalid(
                "code",
                _("Use 2 to 40 small Latin letters, digits and _, starting with a letter."),
                "invalid",
            )
        if code in taken:
            raise _invalid("code", _("Another topic has this code."), "duplicate")
        return code
    letters = "".join(ch if ch in _CODE_CHARS and ch != "_" else " " for ch in name_en.lower())
    base = "_".join(letters.split())[: MAX_CODE - 4].strip("_")
    if not base or base[0] not in _CODE_START:
        base = ("topic_" + base)[: MAX_CODE - 4].strip("_")
    made, number = base, 2
    while made in taken:
        made, number = f"{base}_{number}", number + 1
    return made


@_writes
def topic_add(
    *,
    actor: User | None,
    name_km: str,
    name_en: str,
    name_th: str = "",
    code: str = "",
    request: HttpRequest | None = None,
) -> Topic:
    """Add a meeting topic at the end of the catalogue (programme admins of the lead
    NGO). Names are unique in each language."""
    _require_topic_manager(actor)
    topics = _locked_topics()
    km, en, th = _topic_names(
        name_km=name_km, name_en=name_en, name_th=name_th, topics=topics, topic=None
    )
    made = _topic_code(code, en, topics)
    last = Topic.objects.aggregate(last=Max("order"))["last"] or 0
    topic = Topic.objects.create(code=made, name_km=km, name_en=en, name_th=th, order=last + 1)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=topic,
        changes={"code": made, "order": topic.order},
        request=request,
    )
    return topic


@_writes
def topic_rename(
    *,
    actor: User | None,
    topic: Topic,
    expected_stamp: str,
    name_km: str,
    name_en: str,
    name_th: str = "",
    request: HttpRequest | None = None,
) -> Topic:
    """Rename a topic; meetings show the new names. `expected_stamp` is the
    `topic_stamp` of the names the form showed: stale, EditConflict, nothing saved."""
    _require_topic_manager(actor)
    topics = _locked_topics()
    current = next((t for t in topics if t.pk == topic.pk), None)
    if current is None:
        raise ValidationError(_("This topic does not exist."), code="missing")
    if not isinstance(expected_stamp, str) or expected_stamp != topic_stamp(current):
        raise _conflict()
    km, en, th = _topic_names(
        name_km=name_km, name_en=name_en, name_th=name_th, topics=topics, topic=current
    )
    renamed = [
        language
        for language, old, new in (
            ("km", current.name_km, km),
            ("en", current.name_en, en),
            ("th", current.name_th, th),
        )
        if old != new
    ]
    current.name_km, current.name_en, current.name_th = km, en, th
    current.save(update_fields=["name_km", "name_en", "name_th"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=current,
        changes={"code": current.code, "renamed": renamed},
        request=request,
    )
    return current


@_writes
def topic_move(
    *, actor: User | None, topic: Topic, up: bool, request: HttpRequest | None = None
) -> Topic:
    """Move a topic one place up or down in the catalogue (the order of the forms)."""
    _require_topic_manager(actor)
    topics = _locked_topics()
    index = next((i for i, t in enumerate(topics) if t.pk == topic.pk), None)
    if index is None:
        raise ValidationError(_("This topic does not exist."), code="missing")
    other = index - 1 if up else index + 1
    if 0 <= other < len(topics):
        topics[index], topics[other] = topics[other], topics[index]
    moved = []
    for position, row in enumerate(topics, start=1):
        if row.order != position:
            row.order = position
            moved.append(row)
    Topic.objects.bulk_update(moved, ["order"])
    current = next(t for t in topics if t.pk == topic.pk)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=current,
        changes={"code": current.code, "order": current.order},
        request=request,
    )
    return current


@_writes
def topic_set_in_use(
    *, actor: User | None, topic: Topic, in_use: bool, request: HttpRequest | None = None
) -> Topic:
    """Take a topic out of use (new meetings no longer offer it; meetings that had it
    keep it) or bring it back. One topic at least stays in use."""
    _require_topic_manager(actor)
    topics = _locked_topics()
    current = next((t for t in topics if t.pk == topic.pk), None)
    if current is None:
        raise ValidationError(_("This topic does not exist."), code="missing")
    in_use = in_use is True
    if current.is_active == in_use:
        return current
    if not in_use and sum(t.is_active for t in topics) <= 1:
        raise ValidationError(
            _("Keep at least one topic in use: every meeting needs one."), code="last_topic"
        )
    current.is_active = in_use
    current.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=current,
        changes={"code": current.code, "in_use": in_use},
        request=request,
    )
    return current


# --------------------------------------------------------------------------- register


@dataclass(frozen=True)
class _Entry:
    departed_on: dt.date | None
    destination: Place | None
    sector: str
    channel: str
    documents_held: list[str]
    debt_amount: Decimal | None
    debt_currency: str
    last_contact_on: dt.date | None
    returned_on: dt.date | None
    return_reason: str


def _entry_fields(
    *,
    departed_on: dt.date | None,
    destination: Place | None,
    sector: str,
    channel: str,
    documents_held: Iterable[str],
    debt_amount: Decimal | int | str | None,
    debt_currency: str,
    last_contact_on: dt.date | None,
    returned_on: dt.date | None,
    return_reason: str,
) -> _Entry:
    _not_future(departed_on, "departed_on")
    _not_future(last_contact_on, "last_contact_on")
    _not_future(returned_on, "returned_on")
    if departed_on and returned_on and returned_on < departed_on:
        raise ValidationError(
            {"returned_on": _("The return date is before the departure date.")}, code="invalid"
        )
    if departed_on and last_contact_on and last_contact_on < departed_on:
        raise ValidationError(
            {"last_contact_on": _("The last contact is before the departure date.")},
            code="invalid",
        )
    if destination is not None and destination.kind not in (
        PlaceKind.COUNTRY,
        PlaceKind.PROVINCE,
        PlaceKind.REGION,
        PlaceKind.DISTRICT,
    ):
        raise ValidationError(
            {"destination": _("Choose a country, a province or a city.")}, code="invalid"
        )
    _choice(sector, Sector.values, "sector")
    _choice(channel, Channel.values, "channel")
    _choice(return_reason, ReturnReason.values, "return_reason")
    if return_reason and not returned_on:
        raise ValidationError(
            {"returned_on": _("Give the return date with the reason.")}, code="required"
        )
    documents = sorted(set(documents_held))
    if any(d not in DocumentKind.values for d in documents):
        raise ValidationError({"documents_held": _("Choose from the list.")}, code="invalid_choice")
    amount: Decimal | None = None
    if debt_amount not in (None, ""):
        try:
            amount = Decimal(str(debt_amount))
        except (InvalidOperation, ValueError):
            raise ValidationError({"debt_amount": _("Give an amount.")}, code="invalid") from None
        if not amount.is_finite() or amount < 0 or amount > MAX_DEBT:
            raise ValidationError({"debt_amount": _("Give an amount.")}, code="invalid")
        amount = amount.quantize(Decimal("0.01"))
        if debt_currency not in DebtCurrency.values:
            raise ValidationError(
                {"debt_currency": _("Choose the currency of the debt.")}, code="required"
            )
    elif debt_currency:
        _choice(debt_currency, DebtCurrency.values, "debt_currency")
    return _Entry(
        departed_on=departed_on,
        destination=destination,
        sector=sector,
        channel=channel,
        documents_held=documents,
        debt_amount=amount,
        debt_currency=debt_currency if amount is not None else "",
        last_contact_on=last_contact_on,
        returned_on=returned_on,
        return_reason=return_reason,
    )


def _entry_changes(entry: _Entry) -> dict[str, Any]:
    return {
        "departed_on": entry.departed_on.isoformat() if entry.departed_on else None,
        "destination": entry.destination.code if entry.destination else None,
        "sector": entry.sector,
        "channel": entry.channel,
        "documents_held": entry.documents_held,
        "debt": entry.debt_amount is not None,
        "returned": entry.returned_on is not None,
        "return_reason": entry.return_reason,
    }


def _person_for_entry(
    *,
    actor: User | None,
    person: Person | None,
    new_person: NewPerson | None,
    confirm_possible_duplicate: bool,
    request: HttpRequest | None,
) -> Person:
    if (person is None) == (new_person is None):
        raise ValidationError(
            {"person": _("Choose a registered person or register a new one.")}, code="required"
        )
    if person is not None:
        if actor is not None and not persons_visible_to(actor).filter(pk=person.pk).exists():
            raise _Denied("person outside the user's scope", person)
        return person
    if new_person is None:  # pragma: no cover  (checked above)
        raise ValueError("no person")
    village = new_person.home_village
    if not confirm_possible_duplicate and actor is not None:
        birth_year = new_person.date_of_birth.year if new_person.date_of_birth else None
        if birth_year is None and new_person.approximate_age is not None:
            birth_year = timezone.localdate().year - new_person.approximate_age
        facts = facts_for(
            names=list(new_person.names),
            birth_year=birth_year,
            birth_year_exact=new_person.date_of_birth is not None,
            village_code=village.code if village else None,
            phones=list(new_person.phones),
            sex=new_person.sex,
        )
        found = person_candidates(actor, facts)
        if found.visible or found.hidden_match:
            message = (
                _(
                    "A person who looks the same is already registered. Choose them "
                    "below, or confirm that this is someone else."
                )
                if found.visible
                else _(
                    "A person who looks the same is already registered by another team: "
                    "ask your supervisor, or confirm that this is someone else."
                )
            )
            raise PossibleDuplicate(
                {"names": message},
                code="possible_duplicate",
                candidates=[c.person.pk for c in found.visible],
            )
    return person_register(
        actor=actor,
        names=[NameInput(value=n) for n in new_person.names],
        sex=new_person.sex,
        home_village=village,
        approximate_age=new_person.approximate_age,
        date_of_birth=new_person.date_of_birth,
        phones=new_person.phones,
        request=request,
    )


@_writes
def register_entry_add(
    *,
    actor: User | None,
    commune: Place | None,
    person: Person | None = None,
    new_person: NewPerson | None = None,
    group: Group | None = None,
    departed_on: dt.date | None = None,
    destination: Place | None = None,
    sector: str = "",
    channel: str = "",
    documents_held: Iterable[str] = (),
    debt_amount: Decimal | int | str | None = None,
    debt_currency: str = "",
    last_contact_on: dt.date | None = None,
    returned_on: dt.date | None = None,
    return_reason: str = "",
    confirm_possible_duplicate: bool = False,
    agency: Agency | None = None,
    token: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> RegisterEntry:
    """Add a migrant to the register. A new person goes through the registry (its
    duplicate matching warns with PossibleDuplicate); a person already in the register
    without a return warns the same way, unless `confirm_possible_duplicate`. The same
    `token` sent again returns the entry already made (nobody types things twice)."""
    where = _commune(commune)
    if token is not None:
        seen = RegisterEntry.objects.filter(token=token).first()
        if seen is not None:
            _reach(actor, seen.commune, seen.agency, request)
            return seen
    if group is not None and group.commune_id != where.pk:
        raise ValidationError({"group": _("Choose a group of this commune.")}, code="invalid")
    owner = _reach(actor, where, agency or (group.agency if group else None), request)
    fields = _entry_fields(
        departed_on=departed_on,
        destination=destination,
        sector=sector,
        channel=channel,
        documents_held=documents_held,
        debt_amount=debt_amount,
        debt_currency=debt_currency,
        last_contact_on=last_contact_on,
        returned_on=returned_on,
        return_reason=return_reason,
    )
    migrant = _person_for_entry(
        actor=actor,
        person=person,
        new_person=new_person,
        confirm_possible_duplicate=confirm_possible_duplicate,
        request=request,
    )
    if (
        not confirm_possible_duplicate
        and RegisterEntry.objects.filter(person=migrant, returned_on__isnull=True).exists()
    ):
        raise PossibleDuplicate(
            {
                "person": _(
                    "This person is already in the migration register and has not returned: "
                    "update that entry, or confirm that this is a new departure."
                )
            },
            code="possible_duplicate",
        )
    entry = RegisterEntry.objects.create(
        agency=owner,
        commune=where,
        group=group,
        person=migrant,
        created_by=actor,
        token=token,
        **fields.__dict__,
    )
    tally_entry(entry, +1)
    search_index_upsert(doc_type="register_entry", obj=entry)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=entry,
        changes={"person": migrant.pk, "commune": where.code, **_entry_changes(fields)},
        request=request,
    )
    return entry


@_writes
def register_entry_update(
    *,
    actor: User | None,
    entry: RegisterEntry,
    expected_version: int,
    departed_on: dt.date | None = None,
    destination: Place | None = None,
    sector: str = "",
    channel: str = "",
    documents_held: Iterable[str] = (),
    debt_amount: Decimal | int | str | None = None,
    debt_currency: str = "",
    last_contact_on: dt.date | None = None,
    returned_on: dt.date | None = None,
    return_reason: str = "",
    request: HttpRequest | None = None,
) -> RegisterEntry:
    """Change an entry. A stale `expected_version` raises EntryConflict, nothing saved."""
    _reach(actor, entry.commune, entry.agency, request)
    fields = _entry_fields(
        departed_on=departed_on,
        destination=destination,
        sector=sector,
        channel=channel,
        documents_held=documents_held,
        debt_amount=debt_amount,
        debt_currency=debt_currency,
        last_contact_on=last_contact_on,
        returned_on=returned_on,
        return_reason=return_reason,
    )
    values = dict(fields.__dict__)
    # Locked as saved, so the tally takes out exactly what it counted.
    current = (
        RegisterEntry.objects.select_for_update()
        .filter(pk=entry.pk, version=expected_version)
        .first()
    )
    updated = current is not None and bool(
        RegisterEntry.objects.filter(pk=entry.pk, version=expected_version).update(
            version=expected_version + 1, **values
        )
    )
    if current is None or not updated:
        raise EntryConflict(
            _(
                "Someone else changed this register entry while you were editing it, so "
                "nothing was saved. Reload the page to see their changes, then make yours again."
            ),
            code="conflict",
        )
    fresh = RegisterEntry.objects.get(pk=entry.pk)
    tally_entry(current, -1)
    tally_entry(fresh, +1)
    search_index_upsert(doc_type="register_entry", obj=fresh)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=fresh,
        changes={"version": fresh.version, **_entry_changes(fields)},
        request=request,
    )
    return fresh


@_writes
def register_problem_report(
    *,
    actor: User | None,
    entry: RegisterEntry,
    problems: Iterable[str],
    noted_on: dt.date | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> list[RegisterProblem]:
    """Report problems of a migrant (codes of ProblemKind), one row per problem."""
    _reach(actor, entry.commune, entry.agency, request)
    codes = sorted(set(problems))
    if not codes:
        raise ValidationError({"problems": _("Choose at least one problem.")}, code="required")
    if any(code not in ProblemKind.values for code in codes):
        raise ValidationError({"problems": _("Choose from the list.")}, code="invalid_choice")
    when = noted_on or timezone.localdate()
    _not_future(when, "noted_on")
    if entry.departed_on and when < entry.departed_on:
        raise ValidationError(
            {"noted_on": _("The problem is dated before the departure.")}, code="invalid"
        )
    text = _text(note, "note")
    rows = [
        RegisterProblem.objects.create(
            entry=entry, kind=code, noted_on=when, note=text, reported_by=actor
        )
        for code in codes
    ]
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=entry,
        changes={"problems": codes, "noted_on": when.isoformat()},
        request=request,
    )
    return rows


# --------------------------------------------------------------------------- households


MAX_HOUSEHOLD = 40


def _household_form_seen(entry: RegisterEntry, token: uuid.UUID) -> HouseholdMember | None:
    """The family member a form with this token already added from this entry. The
    household rows belong to the registry and hold no token: the entry's audit event
    of the addition keeps it (a few events per entry, found through their index)."""
    event = AuditEvent.objects.filter(
        object_type=RegisterEntry._meta.label_lower,
        object_id=str(entry.pk),
        action=AuditAction.UPDATE,
        changes__token=str(token),
    ).first()
    if event is None:
        return None
    member = HouseholdMember.objects.filter(pk=event.changes.get("household_member")).first()
    if member is None:
        raise ValidationError(_("This form was already sent."), code="used")
    return member


@_writes
def register_household_member_add(
    *,
    actor: User,
    entry: RegisterEntry,
    relationship: str,
    migrant_relationship: str | None = None,
    person: Person | None = None,
    new_person: NewPerson | None = None,
    confirm_possible_duplicate: bool = False,
    token: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> HouseholdMember:
    """Add a family member to the household at home of the entry's migrant: a person
    the actor may see, or a new person registered through the registry (its matching
    warns with PossibleDuplicate unless `confirm_possible_duplicate`), with their
    `relationship` (a `Relationship` code). A migrant without a household gets one
    made, holding them (as `migrant_relationship`, required then, ignored otherwise)
    and the new member. The household writes are the registry's
    (`household_add_member`): both persons must be within the actor's MANAGE_PEOPLE
    reach — an SHG facilitator has it over their agency's people in their communes —
    and of the household's agency. The same `token` sent again returns the member
    already added (and registers a new person once)."""
    _reach(actor, entry.commune, entry.agency, request)
    # One addition to a migrant's household at a time: the first makes it once, a
    # resent form finds what the first sending added.
    migrant = Person.objects.select_for_update().get(pk=entry.person_id)
    if token is not None:
        seen = _household_form_seen(entry, token)
        if seen is not None:
            return seen
    if relationship not in Relationship.values:
        raise _invalid("relationship", _("Choose from the list."), "invalid_choice")
    if migrant_relationship and migrant_relationship not in Relationship.values:
        raise _invalid("migrant_relationship", _("Choose from the list."), "invalid_choice")
    if not migrant.is_active_record:
        raise _invalid(
            "person", _("The migrant's record was merged or erased: open the current one."), "gone"
        )
    if not may_manage(actor, migrant):
        raise _Denied("may not change the migrant's record", migrant)
    home = migrant_household(migrant.pk)
    if home is None and not migrant_relationship:
        raise _invalid(
            "migrant_relationship",
            _("Say who the migrant is in the household: it is made with them."),
            "required",
        )
    who = _person_for_entry(
        actor=actor,
        person=person,
        new_person=new_person,
        confirm_possible_duplicate=confirm_possible_duplicate,
        request=request,
    )
    if who.pk == migrant.pk:
        raise _invalid("person", _("This is the migrant: choose a family member."), "migrant")
    if not may_manage(actor, who):
        raise _Denied("may not change this person's record", who)
    if who.agency_id != (home.household.agency_id if home else migrant.agency_id):
        raise _invalid(
            "person",
            _("This person's record belongs to another agency: they cannot join this household."),
            "other_agency",
        )
    present = set(home.household.members.values_list("person_id", flat=True)) if home else set()
    if who.pk in present:
        raise _invalid("person", _("This person is already in the household."), "duplicate")
    if len(present) >= MAX_HOUSEHOLD:
        raise _invalid(
            "person",
            _("A household has at most %(limit)d members.") % {"limit": MAX_HOUSEHOLD},
            "too_many",
        )
    made = home is None
    if home is None:
        home = household_add_member(
            actor=actor, person=migrant, relationship=migrant_relationship or "", request=request
        )
    try:
        member = household_add_member(
            actor=actor,
            person=who,
            relationship=relationship,
            household=home.household,
            request=request,
        )
    except IntegrityError:
        # Put in the household at the same moment from the person's page (this
        # service's own sendings take turns on the migrant's row).
        raise _invalid(
            "person", _("This person is already in the household."), "duplicate"
        ) from None
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=entry,
        changes={
            "household": home.household_id,
            "household_made": made,
            "migrant_relationship": home.relationship if made else None,
            "household_member": member.pk,
            "person": who.pk,
            "relationship": relationship,
            "new_person": new_person is not None,
            "token": str(token) if token is not None else None,
        },
        request=request,
    )
    return member
