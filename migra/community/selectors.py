"""Reads of the community app, each filtered by the permission API (Perm.MANAGE_GROUPS
within the user's agency and places; a group's and an entry's place is its commune)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404, HttpRequest
from django.utils import timezone

from migra.accounts.models import User
from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import (
    get_visible_or_deny,
    memberships_of,
    restrict,
    scope_q,
    user_has_perm,
)
from migra.cases.models import Case as CaseRecord
from migra.community.models import (
    FollowUp,
    Group,
    GroupMember,
    Meeting,
    RegisterEntry,
    RegisterProblem,
    Topic,
)
from migra.people.models import HouseholdMember, Person, PersonName
from migra.people.selectors import persons_matching, persons_visible_to
from migra.screening.models import Screening
from migra.screening.selectors import may_manage_catalogue

QUIET_DAYS = 90


def groups_visible_to(user: Any) -> QuerySet[Group]:
    """Groups the user may run; their own groups first."""
    facilitating = Group.facilitators.through.objects.filter(
        group=OuterRef("pk"), user=getattr(user, "pk", None)
    )
    mine = Case(
        When(Exists(facilitating), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        restrict(
            Group.objects.all(),
            user,
            Perm.MANAGE_GROUPS,
            agency_field="agency",
            place_field="commune",
        )
        .select_related("commune", "agency")
        .annotate(mine=mine)
        .order_by("mine", "name", "pk")
    )


def group_get_for_user(request: HttpRequest, pk: Any) -> Group:
    return get_visible_or_deny(request, groups_visible_to(request.user), pk)


def meetings_visible_to(user: Any) -> QuerySet[Meeting]:
    return restrict(
        Meeting.objects.select_related("group"),
        user,
        Perm.MANAGE_GROUPS,
        agency_field="group__agency",
        place_field="group__commune",
    )


def meeting_get_for_user(request: HttpRequest, pk: Any) -> Meeting:
    return get_visible_or_deny(
        request, meetings_visible_to(request.user).select_related("group__commune"), pk
    )


def members_visible_to(user: Any) -> QuerySet[GroupMember]:
    return restrict(
        GroupMember.objects.select_related("group", "group__commune"),
        user,
        Perm.MANAGE_GROUPS,
        agency_field="group__agency",
        place_field="group__commune",
    )


def member_get_for_user(request: HttpRequest, pk: Any) -> GroupMember:
    return get_visible_or_deny(request, members_visible_to(request.user), pk)


def persons_to_pick(user: Any, query: str) -> list[Person]:
    """Persons the user may see matching a name (Khmer or Latin letters) or a phone
    number, to choose a group's member or a migrant's family member: the registry's
    lookups (blind indexes for phones, the search index for names), as when a case is
    opened (`migra.people.selectors.persons_matching`)."""
    return persons_matching(user, query)


def follow_ups_visible_to(user: Any) -> QuerySet[FollowUp]:
    return restrict(
        FollowUp.objects.select_related("meeting", "meeting__group", "owner"),
        user,
        Perm.MANAGE_GROUPS,
        agency_field="meeting__group__agency",
        place_field="meeting__group__commune",
    )


def follow_up_get_for_user(request: HttpRequest, pk: Any) -> FollowUp:
    return get_visible_or_deny(request, follow_ups_visible_to(request.user), pk)


def entries_visible_to(user: Any) -> QuerySet[RegisterEntry]:
    return restrict(
        RegisterEntry.objects.select_related("commune", "destination", "group"),
        user,
        Perm.MANAGE_GROUPS,
        agency_field="agency",
        place_field="commune",
    )


def entry_get_for_user(request: HttpRequest, pk: Any) -> RegisterEntry:
    return get_visible_or_deny(request, entries_visible_to(request.user), pk)


# --------------------------------------------------------------------------- households


@dataclass(frozen=True)
class EntryHousehold:
    """The household at home of a register entry's migrant, as one user may see it.

    `membership`: the migrant's place in it (None: no household recorded yet);
    `members`: the other current members the user may see (person and primary name
    loaded), in the order they were added; `hidden`: how many others they may not."""

    membership: HouseholdMember | None
    members: list[HouseholdMember]
    hidden: int


def migrant_household(person_id: int) -> HouseholdMember | None:
    """The migrant's household: the first they were put in (a person may be in more
    than one; the people page joins the first too)."""
    return (
        HouseholdMember.objects.filter(person_id=person_id)
        .select_related("household")
        .order_by("pk")
        .first()
    )


def _current_members() -> QuerySet[HouseholdMember]:
    """Household members who are persons still: a record merged away or erased is no
    one (a merge leaves the merged-away record where the survivor already was)."""
    return HouseholdMember.objects.filter(
        person__merged_into__isnull=True, person__erased_at__isnull=True
    )


def household_persons(person_id: int) -> set[int]:
    """The person and everyone in their household (the ones a picker says are there)."""
    membership = migrant_household(person_id)
    if membership is None:
        return {person_id}
    others = HouseholdMember.objects.filter(household_id=membership.household_id)
    return {person_id, *others.values_list("person_id", flat=True)}


def entry_household(user: Any, entry: RegisterEntry) -> EntryHousehold:
    """The household of the entry's migrant for `user` (four queries at most). The
    caller logs the read of each member shown."""
    membership = migrant_household(entry.person_id)
    if membership is None:
        return EntryHousehold(membership=None, members=[], hidden=0)
    others = _current_members().filter(household_id=membership.household_id)
    others = others.exclude(person_id=entry.person_id)
    visible = Q(person__in=persons_visible_to(user).values("pk"))
    members = list(
        others.filter(visible)
        .select_related("person", "person__home_village")
        .prefetch_related(
            Prefetch("person__names", queryset=PersonName.objects.filter(is_primary=True))
        )
        .order_by("pk")
    )
    return EntryHousehold(
        membership=membership, members=members, hidden=others.exclude(visible).count()
    )


def household_sizes(person_ids: Iterable[int]) -> dict[int, int]:
    """For each of these persons in a household, how many current persons their
    household holds (themselves included). Two queries, whatever the number."""
    first: dict[int, int] = {}
    rows = (
        HouseholdMember.objects.filter(person_id__in=set(person_ids))
        .order_by("pk")
        .values_list("person_id", "household_id")
    )
    for person_id, household_id in rows:
        first.setdefault(person_id, household_id)
    if not first:
        return {}
    counts = dict(
        _current_members()
        .filter(household_id__in=set(first.values()))
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    return {person_id: counts.get(household_id, 0) for person_id, household_id in first.items()}


def topics_in_use() -> QuerySet[Topic]:
    return Topic.objects.filter(is_active=True)


def topics_all() -> QuerySet[Topic]:
    """The whole catalogue, in its order, topics out of use included."""
    return Topic.objects.order_by("order", "pk")


def topic_get(pk: Any) -> Topic:
    """One topic of the catalogue (programme-wide, no scope) or 404."""
    topic = Topic.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if topic is None:
        raise Http404
    return topic


def topic_stamp(topic: Topic) -> str:
    """A short fingerprint of a topic's names: a rename form carries the stamp of what it
    showed, so two renames at once cannot overwrite each other unseen."""
    names = "\x1f".join((topic.name_km, topic.name_en, topic.name_th))
    return hashlib.sha256(names.encode()).hexdigest()[:16]


def may_manage_topics(user: Any) -> bool:
    """Like the screening catalogue, the topic catalogue belongs to the whole programme:
    the programme admins of the lead NGO add, rename, order and retire topics."""
    return may_manage_catalogue(user)


def may_read_topics(user: Any) -> bool:
    """Those who run groups or the programme may read the catalogue."""
    return user_has_perm(user, Perm.MANAGE_GROUPS) or user_has_perm(user, Perm.MANAGE_PROGRAMME)


def quiet_entries(user: Any, *, today: dt.date | None = None) -> QuerySet[RegisterEntry]:
    """Migrants away (not returned) not heard from for three months, or never."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=QUIET_DAYS)
    # The scope is on single-valued relations (agency, commune): no DISTINCT needed,
    # so the database can walk the (returned_on, last_contact_on) index and stop early.
    scope = scope_q(user, Perm.MANAGE_GROUPS, agency_field="agency", place_field="commune")
    return (
        RegisterEntry.objects.filter(scope)
        .select_related("commune", "destination", "group")
        .filter(returned_on__isnull=True)
        .filter(Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=since))
        .order_by("last_contact_on", "pk")
    )


def problems_waiting(user: Any) -> QuerySet[RegisterProblem]:
    """Problems reported that no screening or case of the person has picked up since."""
    # Scoped on the problem's own commune and agency (copied from the entry): no
    # DISTINCT, no join to the entries to filter, walk (commune, noted_on).
    scope = scope_q(user, Perm.MANAGE_GROUPS, agency_field="agency", place_field="commune")
    screened = Screening.objects.filter(
        person=OuterRef("person"), at__date__gte=OuterRef("noted_on")
    )
    case_opened = CaseRecord.objects.filter(
        person=OuterRef("person"), opened_at__date__gte=OuterRef("noted_on")
    )
    return (
        RegisterProblem.objects.filter(scope)
        .exclude(Exists(screened))
        .exclude(Exists(case_opened))
        .select_related("entry")
        .order_by("noted_on", "pk")
    )


def facilitators_choosable_by(user: Any) -> QuerySet[User]:
    """Users who run groups in the agencies where `user` does (to name a group's
    facilitators); the service checks each one's commune."""
    agencies = [
        m.agency_id
        for m in memberships_of(user)
        if Perm.MANAGE_GROUPS in ROLE_PERMISSIONS.get(m.role, frozenset())
    ]
    roles = [r for r, perms in ROLE_PERMISSIONS.items() if Perm.MANAGE_GROUPS in perms]
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__agency__in=agencies,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("full_name", "pk")
    )
