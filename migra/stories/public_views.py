"""Public pages of stories and collections, and the site-wide public search.

Anonymous, server-rendered, light; every page is kept by the public page cache
(migra.site.public_cache) until something public changes. Reads go through
migra.stories.public_selectors, which hands out only what may be public.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from migra.media.photos import photo_response
from migra.search.registry import doc_types
from migra.search.selectors import search_public
from migra.site.links import absolute
from migra.site.public_cache import public_page
from migra.stories.public_selectors import (
    MAX_QUERY,
    BadFilter,
    Gone,
    PublicStory,
    StoryFilters,
    parse_filters,
    public_collection,
    public_collections,
    public_filter_choices,
    public_photo,
    public_stories,
    public_story,
)

PAGE_SIZE = 12
SEARCH_LIMIT = 30
MEDIA_TEMPLATE = "stories/public/_media.html"


def _page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    # Canonical and hreflang links come from public/base.html (MIGRA_SITE_URL, never
    # the Host header); the pages add their Open Graph tags (_social.html).
    return {"max_query": MAX_QUERY, **extra}


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "stories/public/gone.html", _page_context(request), status=410)


# --------------------------------------------------------------------------- stories


@public_page
@require_safe
def story_list(request: HttpRequest) -> HttpResponse:
    try:
        filters = parse_filters(request.GET)
    except BadFilter:
        # A link someone changed by hand, or an old one: say so calmly, list nothing.
        context = _page_context(
            request,
            bad_filter=True,
            filters=StoryFilters(),
            choices=public_filter_choices(),
            page=None,
        )
        return render(request, "stories/public/list.html", context, status=400)
    stories = public_stories(filters)
    page: Any = Paginator(stories, PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    query = filters.as_query()
    context = _page_context(
        request,
        filters=filters,
        choices=public_filter_choices(),
        page=page,
        page_query=urlencode(query),
        feed_rss=reverse("public-stories:feed-rss"),
        feed_atom=reverse("public-stories:feed-atom"),
    )
    return render(request, "stories/public/list.html", context)


def _media_include() -> bool:
    """Whether the audio/video part of the story page exists (written by the media part)."""
    try:
        get_template(MEDIA_TEMPLATE)
    except TemplateDoesNotExist:
        return False
    return True


def _share_links(url: str, story: PublicStory) -> dict[str, str]:
    return {
        "facebook": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        "telegram": "https://t.me/share/url?" + urlencode({"url": url, "text": story.title}),
    }


@public_page
@require_safe
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        story = public_story(pk)
    except Gone:
        return _gone(request)
    image = story.cover
    context = _page_context(
        request,
        story=story,
        og_image=absolute(image.web_url) if image else "",
        og_image_alt=image.alt if image else "",
        share=_share_links(absolute(story.url), story),
        media_include=_media_include(),
    )
    return render(request, "stories/public/detail.html", context)


@require_safe
def photo_file(request: HttpRequest, pk: int, photo_pk: int, size: str) -> HttpResponseBase:
    """A shown photo of a published story. Not kept in the page cache (a file): the
    browser keeps it and asks again each time (ETag), so a withdrawal holds at once."""
    if size not in ("web", "thumb"):
        raise Http404
    try:
        photo = public_photo(pk, photo_pk)
    except Gone:
        return HttpResponse(status=410)
    name = photo.web_file if size == "web" else photo.thumb_file
    # The stored names are random and never reused: the name is the version.
    etag = '"' + hashlib.blake2b(name.encode(), digest_size=12).hexdigest() + '"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["Cache-Control"] = "public, no-cache"
        return not_modified
    response = photo_response(photo, size)
    response["Cache-Control"] = "public, no-cache"
    response["ETag"] = etag
    return response


# --------------------------------------------------------------------------- collections


@public_page
@require_safe
def collection_list(request: HttpRequest) -> HttpResponse:
    context = _page_context(request, collections=public_collections())
    return render(request, "stories/public/collections.html", context)


@public_page
@require_safe
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    collection = public_collection(pk)
    image = collection.cover
    context = _page_context(
        request,
        collection=collection,
        og_image=absolute(image.web_url) if image else "",
        og_image_alt=image.alt if image else "",
    )
    return render(request, "stories/public/collection.html", context)


# --------------------------------------------------------------------------- search


def public_doc_types() -> list[str]:
    """The document types the public may search: those registered with a `public` rule
    (stories, and news and documents when their apps register them)."""
    return [entry.name for entry in doc_types() if entry.public is not None]


def _public_url(result: Any) -> str:
    if result.doc_type == "story":
        return reverse("public-stories:detail", args=[result.obj.pk])
    url = str(result.url or "")
    # A type whose registered link is a staff page has no public page to show.
    return "" if not url.startswith("/") or url.startswith("/app/") else url


@public_page
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    results = []
    if query:
        for result in search_public(query, doc_types=public_doc_types(), limit=SEARCH_LIMIT):
            url = _public_url(result)
            if url:
                results.append({"result": result, "url": url})
    context = _page_context(request, query=query, results=results)
    return render(request, "stories/public/search.html", context)
