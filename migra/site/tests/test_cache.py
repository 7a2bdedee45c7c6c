"""The public page cache and the website: pages are kept for anonymous visitors, and
every change that shows publicly is seen at once (the services drop the cache when
they commit). Run with real transactions: the cache is not used inside one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from migra.accounts.tests.conftest import Cast
from migra.site import services
from migra.site.models import Page
from migra.site.public_cache import STATUS_HEADER, default_cache

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    default_cache().forget_memory()
    yield
    default_cache().forget_memory()


def _get(path: str) -> tuple[str, str]:
    response = Client().get(path)
    assert response.status_code == 200, path
    return response.get(STATUS_HEADER, ""), response.content.decode()


def test_public_pages_are_kept(crew: Cast, fixed_pages: dict[str, Page]) -> None:
    for path in (
        "/km/",
        "/km/advice/",
        "/km/advice/before-you-go/",
        "/km/about/",
        "/km/news/",
        "/km/events/",
        "/km/partners/",
        "/km/contact/",
        "/km/news/feed/rss/",
        "/sitemap.xml",
        "/robots.txt",
    ):
        assert _get(path)[0] == "miss", path
        assert _get(path)[0] == "hit", path


def test_a_published_edit_shows_at_once(crew: Cast, fixed_pages: dict[str, Page]) -> None:
    editor = crew.users["edna"]
    page = Page.objects.get(key="before-you-go")
    _get("/en/advice/before-you-go/")
    assert _get("/en/advice/before-you-go/")[0] == "hit"
    _get("/en/advice/")
    services.page_update(
        actor=editor,
        page_id=page.pk,
        expected_version=page.version,
        title_km=page.title_km,
        body_km=page.body_km,
        title_en="Before you leave home",
        body_en=page.body_en,
        position=page.position,
    )
    state, body = _get("/en/advice/before-you-go/")
    assert state == "miss" and "Before you leave home" in body
    assert "Before you leave home" in _get("/en/advice/")[1]  # lists too


def test_publishing_and_unpublishing_news_show_at_once(crew: Cast) -> None:
    editor = crew.users["edna"]
    item = services.news_create(actor=editor, title_km="ព័ត៌មានបន្ទាន់", body_km="x")
    _get("/km/")
    _get("/km/news/")
    _get("/km/news/feed/rss/")
    assert "ព័ត៌មានបន្ទាន់" not in _get("/km/news/")[1]
    item = services.news_publish(
        actor=editor, news_id=item.pk, expected_version=item.version, publish=True
    )
    for path in ("/km/", "/km/news/", "/km/news/feed/rss/", "/sitemap.xml"):
        state, body = _get(path)
        assert state == "miss", path
        assert "ព័ត៌មានបន្ទាន់" in body or f"/km/news/{item.pk}/" in body, path
    assert _get(f"/km/news/{item.pk}/")[0] == "miss"
    assert _get(f"/km/news/{item.pk}/")[0] == "hit"
    services.news_publish(
        actor=editor, news_id=item.pk, expected_version=item.version, publish=False
    )
    assert Client().get(f"/km/news/{item.pk}/").status_code == 404
    assert "ព័ត៌មានបន្ទាន់" not in _get("/km/news/")[1]
    assert "ព័ត៌មានបន្ទាន់" not in _get("/km/news/feed/rss/")[1]


def test_a_draft_edit_leaves_the_cache_alone(crew: Cast) -> None:
    editor = crew.users["edna"]
    draft = services.news_create(actor=editor, title_km="ព្រាង", body_km="x")
    _get("/km/news/")
    services.news_update(
        actor=editor,
        news_id=draft.pk,
        expected_version=draft.version,
        title_km="ព្រាងថ្មី",
        body_km="x",
    )
    assert _get("/km/news/")[0] == "hit"


def test_partner_changes_show_at_once(crew: Cast) -> None:
    editor = crew.users["edna"]
    _get("/en/partners/")
    partner = services.partner_create(actor=editor, name_km="ដៃគូ", name_en="New partner")
    state, body = _get("/en/partners/")
    assert state == "miss" and "New partner" in body
    services.partner_delete(actor=editor, partner_id=partner.pk, expected_version=partner.version)
    assert "New partner" not in _get("/en/partners/")[1]


def test_a_logged_in_editor_is_never_served_a_kept_page(
    crew: Cast, fixed_pages: dict[str, Page]
) -> None:
    from migra.accounts.tests.conftest import login_as

    _get("/km/advice/")
    client = login_as(Client(), crew.users["edna"])
    response = client.get("/km/advice/")
    assert response.status_code == 200
    assert response.get(STATUS_HEADER) is None
