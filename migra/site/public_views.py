"""The public website's own pages: home, about, advice, news, events, partners, contact.

Every view is an anonymous GET, the same for every visitor of the URL, and kept in
the public page cache (@public_page); the services drop the cache on every change
that shows. Reads go through selectors (published records only). Each page is in the
visitor's language when that version exists, otherwise in Khmer, and says so.

The `*_context` functions are shared with the editor's preview, which renders the
same templates with unsaved records (see editor_views).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from migra.site.models import Event, NewsItem, Page, PageKey
from migra.site.public_cache import public_page
from migra.site.selectors import (
    advice_pages_public,
    event_public,
    events_past_public,
    events_upcoming_public,
    news_item_public,
    news_public,
    page_public,
    page_public_or_none,
    partners_by_kind_public,
)
from migra.stories import richtext

PAGE_SIZE = 10
HOME_NEWS = 3
HOME_EVENTS = 3
HOME_STORIES = 3
HOME_COLLECTIONS = 2
# Fixed pages with a view of their own: /km/advice/<key>/ leads there.
OWN_VIEW = {
    PageKey.ABOUT.value: "site:about",
    PageKey.CONTACT.value: "site:contact",
    PageKey.PARTNERS.value: "site:partners",
}


def hotline() -> str:
    return str(getattr(settings, "MIGRA_HOTLINE_NUMBER", "") or "")


def tel_link(number: str) -> str:
    """A tel: address for a number as settings hold it ("012 345 678" → tel:012345678)."""
    kept = "".join(ch for ch in number if ch.isascii() and (ch.isdigit() or ch == "+"))
    return f"tel:{kept}" if kept else ""


def html(stored: str) -> SafeString:
    """Stored rich text, cleaned again on the way out (it was sanitised on save; a
    second pass costs little and the page is cached)."""
    return mark_safe(richtext.clean(stored)) if stored else mark_safe("")  # noqa: S308 (nh3-cleaned)


def _help_context() -> dict[str, Any]:
    number = hotline()
    return {"hotline": number, "hotline_tel": tel_link(number)}


# --------------------------------------------------------------------------- contexts


def page_context(page: Page) -> dict[str, Any]:
    shown = page.shown()
    return {
        "page": page,
        "shown": shown,
        "body_html": html(shown.body),
        "advice_pages": list(advice_pages_public()) if page.is_advice else [],
        "with_hotline": page.key in (PageKey.WHO_TO_CALL, PageKey.CONTACT),
        **_help_context(),
    }


def news_context(item: NewsItem) -> dict[str, Any]:
    shown = item.shown()
    return {
        "item": item,
        "shown": shown,
        "body_html": html(shown.body),
        "description": shown.summary or richtext.plain_text(shown.body)[:300],
    }


def event_context(event: Event) -> dict[str, Any]:
    shown = event.shown()
    return {
        "event": event,
        "shown": shown,
        "body_html": html(shown.body),
        "description": richtext.plain_text(shown.body)[:300],
    }


# --------------------------------------------------------------------------- home


@public_page
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    from migra.stories.public_selectors import latest_public_stories, public_collections

    return render(
        request,
        "site/home.html",
        {
            "about": page_public_or_none(PageKey.ABOUT),
            "stories": latest_public_stories(HOME_STORIES),
            "collections": public_collections()[:HOME_COLLECTIONS],
            "news": list(news_public()[:HOME_NEWS]),
            "events": list(events_upcoming_public()[:HOME_EVENTS]),
            "advice_pages": list(advice_pages_public()),
            **_help_context(),
        },
    )


# --------------------------------------------------------------------------- pages


@public_page
@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "site/page.html", page_context(page_public(PageKey.ABOUT)))


@public_page
@require_safe
def advice(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "site/advice.html",
        {"advice_pages": list(advice_pages_public()), **_help_context()},
    )


@public_page
@require_safe
def page(request: HttpRequest, key: str) -> HttpResponse:
    own = OWN_VIEW.get(key)
    if own is not None:
        return HttpResponsePermanentRedirect(reverse(own))
    found = page_public(key)
    return render(request, "site/page.html", page_context(found))


@public_page
@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    found = page_public_or_none(PageKey.CONTACT)
    context = page_context(found) if found is not None else {"page": None, **_help_context()}
    return render(request, "site/contact.html", context)


@public_page
@require_safe
def partners(request: HttpRequest) -> HttpResponse:
    found = page_public_or_none(PageKey.PARTNERS)
    context = page_context(found) if found is not None else {"page": None}
    context["groups"] = partners_by_kind_public()
    return render(request, "site/partners.html", context)


# --------------------------------------------------------------------------- news


def _feeds() -> dict[str, str]:
    return {"feed_rss": reverse("site:news-rss"), "feed_atom": reverse("site:news-atom")}


@public_page
@require_safe
def news_list(request: HttpRequest) -> HttpResponse:
    listing = Paginator(news_public(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "site/news_list.html", {"page_obj": listing, **_feeds()})


@public_page
@require_safe
def news_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = news_item_public(pk)
    return render(request, "site/news_detail.html", {**news_context(item), **_feeds()})


# --------------------------------------------------------------------------- events


@public_page
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    past = Paginator(events_past_public(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "site/event_list.html",
        {"upcoming": list(events_upcoming_public()), "page_obj": past},
    )


@public_page
@require_safe
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "site/event_detail.html", event_context(event_public(pk)))
