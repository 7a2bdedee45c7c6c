"""RSS and Atom feeds of published stories (django.contrib.syndication).

Published stories only, newest first; a withdrawn story drops out at once (the feeds
are kept by the public page cache, which every publication and withdrawal empties).
One feed per language (/km/stories/feed/rss/ …; the feed's language is the active
one). Addresses are absolute, from MIGRA_SITE_URL (migra.site.links). Each item
carries the title and a plain-text excerpt in the feed's language (Khmer where a story
has no translation), never the author or the linked person.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from migra.site.links import absolute
from migra.site.public_cache import public_page
from migra.stories.public_selectors import PublicStory, public_feed_stories

FEED_ITEMS = 30


class StoriesRssFeed(Feed):
    def title(self) -> str:
        return _("Migra: stories of migrant workers")

    def description(self) -> str:
        return _("Stories of migrant workers who came home, told in their own words.")

    def link(self) -> str:
        return absolute(reverse("public-stories:list"))

    def feed_url(self) -> str:
        return absolute(reverse("public-stories:feed-rss"))

    def items(self) -> list[PublicStory]:
        return public_feed_stories(FEED_ITEMS)

    def item_title(self, item: PublicStory) -> str:
        return item.title

    def item_description(self, item: PublicStory) -> str:
        return item.excerpt

    def item_link(self, item: PublicStory) -> str:
        return absolute(item.url)

    def item_guid(self, item: PublicStory) -> str:
        return absolute(item.url)

    def item_pubdate(self, item: PublicStory) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: PublicStory) -> datetime:
        return item.updated_at

    def item_categories(self, item: PublicStory) -> list[str]:
        return [item.kind_label, *(label for _code, label in item.themes)]


class StoriesAtomFeed(StoriesRssFeed):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()

    def feed_url(self) -> str:
        return absolute(reverse("public-stories:feed-atom"))


rss_feed = public_page(StoriesRssFeed())
atom_feed = public_page(StoriesAtomFeed())
