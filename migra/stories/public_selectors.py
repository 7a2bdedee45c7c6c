"""Reads of stories and collections for the public website.

Only what may be public leaves this module, as plain frozen values (PublicStory,
PublicPhoto, PublicCollection) — never a Story, so a template cannot reach the
author, the linked person, the exact place or a draft by mistake:

- published stories only (a withdrawn one raises Gone: "no longer available", 410; one
  never published is simply not found, 404);
- photos that are not hidden (a face is shown only with the PHOTO consent checked at
  publication; consent lost hides it);
- the place as its province only; the name shown as the story gives it (a pseudonym,
  or the real name only with the REAL_NAME consent checked at publication); the
  agency that published it and the kind of story, never the author's name;
- collections that are published, with their published stories in order, and a cover
  only when it is a shown photo, without a face, of a published story.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.urls import reverse
from django.utils.html import strip_spaces_between_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from migra.community.models import Sector
from migra.media.photos import THUMB_SIDE
from migra.places.models import Place, PlaceKind
from migra.search.selectors import search_public
from migra.stories import richtext
from migra.stories.models import (
    Collection,
    CollectionItem,
    Story,
    StoryKind,
    StoryPhoto,
    StoryState,
    Theme,
)

LANGUAGES = ("km", "en", "th")
MAX_QUERY = 200  # characters of a search kept (the rest is ignored)
SEARCH_LIMIT = 500  # stories a search can list (best first)
EXCERPT_CHARS = 200
MAX_CODE = 24  # place codes are short ASCII


class Gone(Exception):
    """The story (or its photo) was published once and has been withdrawn."""


class BadFilter(ValueError):
    """A filter value that is not one of the known ones (nothing is searched)."""


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class PublicPhoto:
    story_id: int
    pk: int
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    alt: str

    @property
    def web_url(self) -> str:
        return reverse("public-stories:photo", args=[self.story_id, self.pk, "web"])

    @property
    def thumb_url(self) -> str:
        return reverse("public-stories:photo", args=[self.story_id, self.pk, "thumb"])


@dataclass(frozen=True)
class PublicStory:
    pk: int
    kind: str
    kind_label: str
    title: str
    text_html: SafeString
    excerpt: str
    # The language the title and text are in, and whether that is Khmer shown in
    # place of a translation the visitor's language does not have.
    content_language: str
    fallback: bool
    translations: tuple[str, ...]
    name_shown: str
    province: str
    destination: str
    sector: str
    sector_label: str
    themes: tuple[tuple[str, str], ...]
    agency: str
    published_at: datetime | None
    updated_at: datetime
    cover: PublicPhoto | None
    photos: tuple[PublicPhoto, ...] = field(default=())

    @property
    def url(self) -> str:
        return reverse("public-stories:detail", args=[self.pk])


@dataclass(frozen=True)
class PublicCollection:
    pk: int
    title: str
    intro_html: SafeString
    excerpt: str
    cover: PublicPhoto | None
    story_count: int
    stories: tuple[PublicStory, ...] = field(default=())

    @property
    def url(self) -> str:
        return reverse("public-stories:collection", args=[self.pk])


def _language() -> str:
    language = (get_language() or "km").split("-")[0]
    return language if language in LANGUAGES else "km"


def _thumb_size(width: int, height: int) -> tuple[int, int]:
    longest = max(width, height, 1)
    if longest <= THUMB_SIDE:
        return width, height
    return max(1, round(width * THUMB_SIDE / longest)), max(1, round(height * THUMB_SIDE / longest))


def _photo(photo: StoryPhoto, *, title: str = "") -> PublicPhoto:
    thumb_width, thumb_height = _thumb_size(photo.width, photo.height)
    alt = (photo.caption or "").strip() or (
        _("A photo of the story “%(title)s”") % {"title": title} if title else ""
    )
    return PublicPhoto(
        story_id=photo.story_id,
        pk=photo.pk,
        width=photo.width,
        height=photo.height,
        thumb_width=thumb_width,
        thumb_height=thumb_height,
        alt=alt,
    )


def _shown_photos() -> QuerySet[StoryPhoto]:
    return StoryPhoto.objects.filter(hidden=False).order_by("position", "pk")


def _safe_html(stored: str) -> SafeString:
    # Sanitised on save already; cleaned again on the way out (cheap, and cached).
    return mark_safe(strip_spaces_between_tags(richtext.clean(stored)))  # noqa: S308 (nh3-cleaned)


def _excerpt(stored_html: str) -> str:
    text = " ".join(richtext.plain_text(stored_html).split())
    return Truncator(text).chars(EXCERPT_CHARS)


def _public(story: Story, *, with_photos: bool = False) -> PublicStory:
    language = _language()
    translated = language != "km" and bool(getattr(story, f"title_{language}", ""))
    content_language = language if translated else "km"
    if language == "km":
        content_language = "km"
    title = getattr(story, f"title_{content_language}") or story.title_km
    text = getattr(story, f"text_{content_language}") or story.text_km
    photos_list = list(story.photos.all())  # the prefetch of shown photos
    photos = tuple(_photo(p, title=title) for p in photos_list)
    sectors = dict(Sector.choices)
    themes = dict(Theme.choices)
    return PublicStory(
        pk=story.pk,
        kind=story.kind,
        kind_label=str(dict(StoryKind.choices).get(story.kind, "")),
        title=title,
        # The whole text only on the story's own page (cleaning it is the costly part).
        text_html=_safe_html(text) if with_photos else mark_safe(""),  # noqa: S308 (empty)
        excerpt=_excerpt(text),
        content_language=content_language,
        fallback=language != "km" and not translated,
        translations=tuple(lang for lang in LANGUAGES if getattr(story, f"title_{lang}", "")),
        name_shown=story.name_shown or "",
        province=story.province.name if story.province else "",
        destination=story.destination.name if story.destination else "",
        sector=story.sector,
        sector_label=str(sectors.get(story.sector, "")) if story.sector else "",
        themes=tuple((t, str(themes[t])) for t in story.themes if t in themes),
        agency=str(story.agency),
        published_at=story.published_at,
        updated_at=story.updated_at,
        cover=photos[0] if photos else None,
        photos=photos if with_photos else (),
    )


def _published() -> QuerySet[Story]:
    return (
        Story.objects.filter(state=StoryState.PUBLISHED)
        .select_related("province", "destination", "agency")
        .prefetch_related(Prefetch("photos", queryset=_shown_photos()))
    )


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value) or None
    return None


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class StoryFilters:
    kind: str = ""
    theme: str = ""
    sector: str = ""
    destination: str = ""  # a place code
    province: str = ""  # a province's code
    q: str = ""

    @property
    def active(self) -> bool:
        return any((self.kind, self.theme, self.sector, self.destination, self.province, self.q))

    def as_query(self) -> dict[str, str]:
        values = {
            "q": self.q,
            "kind": self.kind,
            "theme": self.theme,
            "sector": self.sector,
            "destination": self.destination,
            "province": self.province,
        }
        return {key: value for key, value in values.items() if value}


def _code(value: str) -> str:
    if len(value) > MAX_CODE or not (value.isascii() and value.isalnum()):
        raise BadFilter(value)
    return value


def parse_filters(params: Mapping[str, Any]) -> StoryFilters:
    """The filters of a query string. Parameters this page does not know (a share
    link's fbclid, utm_…) are ignored; a known filter with an unknown value raises
    BadFilter."""

    def one(name: str) -> str:
        getlist = getattr(params, "getlist", None)
        values = getlist(name) if getlist else [params.get(name, "")]
        values = [v for v in values if isinstance(v, str) and v.strip()]
        if len(values) > 1:
            raise BadFilter(name)
        return values[0].strip() if values else ""

    kind, theme, sector = one("kind"), one("theme"), one("sector")
    if kind and kind not in StoryKind.values:
        raise BadFilter(kind)
    if theme and theme not in Theme.values:
        raise BadFilter(theme)
    if sector and sector not in Sector.values:
        raise BadFilter(sector)
    destination = one("destination")
    if destination:
        _code(destination)
        if not Place.objects.filter(code=destination).exists():
            raise BadFilter(destination)
    province = one("province")
    if province:
        _code(province)
        if not Place.objects.filter(code=province, kind=PlaceKind.PROVINCE).exists():
            raise BadFilter(province)
    query = " ".join(one("q").split())[:MAX_QUERY]
    return StoryFilters(
        kind=kind,
        theme=theme,
        sector=sector,
        destination=destination,
        province=province,
        q=query,
    )


def _with_theme(queryset: QuerySet[Story], theme: str) -> QuerySet[Story]:
    # `themes` is a JSON list of known codes: its text holds "code" with the quotes
    # (JSON `contains` lookups do not exist on SQLite; this works on both databases).
    as_text = Cast("themes", TextField())
    return queryset.annotate(themes_text=as_text).filter(themes_text__contains=f'"{theme}"')


def public_stories(filters: StoryFilters) -> _LazyStories | _RankedStories:
    """Published stories matching the filters: newest first, or best match first when
    searching (Khmer-aware, through the public search index)."""
    queryset = _published()
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.sector:
        queryset = queryset.filter(sector=filters.sector)
    if filters.destination:
        queryset = queryset.filter(destination__code=filters.destination)
    if filters.province:
        queryset = queryset.filter(province__code=filters.province)
    if filters.theme:
        queryset = _with_theme(queryset, filters.theme)
    if filters.q:
        hits = search_public(filters.q, doc_types=["story"], limit=SEARCH_LIMIT)
        order = {int(hit.object_id): rank for rank, hit in enumerate(hits)}
        ids = list(queryset.filter(pk__in=list(order)).values_list("pk", flat=True))
        return _RankedStories(sorted(ids, key=order.__getitem__))
    return _LazyStories(queryset.order_by("-published_at", "-pk"))


class _LazyStories:
    """A queryset that yields PublicStory values, so a paginator slices in SQL."""

    def __init__(self, queryset: QuerySet[Story]) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[PublicStory]:
        return _in_order(self.queryset, index)


class _RankedStories:
    """Search results, best first: only the page shown is read in full."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    def count(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: slice) -> list[PublicStory]:
        wanted = self.ids[index]
        by_id = {story.pk: story for story in _published().filter(pk__in=wanted)}
        return [_public(by_id[pk]) for pk in wanted if pk in by_id]


def _in_order(queryset: QuerySet[Story], index: slice) -> list[PublicStory]:
    # The ids of the slice first, then their rows: sorting narrow rows is far cheaper
    # than sorting whole stories (their texts) when the database has no index to use.
    ids = list(queryset.values_list("pk", flat=True)[index])
    by_id = {story.pk: story for story in _published().filter(pk__in=ids)}
    return [_public(by_id[pk]) for pk in ids if pk in by_id]


def latest_public_stories(limit: int = 6) -> list[PublicStory]:
    """The newest published stories (the home page)."""
    limit = max(0, min(int(limit), 50))
    newest = Story.objects.filter(state=StoryState.PUBLISHED).order_by("-published_at", "-pk")
    return _in_order(newest, slice(0, limit))


def public_feed_stories(limit: int = 30) -> list[PublicStory]:
    return latest_public_stories(limit)


def public_story(pk: Any) -> PublicStory:
    """A published story with its shown photos; Gone when withdrawn, Http404 when it
    does not exist or was never published."""
    story_id = _as_id(pk)
    if story_id is None:
        raise Http404
    story = _published().filter(pk=story_id).first()
    if story is not None:
        return _public(story, with_photos=True)
    if Story.objects.filter(pk=story_id, state=StoryState.WITHDRAWN).exists():
        raise Gone
    raise Http404


def public_photo(story_pk: Any, photo_pk: Any) -> StoryPhoto:
    """A shown photo of a published story (for its file); Gone when the story was
    withdrawn, Http404 otherwise."""
    story_id, photo_id = _as_id(story_pk), _as_id(photo_pk)
    if story_id is None or photo_id is None:
        raise Http404
    photo = (
        StoryPhoto.objects.filter(pk=photo_id, story_id=story_id, hidden=False)
        .select_related("story")
        .only("pk", "web_file", "thumb_file", "story__state")
        .first()
    )
    if photo is None:
        raise Http404
    if photo.story.state == StoryState.WITHDRAWN:
        raise Gone
    if photo.story.state != StoryState.PUBLISHED:
        raise Http404
    return photo


def _places_in_use() -> tuple[QuerySet[Place], QuerySet[Place]]:
    """The destinations and provinces that published stories have. Asked place by
    place (an index lookup each, on the foreign keys) rather than by reading every
    published story."""
    published = Story.objects.filter(state=StoryState.PUBLISHED)
    destinations = Place.objects.filter(
        kind__in=[PlaceKind.COUNTRY, PlaceKind.REGION],
    ).filter(Exists(published.filter(destination=OuterRef("pk"))))
    provinces = Place.objects.filter(kind=PlaceKind.PROVINCE).filter(
        Exists(published.filter(province=OuterRef("pk")))
    )
    return destinations, provinces


def public_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """What the filter lists offer: every kind, theme and sector; the destinations and
    provinces that published stories have."""
    destinations, provinces = _places_in_use()
    return {
        "kind": [(str(v), str(label)) for v, label in StoryKind.choices],
        "theme": [(str(v), str(label)) for v, label in Theme.choices],
        "sector": [(str(v), str(label)) for v, label in Sector.choices],
        "destination": sorted(((p.code, p.name) for p in destinations), key=lambda c: c[1]),
        "province": sorted(((p.code, p.name) for p in provinces), key=lambda c: c[1]),
    }


# --------------------------------------------------------------------------- collections


def _collection_cover(collection: Collection) -> PublicPhoto | None:
    cover = collection.cover
    if cover is None or cover.hidden or cover.show_face:
        return None
    if cover.story.state != StoryState.PUBLISHED:
        return None
    return _photo(cover, title=collection.title)


def _collection_title(collection: Collection) -> str:
    language = _language()
    return getattr(collection, f"title_{language}", "") or collection.title_km


def _collection_intro(collection: Collection) -> str:
    language = _language()
    if language != "km" and str(getattr(collection, f"title_{language}", "")):
        return str(getattr(collection, f"intro_{language}", "")) or collection.intro_km
    return collection.intro_km


def _published_items() -> QuerySet[CollectionItem]:
    return CollectionItem.objects.filter(story__state=StoryState.PUBLISHED)


def _public_collection(collection: Collection, stories: tuple[PublicStory, ...] = ()) -> Any:
    intro = _collection_intro(collection)
    return PublicCollection(
        pk=collection.pk,
        title=_collection_title(collection),
        intro_html=_safe_html(intro) if intro else mark_safe(""),  # noqa: S308 (empty)
        excerpt=_excerpt(intro) if intro else "",
        cover=_collection_cover(collection),
        story_count=getattr(collection, "published_count", len(stories)),
        stories=stories,
    )


def _collections() -> QuerySet[Collection]:
    return Collection.objects.filter(is_published=True).select_related("cover", "cover__story")


def public_collections() -> list[PublicCollection]:
    from django.db.models import Count, Q

    collections = _collections().annotate(
        published_count=Count("items", filter=Q(items__story__state=StoryState.PUBLISHED))
    )
    return [_public_collection(c) for c in collections.order_by("-created_at", "-pk")]


def public_collection(pk: Any) -> PublicCollection:
    """A published collection with its published stories in order (Http404 otherwise)."""
    collection_id = _as_id(pk)
    if collection_id is None:
        raise Http404
    collection = _collections().filter(pk=collection_id).first()
    if collection is None:
        raise Http404
    story_ids = list(
        _published_items()
        .filter(collection=collection)
        .order_by("position", "pk")
        .values_list("story_id", flat=True)
    )
    by_id = {story.pk: story for story in _published().filter(pk__in=story_ids)}
    stories = tuple(_public(by_id[i]) for i in story_ids if i in by_id)
    return _public_collection(collection, stories)
