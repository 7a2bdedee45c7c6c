"""The demo stories: made once, one waiting for the editor, one published with a
pseudonym on the strength of a recorded consent, in the demo collection."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from migra.accounts.models import User
from migra.search.selectors import search_public
from migra.stories.demo import COLLECTION_TITLE, PSEUDONYM, PUBLISHED_TITLE, SUBMITTED_TITLE
from migra.stories.models import Collection, Story, StoryState
from migra.stories.selectors import stories_queue


@pytest.mark.django_db
def test_demo_stories_once(capsys):  # type: ignore[no-untyped-def]
    call_command("demo", "--allow-production")
    call_command("demo", "--allow-production")
    assert Story.objects.count() == 2
    waiting = Story.objects.get(title_km=SUBMITTED_TITLE)
    live = Story.objects.get(title_km=PUBLISHED_TITLE)
    assert waiting.state == StoryState.SUBMITTED
    assert live.state == StoryState.PUBLISHED
    assert live.name_shown == PSEUDONYM and not live.name_is_real
    assert live.person is not None and live.no_person_confirmed_at is None
    editor = User.objects.get(email="editor@demo.migra.local")
    assert list(stories_queue(editor)) == [waiting]
    assert [r.object_id for r in search_public("ប្រាក់ឈ្នួល", doc_types=["story"])] == [str(live.pk)]
    collection = Collection.objects.get(title_km=COLLECTION_TITLE)
    assert collection.is_published
    assert [item.story_id for item in collection.items.all()] == [live.pk]
