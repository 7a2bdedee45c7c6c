"""Reads of migra.sharing: what the staff story page says about the Facebook Page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from migra.sharing import graph
from migra.sharing.graph import ErrorKind
from migra.sharing.models import FacebookPost, FacebookState
from migra.sharing.services import DELETE_WARN_AFTER
from migra.stories.models import Story, StoryState
from migra.stories.selectors import is_editor_of, is_withdrawer_of

# What went wrong, in plain words for the editor (the Graph API's own words, in
# English, are shown beside them as a detail).
ERROR_TEXT: dict[str, Any] = {
    ErrorKind.OFF: _("No Facebook Page is set up any more."),
    ErrorKind.TIMEOUT: _("Facebook did not answer in time."),
    ErrorKind.UNREACHABLE: _("Migra could not reach Facebook (no connection)."),
    ErrorKind.FACEBOOK_DOWN: _("Facebook had a problem on its side."),
    ErrorKind.TOKEN: _(
        "Facebook refused the Page's access token (expired or revoked): an administrator "
        "must set a new one."
    ),
    ErrorKind.PERMISSION: _(
        "The Page's access token may not post on the Page: an administrator must give it "
        "the permission."
    ),
    ErrorKind.RATE_LIMIT: _("Facebook asked Migra to slow down."),
    ErrorKind.BLOCKED: _("Facebook has blocked posting from this Page for a while."),
    ErrorKind.DUPLICATE: _("Facebook refused it as a duplicate of an earlier post."),
    ErrorKind.LINK: _("Facebook could not read the story's link."),
    ErrorKind.REFUSED: _("Facebook refused it."),
    ErrorKind.BAD_ANSWER: _("Facebook's answer could not be understood."),
    ErrorKind.INTERRUPTED: _(
        "Migra stopped while posting it, so it may or may not be on the Page: look at "
        "the Page first."
    ),
}
UNKNOWN_ERROR = _("Something went wrong.")


@dataclass(frozen=True)
class FacebookStatus:
    """What the Facebook box on the staff story page shows (codes; the template words
    them)."""

    code: str  # off, will_post, not_posted, or the post's state
    enabled: bool  # a Page is set up
    post: FacebookPost | None
    may_retry: bool
    remove_by_hand: bool  # a withdrawn story's post may still be on the Page
    error: str  # plain words, "" when nothing went wrong
    detail: str  # Facebook's own words (scrubbed), "" when none
    page_url: str = ""  # the Page on Facebook, when one is set up

    @property
    def next_attempt_at(self) -> datetime | None:
        return self.post.next_attempt_at if self.post else None


def facebook_post_of(story: Story) -> FacebookPost | None:
    return FacebookPost.objects.filter(story_id=story.pk).first()


def facebook_enabled() -> bool:
    return graph.config_from_settings() is not None


def _page_url() -> str:
    config = graph.config_from_settings()
    return f"https://www.facebook.com/{config.page_id}" if config else ""


def facebook_status_for(user: Any, story: Story) -> FacebookStatus | None:
    """The box for an editor or withdrawer of the story, once it is approved; None for
    anyone else."""
    # Before approval Facebook is not in question (and a post exists only once
    # published): no query at all for drafts and stories in review.
    if story.state not in (StoryState.APPROVED, StoryState.PUBLISHED, StoryState.WITHDRAWN):
        return None
    editor = is_editor_of(user, story)
    if not editor and not is_withdrawer_of(user, story):
        return None
    enabled = facebook_enabled()
    post = facebook_post_of(story)
    if post is None:
        if not enabled:
            code = "off"
        elif story.state == StoryState.APPROVED:
            code = "will_post"
        else:
            code = "not_posted"
        return FacebookStatus(code, enabled, None, False, False, "", "", _page_url())
    failed_before = post.attempts > 0 or post.state == FacebookState.FAILED
    show_error = bool(post.error_kind) and (
        failed_before or post.error_kind == ErrorKind.INTERRUPTED
    )
    retryable = post.state in (FacebookState.FAILED, FacebookState.DELETING) or (
        post.state == FacebookState.QUEUED and post.attempts > 0
    )
    remove_by_hand = (
        post.state == FacebookState.DELETING and (post.attempts >= DELETE_WARN_AFTER or not enabled)
    ) or (post.state == FacebookState.OFF and post.error_kind == ErrorKind.INTERRUPTED)
    return FacebookStatus(
        code=post.state,
        enabled=enabled,
        post=post,
        may_retry=editor and enabled and retryable,
        remove_by_hand=remove_by_hand,
        error=str(ERROR_TEXT.get(post.error_kind, UNKNOWN_ERROR)) if show_error else "",
        detail=post.last_error if show_error else "",
        page_url=_page_url(),
    )
