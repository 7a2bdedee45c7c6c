"""Sitemap sections of the public story pages, for /sitemap.xml (built by migra.site
from SITEMAPS): published stories and collections, in every language with hreflang
alternates. A withdrawn story is not listed (and the sitemap, a public page, is
dropped from the page cache when it is withdrawn)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from migra.stories.models import Collection, Story, StoryState


class _Multilingual(Sitemap):
    i18n = True
    alternates = True
    x_default = True

    languages = [code for code, _name in settings.LANGUAGES]


class StorySitemap(_Multilingual):
    changefreq = "monthly"
    priority = 0.7

    def items(self) -> QuerySet[Story]:
        return (
            Story.objects.filter(state=StoryState.PUBLISHED)
            .only("pk", "updated_at", "published_at")
            .order_by("-published_at", "-pk")
        )

    def location(self, item: Story) -> str:
        return reverse("public-stories:detail", args=[item.pk])

    def lastmod(self, item: Story) -> datetime:
        return item.updated_at


class CollectionSitemap(_Multilingual):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Collection]:
        return Collection.objects.filter(is_published=True).only("pk").order_by("pk")

    def location(self, item: Collection) -> str:
        return reverse("public-stories:collection", args=[item.pk])


class StoryPagesSitemap(_Multilingual):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return ["public-stories:list", "public-stories:collections"]

    def location(self, item: Any) -> str:
        return reverse(item)


SITEMAPS: dict[str, type[Sitemap]] = {
    "story-pages": StoryPagesSitemap,
    "stories": StorySitemap,
    "story-collections": CollectionSitemap,
}
