"""A withdrawn story's post comes down from the Page at once (a task, retried until it
works); one withdrawn before it was posted is never posted; and withdrawing never waits
for, nor depends on, Facebook."""

from __future__ import annotations

from datetime import timedelta

from migra.people.services import consent_withdraw
from migra.search.selectors import search_public
from migra.sharing import graph, services
from migra.sharing.models import FacebookPost, FacebookState
from migra.sharing.selectors import facebook_status_for
from migra.sharing.tasks import facebook_retry_due
from migra.sharing.tests.conftest import PAGE_ID, TOKEN, publish, withdraw
from migra.stories.models import StoryState


def test_withdrawal_deletes_the_post_with_the_token_in_a_header(
    crew, story, facebook_on, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    assert post.state == FacebookState.POSTED
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.state == FacebookState.DELETED and post.deleted_at is not None
    [gone] = facebook_on.deletes
    assert gone.path == f"/v25.0/{post.post_id}"
    assert gone.headers["Authorization"] == f"Bearer {TOKEN}"
    assert gone.raw == b"" and TOKEN not in gone.path
    assert len(facebook_on.posts) == 1


def test_withdrawal_before_posting_cancels_it(
    crew, story, facebook_on, queue_only, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    assert post.state == FacebookState.QUEUED
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.state == FacebookState.OFF and post.next_attempt_at is None
    # The task enqueued at publication finds nothing to do; nor does the periodic one.
    assert queue_only() == ["skipped"]
    assert facebook_retry_due.call() == {}
    assert facebook_on.requests == []


def test_a_failed_post_is_cancelled_by_withdrawal(
    crew, story, facebook_on, clock, django_capture_on_commit_callbacks
):
    for _ in range(services.MAX_POST_ATTEMPTS):
        facebook_on.answer(500, b"down")
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    while post.state == FacebookState.QUEUED:
        clock.now = post.next_attempt_at
        facebook_retry_due.call()
        post.refresh_from_db()
    assert post.state == FacebookState.FAILED
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.state == FacebookState.OFF
    assert facebook_on.deletes == []


def test_withdrawal_by_consent_loss_deletes_the_post(
    crew, person, consent, facebook_on, django_capture_on_commit_callbacks
):
    from migra.stories import services as story_services

    someone = person()
    given = consent(someone, "story")
    draft = story_services.story_create(
        actor=crew.users["peter"],
        kind="testimony",
        title_km="ការធ្វើដំណើរ",
        text_km="<p>អត្ថបទ</p>",
        place_code="01020101",
    )
    draft = story_services.story_person_link(
        actor=None, story_id=draft.pk, expected_version=draft.version, person_id=someone.pk
    )
    shown = publish(crew, draft, django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    assert post.state == FacebookState.POSTED
    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(actor=crew.users["gina"], consent=given)
    shown.refresh_from_db()
    post.refresh_from_db()
    assert shown.state == StoryState.WITHDRAWN
    assert post.state == FacebookState.DELETED
    assert [r.path for r in facebook_on.deletes] == [f"/v25.0/{post.post_id}"]


def test_withdrawal_does_not_wait_for_facebook(
    crew, story, facebook_on, queue_only, django_capture_on_commit_callbacks
):
    """With the real queue the request only writes a row and a task; the task then
    removes the post."""
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    assert queue_only() == ["posted"]
    post = FacebookPost.objects.get(story=shown)
    facebook_on.requests.clear()
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.state == FacebookState.DELETING and facebook_on.requests == []
    assert queue_only() == ["deleted"]
    assert len(facebook_on.deletes) == 1


def test_withdrawal_works_when_facebook_cannot_be_reached(
    crew, story, facebook_on, settings, clock, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    assert len(search_public("ការធ្វើដំណើរទៅប្រទេសថៃ", doc_types=["story"])) == 1
    facebook_on.error(500, 2, "Service temporarily unavailable")
    withdrawn = withdraw(crew, shown, django_capture_on_commit_callbacks)
    # The story is down everywhere at once, whatever Facebook said.
    assert withdrawn.state == StoryState.WITHDRAWN
    assert search_public("ការធ្វើដំណើរទៅប្រទេសថៃ", doc_types=["story"]) == []
    post.refresh_from_db()
    assert post.state == FacebookState.DELETING and post.attempts == 1
    assert post.error_kind == graph.ErrorKind.FACEBOOK_DOWN
    assert post.next_attempt_at == clock.now + timedelta(minutes=1)
    # A minute later the periodic task removes it.
    clock.advance(minutes=1)
    assert facebook_retry_due.call() == {"deleted": 1}
    post.refresh_from_db()
    assert post.state == FacebookState.DELETED and post.error_kind == ""


def test_removal_never_gives_up_and_asks_for_a_hand(
    crew, story, facebook_on, clock, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    for _ in range(10):
        facebook_on.error(400, 190, "Error validating access token")
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    waits = []
    for _ in range(9):
        waits.append(post.next_attempt_at - clock.now)
        clock.now = post.next_attempt_at
        facebook_retry_due.call()
        post.refresh_from_db()
    assert post.state == FacebookState.DELETING and post.attempts == 10
    assert [w / timedelta(minutes=1) for w in waits] == [1, 5, 15, 60, 240, 360, 360, 360, 360]
    assert post.error_kind == graph.ErrorKind.TOKEN


def test_a_post_already_removed_by_hand_counts_as_removed(
    crew, story, facebook_on, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    facebook_on.error(
        400, 100, "Unsupported delete request. Object does not exist", error_subcode=33
    )
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    assert post.state == FacebookState.DELETED


def test_a_not_found_page_without_graphs_word_is_not_taken_for_removed(
    crew, story, facebook_on, django_capture_on_commit_callbacks
):
    """A wrong address answers 404 too: only Graph's own "does not exist" counts."""
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    facebook_on.answer(404, b"<html>Not Found</html>")
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    assert post.state == FacebookState.DELETING and post.error_kind == graph.ErrorKind.REFUSED


def test_a_withdrawn_post_is_removed_even_after_posting_was_turned_off(
    crew, story, facebook_on, settings, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    settings.MIGRA_FACEBOOK_PAGE_ID = ""
    settings.MIGRA_FACEBOOK_PAGE_TOKEN = ""
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    # It cannot be removed without a token: it waits, says why, and asks for a hand.
    assert post.state == FacebookState.DELETING and post.error_kind == graph.ErrorKind.OFF
    assert facebook_on.deletes == []
    status = facebook_status_for(crew.users["edna"], shown)
    assert status is not None and status.remove_by_hand and not status.may_retry
    assert status.error == "No Facebook Page is set up any more."


def test_a_worker_that_died_while_posting_leaves_it_to_a_person(
    crew, story, facebook_on, queue_only, clock, django_capture_on_commit_callbacks
):
    """Its lease runs out; the next worker does not post a second time blindly."""
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    assert services._claim(post.pk, "dead-worker", clock.now) == (True, False)
    clock.advance(minutes=5)
    assert services.facebook_process(post_pk=post.pk) == "skipped"  # still leased
    clock.advance(minutes=6)
    assert services.facebook_process(post_pk=post.pk) == "failed"
    post.refresh_from_db()
    assert post.state == FacebookState.FAILED
    assert post.error_kind == graph.ErrorKind.INTERRUPTED and not post.claim
    assert facebook_on.requests == []


def test_a_story_withdrawn_while_a_dead_worker_was_posting_asks_to_check_the_page(
    crew, story, facebook_on, queue_only, clock, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    services._claim(post.pk, "dead-worker", clock.now)
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.state == FacebookState.DELETING and not post.post_id
    clock.advance(minutes=11)
    assert facebook_retry_due.call() == {"off": 1}
    post.refresh_from_db()
    assert post.state == FacebookState.OFF and post.error_kind == graph.ErrorKind.INTERRUPTED
    assert facebook_on.requests == []


def test_page_id_in_every_post_request_is_the_configured_page(
    crew, story, facebook_on, django_capture_on_commit_callbacks
):
    publish(crew, story(), django_capture_on_commit_callbacks)
    assert {r.path for r in facebook_on.posts} == {f"/v25.0/{PAGE_ID}/feed"}


def test_a_withdrawal_that_was_not_heard_is_caught_up_by_the_periodic_task(
    crew, story, facebook_on, clock, django_capture_on_commit_callbacks
):
    """Should the signal's receiver fail after the story's commit, the next periodic
    run still takes the post down."""
    from migra.stories import services as story_services

    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    shown.refresh_from_db()
    # Withdrawn without running what waits for the commit: the receiver never runs.
    story_services.story_withdraw(
        actor=crew.users["alice"], story_id=shown.pk, expected_version=shown.version
    )
    post.refresh_from_db()
    assert post.state == FacebookState.POSTED
    with django_capture_on_commit_callbacks(execute=True):
        facebook_retry_due.call()
    post.refresh_from_db()
    assert post.state == FacebookState.DELETED and len(facebook_on.deletes) == 1


def test_a_queued_post_of_a_story_withdrawn_unheard_is_never_sent(
    crew, story, facebook_on, queue_only, django_capture_on_commit_callbacks
):
    from migra.stories import services as story_services

    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    shown.refresh_from_db()
    story_services.story_withdraw(
        actor=crew.users["alice"], story_id=shown.pk, expected_version=shown.version
    )
    # The task enqueued at publication runs before anything caught up.
    assert queue_only() == ["off"]
    assert FacebookPost.objects.get(story=shown).state == FacebookState.OFF
    assert facebook_on.requests == []
