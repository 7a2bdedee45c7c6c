"""Receivers of migra.stories.signals: each hands over to a service at once."""

from __future__ import annotations

from typing import Any

from migra.sharing.services import facebook_story_published, facebook_story_withdrawn


def on_story_published(sender: Any, *, story: Any, **kwargs: Any) -> None:
    facebook_story_published(story=story)


def on_story_withdrawn(sender: Any, *, story: Any, **kwargs: Any) -> None:
    facebook_story_withdrawn(story=story)
