"""Khmer is written without spaces: a word is found inside the compound it was typed in."""

from __future__ import annotations

import pytest

from migra.search.selectors import search_for_user, search_public
from migra.search.tests.conftest import add_story, ids

pytestmark = pytest.mark.django_db


def test_a_word_is_found_inside_a_compound(superuser, lead):
    story = add_story(
        title="រឿងរបស់ខ្ញុំ",
        body="គាត់បានរួចផុតពីការជួញដូរមនុស្សនៅប្រទេសថៃ។",
        agency=lead,
        published=True,
    )
    add_story(title="ទឹក", body="ភូមិនេះមានទឹកស្អាត", agency=lead, published=True)
    assert ids(search_for_user(superuser, "ជួញដូរ")) == [str(story.pk)]
    assert ids(search_public("ជួញដូរ")) == [str(story.pk)]


@pytest.mark.parametrize(
    "query",
    ["មនុស្ស", "ប្រទេសថៃ", "ថៃ", "ការជួញដូរមនុស្ស", "ជួញដូរ មនុស្ស", "ថៃ ជួញដូរ"],
)
def test_words_compounds_and_several_words(superuser, lead, query):
    story = add_story(
        title="t", body="គាត់បានរួចផុតពីការជួញដូរមនុស្សនៅប្រទេសថៃ។", agency=lead, published=True
    )
    assert ids(search_for_user(superuser, query)) == [str(story.pk)]


def test_every_word_must_be_there(superuser, lead):
    add_story(title="t", body="ការជួញដូរមនុស្ស", agency=lead, published=True)
    assert search_for_user(superuser, "ជួញដូរ ទឹក") == []


def test_text_typed_in_another_order_is_found(superuser, lead):
    # "ខ្មែរ" typed with the vowel before the subscript, and a zero-width space inside.
    story = add_story(title="t", body="ភាសាខែ្មរ", agency=lead, published=True)
    assert ids(search_for_user(superuser, "ខ្\u200bមែរ")) == [str(story.pk)]


def test_latin_words_and_digits(superuser, lead):
    story = add_story(
        title="Report", body="Returned from Bangkok in ២០២៤ with 3 friends", agency=lead
    )
    assert ids(search_for_user(superuser, "BANGKOK")) == [str(story.pk)]
    assert ids(search_for_user(superuser, "2024")) == [str(story.pk)]
    assert ids(search_for_user(superuser, "២០២៤")) == [str(story.pk)]


def test_a_partial_word_is_found(superuser, lead):
    story = add_story(title="t", body="ការជួញដូរមនុស្ស", agency=lead)
    assert ids(search_for_user(superuser, "ជួញដ")) == [str(story.pk)]  # beginning of a word
    assert ids(search_for_user(superuser, "ួញដូ")) == [str(story.pk)]  # inside a word
    assert ids(search_for_user(superuser, "Bangk")) == []
