"""Template tags of story media: the staff story page's media panel and the public
story page's players (`stories/public/_media.html`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from migra.media import av
from migra.stories import media_services
from migra.stories.media_forms import MediaEditForm
from migra.stories.media_selectors import public_media, story_media
from migra.stories.models import MediaKind, MediaState, StoryMedia

register = template.Library()

NO_FFMPEG = _(
    "Video and audio cannot be prepared for the web on this server: ffmpeg is not installed."
)
STATES: dict[str, tuple[Any, str]] = {
    MediaState.UPLOADING: (_("Uploading"), "badge--info"),
    MediaState.PROCESSING: (_("Being prepared"), "badge--warning"),
    MediaState.READY: (pgettext_lazy("story medium", "Ready"), "badge--success"),
    MediaState.FAILED: (pgettext_lazy("story medium", "Failed"), "badge--danger"),
}
ERRORS = {
    "no_ffmpeg": NO_FFMPEG,
    "unreadable": _(
        "This file could not be read as sound or video. Send it again, or in another format."
    ),
    "damaged": _("This photo could not be prepared. Send it again."),
    "too_many": _("The story already keeps as many photos as it can."),
    "failed": _("It could not be prepared. Try again later, or send it again."),
}


def _item(media: StoryMedia) -> dict[str, Any]:
    status, css = STATES.get(media.state, (media.state, "badge--info"))
    return {
        "media": media,
        "status": status,
        "css": css,
        "error": ERRORS.get(media.error, ERRORS["failed"]) if media.error else "",
        "playable": media.state == MediaState.READY
        and media.kind in (MediaKind.AUDIO, MediaKind.VIDEO),
        "form": MediaEditForm(
            initial={
                "caption": media.caption,
                "show_face": media.show_face,
                "has_voice": media.has_voice,
                "hidden": media.hidden,
            },
            prefix=f"m{media.pk}",
        ),
    }


@register.inclusion_tag("stories/_media.html", takes_context=True)
def story_media_panel(context: template.Context) -> dict[str, Any]:
    """The staff story page's "Audio and video" part: uploads under way, photos being
    prepared, audio and video with their players, flags and actions."""
    story = context["story"]
    actions = context["actions"]
    items = [_item(media) for media in story_media(story)]
    has_av = any(i["media"].kind in (MediaKind.AUDIO, MediaKind.VIDEO) for i in items)
    return {
        "story": story,
        "actions": actions,
        "items": items,
        "show": bool(items) or actions.edit,
        "no_ffmpeg": NO_FFMPEG if (has_av or actions.edit) and not av.available() else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def media_upload_limits() -> dict[str, str]:
    """The size limits in MB, for the upload form's help text."""
    return {
        kind: f"{media_services.max_bytes(kind) / media_services.MiB:g}"
        for kind in (MediaKind.PHOTO, MediaKind.AUDIO, MediaKind.VIDEO)
    }


@register.simple_tag
def public_story_media(story_id: Any) -> list[StoryMedia]:
    """Ready, not hidden audio and video of a published story (nothing otherwise)."""
    return public_media(story_id)
