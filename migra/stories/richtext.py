"""Story text as a small, safe subset of HTML (sanitised with nh3 on every save).

Allowed: p, br, strong, em, ul, ol, li, blockquote, and a with an http, https or mailto
href (rel="noopener" is added). Everything else goes: scripts and styles with their
content, event handler attributes (on…), style and class attributes, javascript: and
data: links, relative links, comments.

Text typed on a phone without any tag is plain text: blank lines make paragraphs and a
single line break a <br>. `for_editing` gives such text back as it was typed, so a
peer educator never sees tags unless someone added them.
"""

from __future__ import annotations

import html
import re

import nh3

TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "a"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}

_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style"},
    attributes=ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    url_relative="deny",
    link_rel="noopener",
    strip_comments=True,
)

# A tag-like sequence: the text is treated as HTML only when it has one.
_TAG = re.compile(r"</?[A-Za-z!][^>]*>")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n+")
_SIMPLE = re.compile(r"</?p>|<br>")


def _from_plain(text: str) -> str:
    paragraphs = [p.strip() for p in _PARAGRAPHS.split(text) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line.strip()) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def clean(text: str) -> str:
    """Safe HTML for `text` (HTML or plain text). Control characters other than line
    breaks and tabs are dropped first."""
    text = "".join(
        ch for ch in text.replace("\r\n", "\n").replace("\r", "\n") if ch >= " " or ch in "\n\t"
    )
    if not _TAG.search(text):
        text = _from_plain(text)
    return _CLEANER.clean(text).strip()


def plain_text(safe_html: str) -> str:
    """The words of stored HTML, for the search index and snippets."""
    text = re.sub(r"<br>|</p>|</li>|</blockquote>", "\n", safe_html)
    text = nh3.clean(text, tags=set())
    return html.unescape(text).strip()


def for_editing(safe_html: str) -> str:
    """What to put in the edit box: plain text again when the stored HTML holds nothing
    but paragraphs and line breaks, the HTML itself otherwise."""
    without_simple = _SIMPLE.sub("", safe_html)
    if _TAG.search(without_simple):
        return safe_html
    paragraphs = re.findall(r"<p>(.*?)</p>", safe_html, flags=re.DOTALL)
    if not paragraphs:
        return html.unescape(without_simple)
    return "\n\n".join(html.unescape(p.replace("<br>", "\n")) for p in paragraphs)
