"""Publishing a story queues it for the Page; the worker posts it with the right fields
(read back from the request the stand-in Graph API received); every kind of failure is
recorded and retried with back-off until the worker gives up and the editor may try
again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from migra.audit.models import AuditEvent
from migra.sharing import graph, services
from migra.sharing.models import FacebookPost, FacebookState
from migra.sharing.tasks import facebook_retry_due, facebook_send
from migra.sharing.tests.conftest import PAGE_ID, TOKEN, publish
from migra.stories.models import StoryState
from migra.stories.tests.conftest import STORY_TEXT


def _post_audit(post: FacebookPost) -> list[dict]:
    return [
        e.changes
        for e in AuditEvent.objects.filter(
            object_type="sharing.facebookpost", object_id=str(post.pk)
        ).order_by("seq")
    ]


def test_publishing_queues_the_story_and_enqueues_one_attempt(
    crew, story, facebook_on, queue_only, clock, django_capture_on_commit_callbacks
):
    published = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=published)
    assert post.state == FacebookState.QUEUED and post.attempts == 0 and not post.post_id
    assert post.next_attempt_at == clock.now
    # Nothing reached Facebook in the request: one task waits for the worker.
    assert facebook_on.requests == []
    from django_tasks import default_task_backend

    queued = default_task_backend.results  # type: ignore[attr-defined]
    assert [(r.task.module_path, r.kwargs) for r in queued] == [
        (facebook_send.module_path, {"post_pk": post.pk})
    ]
    assert _post_audit(post) == [{"story": published.pk, "state": "queued"}]


def test_the_worker_posts_title_excerpt_and_link_with_the_token_in_the_body(
    crew, story, facebook_on, django_capture_on_commit_callbacks
):
    published = publish(crew, story(name_shown="ស្រីពៅ"), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=published)
    assert post.state == FacebookState.POSTED
    assert post.post_id == f"{PAGE_ID}_1001" and post.attempts == 0 and post.posted_at
    assert post.facebook_url == f"https://www.facebook.com/{PAGE_ID}_1001"
    [sent] = facebook_on.requests
    assert sent.method == "POST" and sent.path == f"/v25.0/{PAGE_ID}/feed"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sorted(sent.form) == ["access_token", "link", "message"]
    assert sent.form["access_token"] == TOKEN
    assert sent.form["link"] == f"https://migra.example.org/km/stories/{published.pk}/"
    assert sent.form["message"] == (
        "ការធ្វើដំណើរទៅប្រទេសថៃ\n\nខ្ញុំបានទៅធ្វើការនៅប្រទេសថៃ ហើយមិនបានប្រាក់ឈ្នួលទេ។"
    )
    # The name shown and the place are not in the post; the token is not in the URL.
    assert "ស្រីពៅ" not in sent.form["message"] and TOKEN not in sent.path
    assert _post_audit(post)[-1] == {
        "story": published.pk,
        "job": "queued",
        "outcome": "posted",
        "attempts": 0,
        "post_id": post.post_id,
    }


def test_the_link_uses_the_public_story_page_when_it_exists(crew, story, settings):
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    settings.MIGRA_SITE_URL = "https://migra.example.org"
    draft = story()
    with translation.override("km"):
        try:
            expected = reverse("public-stories:detail", args=[draft.pk])
        except NoReverseMatch:
            expected = f"/km/stories/{draft.pk}/"
    assert expected.startswith("/km/")
    assert services.story_public_url(draft) == f"https://migra.example.org{expected}"


def test_a_long_text_is_cut_between_two_khmer_words_without_its_markup(crew, story):
    sentence = "ខ្ញុំបានទៅធ្វើការនៅប្រទេសថៃ ហើយមិនបានប្រាក់ឈ្នួលទេ។"
    text = "<p><strong>" + sentence * 3 + "</strong></p><p>" + "ការងារ" * 200 + "</p>"
    message = services.facebook_message(story(text_km=text))
    title, excerpt = message.split("\n\n", 1)
    assert title == "ការធ្វើដំណើរទៅប្រទេសថៃ"
    assert excerpt.endswith("…") and len(excerpt) <= services.EXCERPT_CHARS + 1
    assert "<" not in excerpt and "strong" not in excerpt
    body = excerpt[:-1]
    # Cut after a whole word: what is kept is a run of whole "ការងារ" after the sentences.
    tail = body.split("\n\n")[-1]
    assert tail and tail == "ការងារ" * (len(tail) // len("ការងារ"))


def test_a_short_story_is_posted_whole(crew, story):
    assert services.facebook_message(story(text_km=STORY_TEXT)).endswith("ទេ។")


# --------------------------------------------------------------------------- failures


FAILURES = [
    # (what the stand-in does, the kind recorded, words in the detail)
    ("json_400", graph.ErrorKind.PERMISSION, "HTTP 400, code 200: (#200) Permissions error"),
    ("token_190", graph.ErrorKind.TOKEN, "HTTP 400, code 190: Error validating access token"),
    ("rate_4", graph.ErrorKind.RATE_LIMIT, "HTTP 400, code 4"),
    ("html_500", graph.ErrorKind.FACEBOOK_DOWN, "HTTP 500"),
    ("not_json_200", graph.ErrorKind.BAD_ANSWER, "not JSON"),
    ("bad_id_200", graph.ErrorKind.BAD_ANSWER, "no post id"),
    ("redirect_302", graph.ErrorKind.REFUSED, "HTTP 302"),
    ("timeout", graph.ErrorKind.TIMEOUT, "no answer in time"),
    ("refused", graph.ErrorKind.UNREACHABLE, "refused"),
]


def _arrange(kind: str, fake, monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    if kind == "json_400":
        fake.error(400, 200, "(#200) Permissions error", fbtrace_id="AbC")
    elif kind == "token_190":
        fake.error(400, 190, "Error validating access token")
    elif kind == "rate_4":
        fake.error(400, 4, "Application request limit reached")
    elif kind == "html_500":
        fake.answer(500, b"<html><body>Oops</body></html>")
    elif kind == "not_json_200":
        fake.answer(200, b"<html>hello</html>")
    elif kind == "bad_id_200":
        fake.answer(200, {"id": "<script>alert(1)</script>"})
    elif kind == "redirect_302":
        fake.answer(302, b"")
    elif kind == "timeout":
        monkeypatch.setattr(graph, "TIMEOUT_SECONDS", 0.3)
        fake.hang()
    elif kind == "refused":
        import socket

        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()
        settings.MIGRA_FACEBOOK_GRAPH_URL = f"http://127.0.0.1:{port}/v25.0"


@pytest.mark.parametrize(("failure", "kind", "detail"), FAILURES)
def test_a_failure_is_recorded_and_a_retry_scheduled(
    crew,
    story,
    facebook_on,
    clock,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
    failure,
    kind,
    detail,
):
    _arrange(failure, facebook_on, monkeypatch, settings)
    published = publish(crew, story(), django_capture_on_commit_callbacks)
    facebook_on.release()
    post = FacebookPost.objects.get(story=published)
    assert post.state == FacebookState.QUEUED and post.attempts == 1
    assert post.error_kind == kind and detail in post.last_error
    assert post.next_attempt_at == clock.now + timedelta(minutes=1)
    assert not post.post_id and not post.claim and post.claimed_until is None
    assert TOKEN not in post.last_error
    # The story itself stays published: Facebook is not part of publishing.
    published.refresh_from_db()
    assert published.state == StoryState.PUBLISHED
    assert _post_audit(post)[-1]["error"] == kind


def test_not_due_yet_nothing_is_sent_then_the_retry_succeeds(
    crew, story, facebook_on, clock, django_capture_on_commit_callbacks
):
    facebook_on.answer(503, b"busy")
    published = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=published)
    assert post.attempts == 1 and len(facebook_on.posts) == 1
    # Thirty seconds on: not due, neither the periodic task nor a stray task sends.
    clock.advance(seconds=30)
    assert facebook_retry_due.call() == {}
    assert facebook_send.call(post_pk=post.pk) == "skipped"
    assert len(facebook_on.posts) == 1
    clock.advance(seconds=31)
    assert facebook_retry_due.call() == {"posted": 1}
    post.refresh_from_db()
    assert post.state == FacebookState.POSTED and post.post_id == f"{PAGE_ID}_1001"
    assert post.error_kind == "" and post.last_error == ""
    assert len(facebook_on.posts) == 2


def test_back_off_grows_then_the_worker_gives_up(
    crew, story, facebook_on, clock, django_capture_on_commit_callbacks
):
    for _ in range(services.MAX_POST_ATTEMPTS):
        facebook_on.answer(500, b"down")
    published = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=published)
    waits = []
    while post.state == FacebookState.QUEUED:
        waits.append(post.next_attempt_at - clock.now)
        clock.now = post.next_attempt_at
        facebook_retry_due.call()
        post.refresh_from_db()
    assert [w / timedelta(minutes=1) for w in waits] == [1, 5, 15, 60, 240]
    assert post.state == FacebookState.FAILED and post.attempts == services.MAX_POST_ATTEMPTS
    assert post.next_attempt_at is None
    # A failed post is left alone by the periodic task.
    clock.advance(days=1)
    assert facebook_retry_due.call() == {}
    assert len(facebook_on.posts) == services.MAX_POST_ATTEMPTS


def test_a_stray_task_for_a_missing_or_odd_row_does_nothing(db, facebook_on):
    assert facebook_send.call(post_pk=999999) == "skipped"
    assert facebook_send.call(post_pk=True) == "skipped"
    assert facebook_send.call(post_pk="1") == "skipped"
    assert facebook_on.requests == []


def test_an_oversized_answer_is_not_read_whole(
    crew, story, facebook_on, django_capture_on_commit_callbacks
):
    facebook_on.answer(200, b'{"id": "' + b"1" * (graph.MAX_ANSWER_BYTES * 2) + b'"}')
    published = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=published)
    assert post.error_kind == graph.ErrorKind.BAD_ANSWER and not post.post_id
