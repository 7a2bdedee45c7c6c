"""A story linked to its person from the person's page, by the staff member who manages
that person (peer educators and editors do not see the registry): by number, seeing
nothing of the story; never a published, withdrawn or already linked story."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from migra.audit.models import AuditAction, AuditEvent
from migra.stories import services
from migra.stories.models import Story, StoryState
from migra.stories.tests.conftest import advance, login_as
from migra.stories.tests.test_concurrency import _race

pytestmark = pytest.mark.django_db

KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


def _link(client: Client, person_pk: int, number: str) -> list[str]:
    response = client.post(f"/app/stories/link-person/{person_pk}/", {"story": number})
    assert response.status_code == 302
    assert response["Location"] == f"/app/people/{person_pk}/#stories"
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


def test_the_facilitator_links_a_draft_by_its_number_in_khmer_digits(crew, story, person, client):
    draft, someone = story(), person()
    login_as(client, crew.users["gina"])
    page = client.get(f"/app/people/{someone.pk}/")
    assert f'action="/app/stories/link-person/{someone.pk}/"' in page.content.decode()
    messages = _link(client, someone.pk, str(draft.pk).translate(KHMER_DIGITS))
    draft.refresh_from_db()
    assert draft.person == someone and draft.version == 2
    assert len(messages) == 1 and str(draft.pk) in messages[0]
    event = AuditEvent.objects.filter(object_label=f"story #{draft.pk}").latest("pk")
    assert event.changes["person"] == someone.pk and event.changes["from"] == "person_page"
    assert draft.title_km not in str(event.changes)


def test_a_linked_story_then_needs_the_persons_consent(crew, story, person, consent):
    someone = person()
    draft = services.story_link_from_person_page(
        actor=crew.users["gina"], person_id=someone.pk, story_id=story().pk
    )
    approved = advance(crew, draft, StoryState.APPROVED)
    with pytest.raises(ValidationError) as refused:
        services.story_publish(
            actor=crew.users["edna"], story_id=approved.pk, expected_version=approved.version
        )
    assert refused.value.code == "consent_missing"
    consent(someone, "story")
    published = services.story_publish(
        actor=crew.users["edna"], story_id=approved.pk, expected_version=approved.version
    )
    assert published.state == StoryState.PUBLISHED


@pytest.mark.parametrize("who", ["peter", "edna", "charlie", "dan"])
def test_who_does_not_manage_the_person_is_refused_and_logged(crew, story, person, client, who):
    draft, someone = story(), person()
    login_as(client, crew.users[who])
    response = client.post(f"/app/stories/link-person/{someone.pk}/", {"story": str(draft.pk)})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.person_id is None and draft.version == 1
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).exists()


@pytest.mark.parametrize(
    "number",
    ["", "abc", "<script>alert(1)</script>", "-4", "0", "9" * 40, "1.5", "99999999"],
)
def test_a_bad_number_gives_a_clear_message_and_changes_nothing(
    crew, story, person, client, number
):
    draft, someone = story(), person()
    login_as(client, crew.users["gina"])
    messages = _link(client, someone.pk, number)
    assert len(messages) == 1 and "<script>" not in messages[0]
    assert Story.objects.get(pk=draft.pk).version == 1


@pytest.mark.parametrize("state", [StoryState.PUBLISHED, "withdrawn", "linked"])
def test_published_withdrawn_or_linked_stories_cannot_be_taken_over(crew, story, person, state):
    someone, other = person(), person("កែវ សុភា")
    draft = story()
    if state == "linked":
        draft = services.story_link_from_person_page(
            actor=crew.users["gina"], person_id=other.pk, story_id=draft.pk
        )
    else:
        draft = advance(crew, draft, StoryState.PUBLISHED)
        if state == "withdrawn":
            draft = services.story_withdraw(
                actor=crew.users["alice"],
                story_id=draft.pk,
                expected_version=draft.version,
            )
    before = Story.objects.get(pk=draft.pk)
    with pytest.raises(ValidationError) as refused:
        services.story_link_from_person_page(
            actor=crew.users["gina"], person_id=someone.pk, story_id=draft.pk
        )
    assert refused.value.code == "story"
    after = Story.objects.get(pk=draft.pk)
    assert (after.person_id, after.version) == (before.person_id, before.version)


def test_linking_the_same_person_again_changes_nothing(crew, story, person):
    someone = person()
    first = services.story_link_from_person_page(
        actor=crew.users["gina"], person_id=someone.pk, story_id=story().pk
    )
    again = services.story_link_from_person_page(
        actor=crew.users["gina"], person_id=someone.pk, story_id=first.pk
    )
    assert again.version == first.version


@pytest.mark.django_db(transaction=True)
def test_two_people_linking_one_story_at_once_one_wins(crew, story, person):
    draft, one, two = story(), person(), person("កែវ សុភា")

    def link(who: int) -> object:
        return services.story_link_from_person_page(
            actor=crew.users["gina"], person_id=who, story_id=draft.pk
        )

    results = _race(lambda: link(one.pk), lambda: link(two.pk))
    assert sorted(results) == ["ok", "story"]  # the loser: "no story … waiting to be linked"
    linked = Story.objects.get(pk=draft.pk)
    assert linked.person_id in (one.pk, two.pk) and linked.version == 2
