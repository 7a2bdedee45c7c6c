"""Stories in the search index.

Staff search: editors (EDIT_STORIES over the story's place) find stories that were
submitted at least once. Public search (`search_public`): published stories only. The
text fields are the titles and texts in every language (words of the sanitised HTML);
the name shown is indexed only when it is a pseudonym, or once the story is published
(the real name is shown only with the person's consent, checked at publication). The
linked person's registry names are never indexed. Withdrawn stories and first drafts are
not in the index at all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from migra.accounts.roles import Perm
from migra.search.registry import register
from migra.stories.richtext import plain_text


def _titles(story: Any) -> list[str]:
    return [t for t in (story.title_km, story.title_en, story.title_th) if t]


def _texts(story: Any) -> list[str]:
    return [plain_text(t) for t in (story.text_km, story.text_en, story.text_th) if t]


def _name(story: Any) -> list[str]:
    from migra.stories.models import StoryState

    if not story.name_shown:
        return []
    if story.name_is_real and story.state != StoryState.PUBLISHED:
        return []
    return [story.name_shown]


def _snippet(story: Any) -> str:
    return plain_text(story.text_km)


def _is_public(story: Any) -> bool:
    from migra.stories.models import StoryState

    return bool(story.state == StoryState.PUBLISHED)


def _indexable(story: Any) -> bool:
    from migra.stories.models import StoryState

    return story.state != StoryState.WITHDRAWN and story.submitted_at is not None


def _stories() -> QuerySet[Any]:
    from migra.stories.models import Story, StoryState

    return (
        Story.objects.exclude(state=StoryState.WITHDRAWN)
        .filter(submitted_at__isnull=False)
        .select_related("place")
        .order_by("updated_at", "pk")
    )


register(
    "story",
    model="stories.Story",
    label=gettext_lazy("Stories"),
    permission=Perm.EDIT_STORIES,
    place_field="place",
    text_fields=[_titles, _texts, _name],
    title="title_km",
    display=lambda story: story.title,
    public=_is_public,
    url=lambda story: reverse("stories:detail", args=[story.pk]),
    snippet=_snippet,
    queryset=_stories,
    indexable=_indexable,
)
