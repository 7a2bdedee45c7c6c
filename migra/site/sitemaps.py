"""/sitemap.xml: the website's own pages, advice pages, news and events, then the
sections other parts add (`SITEMAPS` of migra.stories.sitemaps and
migra.documents.sitemaps, when installed). Every address in every language, with its
hreflang alternates (and x-default, the Khmer page)."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from migra.site.links import event_url, news_url, page_url
from migra.site.models import Event, NewsItem, Page
from migra.site.selectors import (
    advice_pages_public,
    events_public,
    news_public,
    page_public_or_none,
)

# Other parts' sitemap modules, each with SITEMAPS: {name: Sitemap class}.
OTHER_SECTIONS = ("migra.stories.sitemaps", "migra.documents.sitemaps")


class _Multilingual(Sitemap):
    """Every address in each of settings.LANGUAGES (Django's default when `languages`
    is not set), with its alternates."""

    i18n = True
    alternates = True
    x_default = True


class SitePagesSitemap(_Multilingual):
    """The fixed views: home, advice, news, events, partners, contact, report, about."""

    changefreq = "weekly"

    def items(self) -> list[str]:
        names = ["site:home", "site:advice", "site:news-list", "site:event-list"]
        names += ["site:partners", "site:contact", "site:report"]
        if page_public_or_none("about") is not None:
            names.append("site:about")
        return names

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return 1.0 if item == "site:home" else 0.6


class AdvicePagesSitemap(_Multilingual):
    changefreq = "monthly"
    priority = 0.8

    def items(self) -> QuerySet[Page]:
        return advice_pages_public()

    def location(self, item: Page) -> str:
        return page_url(item)

    def lastmod(self, item: Page) -> datetime:
        return item.updated_at


class NewsSitemap(_Multilingual):
    changefreq = "monthly"
    priority = 0.5

    def items(self) -> QuerySet[NewsItem]:
        return news_public()

    def location(self, item: NewsItem) -> str:
        return news_url(item)

    def lastmod(self, item: NewsItem) -> datetime:
        return item.updated_at


class EventSitemap(_Multilingual):
    changefreq = "monthly"
    priority = 0.4

    def items(self) -> QuerySet[Event]:
        return events_public().order_by("-starts_at", "-pk")

    def location(self, item: Event) -> str:
        return event_url(item)

    def lastmod(self, item: Event) -> datetime:
        return item.updated_at


SITEMAPS: dict[str, type[Sitemap]] = {
    "site": SitePagesSitemap,
    "advice": AdvicePagesSitemap,
    "news": NewsSitemap,
    "events": EventSitemap,
}


def all_sections() -> dict[str, Any]:
    """This site's sections, then those of the other parts that are installed."""
    sections: dict[str, Any] = dict(SITEMAPS)
    for module_name in OTHER_SECTIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name or module_name.startswith(f"{error.name}."):
                continue  # that part is not installed
            raise
        sections.update(getattr(module, "SITEMAPS", {}))
    return sections
