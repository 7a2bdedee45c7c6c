"""News and pages in the search index.

Staff search: editors (EDIT_SITE) find drafts and published ones. Public search
(`search_public(q, doc_types=["news", "page"])`): published ones only. Text fields are
the titles, summaries and texts in every language (words of the sanitised HTML). The
services keep the index on every write; `migra search rebuild --type news --type page`
after restoring a backup (the fixed pages made by migration 0002 are indexed by
`migra demo`, or by such a rebuild).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from migra.accounts.roles import Perm
from migra.search.registry import register
from migra.stories.richtext import plain_text


def _titles(record: Any) -> list[str]:
    return [t for t in (record.title_km, record.title_en, record.title_th) if t]


def _summaries(record: Any) -> list[str]:
    return [t for t in (record.summary_km, record.summary_en, record.summary_th) if t]


def _bodies(record: Any) -> list[str]:
    return [plain_text(t) for t in (record.body_km, record.body_en, record.body_th) if t]


def _snippet(record: Any) -> str:
    shown = record.shown()
    return shown.summary or plain_text(shown.body)


def _news_url(item: Any) -> str:
    from migra.site.links import news_url

    # Published news is read on the public site; a draft only in the editor.
    if item.is_published:
        return news_url(item)
    return reverse("site-editor:news-edit", args=[item.pk])


def _page_url(page: Any) -> str:
    from migra.site.links import page_url

    if page.is_published:
        return page_url(page)
    return reverse("site-editor:page-edit", args=[page.key])


register(
    "news",
    model="public_site.NewsItem",
    label=gettext_lazy("News"),
    permission=Perm.EDIT_SITE,
    text_fields=[_titles, _summaries, _bodies],
    title="title_km",
    display=lambda item: item.title,
    public=lambda item: item.is_published,
    url=_news_url,
    snippet=_snippet,
)

register(
    "page",
    model="public_site.Page",
    label=gettext_lazy("Advice and information"),
    permission=Perm.EDIT_SITE,
    text_fields=[_titles, _summaries, _bodies],
    title="title_km",
    display=lambda page: page.title,
    public=lambda page: page.is_published,
    url=_page_url,
    snippet=_snippet,
)
