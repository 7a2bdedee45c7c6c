"""Stories in the search: the public finds published stories only; editors find
submitted ones in their places; a withdrawn story leaves the index; the real name is
not indexed before publication, the registry names never."""

from __future__ import annotations

from migra.search.models import SearchDocument
from migra.search.selectors import search_for_user, search_public
from migra.stories import services
from migra.stories.models import StoryState
from migra.stories.tests.conftest import advance


def _public(query: str) -> set[str]:
    return {r.object_id for r in search_public(query, doc_types=["story"])}


def _staff(user, query: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.object_id for r in search_for_user(user, query, doc_types=["story"])}


def test_only_published_stories_are_public(crew, story):
    draft = story(title_km="ដំណើរឆ្លងដែន")
    submitted = advance(crew, story(title_km="ដំណើរឆ្លងដែន"), StoryState.SUBMITTED)
    live = advance(crew, story(title_km="ដំណើរឆ្លងដែន"), StoryState.PUBLISHED)
    assert _public("ដំណើរ") == {str(live.pk)}
    assert _public("ប្រាក់ឈ្នួល") == {str(live.pk)}  # a word inside the text
    # Editors find what was submitted; a first draft is not indexed at all.
    assert _staff(crew.users["edna"], "ដំណើរ") == {str(submitted.pk), str(live.pk)}
    assert _staff(crew.users["nora"], "ដំណើរ") == set()  # Siem Reap only
    assert _staff(crew.users["peter"], "ដំណើរ") == set()  # writers use their list
    assert not SearchDocument.objects.filter(doc_type="story", object_id=str(draft.pk)).exists()


def test_english_and_thai_versions_are_searchable(crew, story):
    live = advance(
        crew,
        story(
            title_en="Beyond what was told",
            text_en="Unpaid wages on a fishing boat",
            title_th="เกินกว่าที่บอกไว้",
            text_th="ค่าจ้างที่ไม่ได้รับ",
        ),
        StoryState.PUBLISHED,
    )
    assert _public("fishing") == {str(live.pk)}
    assert _public("Beyond") == {str(live.pk)}
    assert _public("ค่าจ้าง") == {str(live.pk)}


def test_withdrawn_story_leaves_the_index(crew, story):
    live = advance(crew, story(), StoryState.PUBLISHED)
    assert _public("ប្រាក់ឈ្នួល") == {str(live.pk)}
    services.story_withdraw(
        actor=crew.users["alice"], story_id=live.pk, expected_version=live.version
    )
    assert _public("ប្រាក់ឈ្នួល") == set()
    assert not SearchDocument.objects.filter(doc_type="story", object_id=str(live.pk)).exists()


def test_names(crew, story, person, consent):
    someone = person("ចាន់ សុភាព")
    consent(someone, "story")
    consent(someone, "real_name")
    named = story(name_shown="Sopheap", name_is_real=True)
    named = services.story_person_link(
        actor=None, story_id=named.pk, expected_version=named.version, person_id=someone.pk
    )
    named = advance(crew, named, StoryState.APPROVED)
    # Approved but not published: the real name is not in the index.
    assert _staff(crew.users["edna"], "Sopheap") == set()
    services.story_publish(
        actor=crew.users["edna"], story_id=named.pk, expected_version=named.version
    )
    assert _public("Sopheap") == {str(named.pk)}
    # The registry's names of the person are never indexed with the story.
    assert _public("ចាន់") == set()
    pseudonym = advance(crew, story(name_shown="Pisey"), StoryState.SUBMITTED)
    assert _staff(crew.users["edna"], "Pisey") == {str(pseudonym.pk)}
