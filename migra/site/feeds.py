"""RSS and Atom feeds of published news (django.contrib.syndication), one per language
(/km/news/feed/rss/ …). Published items only, newest first; a draft never appears, and
unpublishing takes an item out at once (the feeds are public pages, kept in the page
cache that every change empties). Each item has its title and summary (or the start of
its text) in the feed's language, in Khmer where the item has no translation.
Addresses are absolute, from MIGRA_SITE_URL (links.site_root). The feed's language
is the active one (Django's Feed takes get_language() when `language` is not set).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from migra.site.links import absolute, news_url
from migra.site.models import NewsItem
from migra.site.public_cache import public_page
from migra.site.selectors import news_public
from migra.stories.richtext import plain_text

FEED_ITEMS = 30
EXCERPT_CHARS = 400


class NewsRssFeed(Feed):
    def title(self) -> str:
        return _("Migra: news")

    def description(self) -> str:
        return _("News of the safe-migration programme.")

    def link(self) -> str:
        return absolute(reverse("site:news-list"))

    def feed_url(self) -> str:
        return absolute(reverse("site:news-rss"))

    def items(self) -> list[NewsItem]:
        return list(news_public()[:FEED_ITEMS])

    def item_title(self, item: NewsItem) -> str:
        return item.shown().title

    def item_description(self, item: NewsItem) -> str:
        shown = item.shown()
        text = shown.summary or " ".join(plain_text(shown.body).split())
        return Truncator(text).chars(EXCERPT_CHARS)

    def item_link(self, item: NewsItem) -> str:
        return absolute(news_url(item))

    def item_guid(self, item: NewsItem) -> str:
        return absolute(news_url(item))

    def item_pubdate(self, item: NewsItem) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: NewsItem) -> datetime:
        return item.updated_at


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()

    def feed_url(self) -> str:
        return absolute(reverse("site:news-atom"))


rss_feed = public_page(NewsRssFeed())
atom_feed = public_page(NewsAtomFeed())
