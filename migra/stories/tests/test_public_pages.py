"""The public story pages over HTTP: only published stories, only what may be public,
410 for a withdrawn story everywhere, filters refused calmly, hostile text escaped,
sharing tags, feeds and sitemap. (The page cache is off inside the tests'
transaction; test_public_cache_stories.py covers it.)"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree  # our own feeds, parsed in tests only

import pytest
from django.contrib.sites.requests import RequestSite
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from migra.stories import services
from migra.stories.models import StoryPhoto, StoryState
from migra.stories.sitemaps import CollectionSitemap, StorySitemap
from migra.stories.tests.conftest import advance

pytestmark = pytest.mark.django_db

SITE = "https://migra.example.org"


def _km(text: str) -> str:
    """The page's Khmer for an English message (the catalogue may or may not be compiled)."""
    with translation.override("km"):
        return translation.gettext(text)


@pytest.fixture(autouse=True)
def _site_address(settings) -> None:  # type: ignore[no-untyped-def]
    # Canonical, share and feed links use MIGRA_SITE_URL, never the Host header.
    settings.MIGRA_SITE_URL = SITE


PSEUDONYM = "ស្រីពៅ"
ATOM = "{http://www.w3.org/2005/Atom}"


def url(name: str, *args: Any, language: str = "km") -> str:
    from django.utils import translation

    with translation.override(language):
        return reverse(f"public-stories:{name}", args=args)


def html(response: Any) -> str:
    return response.content.decode()


def meta(page: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', page)
    return found.group(1) if found else None


@pytest.fixture
def shown(crew, published):  # type: ignore[no-untyped-def]
    """A published story with a pseudonym, one photo shown and one hidden."""
    story = published(photos=2, name_shown=PSEUDONYM, themes=["debt"], sector="fishing")
    photos = list(StoryPhoto.objects.filter(story=story).order_by("position", "pk"))
    StoryPhoto.objects.filter(pk=photos[1].pk).update(hidden=True)
    return story, photos[0], photos[1]


def withdraw(crew, story):  # type: ignore[no-untyped-def]
    story.refresh_from_db()
    return services.story_withdraw(
        actor=crew.users["alice"], story_id=story.pk, expected_version=story.version
    )


# --------------------------------------------------------------------------- what is shown


def test_story_page_shows_only_what_may_be_public(client: Client, crew, shown) -> None:
    story, photo, hidden = shown
    response = client.get(url("detail", story.pk))
    assert response.status_code == 200
    page = html(response)
    assert story.title_km in page
    assert "ខ្ញុំបានទៅធ្វើការនៅប្រទេសថៃ" in page
    assert PSEUDONYM in page
    assert "ទីកន្លែង01" in page  # the province's name
    # Never the village or commune, the author, or the linked person's registry name.
    for secret in ("ទីកន្លែង01020101", "ទីកន្លែង010201", "Peter", "peter@", "សុខ ដារ៉ា"):
        assert secret not in page
    assert url("photo", story.pk, photo.pk, "web") in page
    assert url("photo", story.pk, photo.pk, "thumb") in page
    assert f"/photos/{hidden.pk}/" not in page
    assert 'loading="lazy"' in page and "srcset=" in page and "sizes=" in page


def test_list_shows_published_stories_only(client: Client, crew, story, published) -> None:
    shown_story = published(title_km="រឿងដែលបានផ្សាយ")
    advance(crew, story(title_km="រឿងដែលបានអនុម័ត"), StoryState.APPROVED)
    story(title_km="សេចក្តីព្រាងមួយ")
    gone = published(title_km="រឿងដែលបានដកចេញ")
    withdraw(crew, gone)
    page = html(client.get(url("list")))
    assert shown_story.title_km in page
    for hidden_title in ("រឿងដែលបានអនុម័ត", "សេចក្តីព្រាងមួយ", "រឿងដែលបានដកចេញ"):
        assert hidden_title not in page


def test_sharing_tags_are_absolute_and_correct(client: Client, crew, shown) -> None:
    story, photo, _hidden = shown
    page = html(client.get(url("detail", story.pk)))
    canonical = f"{SITE}/km/stories/{story.pk}/"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert meta(page, "og:url") == canonical
    assert meta(page, "og:title") == story.title_km
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:locale") == "km_KH"
    assert meta(page, "og:image") == SITE + url("photo", story.pk, photo.pk, "web")
    assert meta(page, "og:image:width") == str(photo.width)
    assert meta(page, "og:description") and "ខ្ញុំបានទៅធ្វើការ" in meta(page, "og:description")
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:image") == meta(page, "og:image")
    for code in ("km", "en", "th"):
        assert f'hreflang="{code}" href="{SITE}/{code}/stories/{story.pk}/"' in page
    assert 'hreflang="x-default"' in page
    encoded = quote(canonical, safe="")
    assert f"https://www.facebook.com/sharer/sharer.php?u={encoded}" in page
    assert f"https://t.me/share/url?url={encoded}" in page
    assert "<script" not in page.split("</head>")[1].split("</main>")[0]  # no share JS


def test_story_without_photo_has_a_small_card(client: Client, published) -> None:
    story = published()
    page = html(client.get(url("detail", story.pk)))
    assert meta(page, "og:image") is None
    assert meta(page, "twitter:card") == "summary"


def test_visitor_language_with_khmer_fallback_marked(client: Client, published) -> None:
    plain = published()
    translated = published(title_en="The road to Thailand", text_en="<p>I went to work.</p>")
    page = html(client.get(url("detail", plain.pk, language="en")))
    assert "not been translated into your language" in page
    assert f'<h1 lang="km">{plain.title_km}</h1>' in page
    page = html(client.get(url("detail", translated.pk, language="en")))
    assert '<h1 lang="en">The road to Thailand</h1>' in page
    assert "not been translated" not in page
    assert meta(page, "og:locale") == "en_GB"


# --------------------------------------------------------------------------- 404 / 410


def test_never_published_is_not_found(client: Client, crew, story) -> None:
    approved = advance(crew, story(), StoryState.APPROVED)
    assert client.get(url("detail", approved.pk)).status_code == 404
    assert client.get(url("detail", 999999)).status_code == 404
    assert client.get(f"/km/stories/{'9' * 30}/").status_code == 404


def test_withdrawn_story_is_gone_everywhere(client: Client, crew, shown) -> None:
    story, photo, _hidden = shown
    withdraw(crew, story)
    response = client.get(url("detail", story.pk))
    assert response.status_code == 410
    page = html(response)
    assert _km("This story is no longer available") in page
    assert story.title_km not in page and PSEUDONYM not in page
    assert client.get(url("photo", story.pk, photo.pk, "web")).status_code == 410
    assert client.get(url("photo", story.pk, photo.pk, "thumb")).status_code == 410
    assert story.title_km not in html(client.get(url("list")))
    assert story.title_km not in html(client.get(url("feed-rss")))
    assert story.title_km not in html(client.get(url("feed-atom")))
    assert story.title_km not in html(client.get(url("search") + "?q=ការធ្វើដំណើរ"))
    assert story.title_km not in html(client.get(url("list") + "?q=ការធ្វើដំណើរ"))
    site = RequestSite(RequestFactory().get("/"))
    assert not any(
        f"/stories/{story.pk}/" in u["location"] for u in StorySitemap().get_urls(site=site)
    )


# --------------------------------------------------------------------------- photos


def test_public_photo_is_served_while_published_and_shown(client: Client, crew, shown) -> None:
    story, photo, hidden = shown
    response = client.get(url("photo", story.pk, photo.pk, "web"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, no-cache"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xff\xd8") and b"GPS" not in data
    again = client.get(
        url("photo", story.pk, photo.pk, "web"), headers={"If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304
    assert client.get(url("photo", story.pk, hidden.pk, "web")).status_code == 404
    assert client.get(url("photo", story.pk, photo.pk, "original")).status_code == 404
    assert client.get(url("photo", story.pk + 1000, photo.pk, "web")).status_code == 404


def test_photos_of_unpublished_stories_are_not_served(client: Client, crew, story) -> None:
    from migra.stories.tests.conftest import upload

    draft = story()
    services.story_photo_add(actor=crew.users["peter"], story_id=draft.pk, upload=upload())
    photo = StoryPhoto.objects.get(story=draft)
    assert client.get(url("photo", draft.pk, photo.pk, "web")).status_code == 404
    approved = advance(crew, draft, StoryState.APPROVED)
    assert client.get(url("photo", approved.pk, photo.pk, "web")).status_code == 404


# --------------------------------------------------------------------------- filters, search


def test_filters_narrow_the_list(client: Client, crew, published) -> None:
    debt = published(title_km="រឿងបំណុល", themes=["debt"], sector="fishing", kind="testimony")
    other = published(title_km="រឿងផ្សេង", themes=["family"], kind="peer_report")
    page = html(client.get(url("list") + "?theme=debt"))
    assert debt.title_km in page and other.title_km not in page
    page = html(client.get(url("list") + "?kind=peer_report"))
    assert other.title_km in page and debt.title_km not in page
    page = html(client.get(url("list") + "?sector=fishing&province=01"))
    assert debt.title_km in page and other.title_km not in page
    page = html(client.get(url("list") + "?province=17"))
    assert debt.title_km not in page and other.title_km not in page


@pytest.mark.parametrize(
    "query",
    [
        "kind=<script>alert(1)</script>",
        "theme=nothing",
        "sector=" + "x" * 5000,
        "province=01020101",  # a village is not a province
        "province=ZZ",
        "destination=../../etc",
        "kind=testimony&kind=video",
    ],
)
def test_unknown_filters_are_refused_calmly(client: Client, published, query: str) -> None:
    story = published()
    response = client.get(url("list") + "?" + query)
    assert response.status_code == 400
    page = html(response)
    assert (
        _km("This search uses a filter we do not know. Choose again below, or see all stories.")
        in page
    )
    assert "<script>alert(1)</script>" not in page
    assert story.title_km not in page


def test_unknown_parameters_and_odd_pages_are_ignored(client: Client, published) -> None:
    story = published()
    for query in ("fbclid=abc123&utm_source=facebook", "page=abc", "page=99999", "page=-1"):
        response = client.get(url("list") + "?" + query)
        assert response.status_code == 200
        assert story.title_km in html(response)


def test_khmer_search_finds_published_stories(client: Client, published) -> None:
    found = published(title_km="ការងារនៅលើទូកនេសាទ", text_km="<p>ខ្ញុំធ្វើការនៅលើទូក។</p>")
    other = published(title_km="ការងារសំណង់", text_km="<p>ខ្ញុំធ្វើការសំណង់។</p>")
    page = html(client.get(url("list") + "?q=" + quote("ទូកនេសាទ")))
    assert found.title_km in page and other.title_km not in page
    page = html(client.get(url("search") + "?q=" + quote("ទូកនេសាទ")))
    assert f'href="/km/stories/{found.pk}/"' in page
    assert "/app/" not in page.split("<main")[1].split("</main>")[0]
    assert other.title_km not in page


def test_oversized_and_hostile_searches_answer_calmly(client: Client, published) -> None:
    published()
    for query in ("ក" * 10_000, "<script>alert(1)</script>", "\x00\x01", "' OR 1=1 --", "*"):
        for name in ("list", "search"):
            response = client.get(url(name), {"q": query})
            assert response.status_code == 200
            page = html(response)
            assert "<script>alert(1)</script>" not in page
            assert "ក" * 201 not in page


def test_hostile_story_text_is_escaped_everywhere(client: Client, published) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    story = published(
        title_km=f"ចំណងជើង {hostile}",
        text_km=f'<p>អត្ថបទ</p>{hostile}<a href="javascript:alert(1)">link</a>',
        name_shown='"><script>alert(2)</script>',
    )
    pages = [
        html(client.get(url("detail", story.pk))),
        html(client.get(url("list"))),
        html(client.get(url("feed-rss"))),
        html(client.get(url("feed-atom"))),
        html(client.get(url("search") + "?q=" + quote("អត្ថបទ"))),
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
        assert 'href="javascript:' not in page
    assert "&lt;script&gt;" in pages[0]


# --------------------------------------------------------------------------- feeds, sitemap


def test_feeds_are_valid_and_hold_published_stories(client: Client, crew, published) -> None:
    first = published(title_km="រឿងទីមួយ")
    second = published(title_km="រឿងទីពីរ")
    rss = client.get(url("feed-rss"))
    assert rss.status_code == 200 and rss["Content-Type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(rss.content)  # noqa: S314 (our own output)
    titles = [item.findtext("title") for item in root.iter("item")]
    assert titles[:2] == [second.title_km, first.title_km]
    links = [item.findtext("link") for item in root.iter("item")]
    assert f"{SITE}/km/stories/{second.pk}/" in links
    assert root.find("channel/language").text == "km"
    atom = client.get(url("feed-atom", language="en"))
    assert atom["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(atom.content)  # noqa: S314 (our own output)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries][:2] == [second.title_km, first.title_km]
    assert f"{SITE}/en/stories/{first.pk}/" in [e.find(f"{ATOM}link").get("href") for e in entries]
    withdraw(crew, first)
    assert first.title_km not in html(client.get(url("feed-rss")))


def test_sitemap_lists_published_stories_and_collections_in_every_language(
    crew, published, story
) -> None:
    shown_story = published()
    draft = story()
    collection = services.collection_create(actor=crew.users["edna"], title_km="ក្រុមរឿង")
    hidden = services.collection_create(actor=crew.users["edna"], title_km="មិនទាន់ផ្សាយ")
    services.collection_update(
        actor=crew.users["edna"],
        collection_id=collection.pk,
        expected_version=collection.version,
        title_km="ក្រុមរឿង",
        is_published=True,
    )
    site = RequestSite(RequestFactory().get("/"))
    locations = [u["location"] for u in StorySitemap().get_urls(site=site, protocol="https")]
    for code in ("km", "en", "th"):
        assert f"https://testserver/{code}/stories/{shown_story.pk}/" in locations
    assert not any(f"/stories/{draft.pk}/" in loc for loc in locations)
    entries = StorySitemap().get_urls(site=site, protocol="https")
    assert {a["lang_code"] for a in entries[0]["alternates"]} >= {"km", "en", "th", "x-default"}
    collections = [u["location"] for u in CollectionSitemap().get_urls(site=site)]
    assert any(f"/collections/{collection.pk}/" in loc for loc in collections)
    assert not any(f"/collections/{hidden.pk}/" in loc for loc in collections)


# --------------------------------------------------------------------------- collections


def test_collection_shows_published_stories_in_order(
    client: Client, crew, published, story
) -> None:
    editor = crew.users["edna"]
    first = published(title_km="រឿងទីមួយ", photos=1)
    second = published(title_km="រឿងទីពីរ")
    approved = advance(crew, story(title_km="រឿងមិនទាន់ផ្សាយ"), StoryState.APPROVED)
    collection = services.collection_create(
        actor=editor, title_km="ហួសពីអ្វីដែលគេបានប្រាប់", intro_km="<p>សេចក្ដីផ្ដើម</p>"
    )
    for item in (second, approved, first):
        collection.refresh_from_db()
        services.collection_story_add(
            actor=editor,
            collection_id=collection.pk,
            expected_version=collection.version,
            story_id=item.pk,
        )
    assert client.get(url("collection", collection.pk)).status_code == 404  # not published yet
    cover = StoryPhoto.objects.get(story=first)
    collection.refresh_from_db()
    services.collection_update(
        actor=editor,
        collection_id=collection.pk,
        expected_version=collection.version,
        title_km=collection.title_km,
        intro_km=collection.intro_km,
        cover_id=cover.pk,
        is_published=True,
    )
    page = html(client.get(url("collection", collection.pk)))
    assert page.index(second.title_km) < page.index(first.title_km)
    assert "រឿងមិនទាន់ផ្សាយ" not in page
    assert "សេចក្ដីផ្ដើម" in page
    assert url("photo", first.pk, cover.pk, "web") in page
    listing = html(client.get(url("collections")))
    assert "ហួសពីអ្វីដែលគេបានប្រាប់" in listing
    # The cover's story withdrawn: the cover goes with it.
    withdraw(crew, first)
    page = html(client.get(url("collection", collection.pk)))
    assert f"/photos/{cover.pk}/" not in page and first.title_km not in page
    assert client.get(url("collection", 999999)).status_code == 404


def test_site_sitemap_lists_the_story_until_it_is_withdrawn(client: Client, crew, published):  # type: ignore[no-untyped-def]
    story = published()
    response = client.get("/sitemap.xml")
    if response.status_code == 404:
        pytest.skip("/sitemap.xml is not installed")
    assert f"/km/stories/{story.pk}/" in html(response)
    withdraw(crew, story)
    assert f"/km/stories/{story.pk}/" not in html(client.get("/sitemap.xml"))
