"""The public library: only published documents, filters, search, pages in each
language with sizes for people, downloads that are counted and safely named, nothing
kept about visitors, and unpublished documents gone (404) everywhere at once."""

from __future__ import annotations

import datetime
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from migra.audit.models import AuditEvent
from migra.documents import public_views, services
from migra.documents.models import Document, DocumentVersion
from migra.documents.sitemaps import SITEMAPS
from migra.documents.tests.conftest import KHMER_TITLE
from migra.documents.tests.samples import pdf, upload, xlsx

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _body(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def test_public_views_are_marked_for_the_page_cache_and_download_is_not():
    assert getattr(public_views.library, "public_page", False)
    assert getattr(public_views.detail, "public_page", False)
    assert not getattr(public_views.download, "public_page", False)


def test_library_lists_published_only(client, document):
    live = document(publish=True, title_km="ឯកសារបោះពុម្ព")
    draft = document(title_km="សេចក្តីព្រាងសម្ងាត់")
    response = client.get("/km/documents/")
    assert response.status_code == 200
    page = _body(response)
    assert "ឯកសារបោះពុម្ព" in page and "សេចក្តីព្រាងសម្ងាត់" not in page
    assert f"/km/documents/{live.pk}/" in page and f"/documents/{draft.pk}/" not in page
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_unpublished_documents_are_never_public(client, crew, document):
    draft = document()
    live = document(publish=True)
    down = services.document_unpublish(
        actor=crew.users["edna"], document_id=live.pk, expected_version=live.version
    )
    for gone in (draft, down):
        for url in (
            f"/km/documents/{gone.pk}/",
            f"/en/documents/{gone.pk}/",
            f"/km/documents/{gone.pk}/v1/download/",
        ):
            assert client.get(url).status_code == 404, url
    assert client.get("/km/documents/999999/").status_code == 404
    assert client.get(f"/km/documents/{live.pk}/v2/download/").status_code == 404
    assert DocumentVersion.objects.filter(downloads__gt=0).count() == 0


def test_filters_by_category_language_and_year(client, document):
    document(publish=True, title_km="របាយការណ៍ ២០២៤", published_on=datetime.date(2024, 5, 1))
    document(
        publish=True,
        title_km="គោលនយោបាយ ៧៧",
        category="policy",
        languages=["th", "en"],
        published_on=datetime.date(2025, 2, 1),
    )
    document(
        publish=True, title_km="ប័ណ្ណ ៨៨", category="leaflet", published_on=datetime.date(2025, 9, 9)
    )

    # Titles with numbers, so that a category's name on the page (ប័ណ្ណ, a leaflet)
    # is not taken for a document's title.
    def titles(query: str) -> set[str]:
        page = _body(client.get(f"/km/documents/{query}"))
        return {t for t in ("របាយការណ៍ ២០២៤", "គោលនយោបាយ ៧៧", "ប័ណ្ណ ៨៨") if t in page}

    assert titles("") == {"របាយការណ៍ ២០២៤", "គោលនយោបាយ ៧៧", "ប័ណ្ណ ៨៨"}
    assert titles("?category=policy") == {"គោលនយោបាយ ៧៧"}
    assert titles("?language=th") == {"គោលនយោបាយ ៧៧"}
    assert titles("?language=km") == {"របាយការណ៍ ២០២៤", "ប័ណ្ណ ៨៨"}
    assert titles("?year=2025") == {"គោលនយោបាយ ៧៧", "ប័ណ្ណ ៨៨"}
    assert titles("?year=2025&category=leaflet") == {"ប័ណ្ណ ៨៨"}
    # Malformed filters are ignored, never an error.
    for junk in (
        "?year=20x5",
        "?year=99999999999999999999",
        "?category=<script>",
        "?language=%00",
        "?page=-1",
        "?page=abc",
        "?q=" + "ក" * 5000,
        "?q=%F0%9F%92%A9%00%E2%80%8B",
        "?category=report&category=policy",
    ):
        response = client.get(f"/km/documents/{junk}")
        assert response.status_code == 200, junk
        assert "<script>" not in _body(response).split("<main", 1)[1]


def test_search_finds_a_khmer_title_by_a_word_inside_it(client, document):
    found = document(publish=True, title_km="ការណែនាំអំពីការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព")
    document(publish=True, title_km="របាយការណ៍ហិរញ្ញវត្ថុ")
    document(title_km="សុវត្ថិភាពព្រាង")  # a draft with the word: never shown
    page = _body(client.get("/km/documents/", {"q": "សុវត្ថិភាព"}))
    assert f"/km/documents/{found.pk}/" in page
    assert "របាយការណ៍ហិរញ្ញវត្ថុ" not in page and "សុវត្ថិភាពព្រាង" not in page
    nothing = client.get("/en/documents/", {"q": "\u200b<>"})
    assert nothing.status_code == 200 and "No document matches" in _body(nothing)


def test_library_is_paginated(client, document, crew):
    for number in range(23):
        document(title_km=f"ឯកសារ {number:02d}", with_file=False)
    # Without files they cannot be published through the service: by hand, for the list.
    Document.objects.update(is_published=True)
    first = _body(client.get("/en/documents/"))
    second = _body(client.get("/en/documents/?page=2"))
    assert first.count('class="card"') == 20 and second.count('class="card"') == 3
    assert "Page 1 of 2" in first


def test_detail_page_in_each_language(client, crew, document):
    live = document(
        publish=True,
        title_en="Safe migration report",
        description_km="អំពីការធ្វើចំណាកស្រុក",
        description_en="About migration",
        languages=["km", "en"],
    )
    services.document_version_add(
        actor=crew.users["edna"],
        document_id=live.pk,
        upload=upload(xlsx(), "data.xlsx"),
        note="តារាង",
    )
    english = _body(client.get(f"/en/documents/{live.pk}/"))
    assert "Safe migration report" in english and "About migration" in english
    assert "Excel spreadsheet" in english and "KB" in english
    assert "Earlier versions" in english and f"/en/documents/{live.pk}/v1/download/" in english
    assert f"/en/documents/{live.pk}/v2/download/" in english and "តារាង" in english
    khmer = _body(client.get(f"/km/documents/{live.pk}/"))
    assert KHMER_TITLE in khmer and "អំពីការធ្វើចំណាកស្រុក" in khmer
    assert 'hreflang="en"' in khmer


def test_download_counts_and_is_safely_served(client, crew, document):
    live = document(publish=True)
    before = AuditEvent.objects.count()
    url = f"/km/documents/{live.pk}/v1/download/"
    for _ in range(2):
        response = client.get(url, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Phone")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="document-{live.pk}-v1.pdf"')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == f"{KHMER_TITLE}.pdf"
    assert "sessionid" not in response.cookies
    # HEAD does not count; nothing about the visitor is kept anywhere.
    assert client.head(url).status_code == 200
    assert DocumentVersion.objects.get(pk=live.latest_id).downloads == 2
    assert AuditEvent.objects.count() == before
    page = _body(client.get(f"/en/documents/{live.pk}/"))
    assert "Downloads" in page


def test_english_title_names_the_download(client, document):
    live = document(publish=True, title_en="Annual report 2025")
    response = client.get(f"/en/documents/{live.pk}/v1/download/")
    assert response["Content-Disposition"].startswith(
        'attachment; filename="Annual-report-2025.pdf"'
    )


def test_hostile_titles_are_escaped_on_public_pages(client, document):
    live = document(publish=True, title_km=HOSTILE, description_km=HOSTILE, title_en=HOSTILE)
    for url in (
        "/km/documents/",
        f"/km/documents/{live.pk}/",
        f"/en/documents/{live.pk}/",
        f"/km/documents/?q={HOSTILE}",
    ):
        page = _body(client.get(url))
        assert "<script>alert" not in page and "<img src=x" not in page, url
    response = client.get(f"/en/documents/{live.pk}/v1/download/")
    assert "\n" not in response["Content-Disposition"]
    assert "<" not in response["Content-Disposition"]


class _Site:
    domain = "example.org"
    name = "Migra"


def test_sitemap_lists_published_documents_in_every_language(crew, document):
    live = document(publish=True)
    draft = document()
    urls = SITEMAPS["documents"]().get_urls(site=_Site(), protocol="https")
    locations = {url["location"] for url in urls}
    for language in ("km", "en", "th"):
        assert f"https://example.org/{language}/documents/{live.pk}/" in locations
        assert f"https://example.org/{language}/documents/" in locations
    assert not any(f"/documents/{draft.pk}/" in location for location in locations)
    detail = next(url for url in urls if url["location"].endswith(f"/en/documents/{live.pk}/"))
    assert {a["lang_code"] for a in detail["alternates"]} == {"km", "en", "th", "x-default"}
    assert detail["lastmod"] == Document.objects.get(pk=live.pk).updated_at


def _library_queries(client) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/en/documents/?category=report").status_code == 200
    return len(captured)


def test_library_queries_do_not_grow_with_the_documents(client, document):
    document(publish=True)
    few = _library_queries(client)
    for number in range(15):
        document(publish=True, title_km=f"ឯកសារ {number}")
    assert _library_queries(client) == few


@pytest.mark.django_db(transaction=True)
def test_cached_pages_go_at_once_when_a_document_is_unpublished(client, crew, document):
    live = document(publish=True)
    url = f"/en/documents/{live.pk}/"
    assert client.get(url)["X-Public-Cache"] == "miss"
    assert client.get(url)["X-Public-Cache"] == "hit"
    assert client.get("/en/documents/")["X-Public-Cache"] == "miss"
    # A download is counted without dropping any cached page.
    assert client.get(f"{url}v1/download/").status_code == 200
    assert client.get(url)["X-Public-Cache"] == "hit"
    services.document_unpublish(
        actor=crew.users["edna"], document_id=live.pk, expected_version=live.version
    )
    assert client.get(url).status_code == 404
    assert f"/en/documents/{live.pk}/" not in _body(client.get("/en/documents/"))


def test_site_sitemap_carries_the_documents_section(client, document):
    live = document(publish=True)
    draft = document()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert f"/km/documents/{live.pk}/</loc>" in xml and "/th/documents/</loc>" in xml
    assert f"/documents/{draft.pk}/" not in xml


def test_site_wide_public_search_links_to_the_document(client, document):
    live = document(publish=True, title_km="សៀវភៅណែនាំអំពីសិទ្ធិពលករ")
    document(title_km="សិទ្ធិពលករព្រាង")
    page = _body(client.get("/en/search/", {"q": "សិទ្ធិ"}))
    assert f'href="/en/documents/{live.pk}/"' in page
    assert "សិទ្ធិពលករព្រាង" not in page and "/app/documents/" not in page
