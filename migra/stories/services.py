"""Writes of stories: the editorial workflow, photos, comments and collections.

Keyword-only, plain values in (codes, ids, text, uploads). Each validates, checks the
actor's reach (a logged 403 otherwise), saves, audits and keeps the search index in one
transaction; audit events hold codes, ids and counts — never a title, text, comment or
name. Every transition names the version the actor saw: a stale one is refused
(StoryConflict) and nothing changes.

    draft ──submit──▶ submitted ──review──▶ in_review ──approve──▶ approved ──publish──▶ published
      ▲                                        │                     │                      │
      └──────────────── send back (with a comment) ◀─────────────────┘                 withdraw
                                                                                             ▼
                                                                                        withdrawn
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import Agency, User
from migra.accounts.roles import Perm
from migra.accounts.selectors import agencies_with_perm_at, deny, user_has_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.community.models import Sector
from migra.media import photos as media_photos
from migra.people.consent_listeners import ConsentLoss, LossReason, lock_person
from migra.people.models import ConsentPurpose, Person
from migra.people.selectors import may_manage, persons_visible_to
from migra.places.models import Place, PlaceKind
from migra.search.services import search_index_delete, search_index_upsert
from migra.site.public_cache import public_content_changed
from migra.stories import richtext
from migra.stories.models import (
    VOICE_KINDS,
    Collection,
    CollectionItem,
    CommentKind,
    Story,
    StoryComment,
    StoryKind,
    StoryPhoto,
    StoryState,
    Theme,
    WithdrawReason,
)
from migra.stories.selectors import (
    collection_cover_choices,
    is_author,
    is_editor_of,
    is_withdrawer_of,
    story_consent_checks,
)
from migra.stories.signals import send_on_commit, story_published, story_withdrawn

MAX_TITLE = 200
MAX_TEXT = 50_000  # characters of one language's text, as typed
MAX_NAME = 100
MAX_COMMENT = 4000
MAX_CAPTION = 300
MAX_PHOTOS = 30  # photos of one story
MAX_INTRO = 10_000
MAX_COLLECTION_ITEMS = 200
PHOTO_FOLDER = "stories/photos"
LANGUAGES = ("km", "en", "th")


class StoryConflict(ValidationError):
    """Someone else changed the story since the page was opened: nothing was saved."""


def _conflict(what: str = "story") -> StoryConflict:
    if what == "collection":
        message = _(
            "Someone else changed this collection while you were working on it, so nothing "
            "was saved. Reload the page to see their changes, then make yours again."
        )
    else:
        message = _(
            "Someone else changed this story while you were working on it, so nothing was "
            "saved. Reload the page to see their changes, then make yours again."
        )
    return StoryConflict(message, code="conflict")


def _illegal(state: str) -> ValidationError:
    return ValidationError(
        _("This cannot be done now: the story is %(state)s.")
        % {"state": str(StoryState(state).label).lower()},
        code="state",
    )


# --------------------------------------------------------------------------- cleaning input


def _clean_line(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    """One line of text: control characters dropped, spaces squeezed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: ValidationError(_("Give text."), code="invalid")})
    if len(value) > limit * 4:  # far too long: refuse before any work on it
        raise _too_long(field, limit)
    value = " ".join("".join(ch if ch >= " " else " " for ch in value).split())
    if required and not value:
        raise ValidationError({field: ValidationError(_("This is required."), code="required")})
    if len(value) > limit:
        raise _too_long(field, limit)
    return value


def _too_long(field: str, limit: int) -> ValidationError:
    return ValidationError(
        {
            field: ValidationError(
                _("At most %(limit)d characters.") % {"limit": limit}, code="too_long"
            )
        }
    )


def _clean_text(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    """Several lines of plain text (comments): control characters dropped."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: ValidationError(_("Give text."), code="invalid")})
    if len(value) > limit * 4:
        raise _too_long(field, limit)
    value = "".join(ch for ch in value.replace("\r\n", "\n") if ch >= " " or ch in "\n\t").strip()
    if required and not value:
        raise ValidationError({field: ValidationError(_("This is required."), code="required")})
    if len(value) > limit:
        raise _too_long(field, limit)
    return value


def _clean_rich(value: Any, *, field: str, required: bool = False) -> str:
    """Story text: sanitised HTML (richtext.clean)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: ValidationError(_("Give text."), code="invalid")})
    if len(value) > MAX_TEXT:
        raise _too_long(field, MAX_TEXT)
    safe = richtext.clean(value)
    if required and not richtext.plain_text(safe):
        raise ValidationError({field: ValidationError(_("This is required."), code="required")})
    return safe


def _clean_kind(kind: Any) -> str:
    if kind not in StoryKind.values:
        raise ValidationError(
            {"kind": ValidationError(_("Choose the kind of story."), code="kind")}
        )
    return str(kind)


def _clean_place(code: Any) -> tuple[Place, Place | None]:
    """The story's place in Cambodia (a province, district, commune or village) and its
    province."""
    place = (
        Place.objects.filter(
            code=code,
            kind__in=[PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.COMMUNE, PlaceKind.VILLAGE],
        ).first()
        if isinstance(code, str) and 0 < len(code) <= 16
        else None
    )
    if place is None or not place.is_in_cambodia:
        raise ValidationError(
            {"place": ValidationError(_("Choose where the story comes from."), code="place")}
        )
    parts = place.path.split("/")
    province = Place.objects.filter(path="/".join(parts[:2]), kind=PlaceKind.PROVINCE).first()
    return place, province


def _clean_destination(code: Any) -> Place | None:
    if code in (None, ""):
        return None
    place = (
        Place.objects.filter(code=code, kind__in=[PlaceKind.COUNTRY, PlaceKind.REGION]).first()
        if isinstance(code, str) and len(code) <= 16
        else None
    )
    if place is None or place.code == "KH":
        raise ValidationError(
            {
                "destination": ValidationError(
                    _("Choose a country or a province abroad."), code="destination"
                )
            }
        )
    return place


def _clean_sector(value: Any) -> str:
    if value in (None, ""):
        return ""
    if value not in Sector.values:
        raise ValidationError(
            {"sector": ValidationError(_("Choose from the list."), code="sector")}
        )
    return str(value)


def _clean_themes(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError({"themes": ValidationError(_("Choose from the list."), code="theme")})
    out: list[str] = []
    for value in values:
        if value not in Theme.values:
            raise ValidationError(
                {"themes": ValidationError(_("Choose from the list."), code="theme")}
            )
        if value not in out:
            out.append(str(value))
    return [t for t in Theme.values if t in out]


def _clean_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValidationError({"person": ValidationError(_("Give a number."), code="invalid")})
    return value


def _clean_person(actor: User | None, person_id: Any, request: HttpRequest | None) -> Person | None:
    """The registry person the story is about: one the actor may see (the system, for
    set-up commands, may link anyone)."""
    pk = _clean_id(person_id)
    if pk is None:
        return None
    if actor is None:
        person = Person.objects.filter(pk=pk).first()
    else:
        person = persons_visible_to(actor).filter(pk=pk).first()
        if person is None and Person.objects.filter(pk=pk).exists():
            raise deny(request, actor, reason="person outside the user's scope")
    if person is None or not person.is_active_record:
        raise ValidationError(
            {"person": ValidationError(_("No such person in the registry."), code="person")}
        )
    return person


def _clean_fields(
    *,
    kind: Any,
    title_km: Any,
    text_km: Any,
    title_en: Any,
    text_en: Any,
    title_th: Any,
    text_th: Any,
    place_code: Any,
    destination_code: Any,
    sector: Any,
    themes: Any,
    name_shown: Any,
    name_is_real: Any,
) -> dict[str, Any]:
    place, province = _clean_place(place_code)
    clean_name = _clean_line(name_shown, field="name_shown", limit=MAX_NAME)
    if not isinstance(name_is_real, bool):
        raise ValidationError({"name_is_real": ValidationError(_("Yes or no."), code="invalid")})
    if name_is_real and not clean_name:
        raise ValidationError(
            {
                "name_shown": ValidationError(
                    _("Give the name to show, or untick “real name”."), code="required"
                )
            }
        )
    values: dict[str, Any] = {
        "kind": _clean_kind(kind),
        "title_km": _clean_line(title_km, field="title_km", limit=MAX_TITLE, required=True),
        "text_km": _clean_rich(text_km, field="text_km", required=True),
        "title_en": _clean_line(title_en, field="title_en", limit=MAX_TITLE),
        "text_en": _clean_rich(text_en, field="text_en"),
        "title_th": _clean_line(title_th, field="title_th", limit=MAX_TITLE),
        "text_th": _clean_rich(text_th, field="text_th"),
        "place": place,
        "province": province,
        "destination": _clean_destination(destination_code),
        "sector": _clean_sector(sector),
        "themes": _clean_themes(themes),
        "name_shown": clean_name,
        "name_is_real": name_is_real and bool(clean_name),
    }
    for language in ("en", "th"):
        if bool(values[f"title_{language}"]) != bool(values[f"text_{language}"]):
            field = f"text_{language}" if values[f"title_{language}"] else f"title_{language}"
            raise ValidationError(
                {
                    field: ValidationError(
                        _("Give both the title and the text of a translation, or neither."),
                        code="half_translation",
                    )
                }
            )
    return values


def _agency_for(actor: User, place: Place, agency_id: int | None) -> Agency:
    possible = agencies_with_perm_at(actor, Perm.WRITE_STORIES, place)
    if agency_id is not None:
        for agency in possible:
            if agency.pk == agency_id:
                return agency
        raise deny(None, actor, reason="may not write stories for this agency here")
    if len(possible) == 1:
        return possible[0]
    if not possible:
        if user_has_perm(actor, Perm.WRITE_STORIES):
            raise ValidationError(
                {
                    "place": ValidationError(
                        _("You may not write stories from this place."), code="outside_scope"
                    )
                }
            )
        raise deny(None, actor, reason=f"missing permission {Perm.WRITE_STORIES}")
    raise ValidationError(
        {
            "agency": ValidationError(
                _("You work for several agencies here: choose the one this story is for."),
                code="agency",
            )
        }
    )


# --------------------------------------------------------------------------- loading and locking


def _story(story_id: Any) -> Story:
    story = (
        Story.objects.filter(pk=story_id).first()
        if isinstance(story_id, int) and not isinstance(story_id, bool)
        else None
    )
    if story is None:
        raise ValidationError(_("This story does not exist."), code="missing")
    return story


def _lock(story: Story, expected_version: Any) -> Story:
    """The story's row, locked, at the version the actor saw (else StoryConflict)."""
    locked = Story.objects.select_for_update().get(pk=story.pk)
    if (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or locked.version != expected_version
    ):
        raise _conflict()
    return locked


def _reindex(story: Story) -> None:
    if story.state == StoryState.WITHDRAWN:
        search_index_delete(doc_type="story", object_id=story.pk)
    else:
        search_index_upsert(doc_type="story", obj=story)


def _audit(
    actor: User | None,
    story: Story,
    changes: dict[str, Any],
    request: HttpRequest | None,
    action: str = AuditAction.UPDATE,
) -> None:
    audit_record(actor=actor, action=action, target=story, changes=changes, request=request)


def _require_author(actor: User, story: Story, request: HttpRequest | None) -> None:
    if not is_author(actor, story):
        raise deny(request, actor, reason="not the story's author", target=story)


def _require_editor(actor: User, story: Story, request: HttpRequest | None) -> None:
    if not is_editor_of(actor, story):
        raise deny(request, actor, reason=f"may not {Perm.EDIT_STORIES} here", target=story)


def _require_independent(actor: User, story: Story) -> None:
    if story.author_id == actor.pk:
        raise ValidationError(
            _("Another editor must approve and publish a story you wrote yourself."),
            code="own_story",
        )


def _transition(
    *,
    actor: User,
    story: Story,
    expected_version: Any,
    allowed_from: Iterable[str],
    to: str,
    stamp: str,
    request: HttpRequest | None,
    extra: dict[str, Any] | None = None,
) -> Story:
    """Move a locked story from one of `allowed_from` to `to`, stamping `<stamp>_at/by`."""
    locked = _lock(story, expected_version)
    if locked.state not in allowed_from:
        raise _illegal(locked.state)
    before = locked.state
    now = timezone.now()
    locked.state = to
    locked.version += 1
    setattr(locked, f"{stamp}_at", now)
    setattr(locked, f"{stamp}_by", actor)
    fields = ["state", "version", f"{stamp}_at", f"{stamp}_by", "updated_at"]
    for name, value in (extra or {}).items():
        setattr(locked, name, value)
        fields.append(name)
    locked.save(update_fields=fields)
    _audit(actor, locked, {"from": before, "to": to, "version": locked.version}, request)
    _reindex(locked)
    return locked


# --------------------------------------------------------------------------- create / update


def story_create(
    *,
    actor: User,
    kind: str,
    title_km: str,
    text_km: str,
    place_code: str,
    title_en: str = "",
    text_en: str = "",
    title_th: str = "",
    text_th: str = "",
    destination_code: str | None = None,
    sector: str = "",
    themes: Iterable[str] = (),
    name_shown: str = "",
    name_is_real: bool = False,
    person_id: int | None = None,
    agency_id: int | None = None,
    request: HttpRequest | None = None,
) -> Story:
    """A new draft by `actor` (who holds WRITE_STORIES over the place)."""
    values = _clean_fields(
        kind=kind,
        title_km=title_km,
        text_km=text_km,
        title_en=title_en,
        text_en=text_en,
        title_th=title_th,
        text_th=text_th,
        place_code=place_code,
        destination_code=destination_code,
        sector=sector,
        themes=themes,
        name_shown=name_shown,
        name_is_real=name_is_real,
    )
    agency = _agency_for(actor, values["place"], agency_id)
    person = _clean_person(actor, person_id, request)
    with transaction.atomic():
        story = Story.objects.create(author=actor, agency=agency, person=person, **values)
        _audit(
            actor,
            story,
            {
                "kind": story.kind,
                "place": values["place"].code,
                "person": person.pk if person else None,
                "languages": [lang for lang in LANGUAGES if values[f"title_{lang}"]],
                "name": "real" if story.name_is_real else ("pseudonym" if story.name_shown else ""),
            },
            request,
            action=AuditAction.CREATE,
        )
        _reindex(story)
    return story


_UNSET: Any = object()


def story_update(
    *,
    actor: User,
    story_id: int,
    expected_version: int,
    kind: str,
    title_km: str,
    text_km: str,
    place_code: str,
    title_en: str = "",
    text_en: str = "",
    title_th: str = "",
    text_th: str = "",
    destination_code: str | None = None,
    sector: str = "",
    themes: Iterable[str] = (),
    name_shown: str = "",
    name_is_real: bool = False,
    person_id: int | None = _UNSET,
    request: HttpRequest | None = None,
) -> Story:
    """Change a draft (the author only; a story sent back is a draft again). Leaving
    `person_id` out keeps the link; None removes it."""
    story = _story(story_id)
    _require_author(actor, story, request)
    values = _clean_fields(
        kind=kind,
        title_km=title_km,
        text_km=text_km,
        title_en=title_en,
        text_en=text_en,
        title_th=title_th,
        text_th=text_th,
        place_code=place_code,
        destination_code=destination_code,
        sector=sector,
        themes=themes,
        name_shown=name_shown,
        name_is_real=name_is_real,
    )
    if values["place"] != story.place:
        _agency_for(actor, values["place"], story.agency_id)  # a logged 403 outside reach
    # The same link again is no change (whoever made it; the actor may not see them).
    change_person = person_id is not _UNSET and person_id != story.person_id
    person = _clean_person(actor, person_id, request) if change_person else None
    with transaction.atomic():
        locked = _lock(story, expected_version)
        if locked.state != StoryState.DRAFT:
            raise _illegal(locked.state)
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        for name, value in values.items():
            setattr(locked, name, value)
        fields = [*values, "version", "updated_at"]
        if change_person and locked.person_id != (person.pk if person else None):
            locked.person = person
            fields.append("person")
            changed.append("person")
        locked.version += 1
        locked.save(update_fields=fields)
        _audit(actor, locked, {"changed": sorted(changed), "version": locked.version}, request)
        _reindex(locked)
    return locked


def story_person_link(
    *,
    actor: User | None,
    story_id: int,
    expected_version: int,
    person_id: int | None,
    request: HttpRequest | None = None,
) -> Story:
    """Link the story to a registry person (or unlink it): the author while a draft, or an
    editor during the review — each only with a person they may see in the registry.
    `actor` None is the system (set-up commands such as the demo)."""
    story = _story(story_id)
    if actor is not None and not (is_author(actor, story) or is_editor_of(actor, story)):
        raise deny(request, actor, reason="may not change this story", target=story)
    person = _clean_person(actor, person_id, request)
    with transaction.atomic():
        locked = _lock(story, expected_version)
        editable = [StoryState.DRAFT]
        if actor is None or is_editor_of(actor, locked):
            editable += [StoryState.SUBMITTED, StoryState.IN_REVIEW, StoryState.APPROVED]
        if locked.state not in editable:
            raise _illegal(locked.state)
        locked.person = person
        locked.version += 1
        locked.save(update_fields=["person", "version", "updated_at"])
        _audit(
            actor,
            locked,
            {"person": person.pk if person else None, "version": locked.version},
            request,
        )
        _reindex(locked)
    return locked


# States in which a story's person may still be set: not yet public, not withdrawn.
_LINKABLE = (StoryState.DRAFT, StoryState.SUBMITTED, StoryState.IN_REVIEW, StoryState.APPROVED)


def story_link_from_person_page(
    *, actor: User, person_id: int, story_id: Any, request: HttpRequest | None = None
) -> Story:
    """Link a story, by its number, to a person the actor manages in the registry.

    Peer educators and editors do not see the registry; the caseworker or facilitator
    who took the person's consent does, and links the story whose number the author
    gave them. They see nothing of the story. Only a story not yet published and not
    yet linked to anyone can be linked this way (a link someone else made is changed
    by the story's author or editor), so that nobody can take over another person's
    story; publication then checks this person's consent."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not person.is_active_record:
        raise ValidationError(_("No such person in the registry."), code="person")
    if not may_manage(actor, person):
        raise deny(request, actor, reason="may not link stories to this person", target=person)
    refused = ValidationError(
        _(
            "No story with this number is waiting to be linked. Check the number with "
            "the story's author."
        ),
        code="story",
    )
    if isinstance(story_id, bool) or not isinstance(story_id, int) or not 0 < story_id < 2**63:
        raise refused
    with transaction.atomic():
        locked = Story.objects.select_for_update().filter(pk=story_id).first()
        if locked is None or locked.state not in _LINKABLE:
            raise refused
        if locked.person_id == person.pk:
            return locked
        if locked.person_id is not None:
            raise refused
        locked.person = person
        locked.version += 1
        locked.save(update_fields=["person", "version", "updated_at"])
        _audit(
            actor,
            locked,
            {"person": person.pk, "version": locked.version, "from": "person_page"},
            request,
        )
        _reindex(locked)
    return locked


# --------------------------------------------------------------------------- workflow


def story_submit(
    *, actor: User, story_id: int, expected_version: int, request: HttpRequest | None = None
) -> Story:
    """The author sends the draft to the editors (once every upload has arrived and
    been prepared: the editors review what will be shown)."""
    from migra.stories.media_services import media_require_settled

    story = _story(story_id)
    _require_author(actor, story, request)
    with transaction.atomic():
        submitted = _transition(
            actor=actor,
            story=story,
            expected_version=expected_version,
            allowed_from=[StoryState.DRAFT],
            to=StoryState.SUBMITTED,
            stamp="submitted",
            request=request,
        )
        media_require_settled(submitted)  # refused: the whole transition rolls back
        return submitted


def story_review_start(
    *, actor: User, story_id: int, expected_version: int, request: HttpRequest | None = None
) -> Story:
    story = _story(story_id)
    _require_editor(actor, story, request)
    with transaction.atomic():
        return _transition(
            actor=actor,
            story=story,
            expected_version=expected_version,
            allowed_from=[StoryState.SUBMITTED],
            to=StoryState.IN_REVIEW,
            stamp="review_started",
            request=request,
        )


def _add_comment(actor: User, story: Story, text: str, kind: str) -> StoryComment:
    return StoryComment.objects.create(
        story=story, author=actor, kind=kind, text=text, created_at=timezone.now()
    )


def story_comment(
    *, actor: User, story_id: int, text: str, request: HttpRequest | None = None
) -> StoryComment:
    """A comment from the author or an editor (not on a withdrawn story). Comments do
    not change the story, so they need no version."""
    story = _story(story_id)
    if not (is_author(actor, story) or is_editor_of(actor, story)):
        raise deny(request, actor, reason="may not comment on this story", target=story)
    clean = _clean_text(text, field="text", limit=MAX_COMMENT, required=True)
    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
        if locked.state == StoryState.WITHDRAWN:
            raise _illegal(locked.state)
        comment = _add_comment(actor, locked, clean, CommentKind.COMMENT)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=comment,
            changes={"story": locked.pk, "length": len(clean)},
            request=request,
        )
    return comment


def story_send_back(
    *,
    actor: User,
    story_id: int,
    expected_version: int,
    comment: str,
    request: HttpRequest | None = None,
) -> Story:
    """The editor returns the story to its author as a draft, saying what to change."""
    story = _story(story_id)
    _require_editor(actor, story, request)
    clean = _clean_text(comment, field="comment", limit=MAX_COMMENT, required=True)
    with transaction.atomic():
        locked = _transition(
            actor=actor,
            story=story,
            expected_version=expected_version,
            allowed_from=[StoryState.IN_REVIEW, StoryState.APPROVED],
            to=StoryState.DRAFT,
            stamp="sent_back",
            request=request,
            extra={"approved_at": None, "approved_by": None},
        )
        _add_comment(actor, locked, clean, CommentKind.SENT_BACK)
    return locked


def story_approve(
    *, actor: User, story_id: int, expected_version: int, request: HttpRequest | None = None
) -> Story:
    story = _story(story_id)
    _require_editor(actor, story, request)
    _require_independent(actor, story)
    with transaction.atomic():
        return _transition(
            actor=actor,
            story=story,
            expected_version=expected_version,
            allowed_from=[StoryState.IN_REVIEW],
            to=StoryState.APPROVED,
            stamp="approved",
            request=request,
        )


class ConsentMissing(ValidationError):
    """Publishing needs consents the person has not given (or withdrew)."""


def story_publish(
    *,
    actor: User,
    story_id: int,
    expected_version: int,
    confirm_no_person: bool = False,
    request: HttpRequest | None = None,
) -> Story:
    """Publish an approved story. Refused (ConsentMissing, nothing changed) unless the
    consents hold, read inside the transaction with the person's row locked (the lock a
    consent withdrawal takes too): STORY consent of the linked person, REAL_NAME if the
    real name is shown, VOICE for audio and video, PHOTO if a photo shown shows a face.
    A story linked to nobody needs `confirm_no_person` (recorded)."""
    story = _story(story_id)
    _require_editor(actor, story, request)
    _require_independent(actor, story)
    with transaction.atomic():
        # Lock order: the person first, then the story (as a consent withdrawal does).
        if story.person_id is not None:
            lock_person(story.person_id)
        locked = _lock(story, expected_version)
        if locked.state != StoryState.APPROVED:
            raise _illegal(locked.state)
        if locked.person_id != story.person_id:  # pragma: no cover - the version guards it
            raise _conflict()
        checks = story_consent_checks(locked)
        missing = [c.code for c in checks if c.missing and c.code != "no_person"]
        needs_confirmation = any(c.code == "no_person" for c in checks)
        if needs_confirmation and confirm_no_person is not True:
            missing.append("no_person")
        if missing:
            raise ConsentMissing(
                _(
                    "This story cannot be published yet: see what is missing in the "
                    "consent checklist."
                ),
                code="consent_missing",
                params={"missing": missing},
            )
        extra: dict[str, Any] = {}
        if needs_confirmation:
            extra = {"no_person_confirmed_at": timezone.now(), "no_person_confirmed_by": actor}
        published = _transition(
            actor=actor,
            story=locked,
            expected_version=locked.version,
            allowed_from=[StoryState.APPROVED],
            to=StoryState.PUBLISHED,
            stamp="published",
            request=request,
            extra=extra,
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=published,
            changes={
                "consents": sorted(c.code for c in checks if c.required),
                "no_person_confirmed": needs_confirmation,
            },
            request=request,
        )
        send_on_commit(story_published, published)
        public_content_changed()
    return published


def _withdraw(
    *, actor: User | None, story: Story, reason: str, request: HttpRequest | None
) -> Story:
    before = story.state
    story.state = StoryState.WITHDRAWN
    story.version += 1
    story.withdrawn_at = timezone.now()
    story.withdrawn_by = actor
    story.withdrawn_reason = reason
    story.save(
        update_fields=[
            "state",
            "version",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawn_reason",
            "updated_at",
        ]
    )
    _audit(
        actor,
        story,
        {
            "from": before,
            "to": StoryState.WITHDRAWN,
            "reason": reason,
            "automatic": reason != WithdrawReason.DECISION,
            "version": story.version,
        },
        request,
    )
    _reindex(story)
    send_on_commit(story_withdrawn, story)
    public_content_changed()
    return story


def story_withdraw(
    *, actor: User, story_id: int, expected_version: int, request: HttpRequest | None = None
) -> Story:
    """Take a published story down (WITHDRAW_STORIES over its place). It leaves the
    public search at once."""
    story = _story(story_id)
    if not is_withdrawer_of(actor, story):
        raise deny(request, actor, reason=f"may not {Perm.WITHDRAW_STORIES} here", target=story)
    with transaction.atomic():
        locked = _lock(story, expected_version)
        if locked.state != StoryState.PUBLISHED:
            raise _illegal(locked.state)
        return _withdraw(actor=actor, story=locked, reason=WithdrawReason.DECISION, request=request)


# --------------------------------------------------------------------------- consent listener


_REASON_BY_PURPOSE: dict[str, str] = {
    ConsentPurpose.STORY: WithdrawReason.CONSENT_STORY,
    ConsentPurpose.REAL_NAME: WithdrawReason.CONSENT_REAL_NAME,
    ConsentPurpose.VOICE: WithdrawReason.CONSENT_VOICE,
}


def stories_on_consent_loss(loss: ConsentLoss) -> None:
    """Registered with migra.people.consent_listeners: runs inside the people service's
    transaction. Published stories of the person come down at once when what they
    relied on no longer holds (erased or merged away: all of them); a photo showing a
    face is hidden when PHOTO consent ends, and so are audio and video showing a face
    (PHOTO) or carrying a voice (VOICE, for a story that is not itself an audio story
    or a video: those are withdrawn)."""
    stories = list(
        Story.objects.select_for_update()
        .filter(person_id=loss.person_id, state=StoryState.PUBLISHED)
        .select_related("person")
        .order_by("pk")
    )
    for story in stories:
        reason: str
        if loss.is_final:
            reason = (
                WithdrawReason.PERSON_ERASED
                if loss.reason == LossReason.ERASED
                else WithdrawReason.PERSON_MERGED
            )
            _withdraw(actor=loss.actor, story=story, reason=reason, request=loss.request)
            continue
        checks = {c.code: c for c in story_consent_checks(story)}
        lost = [
            code
            for code in ("story", "real_name", "voice", "person")
            if code in checks and checks[code].missing
        ]
        # A voice heard only in media of a text story: those media go, the story stays.
        voices = "voice" in lost and story.kind not in VOICE_KINDS
        if voices:
            lost.remove("voice")
        if lost:
            reason = _REASON_BY_PURPOSE.get(lost[0], WithdrawReason.CONSENT_STORY)
            _withdraw(actor=loss.actor, story=story, reason=reason, request=loss.request)
            continue
        faces = "photo" in checks and checks["photo"].missing
        if faces or voices:
            _hide_faces(
                actor=loss.actor, story=story, request=loss.request, faces=faces, voices=voices
            )


def _hide_faces(
    *,
    actor: User | None,
    story: Story,
    request: HttpRequest | None,
    faces: bool = True,
    voices: bool = False,
) -> None:
    from migra.stories.media_services import media_hide_for_consent

    hidden = 0
    if faces:
        hidden = StoryPhoto.objects.filter(story=story, show_face=True, hidden=False).update(
            hidden=True
        )
        Collection.objects.filter(cover__story=story, cover__show_face=True).update(cover=None)
    media_hidden = media_hide_for_consent(story=story, faces=faces, voices=voices)
    story.version += 1
    story.save(update_fields=["version", "updated_at"])
    _audit(
        actor,
        story,
        {
            "photos_hidden": hidden,
            "media_hidden": media_hidden,
            "reason": "consent_photo" if faces else "consent_voice",
            **({"voice": True} if faces and voices else {}),
            "automatic": True,
        },
        request,
    )
    public_content_changed()


# --------------------------------------------------------------------------- photos


def _photos_editable(actor: User, story: Story, request: HttpRequest | None) -> None:
    """Photos change with the text: the author while a draft. Editors may mark faces
    and hide photos during the review (story_photo_update), not add or remove."""
    _require_author(actor, story, request)
    if story.state != StoryState.DRAFT:
        raise _illegal(story.state)


def _too_many_photos() -> ValidationError:
    message = _("A story keeps at most %(max)d photos: remove one to add another.")
    return ValidationError(
        {"photos": ValidationError(message % {"max": MAX_PHOTOS}, code="too_many")}
    )


def story_photo_add(
    *,
    actor: User,
    story_id: int,
    upload: Any,
    caption: str = "",
    show_face: bool = False,
    request: HttpRequest | None = None,
) -> StoryPhoto:
    """Keep a photo of a draft: only its clean renditions (migra.media.photos: type
    sniffed, size and pixels limited, EXIF/GPS gone). A refused photo leaves nothing."""
    story = _story(story_id)
    _photos_editable(actor, story, request)
    clean_caption = _clean_line(caption, field="caption", limit=MAX_CAPTION)
    if not isinstance(show_face, bool):
        raise ValidationError({"show_face": ValidationError(_("Yes or no."), code="invalid")})
    if StoryPhoto.objects.filter(story=story).count() >= MAX_PHOTOS:
        raise _too_many_photos()
    prepared = media_photos.photo_prepare(upload)
    stored = media_photos.photo_store(prepared, folder=PHOTO_FOLDER)
    try:
        with transaction.atomic():
            locked = Story.objects.select_for_update().get(pk=story.pk)
            if locked.state != StoryState.DRAFT:
                raise _illegal(locked.state)
            count = StoryPhoto.objects.filter(story=locked).count()
            if count >= MAX_PHOTOS:
                raise _too_many_photos()
            last = (
                StoryPhoto.objects.filter(story=locked)
                .order_by("-position")
                .values_list("position", flat=True)
                .first()
            )
            photo = StoryPhoto.objects.create(
                story=locked,
                web_file=stored.web_name,
                thumb_file=stored.thumb_name,
                width=prepared.web.width,
                height=prepared.web.height,
                caption=clean_caption,
                show_face=show_face,
                position=(last or 0) + 1,
                uploaded_at=timezone.now(),
                uploaded_by=actor,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                target=photo,
                changes={
                    "story": locked.pk,
                    "source_type": prepared.source_type,
                    "bytes": len(prepared.web.data) + len(prepared.thumb.data),
                    "show_face": show_face,
                    "captioned": bool(clean_caption),
                },
                request=request,
            )
    except BaseException:
        media_photos.photo_delete(stored.web_name, stored.thumb_name)
        raise
    return photo


def _photo(story: Story, photo_id: Any) -> StoryPhoto:
    photo = (
        StoryPhoto.objects.filter(pk=photo_id, story=story).first()
        if isinstance(photo_id, int) and not isinstance(photo_id, bool)
        else None
    )
    if photo is None:
        raise ValidationError(_("This photo is not there any more."), code="missing")
    return photo


def story_photo_update(
    *,
    actor: User,
    story_id: int,
    photo_id: int,
    caption: str,
    show_face: bool,
    hidden: bool = False,
    request: HttpRequest | None = None,
) -> StoryPhoto:
    """Change a photo's caption and "shows a face" tick (the author, in a draft), or —
    for an editor during the review — tick "shows a face" and hide or show it."""
    story = _story(story_id)
    author = is_author(actor, story) and story.state == StoryState.DRAFT
    editor = is_editor_of(actor, story) and story.state in (
        StoryState.IN_REVIEW,
        StoryState.APPROVED,
    )
    if not author and not editor:
        if is_author(actor, story) or is_editor_of(actor, story):
            raise _illegal(story.state)
        raise deny(request, actor, reason="may not change this story's photos", target=story)
    photo = _photo(story, photo_id)
    clean_caption = _clean_line(caption, field="caption", limit=MAX_CAPTION)
    if not isinstance(show_face, bool) or not isinstance(hidden, bool):
        raise ValidationError({"show_face": ValidationError(_("Yes or no."), code="invalid")})
    with transaction.atomic():
        locked = StoryPhoto.objects.select_for_update().get(pk=photo.pk)
        changed = []
        if locked.caption != clean_caption:
            locked.caption = clean_caption
            changed.append("caption")
        if locked.show_face != show_face:
            locked.show_face = show_face
            changed.append("show_face")
        if editor and locked.hidden != hidden:
            locked.hidden = hidden
            changed.append("hidden")
        locked.save(update_fields=["caption", "show_face", "hidden"])
        if locked.hidden or locked.show_face:
            # A cover shows no face and is never a photo left out of its story.
            Collection.objects.filter(cover=locked).update(cover=None)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={
                "story": story.pk,
                "changed": changed,
                "show_face": locked.show_face,
                "hidden": locked.hidden,
            },
            request=request,
        )
    return locked


def story_photo_remove(
    *, actor: User, story_id: int, photo_id: int, request: HttpRequest | None = None
) -> None:
    story = _story(story_id)
    _photos_editable(actor, story, request)
    photo = _photo(story, photo_id)
    names = (photo.web_file, photo.thumb_file)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            target=photo,
            changes={"story": story.pk},
            request=request,
        )
        Collection.objects.filter(cover=photo).update(cover=None)
        deleted, _rows = StoryPhoto.objects.filter(pk=photo.pk).delete()
        if not deleted:
            raise ValidationError(_("This photo is not there any more."), code="missing")
        transaction.on_commit(lambda: media_photos.photo_delete(*names))


# --------------------------------------------------------------------------- collections


def _require_collections(actor: User, request: HttpRequest | None) -> None:
    if not user_has_perm(actor, Perm.EDIT_STORIES):
        raise deny(request, actor, reason=f"missing permission {Perm.EDIT_STORIES}")


def _collection_values(
    *,
    title_km: Any,
    title_en: Any,
    title_th: Any,
    intro_km: Any,
    intro_en: Any,
    intro_th: Any,
) -> dict[str, Any]:
    values = {
        "title_km": _clean_line(title_km, field="title_km", limit=MAX_TITLE, required=True),
        "title_en": _clean_line(title_en, field="title_en", limit=MAX_TITLE),
        "title_th": _clean_line(title_th, field="title_th", limit=MAX_TITLE),
    }
    for language in LANGUAGES:
        raw = {"km": intro_km, "en": intro_en, "th": intro_th}[language]
        field = f"intro_{language}"
        if isinstance(raw, str) and len(raw) > MAX_INTRO:
            raise _too_long(field, MAX_INTRO)
        values[field] = _clean_rich(raw, field=field)
    return values


def collection_create(
    *,
    actor: User,
    title_km: str,
    title_en: str = "",
    title_th: str = "",
    intro_km: str = "",
    intro_en: str = "",
    intro_th: str = "",
    request: HttpRequest | None = None,
) -> Collection:
    _require_collections(actor, request)
    values = _collection_values(
        title_km=title_km,
        title_en=title_en,
        title_th=title_th,
        intro_km=intro_km,
        intro_en=intro_en,
        intro_th=intro_th,
    )
    with transaction.atomic():
        collection = Collection.objects.create(created_by=actor, **values)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=collection,
            changes={"languages": [lang for lang in LANGUAGES if values[f"title_{lang}"]]},
            request=request,
        )
    return collection


def _lock_collection(collection_id: Any, expected_version: Any) -> Collection:
    found = (
        Collection.objects.filter(pk=collection_id).first()
        if isinstance(collection_id, int) and not isinstance(collection_id, bool)
        else None
    )
    if found is None:
        raise ValidationError(_("This collection does not exist."), code="missing")
    locked = Collection.objects.select_for_update().get(pk=found.pk)
    if (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or locked.version != expected_version
    ):
        raise _conflict("collection")
    return locked


def collection_update(
    *,
    actor: User,
    collection_id: int,
    expected_version: int,
    title_km: str,
    title_en: str = "",
    title_th: str = "",
    intro_km: str = "",
    intro_en: str = "",
    intro_th: str = "",
    cover_id: int | None = None,
    is_published: bool = False,
    request: HttpRequest | None = None,
) -> Collection:
    """Change a collection's titles, introductions, cover (a photo of one of its
    stories that shows no face) and whether it is published."""
    _require_collections(actor, request)
    values = _collection_values(
        title_km=title_km,
        title_en=title_en,
        title_th=title_th,
        intro_km=intro_km,
        intro_en=intro_en,
        intro_th=intro_th,
    )
    if not isinstance(is_published, bool):
        raise ValidationError({"is_published": ValidationError(_("Yes or no."), code="invalid")})
    with transaction.atomic():
        locked = _lock_collection(collection_id, expected_version)
        cover = None
        if cover_id is not None:
            cover = (
                collection_cover_choices(locked).filter(pk=cover_id).first()
                if isinstance(cover_id, int) and not isinstance(cover_id, bool)
                else None
            )
            if cover is None:
                raise ValidationError(
                    {
                        "cover": ValidationError(
                            _("Choose a photo of a story in this collection that shows no face."),
                            code="cover",
                        )
                    }
                )
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        if locked.cover_id != (cover.pk if cover else None):
            changed.append("cover")
        if locked.is_published != is_published:
            changed.append("is_published")
        for name, value in values.items():
            setattr(locked, name, value)
        locked.cover = cover
        locked.is_published = is_published
        locked.version += 1
        locked.save(update_fields=[*values, "cover", "is_published", "version"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={
                "changed": sorted(changed),
                "published": is_published,
                "version": locked.version,
            },
            request=request,
        )
        public_content_changed()
    return locked


def collection_story_add(
    *,
    actor: User,
    collection_id: int,
    expected_version: int,
    story_id: int,
    request: HttpRequest | None = None,
) -> CollectionItem:
    """Add an approved or published story the editor may edit, at the end."""
    _require_collections(actor, request)
    story = _story(story_id)
    _require_editor(actor, story, request)
    if story.state not in (StoryState.APPROVED, StoryState.PUBLISHED):
        raise _illegal(story.state)
    with transaction.atomic():
        locked = _lock_collection(collection_id, expected_version)
        items = CollectionItem.objects.filter(collection=locked)
        if items.filter(story=story).exists():
            raise ValidationError(
                {"story": ValidationError(_("This story is already in it."), code="duplicate")}
            )
        if items.count() >= MAX_COLLECTION_ITEMS:
            raise ValidationError(
                {
                    "story": ValidationError(
                        _("A collection holds at most %(max)d stories.")
                        % {"max": MAX_COLLECTION_ITEMS},
                        code="too_many",
                    )
                }
            )
        last = items.order_by("-position").values_list("position", flat=True).first()
        item = CollectionItem.objects.create(
            collection=locked, story=story, position=(last or 0) + 1
        )
        locked.version += 1
        locked.save(update_fields=["version"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={"added_story": story.pk, "version": locked.version},
            request=request,
        )
        public_content_changed()
    return item


def collection_story_remove(
    *,
    actor: User,
    collection_id: int,
    expected_version: int,
    item_id: int,
    request: HttpRequest | None = None,
) -> None:
    _require_collections(actor, request)
    with transaction.atomic():
        locked = _lock_collection(collection_id, expected_version)
        item = CollectionItem.objects.filter(pk=item_id, collection=locked).first()
        if item is None:
            raise ValidationError(_("This story is not in the collection."), code="missing")
        if locked.cover is not None and locked.cover.story_id == item.story_id:
            locked.cover = None
        item.delete()
        locked.version += 1
        locked.save(update_fields=["version", "cover"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={"removed_story": item.story_id, "version": locked.version},
            request=request,
        )
        public_content_changed()


def collection_story_move(
    *,
    actor: User,
    collection_id: int,
    expected_version: int,
    item_id: int,
    direction: str,
    request: HttpRequest | None = None,
) -> None:
    """Move a story one place up or down (swapping with its neighbour)."""
    _require_collections(actor, request)
    if direction not in ("up", "down"):
        raise ValidationError(_("Move up or down."), code="direction")
    with transaction.atomic():
        locked = _lock_collection(collection_id, expected_version)
        items = list(CollectionItem.objects.filter(collection=locked).order_by("position", "pk"))
        index = next((i for i, item in enumerate(items) if item.pk == item_id), None)
        if index is None:
            raise ValidationError(_("This story is not in the collection."), code="missing")
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            raise ValidationError(_("It is already at the end."), code="edge")
        items[index], items[other] = items[other], items[index]
        for position, item in enumerate(items, start=1):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        locked.version += 1
        locked.save(update_fields=["version"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={"moved_story": items[other].story_id, "to": other + 1},
            request=request,
        )
        public_content_changed()
