"""Story text is sanitised with nh3 on save: a small set of tags, safe links only."""

from __future__ import annotations

import pytest

from migra.stories import richtext
from migra.stories.models import Story


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>ok<script>alert(1)</script></p>", "<p>ok</p>"),
        ('<p onclick="alert(1)" onmouseover="x">hi</p>', "<p>hi</p>"),
        ('<img src="x" onerror="alert(1)">', ""),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener">x</a>'),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener">x</a>'),
        ('<a href="data:text/html,<script>x</script>">x</a>', '<a rel="noopener">x</a>'),
        ('<a href="/app/people/1/">x</a>', '<a rel="noopener">x</a>'),
        (
            '<a href="https://example.org" target="_blank">x</a>',
            '<a href="https://example.org" rel="noopener">x</a>',
        ),
        (
            '<a href="mailto:info@example.org">m</a>',
            '<a href="mailto:info@example.org" rel="noopener">m</a>',
        ),
        ('<p style="color:red" class="x">s</p>', "<p>s</p>"),
        ("<style>p{display:none}</style><p>t</p>", "<p>t</p>"),
        ("<iframe src='https://x'></iframe><p>t</p>", "<p>t</p>"),
        ("<svg><script>alert(1)</script></svg>", ""),
        ("<!-- note --><p>t</p>", "<p>t</p>"),
        (
            "<ul><li>a</li></ul><ol><li>b</li></ol><blockquote>c</blockquote>",
            "<ul><li>a</li></ul><ol><li>b</li></ol><blockquote>c</blockquote>",
        ),
        ("<strong>a</strong><em>b</em><b>c</b><h1>d</h1>", "<strong>a</strong><em>b</em>cd"),
    ],
)
def test_sanitising(dirty: str, clean: str) -> None:
    assert richtext.clean(dirty) == clean


def test_plain_text_becomes_paragraphs_and_back() -> None:
    typed = "ខ្ញុំបានចាកចេញ\nកាលពីឆ្នាំមុន\n\nឥឡូវខ្ញុំនៅផ្ទះ <3 & សុខសប្បាយ"
    stored = richtext.clean(typed)
    assert stored == ("<p>ខ្ញុំបានចាកចេញ<br>កាលពីឆ្នាំមុន</p><p>ឥឡូវខ្ញុំនៅផ្ទះ &lt;3 &amp; សុខសប្បាយ</p>")
    assert richtext.for_editing(stored) == typed
    assert "ខ្ញុំបានចាកចេញ" in richtext.plain_text(stored)


def test_control_characters_are_dropped() -> None:
    assert richtext.clean("a\x00b\x1bc\u200bd") == "<p>abc\u200bd</p>"


def test_services_store_sanitised_text(crew, story) -> None:  # type: ignore[no-untyped-def]
    made = story(
        text_km='<p onclick="x">ក<script>alert(1)</script></p>',
        title_en="T",
        text_en='<a href="javascript:alert(1)">y</a>',
    )
    fresh = Story.objects.get(pk=made.pk)
    assert fresh.text_km == "<p>ក</p>"
    assert fresh.text_en == '<a rel="noopener">y</a>'
