"""Writes of the community app. Keyword-only, plain values in (the same functions serve
the web forms and, later, ODK Collect submissions); each validates, checks the actor's
reach (Perm.MANAGE_GROUPS in the agency and commune), saves and audits in one
transaction. Audit events hold codes and counts, never a name or free text.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import Agency, User
from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import agencies_with_perm_at, deny, memberships_of
from migra.audit.models import AuditAction
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
from migra.people.identity import facts_for
from migra.people.models import DocumentKind, Person
from migra.people.selectors import person_candidates, persons_visible_to
from migra.people.services import NameInput, person_register
from migra.places.models import Place, PlaceKind

MAX_TEXT = 4000
MAX_NAME = 200
MAX_GUESTS = 10_000
MAX_FOLLOW_UPS = 20
MAX_DEBT = Decimal("999999999999")


class EntryConflict(ValidationError):
    """Someone else saved the register entry since the form was opened."""


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


# --------------------------------------------------------------------------- groups


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
    name = _text(name, "name", MAX_NAME, required=True)
    where = _commune(commune)
    _choice(status, GroupStatus.values, "status", blank=False)
    _not_future(founded_on, "founded_on")
    village_list = list(villages)
    if any(v.kind != PlaceKind.VILLAGE or not where.contains(v) for v in village_list):
        raise ValidationError({"villages": _("Choose villages of the group's commune.")})
    owner = _reach(actor, where, agency, request)
    people = list(facilitators) or ([actor] if actor is not None else [])
    if not all(_runs_groups(user, where, owner) for user in people):
        raise ValidationError(
            {"facilitators": _("Each facilitator must run groups in this commune.")},
            code="invalid",
        )
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
def group_member_add(
    *,
    actor: User | None,
    group: Group,
    person: Person,
    role: str,
    joined_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> GroupMember:
    _check_group(actor, group, request)
    _choice(role, MemberRole.values, "role", blank=False)
    _not_future(joined_on, "joined_on")
    if actor is not None and not persons_visible_to(actor).filter(pk=person.pk).exists():
        raise _Denied("person outside the user's scope", person)
    if GroupMember.objects.filter(group=group, person=person).exists():
        raise ValidationError({"person": _("This person is already a member.")}, code="duplicate")
    member = GroupMember.objects.create(group=group, person=person, role=role, joined_on=joined_on)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=member,
        changes={"group": group.pk, "person": person.pk, "role": role},
        request=request,
    )
    return member


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
    if held_on is None:
        raise ValidationError({"held_on": _("Give the date of the meeting.")}, code="required")
    if held_on > timezone.localdate():
        raise ValidationError(
            {"held_on": _("The meeting date is in the future: record a meeting once it is held.")},
            code="future",
        )
    venue = _text(venue, "venue", MAX_NAME)
    decisions = _text(decisions, "decisions")
    topic_codes = sorted(set(topics))
    topic_rows = list(Topic.objects.filter(code__in=topic_codes, is_active=True))
    if len(topic_rows) != len(topic_codes):
        raise ValidationError({"topics": _("Choose topics from the list.")}, code="invalid_choice")
    if not topic_rows:
        raise ValidationError({"topics": _("Choose at least one topic.")}, code="required")
    attendee_ids = sorted(set(attendees))
    members = list(GroupMember.objects.filter(group=group, pk__in=attendee_ids))
    if len(members) != len(attendee_ids):
        raise ValidationError(
            {"attendees": _("Tick only members of this group.")}, code="invalid_choice"
        )
    guest_counts = _guests(guests or {})
    guest_total = sum(guest_counts.values())
    member_count = GroupMember.objects.filter(group=group).count()
    if attendance_total is not None:
        if attendance_total < 0 or attendance_total > member_count + guest_total:
            raise ValidationError(
                {
                    "attendance_total": _(
                        "More people attended than the group has members: count the others "
                        "as guests."
                    )
                },
                code="too_many",
            )
    if len(follow_ups) > MAX_FOLLOW_UPS:
        raise ValidationError({"follow_ups": _("Too many follow-up actions.")}, code="too_many")
    actions = []
    for item in follow_ups:
        action = _text(item.action, "follow_ups", required=True)
        if item.due_on < held_on:
            raise ValidationError(
                {"follow_ups": _("A follow-up cannot be due before the meeting.")}, code="invalid"
            )
        actions.append((action, item))
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
    MeetingGuests.objects.bulk_create(
        MeetingGuests(meeting=meeting, sex=sex, age_band=band, count=count)
        for (sex, band), count in guest_counts.items()
    )
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
    updated = RegisterEntry.objects.filter(pk=entry.pk, version=expected_version).update(
        version=expected_version + 1, **values
    )
    if not updated:
        raise EntryConflict(
            _(
                "Someone else changed this register entry while you were editing it, so "
                "nothing was saved. Reload the page to see their changes, then make yours again."
            ),
            code="conflict",
        )
    fresh = RegisterEntry.objects.get(pk=entry.pk)
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
