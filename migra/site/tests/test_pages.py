"""The public website's pages over HTTP: home, advice, about, contact, partners, news,
events; language fallback; canonical, hreflang and sharing tags; the menu; images."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from migra.accounts.tests.conftest import Cast
from migra.site import services
from migra.site.models import Event, NewsItem, Page, Partner, PartnerKind
from migra.site.tests.conftest import html, jpeg_upload

pytestmark = pytest.mark.django_db

SITE = settings.MIGRA_SITE_URL
ADVICE = ["before-you-go", "legal-channels", "your-rights", "warning-signs", "who-to-call"]


# --------------------------------------------------------------------------- home


@pytest.mark.parametrize("language", ["km", "en", "th"])
def test_home_shows_the_programme_news_events_advice_and_the_call_to_action(
    client: Client,
    crew: Cast,
    news: Callable[..., NewsItem],
    event: Callable[..., Event],
    language: str,
) -> None:
    news(title_km="ព័ត៌មានចុងក្រោយ", title_en="Latest item", body_en="<p>Text</p>")
    news(title_km="សេចក្តីព្រាងសម្ងាត់", publish=False)
    event(title_km="ព្រឹត្តិការណ៍ខាងមុខ")
    event(title_km="ព្រឹត្តិការណ៍មិនទាន់ផ្សាយ", publish=False)
    page = html(client.get(f"/{language}/"))
    # The programme in its own words (the "about" page's summary) and the advice.
    assert f'href="/{language}/about/"' in page
    for key in ADVICE:
        assert f'href="/{language}/advice/{key}/"' in page
    # Published news and upcoming events; drafts never.
    assert ("Latest item" if language == "en" else "ព័ត៌មានចុងក្រោយ") in page
    assert "សេចក្តីព្រាងសម្ងាត់" not in page
    assert "ព្រឹត្តិការណ៍ខាងមុខ" in page
    assert "ព្រឹត្តិការណ៍មិនទាន់ផ្សាយ" not in page
    # Report a concern, in the hero and in the call to action.
    assert page.count(f'href="/{language}/report/"') >= 2


def test_home_shows_published_stories_only(client: Client, crew: Cast) -> None:
    from migra.stories.models import Story, StoryState

    place = crew.places["01020101"]
    common = {
        "kind": "testimony",
        "text_km": "<p>អត្ថបទ</p>",
        "place": place,
        "province": crew.places["01"],
        "author": crew.users["gina"],
        "agency": crew.agencies["lead"],
    }
    Story.objects.create(
        title_km="រឿងដែលបានផ្សាយ",
        state=StoryState.PUBLISHED,
        published_at=timezone.now(),
        **common,
    )
    Story.objects.create(title_km="រឿងព្រាង", **common)
    page = html(client.get("/km/"))
    assert "រឿងដែលបានផ្សាយ" in page
    assert "រឿងព្រាង" not in page
    # The story's village is never shown: its province at most.
    assert "ទីកន្លែង01020101" not in page


# --------------------------------------------------------------------------- advice and pages


@pytest.mark.parametrize("language", ["km", "en", "th"])
@pytest.mark.parametrize("key", ADVICE)
def test_every_advice_page_in_every_language(
    client: Client, fixed_pages: dict[str, Page], language: str, key: str
) -> None:
    response = client.get(f"/{language}/advice/{key}/")
    page = html(response)
    assert response.status_code == 200
    shown = fixed_pages[key].shown(language)
    assert not shown.is_fallback  # the seed has all three languages
    assert f'<h1 lang="{language}">{shown.title}</h1>' in page
    assert "langnote" not in page
    # Links to the other advice pages, and back to the list.
    assert f'href="/{language}/advice/"' in page
    others = [k for k in ADVICE if k != key]
    assert all(f'href="/{language}/advice/{other}/"' in page for other in others)


def test_the_seeded_advice_says_what_matters(client: Client, fixed_pages: dict[str, Page]) -> None:
    before = html(client.get("/en/advice/before-you-go/"))
    assert "Ministry of Labour and Vocational Training" in before
    assert "Keep your passport yourself" in before
    assert "receipt" in before and "contract" in before
    signs = html(client.get("/en/advice/warning-signs/"))
    assert "International Labour" in signs
    for sign in ("passport or ID card is taken", "debt keeps growing", "locked in", "threatened"):
        assert sign in signs
    legal = html(client.get("/en/advice/legal-channels/"))
    assert "licence" in legal and "(MoLVT)" in legal
    khmer = html(client.get("/km/advice/before-you-go/"))
    assert "លិខិតឆ្លងដែន" in khmer and "ក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ" in khmer


@override_settings(MIGRA_HOTLINE_NUMBER="023 999 000")
def test_who_to_call_shows_the_hotline_that_settings_hold(
    client: Client, fixed_pages: dict[str, Page]
) -> None:
    page = html(client.get("/en/advice/who-to-call/"))
    assert '<a class="button" href="tel:023999000">023 999 000</a>' in page
    assert 'href="tel:117"' in page  # the police, as on the report page
    contact = html(client.get("/en/contact/"))
    assert "023 999 000" in contact


@override_settings(MIGRA_HOTLINE_NUMBER="")
def test_without_a_hotline_no_number_is_made_up(
    client: Client, fixed_pages: dict[str, Page]
) -> None:
    page = html(client.get("/en/advice/who-to-call/"))
    assert "hotline:" not in page
    numbers = set(re.findall(r'href="tel:([^"]*)"', page))
    assert numbers == {"117"}


def test_advice_index_lists_published_advice_in_order(
    client: Client, crew: Cast, fixed_pages: dict[str, Page]
) -> None:
    editor = crew.users["edna"]
    extra = services.page_create(
        actor=editor, key="working-in-thailand", title_km="ធ្វើការនៅថៃ", body_km="x", position=5
    )
    page = html(client.get("/km/advice/"))
    assert "working-in-thailand" not in page  # not published yet
    services.page_publish(
        actor=editor, page_id=extra.pk, expected_version=extra.version, publish=True
    )
    page = html(client.get("/km/advice/"))
    links = re.findall(r'href="/km/advice/([a-z-]+)/"', page)
    assert links[: len(ADVICE) + 1] == ["working-in-thailand", *ADVICE]
    # The pages that are not advice are not in the advice list.
    assert "/km/advice/about/" not in page and "/km/advice/contact/" not in page


def test_pages_that_have_their_own_address_redirect(
    client: Client, fixed_pages: dict[str, Page]
) -> None:
    for key, target in [("about", "/en/about/"), ("contact", "/en/contact/")]:
        response = client.get(f"/en/advice/{key}/")
        assert response.status_code == 301
        assert response["Location"] == target
    assert client.get("/en/advice/partners/")["Location"] == "/en/partners/"


@pytest.mark.parametrize(
    "path",
    [
        "/km/advice/no-such-page/",
        "/km/advice/BEFORE-YOU-GO/",
        "/km/advice/មុនពេលចេញដំណើរ/",
        "/km/advice/before-you-go%2F..%2F/",
        "/km/advice/" + "a" * 300 + "/",
        "/km/news/0/",
        "/km/news/99999999999999999999999/",
        "/km/news/abc/",
        "/km/events/12345/",
    ],
)
def test_unknown_and_malformed_addresses_are_not_found(
    client: Client, fixed_pages: dict[str, Page], path: str
) -> None:
    assert client.get(path).status_code == 404


def test_an_unpublished_page_is_not_found_for_anyone(
    client: Client, crew: Cast, fixed_pages: dict[str, Page]
) -> None:
    page = fixed_pages["your-rights"]
    services.page_publish(
        actor=crew.users["edna"], page_id=page.pk, expected_version=page.version, publish=False
    )
    assert client.get("/en/advice/your-rights/").status_code == 404
    # Editors too: they see it in the editor, not on the public site.
    client.force_login(crew.users["edna"])
    assert client.get("/en/advice/your-rights/").status_code == 404
    assert "/en/advice/your-rights/" not in html(client.get("/en/advice/"))


def test_about_and_contact_and_partners(
    client: Client, crew: Cast, partner: Callable[..., Partner]
) -> None:
    about = html(client.get("/th/about/"))
    assert "เกี่ยวกับโครงการ" in about
    partner(
        name_km="ម្ចាស់ជំនួយ", name_en="The Donor", kind=PartnerKind.DONOR, url="https://donor.example/"
    )
    partner(name_km="អង្គការមួយ", name_en="", position=3)
    page = html(client.get("/en/partners/"))
    assert "Partners and donors" in page
    assert '<a href="https://donor.example/" rel="noopener" lang="en">The Donor</a>' in page
    # No English name: the Khmer one, marked as Khmer.
    assert '<span lang="km">អង្គការមួយ</span>' in page
    assert page.index("Partners</h2>") < page.index("Donors</h2>")
    khmer = html(client.get("/km/partners/"))
    assert "ម្ចាស់ជំនួយ" in khmer and "The Donor" not in khmer


# --------------------------------------------------------------------------- language fallback


def test_a_page_without_a_translation_falls_back_to_khmer_and_says_so(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    item = news(
        title_km="ចំណងជើងខ្មែរ",
        body_km="<p>អត្ថបទខ្មែរ</p>",
        title_en="English title",
        body_en="<p>English text</p>",
    )
    english = html(client.get(f"/en/news/{item.pk}/"))
    assert '<h1 lang="en">English title</h1>' in english
    assert "langnote" not in english
    thai = html(client.get(f"/th/news/{item.pk}/"))
    assert '<h1 lang="km">ចំណងជើងខ្មែរ</h1>' in thai
    assert 'class="message message--info langnote"' in thai
    assert '<div class="prose" lang="km"><p>អត្ថបទខ្មែរ</p></div>' in thai
    assert '<html lang="th">' in thai  # the page is still the Thai page
    khmer = html(client.get(f"/km/news/{item.pk}/"))
    assert "langnote" not in khmer
    # Lists say it too, item by item.
    assert "in Khmer</span>" not in html(client.get("/en/news/"))
    listing = html(client.get("/th/news/"))
    assert 'lang="km">ចំណងជើងខ្មែរ</a> <span class="badge badge--info">' in listing


def test_fixed_page_fallback_when_an_editor_removes_a_translation(
    client: Client, crew: Cast, fixed_pages: dict[str, Page]
) -> None:
    page = fixed_pages["your-rights"]
    services.page_update(
        actor=crew.users["edna"],
        page_id=page.pk,
        expected_version=page.version,
        title_km=page.title_km,
        summary_km=page.summary_km,
        body_km=page.body_km,
        title_en=page.title_en,
        summary_en=page.summary_en,
        body_en=page.body_en,
        position=page.position,
    )
    thai = html(client.get("/th/advice/your-rights/"))
    assert "langnote" in thai and "សិទ្ធិរបស់អ្នក" in thai


# --------------------------------------------------------------------------- news and events


def test_news_list_newest_first_with_pages(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    items = [news(title_km=f"ព័ត៌មាន {n}") for n in range(12)]
    news(title_km="ព្រាង", publish=False)
    first = html(client.get("/km/news/"))
    titles = re.findall(r'lang="km">(ព័ត៌មាន \d+)</a>', first)
    assert titles == [f"ព័ត៌មាន {n}" for n in range(11, 1, -1)]
    second = html(client.get("/km/news/?page=2"))
    assert re.findall(r'lang="km">(ព័ត៌មាន \d+)</a>', second) == ["ព័ត៌មាន 1", "ព័ត៌មាន 0"]
    assert "ព្រាង" not in first + second
    # The second page's canonical address keeps its page number, nothing else.
    assert f'<link rel="canonical" href="{SITE}/km/news/?page=2">' in html(
        client.get("/km/news/?page=2&utm_source=fb")
    )
    for bad in ("999", "-1", "x", "១"):
        assert client.get(f"/km/news/?page={bad}").status_code == 200
    assert client.get(f"/km/news/{items[0].pk}/").status_code == 200


def test_unpublished_news_is_gone_from_its_page(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    item = news()
    assert client.get(f"/km/news/{item.pk}/").status_code == 200
    services.news_publish(
        actor=crew.users["edna"], news_id=item.pk, expected_version=item.version, publish=False
    )
    assert client.get(f"/km/news/{item.pk}/").status_code == 404


def test_events_show_the_province_only(
    client: Client, crew: Cast, event: Callable[..., Event]
) -> None:
    upcoming = event(title_km="ខាងមុខ", place_code="01020101", venue="Commune hall")
    past = event(title_km="កន្លងមក", starts_at=timezone.now() - timedelta(days=10))
    page = html(client.get("/en/events/"))
    assert page.index("ខាងមុខ") < page.index("Past events") < page.index("កន្លងមក")
    detail = html(client.get(f"/en/events/{upcoming.pk}/"))
    assert "Commune hall, Banteay Meanchey province" in detail
    for finer in ("Ou Thum", "Banteay Neang", "Mongkol Borei", "ទីកន្លែង01020101"):
        assert finer not in detail and finer not in page
    assert client.get(f"/en/events/{past.pk}/").status_code == 200
    hidden = event(title_km="មិនផ្សាយ", publish=False)
    assert client.get(f"/en/events/{hidden.pk}/").status_code == 404


def test_an_event_without_an_end_is_upcoming_until_later_that_day(
    client: Client, crew: Cast, event: Callable[..., Event]
) -> None:
    event(title_km="ព្រឹកនេះ", starts_at=timezone.now() - timedelta(hours=2))
    event(title_km="ម្សិលមិញ", starts_at=timezone.now() - timedelta(days=1))
    page = html(client.get("/en/events/"))
    assert page.index("ព្រឹកនេះ") < page.index("Past events") < page.index("ម្សិលមិញ")


# --------------------------------------------------------------------------- the shell


def test_canonical_hreflang_and_sharing_tags(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    item = news(
        title_km="ចំណងជើង",
        summary_km="សេចក្តីសង្ខេប",
        title_en="Title",
        summary_en="The summary",
        body_en="<p>Body</p>",
        cover=jpeg_upload(),
        cover_alt="ក្រដាស",
    )
    page = html(client.get(f"/en/news/{item.pk}/?fbclid=abc"))
    assert f'<link rel="canonical" href="{SITE}/en/news/{item.pk}/">' in page
    for code in ("km", "en", "th"):
        assert (
            f'<link rel="alternate" hreflang="{code}" href="{SITE}/{code}/news/{item.pk}/">' in page
        )
    assert f'<link rel="alternate" hreflang="x-default" href="{SITE}/km/news/{item.pk}/">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Title">' in page
    assert '<meta property="og:description" content="The summary">' in page
    assert f'<meta property="og:url" content="{SITE}/en/news/{item.pk}/">' in page
    assert '<meta property="og:locale" content="en_GB">' in page
    cover = item.cover
    assert cover is not None
    image = f"{SITE}/site-files/photos/{cover.pk}/web.jpg"
    assert f'<meta property="og:image" content="{image}">' in page
    assert f'<meta property="og:image:width" content="{cover.width}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    # Every public page has the tags; without an image the card is a summary.
    for path in ("/km/", "/km/advice/", "/km/events/", "/km/partners/", "/km/contact/"):
        other = html(client.get(path))
        assert f'<link rel="canonical" href="{SITE}{path}">' in other, path
        assert (
            '<meta property="og:title"' in other
            and '<meta property="og:locale" content="km_KH">' in other
        )
        assert '<meta name="twitter:card" content="summary">' in other


@override_settings(MIGRA_SITE_URL="https://migra.example.org")
def test_addresses_come_from_the_setting_not_the_host_header(
    client: Client, fixed_pages: dict[str, Page]
) -> None:
    page = html(client.get("/km/advice/", HTTP_HOST="localhost"))
    assert '<link rel="canonical" href="https://migra.example.org/km/advice/">' in page
    assert "localhost" not in page


def test_the_menu_links_every_part_of_the_site(
    client: Client, fixed_pages: dict[str, Page]
) -> None:
    from django.urls import NoReverseMatch, reverse

    page = html(client.get("/en/"))
    menu = re.search(r'<ul class="sitenav__bar">(.*?)</ul>', page, re.S)
    assert menu is not None
    links = re.findall(r'href="([^"]+)"', menu.group(1))
    expected = []
    for name in (
        "public-stories:list",
        "site:news-list",
        "site:event-list",
        "public-documents:list",
        "site:advice",
        "site:report",
        "public-stories:search",
    ):
        try:
            expected.append(reverse(name))
        except NoReverseMatch:
            continue  # not installed: the menu leaves it out rather than failing
    assert links == expected
    assert "/en/news/" in links and "/en/advice/" in links and "/en/report/" in links
    # Without JavaScript on a phone: the same links inside a <details>.
    fold = re.search(r'<details class="sitenav__fold">(.*?)</details>', page, re.S)
    assert fold is not None and re.findall(r'href="([^"]+)"', fold.group(1)) == expected
    # The current section is marked.
    assert '<a href="/en/advice/" aria-current="page">' in html(client.get("/en/advice/"))


def test_the_menu_skips_a_part_that_does_not_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    from migra.site.templatetags import site_tags

    links = [
        site_tags.NavLink("site:advice", "Advice"),
        site_tags.NavLink("nowhere:list", "Missing"),
    ]
    assert [link["name"] for link in site_tags._resolved(links, None)] == ["site:advice"]


def test_images_are_lazy_with_sizes(
    client: Client, crew: Cast, news: Callable[..., NewsItem], partner: Callable[..., Partner]
) -> None:
    item = news(cover=jpeg_upload(size=(2000, 1000)))
    partner(logo=jpeg_upload(size=(400, 200)))
    cover = item.cover
    assert cover is not None
    listing = html(client.get("/km/news/"))
    card = re.search(r"<img [^>]*>", listing)
    assert card is not None
    tag = card.group(0)
    assert f'src="/site-files/photos/{cover.pk}/thumb.jpg"' in tag
    thumb, web = (f"/site-files/photos/{cover.pk}/{size}.jpg" for size in ("thumb", "web"))
    assert f'srcset="{thumb} 320w, {web} 1600w"' in tag
    assert 'sizes="(min-width: 40em) 20rem, 100vw"' in tag
    assert 'width="320" height="160"' in tag and 'loading="lazy"' in tag
    partners = html(client.get("/km/partners/"))
    logo = re.search(r"<img [^>]*>", partners)
    assert logo is not None and 'loading="lazy"' in logo.group(0) and "width=" in logo.group(0)


def test_no_inline_script_or_style_and_no_cookie(
    client: Client, crew: Cast, news: Callable[..., NewsItem], event: Callable[..., Event]
) -> None:
    item = news()
    happening = event()
    for path in (
        "/km/",
        "/km/about/",
        "/km/advice/",
        "/km/advice/before-you-go/",
        "/km/news/",
        f"/km/news/{item.pk}/",
        "/km/events/",
        f"/km/events/{happening.pk}/",
        "/km/partners/",
        "/km/contact/",
    ):
        response = client.get(path)
        page = html(response)
        assert response.status_code == 200, path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert " style=" not in page and "<style" not in page, path
        assert dict(response.cookies) == {}, path
