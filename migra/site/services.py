"""Writes of the public website's content: pages, news, events, partners and their
photos. See docs/site.md.

Keyword-only, plain values in (text, ids, uploads). Every write needs EDIT_SITE (a
logged 403 otherwise), validates the whole input first (nothing changes on a bad one),
names the version the editor saw (a stale one is refused with SiteConflict), saves,
audits (codes and field names, never the text), keeps the search index, and — when
the change shows publicly — calls public_content_changed() so that every cached public
page is dropped when it commits.

The `*_values` functions are the cleaning alone: the editor's preview renders their
result without saving anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, user_has_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.media import photos as media_photos
from migra.places.models import Place, PlaceKind
from migra.search.services import search_index_delete, search_index_upsert
from migra.site.models import (
    FIXED_KEYS,
    KEY_MAX,
    KEY_PATTERN,
    LANGUAGES,
    Event,
    NewsItem,
    NewsState,
    Page,
    Partner,
    PartnerKind,
    SitePhoto,
)
from migra.site.public_cache import public_content_changed
from migra.stories import richtext

MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_BODY = 50_000  # characters of one language's text, as typed
MAX_VENUE = 200
MAX_ALT = 300
MAX_NAME = 200
MAX_URL = 500
MAX_POSITION = 10_000
PHOTO_FOLDER = "site/photos"

M = TypeVar("M", bound=models.Model)


class SiteConflict(ValidationError):
    """Someone else changed the record since the page was opened: nothing was saved."""


def _conflict() -> SiteConflict:
    return SiteConflict(
        _(
            "Someone else changed this while you were working on it, so nothing was saved. "
            "Reload the page to see their changes, then make yours again."
        ),
        code="conflict",
    )


def _require_editor(actor: Any, request: HttpRequest | None) -> None:
    if not user_has_perm(actor, Perm.EDIT_SITE):
        raise deny(request, actor, reason=f"missing permission {Perm.EDIT_SITE}")


# --------------------------------------------------------------------------- cleaning input


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _too_long(field: str, limit: int) -> ValidationError:
    return _error(field, _("At most %(limit)d characters.") % {"limit": limit}, "too_long")


def _required(field: str) -> ValidationError:
    return _error(field, _("This is required."), "required")


def _text_in(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _error(field, _("Give text."), "invalid")
    return value


def _line(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    """One line of plain text: control characters dropped, spaces squeezed."""
    value = _text_in(value, field)
    if len(value) > limit * 4:  # far too long: refuse before any work on it
        raise _too_long(field, limit)
    value = " ".join("".join(ch if ch >= " " else " " for ch in value).split())
    if required and not value:
        raise _required(field)
    if len(value) > limit:
        raise _too_long(field, limit)
    return value


def _rich(value: Any, *, field: str, required: bool = False) -> str:
    """Rich text: sanitised HTML (migra.stories.richtext, the stories' own rules)."""
    value = _text_in(value, field)
    if len(value) > MAX_BODY:
        raise _too_long(field, MAX_BODY)
    safe = richtext.clean(value)
    if required and not richtext.plain_text(safe):
        raise _required(field)
    return safe


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise _error(field, _("Yes or no."), "invalid")
    return value


def _whole(value: Any, *, field: str, limit: int = MAX_POSITION) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise _error(field, _("Give a number from 0 to %(max)d.") % {"max": limit}, "invalid")
    return value


def _translations(
    values: dict[str, Any], *, title: str, parts: tuple[str, ...], plain: Callable[[str], str]
) -> None:
    """A translation (English, Thai) needs its title and its text, or neither; other
    parts (a summary) only with a title."""
    for language in ("en", "th"):
        has_title = bool(values[f"{title}_{language}"])
        main = parts[0]
        has_main = bool(plain(values[f"{main}_{language}"])) if main else has_title
        if has_title != has_main:
            field = f"{main}_{language}" if has_title else f"{title}_{language}"
            raise _error(
                field,
                _("Give both the title and the text of a translation, or neither."),
                "half_translation",
            )
        for part in parts[1:]:
            if values[f"{part}_{language}"] and not has_title:
                raise _error(
                    f"{title}_{language}",
                    _("Give the title of this translation too."),
                    "half_translation",
                )


def _languages(values: dict[str, Any], title: str = "title") -> list[str]:
    return [lang for lang in LANGUAGES if values.get(f"{title}_{lang}")]


def _changed(record: models.Model, values: dict[str, Any]) -> list[str]:
    return sorted(name for name, value in values.items() if getattr(record, name) != value)


def _lock(model: type[M], pk: Any, expected_version: Any, missing: str) -> M:
    """The record's row, locked, at the version the editor saw (else SiteConflict)."""
    found = (
        model._default_manager.filter(pk=pk).first()
        if isinstance(pk, int) and not isinstance(pk, bool)
        else None
    )
    if found is None:
        raise ValidationError(missing, code="missing")
    locked = model._default_manager.select_for_update().get(pk=found.pk)
    if (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or locked.version != expected_version  # type: ignore[attr-defined]
    ):
        raise _conflict()
    return locked


def _audit(
    actor: User | None,
    target: models.Model,
    changes: dict[str, Any],
    request: HttpRequest | None,
    action: str = AuditAction.UPDATE,
) -> None:
    audit_record(actor=actor, action=action, target=target, changes=changes, request=request)


def _shows(before: bool, after: bool) -> None:
    """Drop the cached public pages if the record is public before or after the change."""
    if before or after:
        public_content_changed()


# --------------------------------------------------------------------------- photos


def _photo_prepared(upload: Any, field: str) -> media_photos.PreparedPhoto | None:
    """A picture checked and cleaned (type from its content, size, pixels; EXIF and GPS
    gone), before anything is stored; its errors are put on `field`."""
    if upload is None:
        return None
    try:
        return media_photos.photo_prepare(upload)
    except ValidationError as error:
        if hasattr(error, "error_dict") and "file" in error.error_dict:
            raise ValidationError({field: error.error_dict["file"]}) from None
        raise


class _StoredPhoto:
    """Stores a prepared picture for the length of a `with` block, and removes the
    files again if the block fails (the row that would name them is rolled back)."""

    def __init__(self, prepared: media_photos.PreparedPhoto | None) -> None:
        self.prepared = prepared
        self.stored: media_photos.StoredPhoto | None = None

    def __enter__(self) -> _StoredPhoto:
        if self.prepared is not None:
            self.stored = media_photos.photo_store(self.prepared, folder=PHOTO_FOLDER)
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is not None and self.stored is not None:
            media_photos.photo_delete(self.stored.web_name, self.stored.thumb_name)

    def row(self, actor: User) -> SitePhoto | None:
        if self.prepared is None or self.stored is None:
            return None
        return SitePhoto.objects.create(
            web_file=self.stored.web_name,
            thumb_file=self.stored.thumb_name,
            width=self.prepared.web.width,
            height=self.prepared.web.height,
            thumb_width=self.prepared.thumb.width,
            thumb_height=self.prepared.thumb.height,
            uploaded_at=timezone.now(),
            uploaded_by=actor,
        )


def _photo_drop(photo_id: int | None) -> None:
    """Delete a photo no longer used; its files go once the change is committed."""
    photo = SitePhoto.objects.filter(pk=photo_id).first() if photo_id else None
    if photo is None:
        return
    names = (photo.web_file, photo.thumb_file)
    photo.delete()
    transaction.on_commit(lambda: media_photos.photo_delete(*names))


# --------------------------------------------------------------------------- pages

_KEY = re.compile(KEY_PATTERN)


def page_key_clean(key: Any) -> str:
    """A new page's key: its address, lower-case ASCII letters, digits and hyphens."""
    if not isinstance(key, str):
        raise _error("key", _("Give the page's address."), "invalid")
    key = key.strip()
    if not key:
        raise _required("key")
    if len(key) > KEY_MAX:
        raise _too_long("key", KEY_MAX)
    if not _KEY.match(key):
        raise _error(
            "key",
            _(
                "Use only lower-case letters a–z, digits and single hyphens between words, "
                "e.g. working-in-thailand."
            ),
            "key",
        )
    return key


def page_values(
    *,
    title_km: Any,
    body_km: Any,
    summary_km: Any = "",
    title_en: Any = "",
    summary_en: Any = "",
    body_en: Any = "",
    title_th: Any = "",
    summary_th: Any = "",
    body_th: Any = "",
    position: Any = 100,
) -> dict[str, Any]:
    """A page's fields, cleaned (ValidationError on the first field that is wrong)."""
    values: dict[str, Any] = {}
    for language, title, summary, body in (
        ("km", title_km, summary_km, body_km),
        ("en", title_en, summary_en, body_en),
        ("th", title_th, summary_th, body_th),
    ):
        required = language == "km"
        values[f"title_{language}"] = _line(
            title, field=f"title_{language}", limit=MAX_TITLE, required=required
        )
        values[f"summary_{language}"] = _line(
            summary, field=f"summary_{language}", limit=MAX_SUMMARY
        )
        values[f"body_{language}"] = _rich(body, field=f"body_{language}", required=required)
    values["position"] = _whole(position, field="position")
    _translations(values, title="title", parts=("body", "summary"), plain=richtext.plain_text)
    return values


def _page_reindex(page: Page) -> None:
    search_index_upsert(doc_type="page", obj=page)


def page_create(
    *,
    actor: User,
    key: str,
    title_km: str,
    body_km: str,
    summary_km: str = "",
    title_en: str = "",
    summary_en: str = "",
    body_en: str = "",
    title_th: str = "",
    summary_th: str = "",
    body_th: str = "",
    position: int = 100,
    request: HttpRequest | None = None,
) -> Page:
    """A new advice page (not published yet) with an address of its own."""
    _require_editor(actor, request)
    clean_key = page_key_clean(key)
    values = page_values(
        title_km=title_km,
        body_km=body_km,
        summary_km=summary_km,
        title_en=title_en,
        summary_en=summary_en,
        body_en=body_en,
        title_th=title_th,
        summary_th=summary_th,
        body_th=body_th,
        position=position,
    )
    taken = _error("key", _("A page with this address exists already."), "taken")
    if clean_key in FIXED_KEYS or Page.objects.filter(key=clean_key).exists():
        raise taken
    try:
        with transaction.atomic():
            page = Page.objects.create(
                key=clean_key, is_advice=True, is_published=False, updated_by=actor, **values
            )
            _audit(
                actor,
                page,
                {"key": clean_key, "languages": _languages(values)},
                request,
                AuditAction.CREATE,
            )
            _page_reindex(page)
    except IntegrityError:
        # Two editors creating the same address at once: the unique key decides.
        raise taken from None
    return page


def page_update(
    *,
    actor: User,
    page_id: int,
    expected_version: int,
    title_km: str,
    body_km: str,
    summary_km: str = "",
    title_en: str = "",
    summary_en: str = "",
    body_en: str = "",
    title_th: str = "",
    summary_th: str = "",
    body_th: str = "",
    position: int = 100,
    request: HttpRequest | None = None,
) -> Page:
    """Change a page's titles, summaries, texts and order (its address never changes:
    links to it stay valid)."""
    _require_editor(actor, request)
    values = page_values(
        title_km=title_km,
        body_km=body_km,
        summary_km=summary_km,
        title_en=title_en,
        summary_en=summary_en,
        body_en=body_en,
        title_th=title_th,
        summary_th=summary_th,
        body_th=body_th,
        position=position,
    )
    with transaction.atomic():
        page = _lock(Page, page_id, expected_version, _("This page does not exist."))
        changed = _changed(page, values)
        for name, value in values.items():
            setattr(page, name, value)
        page.version += 1
        page.updated_by = actor
        page.save(update_fields=[*values, "version", "updated_by", "updated_at"])
        _audit(
            actor,
            page,
            {"fields": changed, "languages": _languages(values), "version": page.version},
            request,
        )
        _page_reindex(page)
        _shows(page.is_published, page.is_published)
    return page


def page_publish(
    *,
    actor: User,
    page_id: int,
    expected_version: int,
    publish: bool,
    request: HttpRequest | None = None,
) -> Page:
    """Publish a page, or take it off the public site (it is kept, as a draft)."""
    _require_editor(actor, request)
    publish = _flag(publish, "publish")
    with transaction.atomic():
        page = _lock(Page, page_id, expected_version, _("This page does not exist."))
        before = page.is_published
        page.is_published = publish
        page.version += 1
        page.updated_by = actor
        page.save(update_fields=["is_published", "version", "updated_by", "updated_at"])
        _audit(
            actor,
            page,
            {"published": publish, "was_published": before, "version": page.version},
            request,
        )
        _page_reindex(page)
        _shows(before, publish)
    return page


def page_delete(
    *, actor: User, page_id: int, expected_version: int, request: HttpRequest | None = None
) -> None:
    """Delete an advice page staff added (the fixed pages can only be unpublished)."""
    _require_editor(actor, request)
    with transaction.atomic():
        page = _lock(Page, page_id, expected_version, _("This page does not exist."))
        if page.is_fixed:
            raise ValidationError(
                _("This page is part of every website: unpublish it instead."), code="fixed"
            )
        _audit(actor, page, {"key": page.key}, request, AuditAction.DELETE)
        was_published = page.is_published
        search_index_delete(doc_type="page", object_id=page.pk)
        page.delete()
        _shows(was_published, False)


# --------------------------------------------------------------------------- news


def news_values(
    *,
    title_km: Any,
    body_km: Any,
    summary_km: Any = "",
    title_en: Any = "",
    summary_en: Any = "",
    body_en: Any = "",
    title_th: Any = "",
    summary_th: Any = "",
    body_th: Any = "",
    cover_alt: Any = "",
) -> dict[str, Any]:
    """A news item's fields, cleaned."""
    values: dict[str, Any] = {}
    for language, title, summary, body in (
        ("km", title_km, summary_km, body_km),
        ("en", title_en, summary_en, body_en),
        ("th", title_th, summary_th, body_th),
    ):
        required = language == "km"
        values[f"title_{language}"] = _line(
            title, field=f"title_{language}", limit=MAX_TITLE, required=required
        )
        values[f"summary_{language}"] = _line(
            summary, field=f"summary_{language}", limit=MAX_SUMMARY
        )
        values[f"body_{language}"] = _rich(body, field=f"body_{language}", required=required)
    values["cover_alt"] = _line(cover_alt, field="cover_alt", limit=MAX_ALT)
    _translations(values, title="title", parts=("body", "summary"), plain=richtext.plain_text)
    return values


def _news_reindex(item: NewsItem) -> None:
    search_index_upsert(doc_type="news", obj=item)


def news_create(
    *,
    actor: User,
    title_km: str,
    body_km: str,
    summary_km: str = "",
    title_en: str = "",
    summary_en: str = "",
    body_en: str = "",
    title_th: str = "",
    summary_th: str = "",
    body_th: str = "",
    cover: Any = None,
    cover_alt: str = "",
    request: HttpRequest | None = None,
) -> NewsItem:
    """A news item, as a draft; `cover` an uploaded picture (cleaned of EXIF and GPS)."""
    _require_editor(actor, request)
    values = news_values(
        title_km=title_km,
        body_km=body_km,
        summary_km=summary_km,
        title_en=title_en,
        summary_en=summary_en,
        body_en=body_en,
        title_th=title_th,
        summary_th=summary_th,
        body_th=body_th,
        cover_alt=cover_alt,
    )
    prepared = _photo_prepared(cover, "cover")
    with _StoredPhoto(prepared) as photo, transaction.atomic():
        item = NewsItem.objects.create(
            created_by=actor, updated_by=actor, cover=photo.row(actor), **values
        )
        _audit(
            actor,
            item,
            {"languages": _languages(values), "cover": item.cover_id is not None},
            request,
            AuditAction.CREATE,
        )
        _news_reindex(item)
    return item


def news_update(
    *,
    actor: User,
    news_id: int,
    expected_version: int,
    title_km: str,
    body_km: str,
    summary_km: str = "",
    title_en: str = "",
    summary_en: str = "",
    body_en: str = "",
    title_th: str = "",
    summary_th: str = "",
    body_th: str = "",
    cover: Any = None,
    remove_cover: bool = False,
    cover_alt: str = "",
    request: HttpRequest | None = None,
) -> NewsItem:
    """Change a news item; a new `cover` replaces the old one, `remove_cover` drops it."""
    _require_editor(actor, request)
    values = news_values(
        title_km=title_km,
        body_km=body_km,
        summary_km=summary_km,
        title_en=title_en,
        summary_en=summary_en,
        body_en=body_en,
        title_th=title_th,
        summary_th=summary_th,
        body_th=body_th,
        cover_alt=cover_alt,
    )
    remove_cover = _flag(remove_cover, "remove_cover")
    prepared = _photo_prepared(cover, "cover")
    missing = _("This news item does not exist.")
    with _StoredPhoto(prepared) as photo, transaction.atomic():
        item = _lock(NewsItem, news_id, expected_version, missing)
        changed = _changed(item, values)
        old_cover = item.cover_id
        fields = [*values, "version", "updated_by", "updated_at"]
        new_cover = photo.row(actor)
        if new_cover is not None or remove_cover:
            item.cover = new_cover
            fields.append("cover")
            changed.append("cover")
        for name, value in values.items():
            setattr(item, name, value)
        item.version += 1
        item.updated_by = actor
        item.save(update_fields=fields)
        if "cover" in fields:
            _photo_drop(old_cover)
        _audit(
            actor,
            item,
            {"fields": sorted(changed), "languages": _languages(values), "version": item.version},
            request,
        )
        _news_reindex(item)
        _shows(item.is_published, item.is_published)
    return item


def news_publish(
    *,
    actor: User,
    news_id: int,
    expected_version: int,
    publish: bool,
    request: HttpRequest | None = None,
) -> NewsItem:
    """Publish a news item (dated at its first publication) or take it back to draft."""
    _require_editor(actor, request)
    publish = _flag(publish, "publish")
    with transaction.atomic():
        item = _lock(NewsItem, news_id, expected_version, _("This news item does not exist."))
        before = item.is_published
        item.state = NewsState.PUBLISHED if publish else NewsState.DRAFT
        fields = ["state", "version", "updated_by", "updated_at"]
        if publish and item.published_at is None:
            item.published_at = timezone.now()
            fields.append("published_at")
        item.version += 1
        item.updated_by = actor
        item.save(update_fields=fields)
        _audit(
            actor,
            item,
            {"published": publish, "was_published": before, "version": item.version},
            request,
        )
        _news_reindex(item)
        _shows(before, publish)
    return item


def news_delete(
    *, actor: User, news_id: int, expected_version: int, request: HttpRequest | None = None
) -> None:
    _require_editor(actor, request)
    with transaction.atomic():
        item = _lock(NewsItem, news_id, expected_version, _("This news item does not exist."))
        was_published = item.is_published
        cover = item.cover_id
        _audit(actor, item, {"was_published": was_published}, request, AuditAction.DELETE)
        search_index_delete(doc_type="news", object_id=item.pk)
        item.delete()
        _photo_drop(cover)
        _shows(was_published, False)


# --------------------------------------------------------------------------- events


def _event_place(code: Any) -> tuple[Place | None, Place | None]:
    """The event's place in Cambodia (province to village) and its province."""
    if code in (None, ""):
        return None, None
    place = (
        Place.objects.filter(
            code=code,
            kind__in=[PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.COMMUNE, PlaceKind.VILLAGE],
        ).first()
        if isinstance(code, str) and len(code) <= 16
        else None
    )
    if place is None or not place.is_in_cambodia:
        raise _error("place", _("Choose a place in Cambodia."), "place")
    parts = place.path.split("/")
    province = Place.objects.filter(path="/".join(parts[:2]), kind=PlaceKind.PROVINCE).first()
    return place, province


def _moment(value: Any, field: str, *, required: bool) -> datetime | None:
    if value is None:
        if required:
            raise _required(field)
        return None
    if not isinstance(value, datetime):
        raise _error(field, _("Give a date and time."), "invalid")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def event_values(
    *,
    title_km: Any,
    starts_at: Any,
    description_km: Any = "",
    title_en: Any = "",
    description_en: Any = "",
    title_th: Any = "",
    description_th: Any = "",
    ends_at: Any = None,
    place_code: Any = None,
    venue: Any = "",
) -> dict[str, Any]:
    """An event's fields, cleaned."""
    values: dict[str, Any] = {}
    for language, title, description in (
        ("km", title_km, description_km),
        ("en", title_en, description_en),
        ("th", title_th, description_th),
    ):
        values[f"title_{language}"] = _line(
            title, field=f"title_{language}", limit=MAX_TITLE, required=language == "km"
        )
        values[f"description_{language}"] = _rich(description, field=f"description_{language}")
    _translations(values, title="title", parts=("", "description"), plain=richtext.plain_text)
    values["starts_at"] = _moment(starts_at, "starts_at", required=True)
    values["ends_at"] = _moment(ends_at, "ends_at", required=False)
    if values["ends_at"] is not None and values["ends_at"] < values["starts_at"]:
        raise _error("ends_at", _("The end must come after the start."), "order")
    values["place"], values["province"] = _event_place(place_code)
    values["venue"] = _line(venue, field="venue", limit=MAX_VENUE)
    return values


def _event_audit_values(values: dict[str, Any]) -> dict[str, Any]:
    place = values.get("place")
    return {"languages": _languages(values), "place": place.code if place else None}


def event_create(
    *,
    actor: User,
    title_km: str,
    starts_at: datetime,
    description_km: str = "",
    title_en: str = "",
    description_en: str = "",
    title_th: str = "",
    description_th: str = "",
    ends_at: datetime | None = None,
    place_code: str | None = None,
    venue: str = "",
    request: HttpRequest | None = None,
) -> Event:
    """An event, not published yet."""
    _require_editor(actor, request)
    values = event_values(
        title_km=title_km,
        starts_at=starts_at,
        description_km=description_km,
        title_en=title_en,
        description_en=description_en,
        title_th=title_th,
        description_th=description_th,
        ends_at=ends_at,
        place_code=place_code,
        venue=venue,
    )
    with transaction.atomic():
        event = Event.objects.create(created_by=actor, updated_by=actor, **values)
        _audit(actor, event, _event_audit_values(values), request, AuditAction.CREATE)
    return event


def event_update(
    *,
    actor: User,
    event_id: int,
    expected_version: int,
    title_km: str,
    starts_at: datetime,
    description_km: str = "",
    title_en: str = "",
    description_en: str = "",
    title_th: str = "",
    description_th: str = "",
    ends_at: datetime | None = None,
    place_code: str | None = None,
    venue: str = "",
    request: HttpRequest | None = None,
) -> Event:
    _require_editor(actor, request)
    values = event_values(
        title_km=title_km,
        starts_at=starts_at,
        description_km=description_km,
        title_en=title_en,
        description_en=description_en,
        title_th=title_th,
        description_th=description_th,
        ends_at=ends_at,
        place_code=place_code,
        venue=venue,
    )
    with transaction.atomic():
        event = _lock(Event, event_id, expected_version, _("This event does not exist."))
        changed = _changed(event, values)
        for name, value in values.items():
            setattr(event, name, value)
        event.version += 1
        event.updated_by = actor
        event.save(update_fields=[*values, "version", "updated_by", "updated_at"])
        _audit(
            actor,
            event,
            {"fields": changed, **_event_audit_values(values), "version": event.version},
            request,
        )
        _shows(event.is_published, event.is_published)
    return event


def event_publish(
    *,
    actor: User,
    event_id: int,
    expected_version: int,
    publish: bool,
    request: HttpRequest | None = None,
) -> Event:
    _require_editor(actor, request)
    publish = _flag(publish, "publish")
    with transaction.atomic():
        event = _lock(Event, event_id, expected_version, _("This event does not exist."))
        before = event.is_published
        event.is_published = publish
        event.version += 1
        event.updated_by = actor
        event.save(update_fields=["is_published", "version", "updated_by", "updated_at"])
        _audit(
            actor,
            event,
            {"published": publish, "was_published": before, "version": event.version},
            request,
        )
        _shows(before, publish)
    return event


def event_delete(
    *, actor: User, event_id: int, expected_version: int, request: HttpRequest | None = None
) -> None:
    _require_editor(actor, request)
    with transaction.atomic():
        event = _lock(Event, event_id, expected_version, _("This event does not exist."))
        was_published = event.is_published
        _audit(actor, event, {"was_published": was_published}, request, AuditAction.DELETE)
        event.delete()
        _shows(was_published, False)


# --------------------------------------------------------------------------- partners


def _web_address(value: Any) -> str:
    """An http(s) address, or nothing. Only absolute web addresses: never javascript:,
    data: or a relative link."""
    from django.core.validators import URLValidator

    value = _line(value, field="url", limit=MAX_URL)
    if not value:
        return ""
    bad = _error("url", _("Give a web address starting with https:// or http://."), "url")
    if urlsplit(value).scheme.lower() not in ("http", "https"):
        raise bad
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise bad from None
    return value


def partner_values(
    *,
    name_km: Any,
    name_en: Any = "",
    kind: Any = PartnerKind.PARTNER,
    url: Any = "",
    position: Any = 0,
) -> dict[str, Any]:
    """A partner's fields, cleaned."""
    if kind not in PartnerKind.values:
        raise _error("kind", _("Choose partner or donor."), "kind")
    return {
        "name_km": _line(name_km, field="name_km", limit=MAX_NAME, required=True),
        "name_en": _line(name_en, field="name_en", limit=MAX_NAME),
        "kind": str(kind),
        "url": _web_address(url),
        "position": _whole(position, field="position"),
    }


def partner_create(
    *,
    actor: User,
    name_km: str,
    name_en: str = "",
    kind: str = PartnerKind.PARTNER,
    url: str = "",
    position: int = 0,
    logo: Any = None,
    request: HttpRequest | None = None,
) -> Partner:
    """A partner or donor, shown on the public site at once."""
    _require_editor(actor, request)
    values = partner_values(name_km=name_km, name_en=name_en, kind=kind, url=url, position=position)
    prepared = _photo_prepared(logo, "logo")
    with _StoredPhoto(prepared) as photo, transaction.atomic():
        partner = Partner.objects.create(updated_by=actor, logo=photo.row(actor), **values)
        _audit(
            actor,
            partner,
            {"kind": partner.kind, "logo": partner.logo_id is not None},
            request,
            AuditAction.CREATE,
        )
        public_content_changed()
    return partner


def partner_update(
    *,
    actor: User,
    partner_id: int,
    expected_version: int,
    name_km: str,
    name_en: str = "",
    kind: str = PartnerKind.PARTNER,
    url: str = "",
    position: int = 0,
    logo: Any = None,
    remove_logo: bool = False,
    request: HttpRequest | None = None,
) -> Partner:
    _require_editor(actor, request)
    values = partner_values(name_km=name_km, name_en=name_en, kind=kind, url=url, position=position)
    remove_logo = _flag(remove_logo, "remove_logo")
    prepared = _photo_prepared(logo, "logo")
    with _StoredPhoto(prepared) as photo, transaction.atomic():
        partner = _lock(Partner, partner_id, expected_version, _("This partner does not exist."))
        changed = _changed(partner, values)
        old_logo = partner.logo_id
        fields = [*values, "version", "updated_by", "updated_at"]
        new_logo = photo.row(actor)
        if new_logo is not None or remove_logo:
            partner.logo = new_logo
            fields.append("logo")
            changed.append("logo")
        for name, value in values.items():
            setattr(partner, name, value)
        partner.version += 1
        partner.updated_by = actor
        partner.save(update_fields=fields)
        if "logo" in fields:
            _photo_drop(old_logo)
        _audit(actor, partner, {"fields": sorted(changed), "version": partner.version}, request)
        public_content_changed()
    return partner


def partner_delete(
    *, actor: User, partner_id: int, expected_version: int, request: HttpRequest | None = None
) -> None:
    _require_editor(actor, request)
    with transaction.atomic():
        partner = _lock(Partner, partner_id, expected_version, _("This partner does not exist."))
        logo = partner.logo_id
        _audit(actor, partner, {"kind": partner.kind}, request, AuditAction.DELETE)
        partner.delete()
        _photo_drop(logo)
        public_content_changed()
