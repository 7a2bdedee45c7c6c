"""Sharing published stories beyond the site: one `FacebookPost` per story posted (or
to be posted) to the programme's Facebook Page. See docs/sharing.md.

A row holds what the worker needs and what the editor sees: the state, the id
Facebook gave the post, how many attempts failed and why (a code and a short
detail — never the token), and when the next attempt is due. `claim` and
`claimed_until` are the lease a worker takes before it calls Facebook, so two workers
never post the same story twice.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FacebookState(models.TextChoices):
    QUEUED = "queued", _("Waiting to be posted")
    POSTED = "posted", pgettext_lazy("facebook post", "Posted")
    FAILED = "failed", _("Posting failed")
    DELETING = "deleting", _("Being removed")
    DELETED = "deleted", pgettext_lazy("facebook post", "Removed")
    OFF = "off", _("Not posted")


# States in which the worker still has something to do.
ACTIVE_STATES = (FacebookState.QUEUED, FacebookState.DELETING)


class FacebookPost(models.Model):
    story = models.OneToOneField(
        "stories.Story", on_delete=models.CASCADE, related_name="facebook_post"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=FacebookState.choices, default=FacebookState.QUEUED
    )
    # "<page id>_<post id>", as the Graph API returns it.
    post_id = models.CharField(max_length=64, blank=True, default="")
    # Failed attempts at the current job (posting, or removing once withdrawn).
    attempts = models.PositiveIntegerField(default=0)
    # What went wrong last: a code (migra.sharing.graph.ErrorKind) and a short detail.
    error_kind = models.CharField(max_length=20, blank=True, default="")
    last_error = models.CharField(max_length=300, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Facebook post")
        verbose_name_plural = _("Facebook posts")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="sharing_fb_due_idx"),
        ]

    def __str__(self) -> str:
        # The audit trail keeps this: the story's number only, never its title.
        return f"facebook post of story #{self.story_id}"

    @property
    def facebook_url(self) -> str:
        """The post on Facebook (its id is digits and an underscore, checked on receipt)."""
        return f"https://www.facebook.com/{self.post_id}" if self.post_id else ""
