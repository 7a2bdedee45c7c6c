"""Signals for parts that act when a story goes public or comes down (migra.sharing
posts to the Facebook Page); stories never import them.

    story_published  sender=Story, story=<the published Story>
    story_withdrawn  sender=Story, story=<the withdrawn Story>  (by staff or automatically)

`send_on_commit` sends once the transaction that published or withdrew the story has
committed, never inside it: a receiver can neither slow down nor undo the publication
or the withdrawal, nothing is sent when it rolls back, and a receiver that fails is
logged while the others still run.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

from migra.stories.models import Story

logger = logging.getLogger("migra.stories.signals")

story_published = Signal()
story_withdrawn = Signal()


def send_on_commit(signal: Signal, story: Story) -> None:
    def send() -> None:
        for receiver, result in signal.send_robust(sender=Story, story=story):
            if isinstance(result, Exception):
                logger.error(
                    "A receiver of a story signal failed (%s, story #%s)",
                    getattr(receiver, "__qualname__", receiver),
                    story.pk,
                    exc_info=result,
                )

    transaction.on_commit(send, robust=True)
