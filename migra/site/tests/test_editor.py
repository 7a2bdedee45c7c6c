"""The website editor over HTTP: who may use it, create / edit / publish / delete,
the preview (which saves nothing), and stale versions (which change nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from migra.accounts.tests.conftest import Cast, login_as
from migra.audit.models import AuditAction, AuditEvent
from migra.site.models import Event, NewsItem, NewsState, Page, Partner, SitePhoto
from migra.site.tests.conftest import html, jpeg_upload

pytestmark = pytest.mark.django_db


def _km(text: str) -> str:
    """The page's Khmer for an English message (the catalogue may or may not be compiled)."""
    with translation.override("km"):
        return translation.gettext(text)


def _page_post(page: Page, **changes: Any) -> dict[str, Any]:
    data = {
        "version": page.version,
        "position": page.position,
        "title_km": page.title_km,
        "summary_km": page.summary_km,
        "body_km": page.body_km,
        "title_en": page.title_en,
        "summary_en": page.summary_en,
        "body_en": page.body_en,
        "title_th": page.title_th,
        "summary_th": page.summary_th,
        "body_th": page.body_th,
        "action": "save",
    }
    data.update(changes)
    return data


def _news_post(**changes: Any) -> dict[str, Any]:
    data = {"title_km": "ព័ត៌មាន", "body_km": "អត្ថបទ", "action": "save"}
    data.update(changes)
    return data


# --------------------------------------------------------------------------- who may


def _editor_urls(crew: Cast, item: NewsItem, created: Event, listed: Partner) -> list[str]:
    photo = SitePhoto.objects.first()
    assert photo is not None
    return [
        "/app/site/",
        "/app/site/pages/new/",
        "/app/site/pages/before-you-go/",
        "/app/site/news/",
        "/app/site/news/new/",
        f"/app/site/news/{item.pk}/",
        "/app/site/events/",
        "/app/site/events/new/",
        f"/app/site/events/{created.pk}/",
        "/app/site/partners/",
        f"/app/site/partners/{listed.pk}/",
        f"/app/site/photos/{photo.pk}/thumb.jpg",
    ]


def _post_urls(item: NewsItem, created: Event, listed: Partner) -> list[str]:
    return [
        "/app/site/pages/new/",
        "/app/site/pages/before-you-go/",
        "/app/site/pages/before-you-go/publish/",
        "/app/site/news/new/",
        f"/app/site/news/{item.pk}/",
        f"/app/site/news/{item.pk}/publish/",
        f"/app/site/news/{item.pk}/delete/",
        f"/app/site/events/{created.pk}/publish/",
        f"/app/site/events/{created.pk}/delete/",
        "/app/site/partners/",
        f"/app/site/partners/{listed.pk}/delete/",
    ]


@pytest.fixture
def records(
    news: Callable[..., NewsItem], event: Callable[..., Event], partner: Callable[..., Partner]
) -> tuple[NewsItem, Event, Partner]:
    return news(cover=jpeg_upload()), event(), partner()


def test_anonymous_visitors_are_sent_to_log_in(
    client: Client, crew: Cast, records: tuple[NewsItem, Event, Partner]
) -> None:
    for url in _editor_urls(crew, *records):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/app/login/"), url
    before = (NewsItem.objects.count(), Partner.objects.count())
    for url in _post_urls(*records):
        response = client.post(url, {"title_km": "x", "body_km": "x", "name_km": "x"})
        assert response.status_code == 302 and "/app/login/" in response["Location"], url
    assert (NewsItem.objects.count(), Partner.objects.count()) == before


@pytest.mark.parametrize("name", ["carol", "gina", "erin", "charlie", "peter"])
def test_other_roles_are_refused_and_it_is_logged(
    client: Client, crew: Cast, records: tuple[NewsItem, Event, Partner], name: str
) -> None:
    user = crew.users[name]
    login_as(client, user)
    for url in _editor_urls(crew, *records):
        assert client.get(url).status_code == 403, url
    item, created, listed = records
    for url in _post_urls(*records):
        data = {"title_km": "x", "body_km": "x", "name_km": "x", "version": 2, "publish": "0"}
        assert client.post(url, data).status_code == 403, url
    item.refresh_from_db()
    assert item.is_published and item.title_km == "ព័ត៌មានថ្មី"
    assert Partner.objects.filter(pk=listed.pk).exists()
    assert Event.objects.filter(pk=created.pk, is_published=True).exists()
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED, actor_id=user.pk)
    assert denied.count() >= len(_editor_urls(crew, *records))
    # The staff menu offers the editor to no one of them.
    assert 'href="/app/site/"' not in html(client.get("/app/"))


@pytest.mark.parametrize("name", ["edna", "alice"])
def test_editors_and_programme_admins_may_edit(
    client: Client, crew: Cast, records: tuple[NewsItem, Event, Partner], name: str
) -> None:
    login_as(client, crew.users[name])
    for url in _editor_urls(crew, *records):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    assert 'href="/app/site/"' in html(client.get("/app/"))


# --------------------------------------------------------------------------- pages


def test_edit_a_page_and_it_shows_at_once(
    client: Client, crew: Cast, fixed_pages: dict[str, Page]
) -> None:
    login_as(client, crew.users["edna"])
    page = fixed_pages["before-you-go"]
    form = html(client.get("/app/site/pages/before-you-go/"))
    # The edit box holds the text, with the version the page was opened at.
    assert f'name="version" value="{page.version}"' in form
    response = client.post(
        "/app/site/pages/before-you-go/",
        _page_post(page, title_en="Before you leave", body_en="First line.\n\nSecond line."),
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title_en == "Before you leave"
    assert page.body_en == "<p>First line.</p><p>Second line.</p>"
    assert page.version == 2 and page.updated_by == crew.users["edna"]
    assert "Before you leave" in html(client.get("/en/advice/before-you-go/"))
    event = AuditEvent.objects.filter(object_type="public_site.page").latest("seq")
    assert event.changes["fields"] == ["body_en", "title_en"]
    assert "Before you leave" not in str(event.changes)


def test_create_an_advice_page_then_publish_and_delete_it(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["edna"])
    data = {
        "key": "working-in-thailand",
        "title_km": "ធ្វើការនៅថៃ",
        "body_km": "អត្ថបទ",
        "position": "១៥",  # Khmer digits
        "action": "save",
    }
    response = client.post("/app/site/pages/new/", data)
    assert response.status_code == 302
    page = Page.objects.get(key="working-in-thailand")
    assert page.position == 15 and not page.is_published and page.is_advice
    assert client.get("/km/advice/working-in-thailand/").status_code == 404
    response = client.post(
        "/app/site/pages/working-in-thailand/publish/", {"version": page.version, "publish": "1"}
    )
    assert response.status_code == 302
    assert client.get("/km/advice/working-in-thailand/").status_code == 200
    page.refresh_from_db()
    response = client.post("/app/site/pages/working-in-thailand/delete/", {"version": page.version})
    assert response.status_code == 302
    assert not Page.objects.filter(key="working-in-thailand").exists()
    assert client.get("/km/advice/working-in-thailand/").status_code == 404


@pytest.mark.parametrize(
    "key",
    [
        "Working",
        "working in thailand",
        "working_in_thailand",
        "-working",
        "working-",
        "working--thailand",
        "ធ្វើការ",
        "travail-à-bangkok",
        "../admin",
        "a/b",
        "x" * 61,
        "",
        "before-you-go",
        "about",
    ],
)
def test_bad_page_addresses_are_refused(client: Client, crew: Cast, key: str) -> None:
    login_as(client, crew.users["edna"])
    before = Page.objects.count()
    response = client.post(
        "/app/site/pages/new/",
        {"key": key, "title_km": "ទំព័រ", "body_km": "អត្ថបទ", "position": "1", "action": "save"},
    )
    assert response.status_code == 400
    assert Page.objects.count() == before
    assert 'class="error"' in html(response)


def test_a_fixed_page_cannot_be_deleted(
    client: Client, crew: Cast, fixed_pages: dict[str, Page]
) -> None:
    login_as(client, crew.users["edna"])
    page = fixed_pages["who-to-call"]
    response = client.post("/app/site/pages/who-to-call/delete/", {"version": page.version})
    assert response.status_code == 400
    assert "unpublish it instead" in html(response)
    assert Page.objects.filter(key="who-to-call").exists()
    assert "Delete</button>" not in html(client.get("/app/site/pages/who-to-call/"))


# --------------------------------------------------------------------------- preview


def test_preview_of_a_page_renders_the_public_template_and_saves_nothing(
    client: Client, crew: Cast, fixed_pages: dict[str, Page]
) -> None:
    login_as(client, crew.users["edna"])
    page = fixed_pages["your-rights"]
    before = Page.objects.get(pk=page.pk)
    audit_before = AuditEvent.objects.count()
    response = client.post(
        "/app/site/pages/your-rights/",
        _page_post(
            page,
            title_km="ចំណងជើងថ្មី",
            body_km="<p>Changed <script>x()</script></p>",
            action="preview",
        ),
    )
    page_html = html(response)
    assert response.status_code == 200
    assert 'class="public"' in page_html  # the public shell
    assert 'class="preview-banner"' in page_html and _km("Preview") in page_html
    assert '<meta name="robots" content="noindex, nofollow">' in page_html
    assert "ចំណងជើងថ្មី" in page_html
    assert '<html lang="km">' in page_html  # Khmer unless the editor chose another
    assert "<p>Changed </p>" in page_html and "<script>x()" not in page_html
    # The form is there again, with the unsaved values, to save or change.
    assert 'name="action" value="save"' in page_html
    assert f'name="version" value="{page.version}"' in page_html
    assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    after = Page.objects.get(pk=page.pk)
    assert (after.title_km, after.body_km, after.version) == (
        before.title_km,
        before.body_km,
        before.version,
    )
    assert AuditEvent.objects.count() == audit_before
    assert "ចំណងជើងថ្មី" not in html(client.get("/km/advice/your-rights/"))
    # The same in Thai: the Thai version as it stands.
    thai = html(
        client.post(
            "/app/site/pages/your-rights/",
            _page_post(page, action="preview", preview_language="th"),
        )
    )
    assert '<html lang="th">' in thai and page.title_th in thai
    assert '<option value="th" lang="th" selected>' in thai


def test_preview_of_new_news_and_events_saves_nothing(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["edna"])
    response = client.post(
        "/app/site/news/new/",
        _news_post(title_km="ព័ត៌មានមើលជាមុន", action="preview", cover=jpeg_upload()),
    )
    page = html(response)
    assert response.status_code == 200
    assert "ព័ត៌មានមើលជាមុន" in page and 'class="preview-banner"' in page
    assert (  # the chosen photo was not kept
        _km(
            "The preview does not show a photo you have just chosen, and it was not kept: "
            "choose it again before saving."
        )
        in page
    )
    assert 'enctype="multipart/form-data"' in page
    assert not NewsItem.objects.exists() and not SitePhoto.objects.exists()
    response = client.post(
        "/app/site/events/new/",
        {
            "title_km": "ព្រឹត្តិការណ៍មើលជាមុន",
            "starts_at": "2031-05-17T09:30",
            "place": "01020101",
            "venue": "Pagoda",
            "action": "preview",
        },
    )
    page = html(response)
    assert response.status_code == 200
    assert "ព្រឹត្តិការណ៍មើលជាមុន" in page and "Pagoda" in page
    assert "ទីកន្លែង01" in page and "Ou Thum" not in page  # the province only, as public
    assert not Event.objects.exists()


def test_preview_shows_the_drafts_cover_through_the_editor(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    item = news(publish=False, cover=jpeg_upload())
    assert item.cover is not None
    # The draft's cover is not public ...
    assert client.get(f"/site-files/photos/{item.cover.pk}/web.jpg").status_code == 404
    login_as(client, crew.users["edna"])
    response = client.post(
        f"/app/site/news/{item.pk}/",
        _news_post(version=item.version, action="preview"),
    )
    page = html(response)
    assert f"/app/site/photos/{item.cover.pk}/web.jpg" in page
    assert f"/site-files/photos/{item.cover.pk}/" not in page
    assert client.get(f"/app/site/photos/{item.cover.pk}/web.jpg").status_code == 200


def test_a_preview_with_bad_input_shows_the_errors(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["edna"])
    response = client.post("/app/site/news/new/", _news_post(body_km="", action="preview"))
    assert response.status_code == 400
    assert 'class="preview-banner"' not in html(response)
    response = client.post(
        "/app/site/news/new/", _news_post(title_en="Only a title", action="preview")
    )
    assert response.status_code == 400
    assert "Give both the title and the text of a translation" in html(response)


# --------------------------------------------------------------------------- news


def test_write_publish_unpublish_and_delete_news(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["edna"])
    response = client.post(
        "/app/site/news/new/",
        _news_post(title_km="ព័ត៌មានថ្មី", summary_km="សង្ខេប", cover=jpeg_upload(), cover_alt="ក"),
    )
    assert response.status_code == 302
    item = NewsItem.objects.get()
    assert item.state == NewsState.DRAFT and item.cover is not None
    assert client.get("/km/news/").content.decode().count("ព័ត៌មានថ្មី") == 0
    client.post(f"/app/site/news/{item.pk}/publish/", {"version": item.version, "publish": "1"})
    item.refresh_from_db()
    assert item.is_published and item.published_at is not None
    first_published = item.published_at
    assert "ព័ត៌មានថ្មី" in html(client.get("/km/news/"))
    client.post(f"/app/site/news/{item.pk}/publish/", {"version": item.version, "publish": "0"})
    item.refresh_from_db()
    assert not item.is_published
    client.post(f"/app/site/news/{item.pk}/publish/", {"version": item.version, "publish": "1"})
    item.refresh_from_db()
    assert item.published_at == first_published  # the date of the first publication
    cover = item.cover
    response = client.post(f"/app/site/news/{item.pk}/delete/", {"version": item.version})
    assert response.status_code == 302
    assert not NewsItem.objects.exists()
    assert not SitePhoto.objects.filter(pk=cover.pk).exists()


def test_replace_and_remove_a_cover(
    client: Client,
    crew: Cast,
    news: Callable[..., NewsItem],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.storage import default_storage

    item = news(cover=jpeg_upload())
    old = item.cover
    assert old is not None
    login_as(client, crew.users["edna"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/app/site/news/{item.pk}/",
            _news_post(version=item.version, cover=jpeg_upload("second.jpg")),
        )
    item.refresh_from_db()
    assert item.cover_id not in (None, old.pk)
    assert not SitePhoto.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old.web_file)
    client.post(f"/app/site/news/{item.pk}/", _news_post(version=item.version, remove_cover="on"))
    item.refresh_from_db()
    assert item.cover is None and not SitePhoto.objects.exists()


# --------------------------------------------------------------------------- events and partners


def test_add_an_event_and_publish_it(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["edna"])
    response = client.post(
        "/app/site/events/new/",
        {
            "title_km": "ថ្ងៃចំណាកស្រុក",
            "starts_at": "២០៣១-០៥-១៧T09:30",  # Khmer digits from a phone keyboard
            "ends_at": "2031-05-17T12:00",
            "place": "010201",
            "venue": "Commune hall",
            "action": "save",
        },
    )
    assert response.status_code == 302
    created = Event.objects.get()
    assert created.province is not None and created.province.code == "01"
    assert created.place is not None and created.place.code == "010201"
    client.post(
        f"/app/site/events/{created.pk}/publish/", {"version": created.version, "publish": "1"}
    )
    assert "ថ្ងៃចំណាកស្រុក" in html(client.get("/km/events/"))


def test_an_event_that_ends_before_it_starts_is_refused(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["edna"])
    response = client.post(
        "/app/site/events/new/",
        {
            "title_km": "x",
            "starts_at": "2031-05-17T09:30",
            "ends_at": "2031-05-16T09:30",
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert "The end must come after the start." in html(response)
    assert not Event.objects.exists()


def test_partners_are_added_changed_and_removed(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["edna"])
    response = client.post(
        "/app/site/partners/",
        {
            "name_km": "ដៃគូ",
            "name_en": "Partner",
            "kind": "donor",
            "url": "https://partner.example/",
            "position": "2",
            "logo": jpeg_upload(),
        },
    )
    assert response.status_code == 302
    listed = Partner.objects.get()
    assert listed.logo is not None and listed.kind == "donor"
    assert "Partner" in html(client.get("/en/partners/"))
    response = client.post(
        f"/app/site/partners/{listed.pk}/",
        {"version": listed.version, "name_km": "ដៃគូថ្មី", "kind": "partner", "url": ""},
    )
    assert response.status_code == 302
    listed.refresh_from_db()
    assert listed.name_km == "ដៃគូថ្មី" and listed.logo is not None  # the logo stays
    client.post(f"/app/site/partners/{listed.pk}/delete/", {"version": listed.version})
    assert not Partner.objects.exists() and not SitePhoto.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/",
        "/relative/path",
        "ftp://files.example/",
        "https://",
        "https://exa mple.org/",
    ],
)
def test_a_partner_link_must_be_a_web_address(client: Client, crew: Cast, url: str) -> None:
    login_as(client, crew.users["edna"])
    response = client.post("/app/site/partners/", {"name_km": "ដៃគូ", "kind": "partner", "url": url})
    assert response.status_code == 400
    assert not Partner.objects.exists()


# --------------------------------------------------------------------------- stale versions


def test_a_stale_page_edit_changes_nothing(
    client: Client, crew: Cast, fixed_pages: dict[str, Page]
) -> None:
    page = fixed_pages["legal-channels"]
    first, second = Client(), Client()
    login_as(first, crew.users["edna"])
    login_as(second, crew.users["alice"])
    # Both opened the page at version 1; the first saves.
    assert (
        first.post(
            "/app/site/pages/legal-channels/", _page_post(page, title_en="First")
        ).status_code
        == 302
    )
    response = second.post("/app/site/pages/legal-channels/", _page_post(page, title_en="Second"))
    assert response.status_code == 400
    assert "Someone else changed this while you were working on it" in html(response)
    page.refresh_from_db()
    assert page.title_en == "First" and page.version == 2


def test_stale_publish_and_delete_change_nothing(
    client: Client, crew: Cast, news: Callable[..., NewsItem], partner: Callable[..., Partner]
) -> None:
    item = news()
    login_as(client, crew.users["edna"])
    for data in (
        {"version": item.version - 1, "publish": "0"},
        {"publish": "0"},
        {"version": "x", "publish": "0"},
    ):
        response = client.post(f"/app/site/news/{item.pk}/publish/", data)
        assert response.status_code == 400
    response = client.post(f"/app/site/news/{item.pk}/delete/", {"version": item.version + 5})
    assert response.status_code == 400
    assert "Someone else changed this" in html(response)
    item.refresh_from_db()
    assert item.is_published
    listed = partner()
    response = client.post(f"/app/site/partners/{listed.pk}/delete/", {"version": 99})
    assert response.status_code == 400 and Partner.objects.filter(pk=listed.pk).exists()
    response = client.post(
        f"/app/site/news/{item.pk}/publish/", {"version": item.version, "publish": "maybe"}
    )
    assert response.status_code == 400
