"""Several workers (and editors) at once: a story is posted once, however many workers
try at the same moment; a withdrawal while the post is on its way takes it down as
soon as it lands, without waiting for it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import translation

from migra.sharing import services
from migra.sharing.models import FacebookPost, FacebookState
from migra.sharing.tests.conftest import publish, withdraw


def _run(*jobs: Callable[[], object], start_together: bool = True) -> list[threading.Thread]:
    barrier = threading.Barrier(len(jobs)) if start_together else None
    results: list[object] = []

    def run(job: Callable[[], object]) -> None:
        try:
            if barrier is not None:
                barrier.wait()
            results.append(job())
        except BaseException as error:  # noqa: BLE001  (checked by the caller)
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    threads_results.clear()
    threads_results.append(results)
    return threads


threads_results: list[list[object]] = []


def _join(threads: list[threading.Thread]) -> list[object]:
    for thread in threads:
        thread.join()
    return threads_results[-1]


@pytest.mark.django_db(transaction=True)
def test_three_workers_at_once_post_the_story_once(
    crew, story, facebook_on, queue_only, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    work = lambda: services.facebook_process(post_pk=post.pk)  # noqa: E731
    results = _join(_run(work, work, work))
    assert sorted(results) == ["posted", "skipped", "skipped"]  # type: ignore[type-var]
    assert len(facebook_on.posts) == 1
    post.refresh_from_db()
    assert post.state == FacebookState.POSTED and not post.claim


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_leaves_a_post_in_flight_alone(
    crew, story, facebook_on, queue_only, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    facebook_on.hang()
    first = _run(lambda: services.facebook_process(post_pk=post.pk), start_together=False)
    assert facebook_on.arrived.wait(30)  # the first worker's request is at "Facebook"
    # Everything another worker may do now sends nothing.
    assert services.facebook_process(post_pk=post.pk) == "skipped"
    assert services.facebook_process_due() == {}
    facebook_on.release()
    assert _join(first) == ["posted"]
    assert len(facebook_on.posts) == 1


@pytest.mark.django_db(transaction=True)
def test_withdrawn_while_the_post_is_on_its_way(
    crew, story, facebook_on, queue_only, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    facebook_on.hang()
    worker = _run(lambda: services.facebook_process(post_pk=post.pk), start_together=False)
    assert facebook_on.arrived.wait(30)
    # The withdrawal finishes while Facebook still has not answered.
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.state == FacebookState.DELETING and not post.post_id
    assert worker[0].is_alive()
    facebook_on.release()
    assert _join(worker) == ["posted"]
    post.refresh_from_db()
    # It landed: it is marked for removal at once, and removed by the next attempt.
    assert post.state == FacebookState.DELETING and post.post_id
    assert services.facebook_process(post_pk=post.pk) == "deleted"
    post.refresh_from_db()
    assert post.state == FacebookState.DELETED
    assert [r.path for r in facebook_on.deletes] == [f"/v25.0/{post.post_id}"]


@pytest.mark.django_db(transaction=True)
def test_withdrawn_while_a_failing_post_is_on_its_way(
    crew, story, facebook_on, queue_only, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    facebook_on.error(500, 1, "An unknown error occurred")
    facebook_on.hang()
    worker = _run(lambda: services.facebook_process(post_pk=post.pk), start_together=False)
    assert facebook_on.arrived.wait(30)
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    facebook_on.release()
    assert _join(worker) == ["off"]
    post.refresh_from_db()
    assert post.state == FacebookState.OFF and facebook_on.deletes == []


def repr_refused() -> str:
    from django.core.exceptions import ValidationError

    return repr(
        ValidationError(["There is nothing to try again: see the Facebook box on this page."])
    )


@pytest.mark.django_db(transaction=True)
def test_two_editors_trying_again_at_once_post_once(
    crew, story, facebook_on, clock, django_capture_on_commit_callbacks
):
    for _ in range(services.MAX_POST_ATTEMPTS):
        facebook_on.answer(500, b"down")
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    while post.state == FacebookState.QUEUED:
        clock.now = post.next_attempt_at
        services.facebook_process_due()
        post.refresh_from_db()
    assert post.state == FacebookState.FAILED
    before = len(facebook_on.posts)

    def retry(who: str) -> Callable[[], object]:
        # A thread starts with the default language (Khmer), not the test's English.
        def run() -> object:
            with translation.override("en"):
                return services.facebook_retry_now(actor=crew.users[who], story_id=shown.pk).state

        return run

    results = _join(_run(retry("edna"), retry("eric")))
    # Both are taken, or the second finds it already posted by the first's attempt.
    assert "queued" in results and set(results) <= {"queued", repr_refused()}
    post.refresh_from_db()
    assert post.state == FacebookState.POSTED
    assert len(facebook_on.posts) == before + 1
