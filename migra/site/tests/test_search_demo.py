"""News and pages in the search index, and the demo content."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client

from migra.accounts.tests.conftest import Cast
from migra.search.models import SearchDocument
from migra.search.selectors import search_for_user, search_public
from migra.site import services
from migra.site.models import Event, NewsItem, Page, Partner

pytestmark = pytest.mark.django_db


def _public(query: str, doc_type: str = "news") -> set[str]:
    return {r.object_id for r in search_public(query, doc_types=[doc_type])}


def _staff(user, query: str, doc_type: str = "news") -> set[str]:  # type: ignore[no-untyped-def]
    return {r.object_id for r in search_for_user(user, query, doc_types=[doc_type])}


def test_only_published_news_is_public(crew: Cast, news: Callable[..., NewsItem]) -> None:
    live = news(title_km="ការប្រជុំភូមិ", title_en="Village meeting", body_en="<p>Fishing boat</p>")
    draft = news(title_km="ការប្រជុំភូមិ", publish=False)
    assert _public("ប្រជុំ") == {str(live.pk)}
    assert _public("fishing") == {str(live.pk)}  # the English text
    assert _staff(crew.users["edna"], "ប្រជុំ") == {str(live.pk), str(draft.pk)}
    assert _staff(crew.users["carol"], "ប្រជុំ") == set()
    services.news_publish(
        actor=crew.users["edna"], news_id=live.pk, expected_version=live.version, publish=False
    )
    assert _public("ប្រជុំ") == set()
    live.refresh_from_db()
    services.news_delete(actor=crew.users["edna"], news_id=live.pk, expected_version=live.version)
    assert not SearchDocument.objects.filter(doc_type="news", object_id=str(live.pk)).exists()


def test_public_results_link_to_the_public_page(crew: Cast, news: Callable[..., NewsItem]) -> None:
    from django.utils import translation

    item = news(title_km="ព័ត៌មានស្វែងរក")
    with translation.override("km"):
        (result,) = search_public("ស្វែងរក", doc_types=["news"])
        assert result.url == f"/km/news/{item.pk}/"


def test_pages_are_searchable_once_published(crew: Cast, fixed_pages: dict[str, Page]) -> None:
    editor = crew.users["edna"]
    page = services.page_create(
        actor=editor, key="fishing-boats", title_km="ទូកនេសាទ", body_km="<p>ការងារលើទូក</p>"
    )
    assert _public("ទូកនេសាទ", "page") == set()
    assert _staff(editor, "ទូកនេសាទ", "page") == {str(page.pk)}
    services.page_publish(actor=editor, page_id=page.pk, expected_version=1, publish=True)
    assert _public("ទូកនេសាទ", "page") == {str(page.pk)}


def test_search_rebuild_indexes_the_fixed_pages(crew: Cast, fixed_pages: dict[str, Page]) -> None:
    call_command("search", "rebuild", "--type", "page", stdout=io.StringIO())
    found = _public("passport", "page")
    assert str(fixed_pages["before-you-go"].pk) in found


# --------------------------------------------------------------------------- demo


def test_demo_content_is_made_once(client: Client, fixed_pages: dict[str, Page]) -> None:
    from migra.accounts.demo import demo_ensure

    demo_ensure()
    counts = (NewsItem.objects.count(), Event.objects.count(), Partner.objects.count())
    assert counts[0] == 3 and counts[1] == 2 and counts[2] >= 5
    demo_ensure()
    assert (NewsItem.objects.count(), Event.objects.count(), Partner.objects.count()) == counts
    published = NewsItem.objects.filter(state="published")
    assert published.count() == 2
    with_cover = published.exclude(cover=None).get()
    assert client.get(f"/km/news/{with_cover.pk}/").status_code == 200
    # The item without Thai shows the Khmer fallback note in Thai.
    no_thai = published.filter(cover=None).get()
    assert "langnote" in client.get(f"/th/news/{no_thai.pk}/").content.decode()
    assert "Safe migration day in Siem Reap" in client.get("/en/").content.decode()
    assert "European Union" in client.get("/en/partners/").content.decode()
    # The fixed pages are in the search index.
    assert _public("passport", "page")
