"""Public files at the root of the site (no language prefix): /robots.txt,
/sitemap.xml, and the website's public photos (news covers, partner logos)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from migra.media.photos import photo_response
from migra.site.links import site_root
from migra.site.public_cache import public_page
from migra.site.selectors import photo_public
from migra.site.sitemaps import all_sections

# Parts of the site no search engine has business in.
DISALLOWED = ("/app/", "/admin/", "/api/", "/odk/")
PHOTO_MAX_AGE = 60 * 60  # an unpublished news item's cover goes within the hour


@public_page
@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines.append(f"Sitemap: {site_root()}/sitemap.xml")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@dataclass(frozen=True)
class _Site:
    """What Sitemap.get_urls needs of a site: its host (from MIGRA_SITE_URL)."""

    domain: str
    name: str = "Migra"


@public_page
@require_safe
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    root = urlsplit(site_root())
    site = _Site(domain=root.netloc)
    page: Any = request.GET.get("p", 1)
    urls: list[dict[str, Any]] = []
    for section in all_sections().values():
        sitemap = section() if callable(section) else section
        try:
            urls.extend(sitemap.get_urls(page=page, site=site, protocol=root.scheme or "https"))
        except EmptyPage:
            raise Http404 from None
        except PageNotAnInteger:
            raise Http404 from None
    _x_default_is_khmer(urls)
    return render(
        request, "site/sitemap.xml", {"urlset": urls}, content_type="application/xml; charset=utf-8"
    )


def _x_default_is_khmer(urls: list[dict[str, Any]]) -> None:
    """Django makes x-default the address without a language prefix, which does not
    exist here (every public page has one; only / itself redirects): point it at the
    Khmer page, the default language."""
    for url in urls:
        alternates = url.get("alternates") or []
        khmer = next((a["location"] for a in alternates if a["lang_code"] == "km"), None)
        for alternate in alternates:
            if alternate["lang_code"] == "x-default" and khmer:
                alternate["location"] = khmer


@require_safe
def photo_file(request: HttpRequest, pk: int, size: str) -> Any:
    """A news cover or partner logo, only while it is shown on the public site."""
    response = photo_response(photo_public(pk), size)
    response["Cache-Control"] = f"public, max-age={PHOTO_MAX_AGE}"
    return response
