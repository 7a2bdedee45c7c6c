"""Reads of the public website's content.

Public reads (`*_public`) give published records only: anything else is a 404 for
everyone, staff included (they see drafts in the editor and its preview). Editor reads
(`*_for_editor`) need EDIT_SITE: a logged 403 otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, user_has_perm
from migra.site.models import (
    NOT_ADVICE_KEYS,
    Event,
    NewsItem,
    NewsState,
    Page,
    Partner,
    PartnerKind,
    SitePhoto,
)

# An event without an end time is taken to last this long.
_HALF_DAY = timedelta(hours=12)

# --------------------------------------------------------------------------- public


def page_public(key: str) -> Page:
    page = Page.objects.filter(key=key, is_published=True).first()
    if page is None:
        raise Http404
    return page


def page_public_or_none(key: str) -> Page | None:
    return Page.objects.filter(key=key, is_published=True).first()


def advice_pages_public() -> QuerySet[Page]:
    return (
        Page.objects.filter(is_published=True, is_advice=True)
        .exclude(key__in=NOT_ADVICE_KEYS)
        .order_by("position", "key")
    )


def news_public() -> QuerySet[NewsItem]:
    return (
        NewsItem.objects.filter(state=NewsState.PUBLISHED)
        .select_related("cover")
        .order_by("-published_at", "-pk")
    )


def news_item_public(pk: int) -> NewsItem:
    item = news_public().filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def events_public() -> QuerySet[Event]:
    return Event.objects.filter(is_published=True).select_related("province")


def events_upcoming_public() -> QuerySet[Event]:
    """Published events not over yet, soonest first (one without an end time counts as
    upcoming until 12 hours after its start)."""
    now = timezone.now()
    return (
        events_public()
        .filter(Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now - _HALF_DAY))
        .order_by("starts_at", "pk")
    )


def events_past_public() -> QuerySet[Event]:
    upcoming = events_upcoming_public().values("pk")
    return events_public().exclude(pk__in=upcoming).order_by("-starts_at", "-pk")


def event_public(pk: int) -> Event:
    event = events_public().filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


def partners_public(kind: str | None = None) -> QuerySet[Partner]:
    partners = Partner.objects.select_related("logo").order_by("position", "pk")
    if kind is not None:
        partners = partners.filter(kind=kind)
    return partners


def partners_by_kind_public() -> list[tuple[str, list[Partner]]]:
    """(kind, partners) for each kind that has any, partners first, then donors."""
    groups = []
    for kind in (PartnerKind.PARTNER, PartnerKind.DONOR):
        partners = list(partners_public(kind))
        if partners:
            groups.append((str(kind), partners))
    return groups


def photo_public(pk: int) -> SitePhoto:
    """A photo the public may see: the cover of a published news item, or a partner's
    logo. Anything else (a draft's cover, a replaced picture) is a 404."""
    used = Q(pk__in=news_public().filter(cover__isnull=False).values("cover")) | Q(
        pk__in=Partner.objects.filter(logo__isnull=False).values("logo")
    )
    photo = SitePhoto.objects.filter(used, pk=pk).first()
    if photo is None:
        raise Http404
    return photo


# --------------------------------------------------------------------------- editor


def require_editor(request: HttpRequest) -> None:
    """A logged 403 unless the user may edit the public website."""
    if not user_has_perm(request.user, Perm.EDIT_SITE):
        raise deny(request, request.user, reason=f"missing permission {Perm.EDIT_SITE}")


def _get(request: HttpRequest, queryset: QuerySet[Any], **lookup: Any) -> Any:
    require_editor(request)
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found


def pages_for_editor(request: HttpRequest) -> QuerySet[Page]:
    require_editor(request)
    return Page.objects.select_related("updated_by").order_by("-is_advice", "position", "key")


def page_for_editor(request: HttpRequest, key: str) -> Page:
    return _get(request, Page.objects.all(), key=key)


def news_for_editor(request: HttpRequest) -> QuerySet[NewsItem]:
    require_editor(request)
    # Drafts first (they are what is being worked on), then the newest published.
    return NewsItem.objects.select_related("cover", "updated_by").order_by(
        "state", "-published_at", "-updated_at", "-pk"
    )


def news_item_for_editor(request: HttpRequest, pk: int) -> NewsItem:
    return _get(request, NewsItem.objects.select_related("cover"), pk=pk)


def events_for_editor(request: HttpRequest) -> QuerySet[Event]:
    require_editor(request)
    return Event.objects.select_related("province", "updated_by").order_by("-starts_at", "-pk")


def event_for_editor(request: HttpRequest, pk: int) -> Event:
    return _get(request, Event.objects.select_related("place", "province"), pk=pk)


def partners_for_editor(request: HttpRequest) -> QuerySet[Partner]:
    require_editor(request)
    return Partner.objects.select_related("logo").order_by("kind", "position", "pk")


def partner_for_editor(request: HttpRequest, pk: int) -> Partner:
    return _get(request, Partner.objects.select_related("logo"), pk=pk)


def photo_for_editor(request: HttpRequest, pk: int) -> SitePhoto:
    return _get(request, SitePhoto.objects.all(), pk=pk)
