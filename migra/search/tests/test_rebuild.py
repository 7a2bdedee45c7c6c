"""`migra search rebuild` indexes every record again and drops rows of vanished ones."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils.html import strip_tags

from migra.search.models import SearchDocument
from migra.search.selectors import search_for_user
from migra.search.tests.conftest import ids
from migra.search.tests.searchable_app.models import Story

pytestmark = pytest.mark.django_db


def test_rebuild_indexes_and_cleans(superuser, lead):
    stories = [
        Story.objects.create(title=str(n), body="ការជួញដូរមនុស្ស", agency=lead) for n in range(5)
    ]
    SearchDocument.objects.create(
        doc_type="test_story",
        object_id="999999",
        body_tokens="ជួញដូរ",
        updated_at="2025-01-01T00:00Z",
    )
    assert len(search_for_user(superuser, "ជួញដូរ")) == 0  # not indexed yet; stale row hidden
    out = StringIO()
    call_command("search", "rebuild", "--type", "test_story", "--batch", "2", stdout=out)
    assert "test_story: 5 indexed, 1 removed" in out.getvalue()
    assert sorted(ids(search_for_user(superuser, "ជួញដូរ"))) == sorted(str(s.pk) for s in stories)
    assert SearchDocument.objects.filter(doc_type="test_story").count() == 5


def test_rebuild_everything_includes_places(superuser, cast):
    call_command("search", "rebuild", stdout=StringIO())
    titles = [strip_tags(r.title) for r in search_for_user(superuser, "siem reap")]
    assert titles == ["Siem Reap · Province 17"]


def test_unknown_type_and_missing_action(db):
    with pytest.raises(CommandError):
        call_command("search", "rebuild", "--type", "nope", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("search", stdout=StringIO())
