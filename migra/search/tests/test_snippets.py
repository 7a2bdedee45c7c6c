"""Snippets: around the first match, cut between words, escaped, matches in <mark>."""

from __future__ import annotations

import pytest

from migra.lib.khmer.segment import word_boundaries
from migra.search.selectors import search_for_user
from migra.search.snippets import highlight
from migra.search.tests.conftest import add_story
from migra.search.tokens import analyse


def test_marks_the_match():
    assert str(highlight("ការជួញដូរមនុស្ស", analyse("ជួញដូរ"))) == "ការ<mark>ជួញដូរ</mark>មនុស្ស"


def test_escapes_html():
    out = str(highlight("<b>book</b> & <script>", analyse("book")))
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<mark>book</mark>" in out


def test_cuts_only_between_words_around_the_first_match():
    text = "ភូមិ" * 200 + "ការជួញដូរមនុស្ស" + "ទឹក" * 200
    out = str(highlight(text, analyse("ជួញដូរ"), width=60))
    assert out.startswith("…") and out.endswith("…")
    inner = out.strip("…").replace("<mark>", "").replace("</mark>", "")
    start = text.index(inner)
    bounds = set(word_boundaries(text))
    assert start in bounds and start + len(inner) in bounds
    assert "<mark>ជួញដូរ</mark>" in out


def test_no_match_shows_the_beginning():
    out = str(highlight("ទឹកស្អាត " * 50, analyse("zzz"), width=30))
    assert out.startswith("ទឹក") and out.endswith("…")


@pytest.mark.django_db
def test_results_carry_snippets(superuser, lead):
    add_story(title="រឿង", body="គាត់បានរួចផុតពីការជួញដូរមនុស្ស", agency=lead)
    result = search_for_user(superuser, "ជួញដូរ")[0]
    assert "<mark>ជួញដូរ</mark>" in str(result.snippet)
