"""Background work of stories, run by `migra worker` (never in a request).

- `prepare_story_media(media_id=…)`: enqueued once a resumable upload was received and
  checked (or a failed medium is tried again): a photo's renditions (it then becomes an
  ordinary StoryPhoto); for audio and video a web rendition and a poster without any
  metadata, with ffmpeg (`migra.media.av`). Safe to run twice: the second run finds
  nothing to do.
- `sweep_story_uploads()`: every hour; forgets uploads left alone for a day and stray
  files of the upload directory. Every worker enqueues it; any number of runs is safe.
"""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from migra.config.worker import periodic


@task()
def prepare_story_media(media_id: int) -> str:
    """Make the renditions of one received medium. Returns "ready", "failed" or
    "nothing"."""
    from migra.stories.media_services import story_media_process

    if not isinstance(media_id, int) or isinstance(media_id, bool):
        return "nothing"
    return story_media_process(media_id=media_id)


@periodic(every=timedelta(hours=1))
@task()
def sweep_story_uploads() -> int:
    """Forget abandoned uploads. Returns how many went."""
    from migra.stories.media_services import story_uploads_sweep

    return story_uploads_sweep()
