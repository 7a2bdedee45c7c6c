"""Reads of story media, each behind the story's own access check
(`stories.selectors.stories_visible_to`).

- `upload_get_for_user` — an upload (tus resource) for its sender only: the story out
  of reach is a logged 403; a token that is not one of this story's uploads, a 404;
  the upload of someone else (another author cannot reach the draft anyway; an editor
  could reach a story the author sent back) a logged 403.
- `story_media_get_for_user` — one medium of a story the user may see (staff pages).
- `public_media` / `public_media_get` — what the public may play: ready audio and video,
  not hidden, of published stories only.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from migra.accounts.selectors import deny, get_visible_or_deny
from migra.stories.models import MediaKind, MediaState, Story, StoryMedia, StoryState
from migra.stories.selectors import stories_visible_to

# Upload ids are 32 lower-case hex digits (secrets.token_hex(16)); ASCII only.
TOKEN_RE = re.compile(r"[0-9a-f]{32}")
PLAYABLE = (MediaKind.AUDIO, MediaKind.VIDEO)
UNFINISHED = (MediaState.UPLOADING, MediaState.PROCESSING)


def upload_get_for_user(request: HttpRequest, story_pk: Any, token: Any) -> StoryMedia:
    story = get_visible_or_deny(request, stories_visible_to(request.user), story_pk)
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        raise Http404
    media = StoryMedia.objects.filter(story=story, upload_token=token).first()
    if media is None:
        raise Http404
    if media.uploaded_by_id != request.user.pk:
        raise deny(request, request.user, reason="someone else's upload", target=story)
    return media


def story_media(story: Story) -> QuerySet[StoryMedia]:
    """Everything sent to the story that is not (yet) an ordinary photo: uploads in
    progress, photos being prepared, audio and video in every state."""
    return StoryMedia.objects.filter(story=story).order_by("position", "pk")


def story_media_get_for_user(request: HttpRequest, story_pk: Any, pk: Any) -> StoryMedia:
    """A medium of a story the user may see (a logged 403 / 404). Not logged itself:
    opening the story is."""
    story = get_visible_or_deny(request, stories_visible_to(request.user), story_pk)
    media = StoryMedia.objects.filter(story=story, pk=pk).first() if isinstance(pk, int) else None
    if media is None:
        raise Http404
    return media


def unfinished_media(story: Story) -> QuerySet[StoryMedia]:
    return StoryMedia.objects.filter(story=story, state__in=UNFINISHED)


def media_with_faces(story: Story) -> QuerySet[StoryMedia]:
    """Media shown with the story (not left out) that show a face: PHOTO consent. Every
    state counts: a video still being prepared will be shown once ready."""
    return StoryMedia.objects.filter(story=story, show_face=True, hidden=False)


def media_with_voices(story: Story) -> QuerySet[StoryMedia]:
    """Media shown with the story in which someone's voice can be heard: VOICE consent."""
    return StoryMedia.objects.filter(story=story, has_voice=True, hidden=False)


def _public() -> QuerySet[StoryMedia]:
    return (
        StoryMedia.objects.filter(
            story__state=StoryState.PUBLISHED,
            state=MediaState.READY,
            hidden=False,
            kind__in=PLAYABLE,
        )
        .exclude(web_file="")
        .order_by("position", "pk")
    )


def public_media(story_id: Any) -> list[StoryMedia]:
    """The players of a published story's public page (none for any other story)."""
    if not isinstance(story_id, int) or isinstance(story_id, bool):
        return []
    return list(_public().filter(story_id=story_id))


def public_media_get(pk: Any) -> StoryMedia | None:
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return _public().filter(pk=pk).first()
