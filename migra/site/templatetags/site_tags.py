"""Tags of the public website's shell (public/base.html) and pages.

{% public_links as links %}      canonical URL, hreflang alternates, og:locale
{% public_nav as nav %}          the main menu (links whose page exists)
{% site_photo_url photo "web" %} a news cover / partner logo (the editor's address
                                 in a preview, where the photo may not be public)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from migra.site.languages import LANGUAGE_NAMES, path_in_language
from migra.site.links import site_root

register = template.Library()

OG_LOCALES = {"km": "km_KH", "en": "en_GB", "th": "th_TH"}


def _request(context: template.Context) -> HttpRequest | None:
    request = context.get("request")
    return request if isinstance(request, HttpRequest) else None


def _page_number(request: HttpRequest) -> str:
    """The ?page= of a list, kept in its canonical address (the second page of the news
    is a page of its own); everything else in the query string is dropped."""
    value = request.GET.get("page", "")
    if value.isascii() and value.isdigit() and len(value) <= 6 and int(value) > 1:
        return f"?page={int(value)}"
    return ""


@register.simple_tag(takes_context=True)
def public_links(context: template.Context) -> dict[str, Any]:
    """The page's canonical address (MIGRA_SITE_URL + path, never the Host header) and
    the same page in each language (hreflang; x-default is the Khmer one)."""
    request = _request(context)
    path = request.path if request is not None else "/"
    query = _page_number(request) if request is not None else ""
    root = site_root()
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    alternates = [
        {"code": code, "url": root + path_in_language(path, code) + query}
        for code, _name in settings.LANGUAGES
    ]
    default = path_in_language(path, settings.LANGUAGE_CODE)
    return {
        "canonical": root + path + query,
        "alternates": alternates,
        "x_default": root + default + query,
        "og_locale": OG_LOCALES.get(current, "km_KH"),
        "root": root,
    }


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: str | Promise


# The public menu. A link whose page is not in the URL configuration (a test's own
# URLs, an installation without a part) is left out rather than breaking every page,
# error pages included (public_nav).
NAV = [
    NavLink("public-stories:list", _("Stories")),
    NavLink("site:news-list", pgettext_lazy("menu", "News")),
    NavLink("site:event-list", _("Events")),
    NavLink("public-documents:list", _("Documents")),
    NavLink("site:advice", pgettext_lazy("menu", "Advice")),
    NavLink("site:report", _("Report a concern")),
    NavLink("public-stories:search", _("Search")),
]


def _resolved(links: list[NavLink], request: HttpRequest | None) -> list[dict[str, Any]]:
    here = request.path if request is not None else ""
    out = []
    for link in links:
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            continue
        out.append(
            {
                "url": url,
                "label": link.label,
                "name": link.url_name,
                # This section or a page in it (/km/news/3/ is under /km/news/).
                "current": here.startswith(url),
            }
        )
    return out


@register.simple_tag(takes_context=True)
def public_nav(context: template.Context) -> list[dict[str, Any]]:
    return _resolved(NAV, _request(context))


@register.simple_tag(takes_context=True)
def url_if_exists(context: template.Context, name: str, *args: Any) -> str:
    """The URL of a view, or "" when it does not exist (yet): for links to other parts
    of the site that a page may live without."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def site_photo_url(context: template.Context, photo: Any, size: str = "web") -> str:
    if photo is None:
        return ""
    if size not in ("web", "thumb"):
        raise template.TemplateSyntaxError(f"unknown photo size {size!r}")
    name = "site-editor:photo" if context.get("preview") else "site-files:photo"
    return reverse(name, args=[photo.pk, size])


@register.filter
def absolute(path: str) -> str:
    """An address on this site, with MIGRA_SITE_URL in front (for og:image)."""
    if not path or path.startswith(("http://", "https://")):
        return path or ""
    return site_root() + path


@register.simple_tag
def site_languages() -> list[tuple[str, str]]:
    """(code, name in its own script) of each language, e.g. for the preview's choice."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code, _name in settings.LANGUAGES]
