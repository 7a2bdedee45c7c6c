"""Highlighted snippets: the text around the first match, cut between words.

Cuts fall only on `word_boundaries` of the original text (never inside a word or a
Khmer cluster); matched words are wrapped in <mark>; everything else is escaped.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from migra.lib.khmer.digits import to_arabic_digits
from migra.lib.khmer.segment import segment_spans, word_boundaries
from migra.search.tokens import Query, word_parts

SNIPPET_CHARS = 160
SCAN_CHARS = 10_000  # a match further into a long text is not looked for: show its start
ELLIPSIS = "…"


def _matches(word: str, needles: tuple[str, ...]) -> bool:
    key = to_arabic_digits(word.casefold())
    return any(needle in part for part in word_parts(key) for needle in needles)


def _needles(query: Query) -> tuple[str, ...]:
    needles = {chunk.text for chunk in query.chunks}
    needles.update(query.tokens)
    return tuple(sorted(needles, key=len, reverse=True))


def highlight(text: str, query: Query, *, width: int = SNIPPET_CHARS) -> SafeString:
    """A snippet of `text` of about `width` characters around the first match."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty
    region = text[:SCAN_CHARS]
    whole = len(region) == len(text)
    needles = _needles(query)
    spans = [s for s in segment_spans(region) if needles and _matches(s.word, needles)]
    bounds = word_boundaries(region)
    if not whole:
        bounds = bounds[:-1]  # the end of the region may fall inside a cluster
    first = spans[0] if spans else None
    anchor = first.start if first else 0
    target = max(0, anchor - width // 3)
    start = bounds[max(0, bisect_right(bounds, target) - 1)]
    limit = start + width
    end_index = bisect_right(bounds, limit) - 1
    end = bounds[end_index] if end_index >= 0 else 0
    if first is not None and end < first.end:
        i = bisect_left(bounds, first.end)
        end = bounds[i] if i < len(bounds) else len(region)
    if end <= start:
        later = [b for b in bounds if b > start]
        end = later[0] if later else start
    pieces: list[str] = []
    position = start
    for span in spans:
        if span.start < start or span.end > end:
            continue
        pieces.append(escape(text[position : span.start]))
        pieces.append("<mark>" + escape(text[span.start : span.end]) + "</mark>")
        position = span.end
    pieces.append(escape(text[position:end]))
    body = "".join(pieces).strip()
    if start > 0:
        body = ELLIPSIS + body
    if end < len(text):
        body += ELLIPSIS
    return mark_safe(body)  # noqa: S308 - every piece of text was escaped above
