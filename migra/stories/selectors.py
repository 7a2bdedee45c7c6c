"""Reads of stories, each through the permission API.

Who reaches a story:
- its author (while they still hold WRITE_STORIES): always;
- editors (EDIT_STORIES) of any agency — the media partner edits for the whole
  programme — over the story's place, once the story has been submitted at least once
  (an author's first draft is theirs alone);
- holders of WITHDRAW_STORIES (programme admins) over the story's place, for published
  and withdrawn stories only (they take stories down; they do not read drafts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from migra.accounts.roles import Perm
from migra.accounts.selectors import get_visible_or_deny, scope_q, user_has_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.people.models import ConsentPurpose
from migra.people.services import consent_allows
from migra.stories.models import (
    VOICE_KINDS,
    Collection,
    CollectionItem,
    Story,
    StoryComment,
    StoryPhoto,
    StoryState,
)

PLACE_FIELD = "place"
QUEUE_STATES = (StoryState.SUBMITTED, StoryState.IN_REVIEW, StoryState.APPROVED)
WITHDRAWER_STATES = (StoryState.PUBLISHED, StoryState.WITHDRAWN)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _as_author_q(user: Any) -> Q:
    if not user_has_perm(user, Perm.WRITE_STORIES):
        return Q(pk__in=[])
    return Q(author_id=user.pk)


def _as_editor_q(user: Any) -> Q:
    reach = scope_q(user, Perm.EDIT_STORIES, place_field=PLACE_FIELD)
    return reach & Q(submitted_at__isnull=False)


def _as_withdrawer_q(user: Any) -> Q:
    reach = scope_q(user, Perm.WITHDRAW_STORIES, place_field=PLACE_FIELD)
    return reach & Q(state__in=WITHDRAWER_STATES)


def stories_visible_to(user: Any) -> QuerySet[Story]:
    if not _authenticated(user):
        return Story.objects.none()
    return Story.objects.filter(
        _as_author_q(user)  # their own
        | _as_editor_q(user)  # submitted once, in the editor's places
        | _as_withdrawer_q(user)  # published or withdrawn, in their places
    )


def stories_editable_by(user: Any) -> QuerySet[Story]:
    """Stories the user may review, approve and publish (as an editor)."""
    if not _authenticated(user):
        return Story.objects.none()
    return Story.objects.filter(_as_editor_q(user))


def stories_withdrawable_by(user: Any) -> QuerySet[Story]:
    if not _authenticated(user):
        return Story.objects.none()
    return Story.objects.filter(_as_withdrawer_q(user))


def _listed(queryset: QuerySet[Story]) -> QuerySet[Story]:
    return queryset.select_related("province", "author").order_by("-updated_at", "-pk")


def stories_of_author(user: Any) -> QuerySet[Story]:
    if not _authenticated(user):
        return Story.objects.none()
    return _listed(Story.objects.filter(_as_author_q(user)))


def stories_queue(user: Any) -> QuerySet[Story]:
    """The editor's queue: submitted, in review, approved; oldest submission first."""
    return (
        stories_editable_by(user)
        .filter(state__in=QUEUE_STATES)
        .select_related("province", "author")
        .order_by("submitted_at", "pk")
    )


def stories_published(user: Any) -> QuerySet[Story]:
    visible = stories_visible_to(user).filter(state=StoryState.PUBLISHED)
    return visible.select_related("province", "author").order_by("-published_at", "-pk")


def story_get_for_user(request: HttpRequest, pk: Any, *, log: bool = True) -> Story:
    """One story the user may see, or a logged 403 / 404. Opening it is logged (it may
    be linked to a person)."""
    story = get_visible_or_deny(
        request,
        stories_visible_to(request.user).select_related(
            "place", "province", "destination", "author", "agency", "person"
        ),
        pk,
    )
    if log:
        audit_record(actor=request.user, action=AuditAction.VIEW, target=story, request=request)
    return story


def story_photos(story: Story) -> QuerySet[StoryPhoto]:
    return StoryPhoto.objects.filter(story=story).order_by("position", "pk")


def story_photo_get_for_user(request: HttpRequest, story_pk: Any, pk: Any) -> StoryPhoto:
    """A photo of a story the user may see (a logged 403 / 404). Not logged itself:
    opening the story is."""
    story = get_visible_or_deny(request, stories_visible_to(request.user), story_pk)
    photo = StoryPhoto.objects.filter(story=story, pk=pk).first()
    if photo is None:
        raise Http404
    return photo


def story_comments(story: Story) -> QuerySet[StoryComment]:
    return StoryComment.objects.filter(story=story).select_related("author")


# --------------------------------------------------------------------------- what a user may do


@dataclass(frozen=True)
class StoryActions:
    edit: bool = False  # change text and photos (the author, while a draft)
    submit: bool = False
    comment: bool = False
    review: bool = False  # start the review
    send_back: bool = False
    approve: bool = False
    publish: bool = False
    withdraw: bool = False
    edit_photos_as_editor: bool = False  # mark faces, hide photos during the review


def is_author(user: Any, story: Story) -> bool:
    return (
        _authenticated(user)
        and story.author_id == user.pk
        and user_has_perm(user, Perm.WRITE_STORIES)
    )


def is_editor_of(user: Any, story: Story) -> bool:
    return stories_editable_by(user).filter(pk=story.pk).exists()


def is_withdrawer_of(user: Any, story: Story) -> bool:
    if not _authenticated(user):
        return False
    reach = scope_q(user, Perm.WITHDRAW_STORIES, place_field=PLACE_FIELD)
    return Story.objects.filter(reach, pk=story.pk).exists()


def story_actions(user: Any, story: Story) -> StoryActions:
    author = is_author(user, story)
    editor = is_editor_of(user, story)
    state = story.state
    # Four eyes: nobody approves or publishes what they wrote.
    independent = editor and story.author_id != getattr(user, "pk", None)
    return StoryActions(
        edit=author and state == StoryState.DRAFT,
        submit=author and state == StoryState.DRAFT,
        comment=(author or editor) and state != StoryState.WITHDRAWN,
        review=editor and state == StoryState.SUBMITTED,
        send_back=editor and state in (StoryState.IN_REVIEW, StoryState.APPROVED),
        approve=independent and state == StoryState.IN_REVIEW,
        publish=independent and state == StoryState.APPROVED,
        withdraw=state == StoryState.PUBLISHED and is_withdrawer_of(user, story),
        edit_photos_as_editor=editor and state in (StoryState.IN_REVIEW, StoryState.APPROVED),
    )


# --------------------------------------------------------------------------- consent checklist


@dataclass(frozen=True)
class ConsentCheck:
    code: str  # "story", "real_name", "voice", "photo", "no_person", "person"
    required: bool
    allowed: bool  # for "no_person": whether the editor must confirm it at publish

    @property
    def missing(self) -> bool:
        return self.required and not self.allowed


def face_photos(story: Story) -> QuerySet[StoryPhoto]:
    return StoryPhoto.objects.filter(story=story, show_face=True, hidden=False)


def story_consent_checks(story: Story) -> list[ConsentCheck]:
    """What publishing `story` needs, read fresh: the STORY consent of the linked person,
    REAL_NAME when the real name is shown, VOICE for audio and video, PHOTO when a
    photo shown shows a face. A story linked to nobody needs the editor's word that it
    identifies no one, and can show neither a real name nor a face. Audio and video
    count too (migra/stories/media_selectors.py): shown ones that show a face need
    PHOTO, shown ones in which someone's voice is heard need VOICE."""
    from migra.stories.media_selectors import media_with_faces, media_with_voices

    faces = face_photos(story).exists() or media_with_faces(story).exists()
    voice = story.kind in VOICE_KINDS or media_with_voices(story).exists()
    real_name = story.name_is_real and bool(story.name_shown)
    person = story.person
    if person is None:
        return [
            ConsentCheck("no_person", required=True, allowed=False),
            ConsentCheck("real_name", required=real_name, allowed=False),
            ConsentCheck("photo", required=faces, allowed=False),
        ]
    if not person.is_active_record:
        return [ConsentCheck("person", required=True, allowed=False)]

    def allows(purpose: str) -> bool:
        return consent_allows(person=person, purpose=purpose)

    return [
        ConsentCheck("story", required=True, allowed=allows(ConsentPurpose.STORY)),
        ConsentCheck(
            "real_name",
            required=real_name,
            allowed=real_name and allows(ConsentPurpose.REAL_NAME),
        ),
        ConsentCheck("voice", required=voice, allowed=voice and allows(ConsentPurpose.VOICE)),
        ConsentCheck("photo", required=faces, allowed=faces and allows(ConsentPurpose.PHOTO)),
    ]


# --------------------------------------------------------------------------- collections


def collections_visible_to(user: Any) -> QuerySet[Collection]:
    """Collections are the editors' (any editor, any agency: the campaign is one)."""
    if not user_has_perm(user, Perm.EDIT_STORIES):
        return Collection.objects.none()
    return Collection.objects.all()


def collection_get_for_user(request: HttpRequest, pk: Any) -> Collection:
    return get_visible_or_deny(request, collections_visible_to(request.user), pk)


def collection_items(collection: Collection) -> QuerySet[CollectionItem]:
    return (
        CollectionItem.objects.filter(collection=collection)
        .select_related("story", "story__province")
        .order_by("position", "pk")
    )


def collection_candidates(user: Any, collection: Collection) -> QuerySet[Story]:
    """Stories an editor may add: approved or published, in their reach, not in yet."""
    present = CollectionItem.objects.filter(collection=collection).values("story_id")
    return (
        stories_editable_by(user)
        .filter(state__in=[StoryState.APPROVED, StoryState.PUBLISHED])
        .exclude(pk__in=present)
        .order_by("-published_at", "-pk")
    )


def collection_cover_choices(collection: Collection) -> QuerySet[StoryPhoto]:
    """Photos that may be a collection's cover: shown photos of its stories that do not
    show a face (a cover is seen everywhere, out of the story's context)."""
    return StoryPhoto.objects.filter(
        story__in=CollectionItem.objects.filter(collection=collection).values("story_id"),
        hidden=False,
        show_face=False,
    ).order_by("story_id", "position", "pk")
