"""Reads of outreach events, each filtered by the permission API (Perm.LOG_OUTREACH
within the user's agency and places)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When
from django.http import Http404, HttpRequest

from migra.accounts.roles import Perm
from migra.accounts.selectors import get_visible_or_deny, restrict
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.outreach.models import (
    Attendance,
    Event,
    EventPhoto,
    KnowledgeTest,
    ParticipantScore,
)
from migra.people.selectors import persons_visible_to


def events_visible_to(user: Any) -> QuerySet[Event]:
    return restrict(
        Event.objects.all(), user, Perm.LOG_OUTREACH, agency_field="agency", place_field="place"
    )


def events_for_list(user: Any) -> QuerySet[Event]:
    """The user's events first (organised by them), then the others, newest first."""
    return (
        events_visible_to(user)
        .select_related("place", "organiser")
        .annotate(
            mine=Case(
                When(organiser_id=getattr(user, "pk", None), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("mine", "-date", "-pk")
    )


def event_get_for_user(request: HttpRequest, pk: Any) -> Event:
    """One event the user may see, or a logged 403 / 404. The view is logged (the page
    lists registered persons)."""
    event = get_visible_or_deny(
        request,
        events_visible_to(request.user).select_related(
            "place", "commune", "province", "organiser", "agency"
        ),
        pk,
    )
    audit_record(actor=request.user, action=AuditAction.VIEW, target=event, request=request)
    return event


@dataclass(frozen=True)
class AttendeeRow:
    attendance: Attendance
    # None when the user may not see the person's record (only "a registered person").
    person: Any


def event_attendees(user: Any, event: Event) -> list[AttendeeRow]:
    rows = list(Attendance.objects.filter(event=event).order_by("pk"))
    visible = {
        p.pk: p
        for p in persons_visible_to(user)
        .filter(pk__in=[r.person_id for r in rows])
        .prefetch_related("names")
    }
    return [AttendeeRow(attendance=r, person=visible.get(r.person_id)) for r in rows]


def event_photos(event: Event) -> QuerySet[EventPhoto]:
    return EventPhoto.objects.filter(event=event).order_by("uploaded_at", "pk")


def event_photo_get_for_user(request: HttpRequest, event_pk: Any, pk: Any) -> EventPhoto:
    """A photo of an event the user may see, or a logged 403 / 404. Not written to the
    audit trail: a page of thumbnails would log every one; opening the event's page is
    logged already."""
    event = get_visible_or_deny(request, events_visible_to(request.user), event_pk)
    photo = EventPhoto.objects.filter(event=event, pk=pk).first()
    if photo is None:
        raise Http404
    return photo


def event_anonymous_total(event: Event) -> int:
    return int(event.counts.aggregate(total=Sum("count"))["total"] or 0)


@dataclass(frozen=True)
class ScoreChange:
    participants: int
    with_after: int
    max_score: int
    average_before: float | None
    average_after: float | None
    improved: int

    @property
    def improved_share(self) -> float | None:
        return self.improved / self.with_after if self.with_after else None


def knowledge_test_change(test: KnowledgeTest) -> ScoreChange:
    """Average scores before and after, and how many improved (of those with both)."""
    scores = list(ParticipantScore.objects.filter(test=test))
    both = [s for s in scores if s.after is not None]
    return ScoreChange(
        participants=len(scores),
        with_after=len(both),
        max_score=test.max_score,
        average_before=(sum(s.before for s in both) / len(both)) if both else None,
        average_after=(sum(s.after or 0 for s in both) / len(both)) if both else None,
        improved=sum(1 for s in both if (s.after or 0) > s.before),
    )
