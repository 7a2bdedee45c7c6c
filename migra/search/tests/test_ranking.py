"""Whole words before prefixes before substrings; within a tier, the newest first."""

from __future__ import annotations

import pytest

from migra.search.engine import PREFIX, SUBSTRING, WHOLE
from migra.search.selectors import search_for_user
from migra.search.services import search_index_upsert
from migra.search.tests.conftest import add_story, ids

pytestmark = pytest.mark.django_db


def test_whole_word_then_prefix_then_substring(superuser, lead):
    substring = add_story(title="a", body="my notebook", agency=lead)
    prefix = add_story(title="b", body="books and more", agency=lead)
    whole = add_story(title="c", body="a book", agency=lead)
    results = search_for_user(superuser, "book")
    assert ids(results) == [str(whole.pk), str(prefix.pk), str(substring.pk)]
    assert [r.tier for r in results] == [WHOLE, PREFIX, SUBSTRING]


def test_khmer_tiers(superuser, lead):
    substring = add_story(title="a", body="អ្នកជួញដូរ", agency=lead)  # one ICU word
    whole = add_story(title="b", body="ការជួញដូរមនុស្ស", agency=lead)
    results = search_for_user(superuser, "ជួញដូរ")
    assert ids(results)[0] == str(whole.pk)
    assert results[0].tier == WHOLE
    if len(results) > 1:  # ICU may keep អ្នកជួញដូរ whole: then it is a substring match
        assert ids(results)[1] == str(substring.pk)


def test_newest_first_within_a_tier(superuser, lead):
    older = add_story(title="a", body="ភូមិ", agency=lead)
    newer = add_story(title="b", body="ភូមិ", agency=lead)
    assert ids(search_for_user(superuser, "ភូមិ")) == [str(newer.pk), str(older.pk)]
    search_index_upsert(doc_type="test_story", obj=older)  # written again: now the newest
    assert ids(search_for_user(superuser, "ភូមិ")) == [str(older.pk), str(newer.pk)]


def test_limit(superuser, lead):
    for n in range(5):
        add_story(title=str(n), body="ទឹក", agency=lead)
    assert len(search_for_user(superuser, "ទឹក", limit=3)) == 3
