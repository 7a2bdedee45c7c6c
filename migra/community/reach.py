"""Self-help groups in the reach figures (migra/outreach/reach.py): members of a group
and people ticked off at its meetings count once among everyone reached; guests
counted at meetings are added to the anonymous figure.

Guests are counted in three broad age bands (under 18, 18 to 59, 60 and over): they
answer a filter by one of these broad bands (`outreach.BroadAgeBand`, the same values
as `GuestAgeBand`), and are left out under one of the seven fine bands rather than
guessed (the reach page says so)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet, Sum

from migra.community.models import GroupMember, Meeting, MeetingGuests
from migra.outreach.reach import ReachFilters, age_band_is_fine


def _place_q(filters: ReachFilters, prefix: str) -> Q:
    q = Q()
    if filters.commune_id:
        q &= Q(**{f"{prefix}commune_id": filters.commune_id})
    if filters.province_id:
        q &= Q(**{f"{prefix}commune__parent__parent_id": filters.province_id})
    return q


def meeting_persons(filters: ReachFilters) -> QuerySet[Any]:
    if filters.category:  # meetings have no audience categories
        return GroupMember.objects.none().values_list("person_id", flat=True)
    meetings = Meeting.objects.filter(_place_q(filters, "group__"))
    if filters.since:
        meetings = meetings.filter(held_on__gte=filters.since)
    if filters.until:
        meetings = meetings.filter(held_on__lte=filters.until)
    return GroupMember.objects.filter(
        pk__in=Meeting.attendees.through.objects.filter(meeting__in=meetings).values(
            "groupmember_id"
        )
    ).values_list("person_id", flat=True)


def member_persons(filters: ReachFilters) -> QuerySet[Any]:
    if filters.category:
        return GroupMember.objects.none().values_list("person_id", flat=True)
    members = GroupMember.objects.filter(_place_q(filters, "group__"))
    if filters.until:
        members = members.filter(Q(joined_on__isnull=True) | Q(joined_on__lte=filters.until))
    if filters.since:
        # Members who joined before the period count in it only if they met in it.
        members = members.filter(joined_on__gte=filters.since)
    return members.values_list("person_id", flat=True)


def meeting_guests(filters: ReachFilters) -> int:
    if filters.category or age_band_is_fine(filters.age_band):
        return 0
    guests = MeetingGuests.objects.filter(_place_q(filters, "meeting__group__"))
    if filters.since:
        guests = guests.filter(meeting__held_on__gte=filters.since)
    if filters.until:
        guests = guests.filter(meeting__held_on__lte=filters.until)
    if filters.sex:
        guests = guests.filter(sex=filters.sex)
    if filters.age_band:
        guests = guests.filter(age_band=filters.age_band)
    return int(guests.aggregate(total=Sum("count"))["total"] or 0)
