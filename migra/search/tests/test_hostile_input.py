"""Bad input: no error, bounded work, no FTS syntax errors."""

from __future__ import annotations

import pytest

from migra.search.selectors import search_for_user, search_public
from migra.search.tests.conftest import add_story, ids
from migra.search.tokens import MAX_QUERY_CHARS, analyse

pytestmark = pytest.mark.django_db

HOSTILE = [
    "",
    "   ",
    "។៕?!…",
    "\u200b\u200c\u200d\ufeff",
    "😀🇰🇭👩‍👩‍👧",
    "\ud800",
    "a\udfffb",
    '"',
    '"""',
    "*",
    "ជួញ*",
    "NEAR(",
    "NEAR(a b, 2)",
    "OR",
    "a OR b",
    "AND NOT",
    "-",
    "-ជួញដូរ",
    "^a",
    "col:ជួញ",
    "body_tokens : x",
    "'; DROP TABLE search_searchdocument; --",
    "%_%",
    "\\",
    "a & b | !c <-> d:*",
    "(((",
    "ក",
    "ក្",
    "\x00",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer(superuser, lead, query):
    add_story(title="t", body="ការជួញដូរមនុស្ស OR NEAR and", agency=lead, published=True)
    assert isinstance(search_for_user(superuser, query), list)
    assert isinstance(search_public(query), list)


@pytest.mark.parametrize("query", ["", "។៕?!", "\u200b", "😀", "\ud800", '"*-'])
def test_no_word_gives_an_empty_query(query):
    assert analyse(query).is_empty


def test_one_character_khmer_query_answers(superuser, lead):
    story = add_story(title="t", body="ការជួញដូរមនុស្ស", agency=lead)
    assert ids(search_for_user(superuser, "ជ")) == [str(story.pk)]


def test_a_one_megabyte_paste_answers(superuser, lead):
    story = add_story(title="t", body="ការជួញដូរមនុស្ស", agency=lead)
    paste = "ជួញដូរ" + "ក" * (1024 * 1024)
    assert len(analyse(paste).raw) == MAX_QUERY_CHARS
    assert search_for_user(superuser, paste) == [] or ids(search_for_user(superuser, paste))
    mixed = ("Chanta ចាន់ធា 😀 \u200b\ud800 " * 40000)[: 1024 * 1024]
    assert isinstance(search_for_user(superuser, mixed), list)
    assert story.pk


def test_operators_are_searched_as_words(superuser, lead):
    story = add_story(title="t", body="this OR that, NEAR here", agency=lead)
    assert ids(search_for_user(superuser, "OR")) == [str(story.pk)]
    assert ids(search_for_user(superuser, "NEAR(")) == [str(story.pk)]


def test_a_one_megabyte_document_is_indexed(superuser, lead):
    story = add_story(title="t", body="ការជួញដូរមនុស្ស " * 70_000, agency=lead)
    assert ids(search_for_user(superuser, "ជួញដូរ")) == [str(story.pk)]
