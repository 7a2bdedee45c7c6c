"""The documents library in /sitemap.xml (the site-content helper's sitemap view takes
every section of SITEMAPS): the library page and each published document, in every
language of the site, each with its alternates."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from migra.documents.models import Document

LIBRARY = "library"  # the item standing for the library page itself


class DocumentSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "monthly"

    def items(self) -> list[Any]:
        published = Document.objects.filter(is_published=True).only("pk", "updated_at")
        return [LIBRARY, *published.order_by("pk")]

    def location(self, item: Any) -> str:
        if item == LIBRARY:
            return reverse("public-documents:list")
        return reverse("public-documents:detail", args=[item.pk])

    def lastmod(self, item: Any) -> datetime.datetime | None:
        if item == LIBRARY:
            newest = Document.objects.filter(is_published=True).aggregate(at=Max("updated_at"))
            return newest["at"]
        return item.updated_at

    def priority(self, item: Any) -> float:
        return 0.6 if item == LIBRARY else 0.5


SITEMAPS: dict[str, type[Sitemap]] = {"documents": DocumentSitemap}
