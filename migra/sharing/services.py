"""Writes of migra.sharing: posting published stories to the programme's Facebook Page.

    story published ──▶ queued ──worker──▶ posted ──story withdrawn──▶ deleting ──▶ deleted
                          │  ▲ failed: retried after 1, 5, 15, 60, 240 min
                          │  └── "try again now" ◀── failed (after MAX_POST_ATTEMPTS)
                          └── story withdrawn before it was posted ──▶ off

- `facebook_story_published` / `facebook_story_withdrawn` are called (through the
  signals of migra.stories.signals) once the story's own transaction has committed.
  They only write a row and enqueue a task: publishing and withdrawing never wait for,
  nor depend on, Facebook. With no Page set up nothing is queued.
- `facebook_process(post_pk=…)` is the worker's one attempt: it claims the row (a
  compare-and-set lease, so two workers never post the same story twice), calls the
  Graph API outside any transaction, then records the outcome and the next attempt.
- `facebook_process_due()` (every minute, migra.sharing.tasks) takes up the rows whose
  next attempt is due: retries after failures, and anything a lost task left behind.
- `facebook_retry_now` is the editor's button.

Audit events hold codes and counts (state, error kind, attempts, the post's id) —
never the token, the message or the story's title.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import deny
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.lib.khmer.segment import word_boundaries
from migra.sharing import graph
from migra.sharing.models import ACTIVE_STATES, FacebookPost, FacebookState
from migra.stories import richtext
from migra.stories.models import Story, StoryState
from migra.stories.selectors import is_editor_of

logger = logging.getLogger("migra.sharing")

# Minutes to wait after the 1st, 2nd … failed attempt. Posting gives up after
# MAX_POST_ATTEMPTS failures (the editor may try again); removing a withdrawn story's
# post never gives up, trying every DELETE_RETRY_CAP at the longest.
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
MAX_POST_ATTEMPTS = len(BACKOFF_MINUTES) + 1
DELETE_RETRY_CAP = timedelta(hours=6)
# After this many failed removals the page tells the editor to remove it by hand.
DELETE_WARN_AFTER = 3
# A worker's lease on a row, far longer than one call can take (graph.TIMEOUT_SECONDS).
LEASE = timedelta(minutes=10)
DUE_BATCH = 10
EXCERPT_CHARS = 300


def _now() -> datetime:
    return timezone.now()


def _backoff(attempts: int, *, deleting: bool) -> timedelta:
    if attempts <= len(BACKOFF_MINUTES):
        return timedelta(minutes=BACKOFF_MINUTES[max(attempts, 1) - 1])
    return DELETE_RETRY_CAP if deleting else timedelta(minutes=BACKOFF_MINUTES[-1])


def _audit(post: FacebookPost, changes: dict[str, Any], **kwargs: Any) -> None:
    audit_record(
        actor=kwargs.get("actor"),
        action=kwargs.get("action", AuditAction.UPDATE),
        target=post,
        changes={"story": post.story_id, **changes},
        request=kwargs.get("request"),
    )


def _enqueue(post_pk: int) -> None:
    from migra.sharing.tasks import facebook_send

    facebook_send.enqueue(post_pk=post_pk)


def _enqueue_on_commit(post_pk: int) -> None:
    # A task that cannot be enqueued is not lost: facebook_process_due finds the row.
    transaction.on_commit(lambda: _enqueue(post_pk), robust=True)


# --------------------------------------------------------------------------- what is posted


def story_public_url(story: Story) -> str:
    """The story's public page in Khmer, on the address people open Migra at."""
    with translation.override("km"):
        try:
            path = reverse("public-stories:detail", args=[story.pk])
        except NoReverseMatch:  # the public pages are not there (yet)
            path = f"/km/stories/{story.pk}/"
    return f"{settings.MIGRA_SITE_URL}{path}"


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of the text, cut between two words (Khmer has no spaces: ICU finds
    them) and never inside a cluster."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n\n".join(line for line in lines if line)
    if len(text) <= limit:
        return text
    head = text[: limit + 40]
    cuts = [cut for cut in word_boundaries(head) if 0 < cut <= limit]
    cut = cuts[-1] if cuts else limit
    return text[:cut].rstrip(" \n,;:។៖") + "…"


def facebook_message(story: Story) -> str:
    """The post's text: the Khmer title, a blank line, the start of the Khmer text.
    Only what the public page shows (never the name shown, never the place)."""
    excerpt = _excerpt(richtext.plain_text(story.text_km))
    return f"{story.title_km}\n\n{excerpt}" if excerpt else story.title_km


# --------------------------------------------------------------------------- story events


def facebook_story_published(*, story: Story) -> FacebookPost | None:
    """Queue the story for the Page (nothing when no Page is set up)."""
    if graph.config_from_settings() is None:
        return None
    with transaction.atomic():
        # The story's lock, which a withdrawal takes too: a withdrawal either comes
        # first (nothing is queued) or waits and then finds the row to cancel.
        current = (
            Story.objects.select_for_update().filter(pk=story.pk).values_list("state", flat=True)
        ).first()
        if current != StoryState.PUBLISHED:  # withdrawn in the meantime
            return None
        post, created = FacebookPost.objects.get_or_create(
            story_id=story.pk,
            defaults={"state": FacebookState.QUEUED, "next_attempt_at": _now()},
        )
        if not created:
            return post
        _audit(post, {"state": post.state}, action=AuditAction.CREATE)
        _enqueue_on_commit(post.pk)
    return post


def facebook_story_withdrawn(*, story: Story) -> FacebookPost | None:
    """The story came down: remove its post at once (a task), or cancel it if it was
    not posted yet. Done whether or not a Page is still set up — a post on the Page
    must come down even if posting was turned off since."""
    with transaction.atomic():
        post = FacebookPost.objects.select_for_update().filter(story_id=story.pk).first()
        if post is None:
            return None
        before = post.state
        now = _now()
        in_flight = post.claimed_until is not None and post.claimed_until > now
        if post.state == FacebookState.POSTED or (post.state == FacebookState.QUEUED and in_flight):
            # Posted, or being posted this very moment: it must come down once it has
            # its id (the worker that is posting it sees "deleting" when it finishes).
            post.state = FacebookState.DELETING
            post.attempts = 0
            post.error_kind = post.last_error = ""
            post.next_attempt_at = now
        elif post.state in (FacebookState.QUEUED, FacebookState.FAILED):
            post.state = FacebookState.OFF
            post.next_attempt_at = None
        else:
            return post
        post.save(
            update_fields=[
                "state",
                "attempts",
                "error_kind",
                "last_error",
                "next_attempt_at",
                "updated_at",
            ]
        )
        _audit(post, {"from": before, "to": post.state, "reason": "story_withdrawn"})
        if post.state == FacebookState.DELETING and not in_flight:
            _enqueue_on_commit(post.pk)
    return post


# --------------------------------------------------------------------------- the worker


def _claim(post_pk: int, token: str, now: datetime) -> tuple[bool, bool]:
    """Take the row for one attempt if it is due and nobody holds it: one UPDATE that
    also compares the claim seen just before (atomic on both databases; a withdrawal
    holding the row's lock goes first). Returns (claimed, abandoned): `abandoned` when
    an earlier worker claimed it and never finished (its lease ran out)."""
    seen = FacebookPost.objects.filter(pk=post_pk).values_list("claim", flat=True).first()
    if seen is None:
        return False, False
    claimed = (
        FacebookPost.objects.filter(
            pk=post_pk, claim=seen, state__in=ACTIVE_STATES, next_attempt_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claim=token, claimed_until=now + LEASE, updated_at=now)
    )
    return claimed == 1, bool(seen)


def facebook_process(*, post_pk: int) -> str:
    """One attempt at the row's job (post, or delete once withdrawn). Returns what
    happened: "posted", "deleted", "retry", "failed", "off" or "skipped" (not due, held
    by another worker, or nothing to do)."""
    token = secrets.token_hex(16)
    claimed, abandoned = _claim(post_pk, token, _now())
    if not claimed:
        return "skipped"
    post = FacebookPost.objects.select_related("story").get(pk=post_pk)
    if abandoned and not post.post_id:
        # The worker before us stopped in the middle of posting: whether the post
        # reached the Page is unknown, so a person looks instead of a second post.
        return _interrupted(post, token)
    if not post.post_id and (
        post.state == FacebookState.DELETING or post.story.state != StoryState.PUBLISHED
    ):
        # Withdrawn just after we claimed it to post (or its withdrawal was not heard):
        # nothing was sent, and nothing will be.
        return _settle_unsent(post, token)
    config = graph.config_from_settings()
    error: graph.GraphError | None = None
    post_id = ""
    if config is None:
        error = graph.GraphError(graph.ErrorKind.OFF)
    elif post.state == FacebookState.QUEUED:
        try:
            post_id = graph.publish(
                config, message=facebook_message(post.story), link=story_public_url(post.story)
            )
        except graph.GraphError as failure:
            error = failure
    else:
        try:
            graph.delete(config, post_id=post.post_id)
        except graph.GraphError as failure:
            error = failure
    return _record(post_pk, token, job=post.state, post_id=post_id, error=error)


def _release(post: FacebookPost, token: str) -> list[str]:
    if post.claim != token:
        return []
    post.claim = ""
    post.claimed_until = None
    return ["claim", "claimed_until"]


def _interrupted(post: FacebookPost, token: str) -> str:
    """Still to be posted: failed, for the editor to check the Page and try again.
    Withdrawn meanwhile: off, with a word to check the Page and remove it by hand."""
    with transaction.atomic():
        locked = FacebookPost.objects.select_for_update().get(pk=post.pk)
        if locked.claim != token:
            return "skipped"
        before = locked.state
        locked.state = (
            FacebookState.FAILED if locked.state == FacebookState.QUEUED else FacebookState.OFF
        )
        locked.error_kind = graph.ErrorKind.INTERRUPTED
        locked.last_error = ""
        locked.next_attempt_at = None
        fields = ["state", "error_kind", "last_error", "next_attempt_at", "updated_at"]
        locked.save(update_fields=fields + _release(locked, token))
        _audit(locked, {"from": before, "to": locked.state, "error": locked.error_kind})
    logger.warning(
        "Facebook: a worker stopped while posting story #%s; check the Page", locked.story_id
    )
    return "failed" if locked.state == FacebookState.FAILED else "off"


def _settle_unsent(post: FacebookPost, token: str) -> str:
    with transaction.atomic():
        locked = FacebookPost.objects.select_for_update().get(pk=post.pk)
        if locked.claim != token:
            return "skipped"
        locked.state = FacebookState.OFF
        locked.next_attempt_at = None
        fields = ["state", "next_attempt_at", "updated_at"]
        locked.save(update_fields=fields + _release(locked, token))
        _audit(locked, {"from": post.state, "to": locked.state, "reason": "story_withdrawn"})
    return "off"


def _record(
    post_pk: int, token: str, *, job: str, post_id: str, error: graph.GraphError | None
) -> str:
    now = _now()
    with transaction.atomic():
        post = FacebookPost.objects.select_for_update().get(pk=post_pk)
        fields = ["updated_at", *_release(post, token)]
        if job == FacebookState.QUEUED and error is None:
            outcome = _record_posted(post, post_id, now, fields)
        elif job == FacebookState.QUEUED:
            outcome = _record_post_failed(post, error, now, fields)  # type: ignore[arg-type]
        elif error is None:
            post.state = FacebookState.DELETED
            post.deleted_at = now
            post.next_attempt_at = None
            post.error_kind = post.last_error = ""
            fields += ["state", "deleted_at", "next_attempt_at", "error_kind", "last_error"]
            outcome = "deleted"
        else:
            post.attempts += 1
            post.error_kind = error.kind
            post.last_error = error.detail
            post.next_attempt_at = now + _backoff(post.attempts, deleting=True)
            fields += ["attempts", "error_kind", "last_error", "next_attempt_at"]
            outcome = "retry"
        post.save(update_fields=fields)
        changes: dict[str, Any] = {"job": job, "outcome": outcome, "attempts": post.attempts}
        if error is not None:
            changes["error"] = error.kind
        if outcome in ("posted", "deleted"):
            changes["post_id"] = post.post_id
        _audit(post, changes)
    if error is not None:
        what = "posting" if job == FacebookState.QUEUED else "removal"
        logger.warning("Facebook: %s of story #%s failed (%s)", what, post.story_id, error.kind)
    else:
        logger.info("Facebook: story #%s %s", post.story_id, outcome)
    return outcome


def _record_posted(post: FacebookPost, post_id: str, now: datetime, fields: list[str]) -> str:
    if post.post_id and post.post_id != post_id:
        # Only if a worker outlived its lease while another posted: two posts.
        logger.error(
            "Facebook: story #%s was posted twice (%s and %s); remove one on the Page",
            post.story_id,
            post.post_id,
            post_id,
        )
    post.post_id = post_id
    post.posted_at = now
    post.error_kind = post.last_error = ""
    fields += ["post_id", "posted_at", "error_kind", "last_error"]
    if post.state == FacebookState.QUEUED:
        post.state = FacebookState.POSTED
        post.next_attempt_at = None
        fields += ["state", "next_attempt_at"]
        return "posted"
    # Withdrawn while it was being posted: take it down at once.
    post.state = FacebookState.DELETING
    post.attempts = 0
    post.next_attempt_at = now
    fields += ["state", "attempts", "next_attempt_at"]
    _enqueue_on_commit(post.pk)
    return "posted"


def _record_post_failed(
    post: FacebookPost, error: graph.GraphError, now: datetime, fields: list[str]
) -> str:
    if post.state != FacebookState.QUEUED:
        # Withdrawn while the attempt failed: nothing reached Facebook.
        post.state = FacebookState.OFF
        post.next_attempt_at = None
        fields += ["state", "next_attempt_at"]
        return "off"
    post.attempts += 1
    post.error_kind = error.kind
    post.last_error = error.detail
    fields += ["attempts", "error_kind", "last_error", "state", "next_attempt_at"]
    if post.attempts >= MAX_POST_ATTEMPTS:
        post.state = FacebookState.FAILED
        post.next_attempt_at = None
        return "failed"
    post.next_attempt_at = now + _backoff(post.attempts, deleting=False)
    return "retry"


def facebook_process_due(*, limit: int = DUE_BATCH) -> dict[str, int]:
    """Attempt the rows whose next attempt is due (oldest first). Safe to run in many
    workers at once: each row is claimed before anything is sent.

    First it catches up with withdrawals it did not hear of (a receiver that failed
    after the story's own commit): their posts must come down all the same."""
    unheard = (
        FacebookPost.objects.filter(
            state__in=[FacebookState.QUEUED, FacebookState.POSTED, FacebookState.FAILED],
            story__state=StoryState.WITHDRAWN,
        )
        .select_related("story")
        .order_by("pk")[:limit]
    )
    for stray in unheard:
        facebook_story_withdrawn(story=stray.story)
    if graph.config_from_settings() is None:
        return {}
    now = _now()
    due = list(
        FacebookPost.objects.filter(state__in=ACTIVE_STATES, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in due:
        outcome = facebook_process(post_pk=pk)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --------------------------------------------------------------------------- the editor's button


def facebook_retry_now(
    *, actor: User, story_id: int, request: HttpRequest | None = None
) -> FacebookPost:
    """Try again at once: a post that failed (or waits for its next try), or the
    removal of a withdrawn story's post. Editors of the story (EDIT_STORIES) only."""
    story = (
        Story.objects.filter(pk=story_id).first()
        if isinstance(story_id, int) and not isinstance(story_id, bool)
        else None
    )
    if story is None:
        raise ValidationError(_("This story does not exist."), code="missing")
    if not is_editor_of(actor, story):
        raise deny(request, actor, reason=f"may not {Perm.EDIT_STORIES} here", target=story)
    if graph.config_from_settings() is None:
        raise ValidationError(
            _("Posting to Facebook is off: no Facebook Page is set up."), code="off"
        )
    with transaction.atomic():
        post = FacebookPost.objects.select_for_update().filter(story=story).first()
        # Queued: at once instead of at the next try (two editors pressing together
        # both succeed; the worker's claim still sends it once).
        if post is None or post.state not in (
            FacebookState.FAILED,
            FacebookState.QUEUED,
            FacebookState.DELETING,
        ):
            raise ValidationError(
                _("There is nothing to try again: see the Facebook box on this page."),
                code="state",
            )
        before = post.state
        if post.state == FacebookState.FAILED:
            post.state = FacebookState.QUEUED
            post.attempts = 0
        post.next_attempt_at = _now()
        post.save(update_fields=["state", "attempts", "next_attempt_at", "updated_at"])
        _audit(
            post,
            {"retry": True, "from": before, "to": post.state},
            actor=actor,
            request=request,
        )
        _enqueue_on_commit(post.pk)
    return post
