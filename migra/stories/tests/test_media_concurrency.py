"""Two PATCHes on one upload at once (a phone retrying while its first request still
runs): both chunks arrive in full, then the rows are locked one at a time — one is
appended, the other refused with 409, and the file holds one copy of the bytes."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from migra.stories import media_services
from migra.stories.models import MediaState, StoryMedia
from migra.stories.tests.conftest import login_as
from migra.stories.tests.media_helpers import (  # noqa: F401  (fixtures, used by name)
    TUS,
    create,
    media_dir,
    media_dirs,
    patch,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_dirs")]


def _race(*jobs: Any) -> list[Any]:
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Any) -> None:
        try:
            start.wait()
            results[index] = job()
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            results[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _both_staged(monkeypatch: pytest.MonkeyPatch, parties: int) -> None:
    """Hold each PATCH once its chunk is staged until every one is: they then all
    reach the lock with the same offset in hand."""
    staged = threading.Barrier(parties, timeout=30)
    original = media_services._stage

    def stage(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        staged.wait()
        return result

    monkeypatch.setattr(media_services, "_stage", stage)


def test_two_patches_at_the_same_offset_one_wins(crew, story, monkeypatch):
    draft = story()
    peter = login_as(Client(), crew.users["peter"])
    url = create(peter, draft, 1000, filetype="video/mp4")["Location"]
    _both_staged(monkeypatch, 2)
    first, second = b"A" * 600, b"B" * 600

    def send(data: bytes):  # type: ignore[no-untyped-def]
        client = login_as(Client(), crew.users["peter"])
        return lambda: patch(client, url, 0, data).status_code

    results = _race(send(first), send(second))
    assert sorted(results) == [204, 409], results
    media = StoryMedia.objects.get()
    assert media.upload_offset == 600 and media.state == MediaState.UPLOADING
    kept = (media_dir("uploads") / media.upload_file).read_bytes()
    assert kept in (first, second)
    # The loser's staging file is gone too.
    assert sorted(p.name for p in media_dir("uploads").iterdir()) == [media.upload_file]


def test_patch_racing_delete_leaves_no_file(crew, story, monkeypatch):
    draft = story()
    peter = login_as(Client(), crew.users["peter"])
    url = create(peter, draft, 1000, filetype="video/mp4")["Location"]

    def send():  # type: ignore[no-untyped-def]
        client = login_as(Client(), crew.users["peter"])
        return patch(client, url, 0, b"C" * 500).status_code

    def cancel():  # type: ignore[no-untyped-def]
        client = login_as(Client(), crew.users["peter"])
        return client.delete(url, headers=TUS).status_code

    results = _race(send, cancel)
    assert results[1] == 204, results
    assert results[0] in (204, 404), results
    assert not StoryMedia.objects.exists()
    assert list(media_dir("uploads").iterdir()) == []
