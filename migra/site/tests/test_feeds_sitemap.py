"""News feeds (RSS, Atom), /sitemap.xml and /robots.txt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from xml.etree import ElementTree  # our own feeds and sitemap, parsed in tests only

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from migra.accounts.tests.conftest import Cast
from migra.site import services
from migra.site.models import Event, NewsItem, Page

pytestmark = pytest.mark.django_db

SITE = settings.MIGRA_SITE_URL
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


# --------------------------------------------------------------------------- feeds


def test_rss_lists_published_news_newest_first(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    older = news(title_km="ចាស់", title_en="Older", body_en="<p>Older text</p>", summary_en="Sum")
    newer = news(title_km="ថ្មី", body_km="<p>អត្ថបទ <strong>ថ្មី</strong></p>")
    news(title_km="ព្រាងមិនផ្សាយ", publish=False)
    response = client.get("/en/news/feed/rss/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("language") == "en"
    assert channel.findtext("link") == f"{SITE}/en/news/"
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["ថ្មី", "Older"]  # Khmer where no English
    assert [i.findtext("link") for i in items] == [
        f"{SITE}/en/news/{newer.pk}/",
        f"{SITE}/en/news/{older.pk}/",
    ]
    assert items[1].findtext("description") == "Sum"
    assert items[0].findtext("description") == "អត្ថបទ ថ្មី"  # plain text, no markup
    assert "ព្រាងមិនផ្សាយ" not in response.content.decode()


def test_atom_feed_in_each_language(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    item = news(title_km="ចំណងជើង", title_th="หัวข้อ", body_th="<p>ข้อความ</p>")
    for language, title in (("km", "ចំណងជើង"), ("th", "หัวข้อ"), ("en", "ចំណងជើង")):
        response = client.get(f"/{language}/news/feed/atom/")
        assert response["Content-Type"].startswith("application/atom+xml")
        root = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
        assert root.tag == f"{ATOM}feed"
        entries = root.findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}title") for e in entries] == [title]
        link = entries[0].find(f"{ATOM}link")
        assert link is not None
        assert link.get("href") == f"{SITE}/{language}/news/{item.pk}/"


def test_unpublished_news_leaves_the_feeds(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    item = news(title_km="នឹងដកចេញ")
    assert "នឹងដកចេញ" in client.get("/km/news/feed/rss/").content.decode()
    services.news_publish(
        actor=crew.users["edna"], news_id=item.pk, expected_version=item.version, publish=False
    )
    for path in ("/km/news/feed/rss/", "/km/news/feed/atom/"):
        body = client.get(path).content
        assert "នឹងដកចេញ" not in body.decode()
        ElementTree.fromstring(body)  # noqa: S314 (our own output; valid XML, no items)


def test_feeds_are_linked_from_the_news_pages(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    page = client.get("/km/news/").content.decode()
    assert 'type="application/rss+xml"' in page and 'href="/km/news/feed/rss/"' in page
    assert 'type="application/atom+xml"' in page and 'href="/km/news/feed/atom/"' in page


# --------------------------------------------------------------------------- sitemap


def _sitemap(client: Client) -> dict[str, list[tuple[str, str]]]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
    assert root.tag == f"{SITEMAP}urlset"
    out: dict[str, list[tuple[str, str]]] = {}
    for url in root.findall(f"{SITEMAP}url"):
        loc = url.findtext(f"{SITEMAP}loc") or ""
        out[loc] = [
            (str(link.get("hreflang")), str(link.get("href")))
            for link in url.findall(f"{XHTML}link")
        ]
    return out


def test_sitemap_lists_public_pages_in_every_language(
    client: Client,
    crew: Cast,
    news: Callable[..., NewsItem],
    event: Callable[..., Event],
    fixed_pages: dict[str, Page],
) -> None:
    item = news()
    draft = news(publish=False)
    shown = event()
    hidden = event(publish=False)
    urls = _sitemap(client)
    for language in ("km", "en", "th"):
        for path in (
            "/",
            "/about/",
            "/advice/",
            "/advice/before-you-go/",
            "/advice/who-to-call/",
            "/news/",
            f"/news/{item.pk}/",
            "/events/",
            f"/events/{shown.pk}/",
            "/partners/",
            "/contact/",
            "/report/",
        ):
            assert f"{SITE}/{language}{path}" in urls, (language, path)
    for absent in (f"/news/{draft.pk}/", f"/events/{hidden.pk}/", "/advice/about/", "/app/"):
        assert not any(loc.endswith(absent) and "/km" in loc for loc in urls), absent
    # Each address names its alternates, x-default being the Khmer page (which exists:
    # every public page has a language prefix).
    alternates = dict(urls[f"{SITE}/en/advice/before-you-go/"])
    assert alternates == {
        "km": f"{SITE}/km/advice/before-you-go/",
        "en": f"{SITE}/en/advice/before-you-go/",
        "th": f"{SITE}/th/advice/before-you-go/",
        "x-default": f"{SITE}/km/advice/before-you-go/",
    }


def test_sitemap_includes_the_other_parts_sections(client: Client, crew: Cast) -> None:
    import importlib

    from migra.site.sitemaps import OTHER_SECTIONS, all_sections

    sections = all_sections()
    for module_name in OTHER_SECTIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for name in module.SITEMAPS:
            assert name in sections
    assert {"site", "advice", "news", "events"} <= set(sections)
    urls = _sitemap(client)
    from django.urls import NoReverseMatch, reverse

    try:
        stories = reverse("public-stories:list")
    except NoReverseMatch:
        return
    assert f"{SITE}{stories}" in urls


def test_sitemap_x_default_never_points_to_an_address_without_a_prefix(
    client: Client, crew: Cast, fixed_pages: dict[str, Page]
) -> None:
    for alternates in _sitemap(client).values():
        for language, href in alternates:
            assert href.startswith(f"{SITE}/km/") or language != "x-default"


def test_sitemap_bad_pages_are_not_found(client: Client, fixed_pages: dict[str, Page]) -> None:
    assert client.get("/sitemap.xml?p=999").status_code == 404
    assert client.get("/sitemap.xml?p=x").status_code == 404


@override_settings(MIGRA_SITE_URL="https://migra.example.org")
def test_sitemap_uses_the_site_address(client: Client, fixed_pages: dict[str, Page]) -> None:
    urls = _sitemap(client)
    assert "https://migra.example.org/km/" in urls
    assert all(loc.startswith("https://migra.example.org/") for loc in urls)


# --------------------------------------------------------------------------- robots.txt


def test_robots_txt(client: Client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/app/", "/admin/", "/api/"):
        assert f"Disallow: {path}" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert "Disallow: /" not in lines  # the public site stays open
    assert client.post("/robots.txt").status_code == 405


def test_past_events_stay_in_the_sitemap(
    client: Client, crew: Cast, event: Callable[..., Event]
) -> None:
    past = event(starts_at=timezone.now() - timedelta(days=100))
    assert f"{SITE}/km/events/{past.pk}/" in _sitemap(client)
