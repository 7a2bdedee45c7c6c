"""Addresses of the website's own records, in the active language."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from migra.site.models import Event, NewsItem, Page, PageKey

# Fixed pages that have a view of their own.
_OWN_VIEW = {
    PageKey.ABOUT: "site:about",
    PageKey.CONTACT: "site:contact",
    PageKey.PARTNERS: "site:partners",
}


def page_url(page: Page) -> str:
    own = _OWN_VIEW.get(page.key)  # type: ignore[call-overload]
    return reverse(own) if own else reverse("site:page", args=[page.key])


def news_url(item: NewsItem) -> str:
    return reverse("site:news-detail", args=[item.pk])


def event_url(event: Event) -> str:
    return reverse("site:event-detail", args=[event.pk])


def site_root() -> str:
    """The public address of the website (MIGRA_SITE_URL), without a trailing slash:
    canonical links, feeds and the sitemap use it rather than the request's Host header,
    so a page kept in the cache never carries a host someone made up."""
    return str(getattr(settings, "MIGRA_SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else site_root() + path
