"""The Facebook box on the staff story page, over HTTP, and the editor's "try again
now": each state said in plain words; the button for editors only (others get a logged
403, nothing changes); with no Page set up the feature is visibly off and nothing is
queued."""

from __future__ import annotations

import pytest
from django.test import Client

from migra.audit.models import AuditAction, AuditEvent
from migra.sharing import services
from migra.sharing.models import FacebookPost, FacebookState
from migra.sharing.tests.conftest import PAGE_ID, publish, withdraw
from migra.stories import services as story_services
from migra.stories.models import StoryState
from migra.stories.tests.conftest import advance, login_as

OFF = "Posting to Facebook is off: no Facebook Page is set up."
BUTTON = "Try again now</button>"


def _page(client: Client, story_pk: int) -> str:
    response = client.get(f"/app/stories/{story_pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _retry_url(story_pk: int) -> str:
    return f"/app/sharing/facebook/stories/{story_pk}/retry/"


def _fail_for_good(crew, story, fake, clock, capture):  # type: ignore[no-untyped-def]
    for _ in range(services.MAX_POST_ATTEMPTS):
        fake.error(400, 200, "(#200) The user hasn't authorized the application")
    shown = publish(crew, story(), capture)
    post = FacebookPost.objects.get(story=shown)
    while post.state == FacebookState.QUEUED:
        clock.now = post.next_attempt_at
        services.facebook_process_due()
        post.refresh_from_db()
    return shown, post


# --------------------------------------------------------------------------- off


def test_without_a_page_the_editor_is_told_and_nothing_is_queued(
    crew, story, client, fake_graph, settings, django_capture_on_commit_callbacks
):
    settings.MIGRA_FACEBOOK_GRAPH_URL = fake_graph.url  # so that a call would be seen
    approved = advance(crew, story(), StoryState.APPROVED)
    login_as(client, crew.users["edna"])
    assert OFF in _page(client, approved.pk)
    with django_capture_on_commit_callbacks(execute=True):
        shown = story_services.story_publish(
            actor=crew.users["edna"],
            story_id=approved.pk,
            expected_version=approved.version,
            confirm_no_person=True,
        )
    assert not FacebookPost.objects.exists() and fake_graph.requests == []
    assert OFF in _page(client, shown.pk)
    # The button's address refuses, and says why.
    response = client.post(_retry_url(shown.pk), follow=True)
    assert OFF in response.content.decode()
    assert not FacebookPost.objects.exists()


@pytest.mark.parametrize(("page_id", "token"), [("", "EAAxyz"), ("1234", ""), ("12ab", "EAAx")])
def test_half_a_setup_is_off(
    crew, story, fake_graph, settings, page_id, token, django_capture_on_commit_callbacks
):
    settings.MIGRA_FACEBOOK_PAGE_ID = page_id
    settings.MIGRA_FACEBOOK_PAGE_TOKEN = token
    settings.MIGRA_FACEBOOK_GRAPH_URL = fake_graph.url
    publish(crew, story(), django_capture_on_commit_callbacks)
    assert not FacebookPost.objects.exists() and fake_graph.requests == []


def test_the_author_and_a_draft_show_no_box(crew, story, client, facebook_on):
    draft = story()
    login_as(client, crew.users["peter"])
    page = _page(client, draft.pk)
    assert 'id="facebook"' not in page and OFF not in page


# --------------------------------------------------------------------------- each state


def test_an_approved_story_says_it_will_be_posted(crew, story, client, facebook_on):
    approved = advance(crew, story(), StoryState.APPROVED)
    login_as(client, crew.users["edna"])
    page = _page(client, approved.pk)
    assert "Once published, the story will be posted to the programme" in page
    assert OFF not in page


def test_a_posted_story_links_to_its_post(
    crew, story, client, facebook_on, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    login_as(client, crew.users["edna"])
    page = _page(client, shown.pk)
    assert "Posted to the Facebook Page on" in page
    assert f'href="https://www.facebook.com/{PAGE_ID}_1001"' in page
    assert BUTTON not in page


def test_a_retry_on_its_way_is_explained_with_a_button(
    crew, story, client, facebook_on, clock, django_capture_on_commit_callbacks
):
    facebook_on.error(400, 190, "Error validating access token: Session has expired")
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    login_as(client, crew.users["edna"])
    page = _page(client, shown.pk)
    assert "Posting to Facebook failed once. Migra will try again at" in page
    assert "Facebook refused the Page&#x27;s access token" in page
    assert "Error validating access token: Session has expired" in page
    assert BUTTON in page


def test_a_withdrawer_sees_the_box_but_no_button(
    crew, story, client, facebook_on, clock, django_capture_on_commit_callbacks
):
    shown, post = _fail_for_good(
        crew, story, facebook_on, clock, django_capture_on_commit_callbacks
    )
    login_as(client, crew.users["alice"])
    page = _page(client, shown.pk)
    assert "Migra stopped trying." in page and BUTTON not in page
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    response = client.post(_retry_url(shown.pk))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == denied + 1
    post.refresh_from_db()
    assert post.state == FacebookState.FAILED


def test_the_editor_tries_again_and_it_is_posted(
    crew, story, client, facebook_on, clock, django_capture_on_commit_callbacks
):
    shown, post = _fail_for_good(
        crew, story, facebook_on, clock, django_capture_on_commit_callbacks
    )
    login_as(client, crew.users["eric"])
    page = _page(client, shown.pk)
    assert "Migra stopped trying." in page and BUTTON in page
    assert "may not post on the Page" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_retry_url(shown.pk))
    assert response.status_code == 302
    assert response["Location"] == f"/app/stories/{shown.pk}/#facebook"
    post.refresh_from_db()
    assert post.state == FacebookState.POSTED and post.post_id
    retry = AuditEvent.objects.filter(
        object_type="sharing.facebookpost", actor_id=crew.users["eric"].pk
    ).get()
    assert retry.changes == {"story": shown.pk, "retry": True, "from": "failed", "to": "queued"}
    assert retry.path == _retry_url(shown.pk)


@pytest.mark.parametrize("who", ["peter", "nora", "charlie", "gina"])
def test_others_may_not_press_the_button(
    crew, story, client, facebook_on, clock, django_capture_on_commit_callbacks, who
):
    shown, post = _fail_for_good(
        crew, story, facebook_on, clock, django_capture_on_commit_callbacks
    )
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    login_as(client, crew.users[who])
    response = client.post(_retry_url(shown.pk))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == denied + 1
    post.refresh_from_db()
    assert post.state == FacebookState.FAILED


def test_bad_requests_to_the_button_change_nothing(
    crew, story, client, facebook_on, clock, django_capture_on_commit_callbacks
):
    shown, post = _fail_for_good(
        crew, story, facebook_on, clock, django_capture_on_commit_callbacks
    )
    sent = len(facebook_on.requests)
    # Not logged in: to the login page.
    assert client.post(_retry_url(shown.pk)).status_code == 302
    login_as(client, crew.users["edna"])
    assert client.get(_retry_url(shown.pk)).status_code == 405
    assert client.post(_retry_url(999999)).status_code == 404
    assert client.post(f"/app/sharing/facebook/stories/{shown.pk}x/retry/").status_code == 404
    assert client.post("/app/sharing/facebook/stories/" + "9" * 400 + "/retry/").status_code == 404
    # Without the form's CSRF token: refused.
    strict = Client(enforce_csrf_checks=True)
    login_as(strict, crew.users["edna"])
    assert strict.post(_retry_url(shown.pk)).status_code == 403
    post.refresh_from_db()
    assert post.state == FacebookState.FAILED and len(facebook_on.requests) == sent


def test_nothing_to_try_again_is_said_and_changes_nothing(
    crew, story, client, facebook_on, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    login_as(client, crew.users["edna"])
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = client.post(_retry_url(shown.pk), follow=True)
    assert "There is nothing to try again" in response.content.decode()
    assert FacebookPost.objects.get().state == FacebookState.POSTED
    # Only the page views were logged, no change.
    assert not AuditEvent.objects.filter(
        seq__gt=last, action=AuditAction.UPDATE, object_type="sharing.facebookpost"
    ).exists()


def test_a_hostile_answer_from_facebook_is_shown_as_text(
    crew, story, client, facebook_on, django_capture_on_commit_callbacks
):
    facebook_on.error(400, 100, '<script>alert("x")</script><img src=x onerror=alert(1)>')
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    login_as(client, crew.users["edna"])
    page = _page(client, shown.pk)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_a_withdrawn_story_shows_its_removal(
    crew, story, client, facebook_on, clock, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    for _ in range(services.DELETE_WARN_AFTER):
        facebook_on.answer(503, b"busy")
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    login_as(client, crew.users["edna"])
    page = _page(client, shown.pk)
    assert "removing its post from Facebook failed once" in page
    assert "Remove it by hand" not in page
    for _ in range(services.DELETE_WARN_AFTER - 1):
        clock.now = post.next_attempt_at
        services.facebook_process_due()
        post.refresh_from_db()
    page = _page(client, shown.pk)
    assert "Remove it by hand on the Page now" in page
    assert f'href="https://www.facebook.com/{post.post_id}"' in page
    assert BUTTON in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_retry_url(shown.pk))
    post.refresh_from_db()
    assert post.state == FacebookState.DELETED
    page = _page(client, shown.pk)
    assert "its post was removed from the Facebook Page on" in page


def test_a_story_withdrawn_before_posting_says_so(
    crew, story, client, facebook_on, queue_only, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    login_as(client, crew.users["edna"])
    assert "The worker will post it to the Facebook Page in a moment." in _page(client, shown.pk)
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    assert "withdrawn before it was posted to Facebook" in _page(client, shown.pk)


def test_the_box_renders_in_khmer(
    crew, story, client, facebook_on, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    login_as(client, crew.users["edna"])
    client.cookies["migra_language"] = "km"
    response = client.get(f"/app/stories/{shown.pk}/", HTTP_ACCEPT_LANGUAGE="km")
    assert response.status_code == 200 and 'id="facebook"' in response.content.decode()


def test_a_post_left_on_the_page_after_posting_was_turned_off_asks_for_a_hand(
    crew, story, client, facebook_on, settings, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    settings.MIGRA_FACEBOOK_PAGE_ID = ""
    settings.MIGRA_FACEBOOK_PAGE_TOKEN = ""
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    login_as(client, crew.users["edna"])
    page = _page(client, shown.pk)
    assert OFF in page and "its post could not be removed from Facebook" in page
    assert "with no Facebook Page set up, Migra cannot." in page
    assert f'href="https://www.facebook.com/{post.post_id}"' in page
    assert BUTTON not in page and "Migra will try again" not in page
