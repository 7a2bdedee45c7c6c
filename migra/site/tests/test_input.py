"""Bad input to the website's services: hostile HTML in every field, oversized and
malformed values, half translations, photos with GPS or that lie about their type,
concurrent edits. Each is refused (or made harmless) and changes nothing else."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from migra.accounts.tests.conftest import Cast
from migra.audit.models import AuditEvent
from migra.site import services
from migra.site.models import Event, NewsItem, Page, Partner, SitePhoto
from migra.site.services import SiteConflict
from migra.site.tests.conftest import html, jpeg_upload

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"><b onclick="y()">bold</b>'
# The same, as one line of plain text (a title): shown escaped, never as markup.
ESCAPED_BITS = ("&lt;script&gt;", "&lt;img src=x onerror=alert(1)&gt;")


def _code(error: ValidationError, field: str) -> str:
    return str(error.error_dict[field][0].code)


# --------------------------------------------------------------------------- hostile HTML


def test_hostile_html_in_every_news_field_is_escaped_or_sanitised(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    item = news(
        title_km=HOSTILE,
        summary_km=HOSTILE,
        body_km=HOSTILE + '<a href="javascript:alert(1)">x</a><p style="color:red">p</p>',
        title_en=HOSTILE,
        summary_en=HOSTILE,
        body_en=HOSTILE,
        title_th=HOSTILE,
        summary_th=HOSTILE,
        body_th=HOSTILE,
        cover_alt=HOSTILE,
        cover=jpeg_upload(),
    )
    # Rich text is sanitised when saved: no script, no handler, no javascript: link.
    for body in (item.body_km, item.body_en, item.body_th):
        assert "<script" not in body and "onerror" not in body and "onclick" not in body
        assert "javascript:" not in body and "style=" not in body
        assert "<b>" not in body  # not an allowed tag: its text stays, the tag goes
    for language in ("km", "en", "th"):
        for path in (f"/{language}/news/{item.pk}/", f"/{language}/news/", f"/{language}/"):
            page = html(client.get(path))
            assert "<script>alert" not in page, path
            assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", ""), path
            assert 'onclick="y()"' not in page, path
        detail = html(client.get(f"/{language}/news/{item.pk}/"))
        assert all(bit in detail for bit in ESCAPED_BITS)
    feed = client.get("/en/news/feed/rss/").content.decode()
    assert "<script>" not in feed and "&lt;script&gt;" in feed


def test_hostile_html_in_pages_events_and_partners(
    client: Client,
    crew: Cast,
    event: Callable[..., Event],
    partner: Callable[..., Partner],
    fixed_pages: dict[str, Page],
) -> None:
    editor = crew.users["edna"]
    created = event(
        title_km=HOSTILE,
        description_km=HOSTILE,
        title_en=HOSTILE,
        description_en=HOSTILE,
        venue=HOSTILE,
    )
    partner(name_km=HOSTILE, name_en=HOSTILE, url="https://ok.example/?q=<script>")
    page = services.page_create(
        actor=editor, key="hostile", title_km=HOSTILE, summary_km=HOSTILE, body_km=HOSTILE
    )
    services.page_publish(actor=editor, page_id=page.pk, expected_version=1, publish=True)
    for path in (
        f"/en/events/{created.pk}/",
        "/en/events/",
        "/en/partners/",
        "/km/partners/",
        "/km/advice/hostile/",
        "/km/advice/",
    ):
        body = html(client.get(path))
        assert "<script>alert" not in body, path
        assert 'onclick="y()"' not in body, path
        assert "&lt;script&gt;" in body, path
    partners = html(client.get("/en/partners/"))
    assert 'href="https://ok.example/?q=&lt;script&gt;"' in partners


def test_the_editor_shows_hostile_values_escaped(
    client: Client, crew: Cast, news: Callable[..., NewsItem]
) -> None:
    from migra.accounts.tests.conftest import login_as

    item = news(title_km=HOSTILE, publish=False)
    login_as(client, crew.users["edna"])
    for path in ("/app/site/", "/app/site/news/", f"/app/site/news/{item.pk}/"):
        page = html(client.get(path))
        assert "<script>alert" not in page, path


# --------------------------------------------------------------------------- oversized


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("title_km", services.MAX_TITLE),
        ("title_en", services.MAX_TITLE),
        ("summary_km", services.MAX_SUMMARY),
        ("summary_th", services.MAX_SUMMARY),
        ("cover_alt", services.MAX_ALT),
    ],
)
def test_oversized_lines_are_refused(crew: Cast, field: str, limit: int) -> None:
    values: dict[str, Any] = {"title_km": "ចំណងជើង", "body_km": "អត្ថបទ"}
    if field.endswith(("_en", "_th")):
        language = field[-2:]
        values[f"title_{language}"] = "Title"
        values[f"body_{language}"] = "Text"
    for size in (limit + 1, limit * 10):
        values[field] = "ក" * size
        with pytest.raises(ValidationError) as refused:
            services.news_create(actor=crew.users["edna"], **values)
        assert _code(refused.value, field) == "too_long"
    values[field] = "ក" * limit
    services.news_create(actor=crew.users["edna"], **values)  # exactly the limit is fine
    assert NewsItem.objects.count() == 1


def test_oversized_texts_are_refused_before_sanitising(crew: Cast) -> None:
    huge = "<p>" + "ក" * services.MAX_BODY + "</p>"
    for field in ("body_km", "body_en"):
        values = {"title_km": "x", "body_km": "x", "title_en": "x", "body_en": "x", field: huge}
        with pytest.raises(ValidationError) as refused:
            services.news_create(actor=crew.users["edna"], **values)
        assert _code(refused.value, field) == "too_long"
    with pytest.raises(ValidationError):
        services.event_create(
            actor=crew.users["edna"], title_km="x", starts_at=timezone.now(), description_km=huge
        )
    with pytest.raises(ValidationError):
        services.page_create(actor=crew.users["edna"], key="big", title_km="x", body_km=huge)
    assert not NewsItem.objects.exists() and not Event.objects.exists()
    assert not Page.objects.filter(key="big").exists()


def test_oversized_posts_to_the_editor_are_refused(client: Client, crew: Cast) -> None:
    from migra.accounts.tests.conftest import login_as

    login_as(client, crew.users["edna"])
    response = client.post(
        "/app/site/news/new/",
        {"title_km": "ក" * 5000, "body_km": "x" * 60_000, "action": "save"},
    )
    assert response.status_code == 400
    assert not NewsItem.objects.exists()
    response = client.post(
        "/app/site/partners/",
        {"name_km": "x" * 1000, "kind": "partner", "url": "https://" + "a" * 600},
    )
    assert response.status_code == 400
    assert not Partner.objects.exists()


# --------------------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    "key",
    [
        "",
        " ",
        "Key",
        "ក",
        "a b",
        "a_b",
        "a--b",
        "-a",
        "a-",
        "a/b",
        "a.b",
        "é",
        "x" * 61,
        None,
        5,
        ["a"],
    ],
)
def test_bad_keys(crew: Cast, key: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.page_create(actor=crew.users["edna"], key=key, title_km="x", body_km="x")
    assert "key" in refused.value.error_dict
    assert not Page.objects.filter(title_km="x").exists()


def test_good_keys(crew: Cast) -> None:
    for key in ("a", "working-in-thailand", "2026-update", " spaced "):
        page = services.page_create(actor=crew.users["edna"], key=key, title_km="x", body_km="x")
        assert page.key == key.strip()


@pytest.mark.parametrize(
    "values",
    [
        {"title_en": "Only a title"},
        {"body_en": "Only a text"},
        {"summary_th": "Only a summary"},
        {"title_th": "Title", "body_th": "<p> </p>"},  # a text with no words is no text
    ],
)
def test_half_translations_are_refused(crew: Cast, values: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as refused:
        services.news_create(actor=crew.users["edna"], title_km="x", body_km="x", **values)
    codes = [e.code for errors in refused.value.error_dict.values() for e in errors]
    assert codes == ["half_translation"]


@pytest.mark.parametrize(
    "values",
    [
        {"title_km": ""},
        {"title_km": "   "},
        {"title_km": "\x00\x01"},
        {"body_km": ""},
        {"body_km": "<p></p>"},
        {"body_km": "<script>only a script</script>"},
        {"title_km": 5},
        {"body_km": ["x"]},
    ],
)
def test_khmer_is_required(crew: Cast, values: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"title_km": "x", "body_km": "x"}
    fields.update(values)
    with pytest.raises(ValidationError):
        services.news_create(actor=crew.users["edna"], **fields)
    with pytest.raises(ValidationError):
        services.page_create(actor=crew.users["edna"], key="k", **fields)
    assert not NewsItem.objects.exists() and not Page.objects.filter(key="k").exists()


def test_control_characters_are_dropped_from_lines(crew: Cast) -> None:
    item = services.news_create(
        actor=crew.users["edna"], title_km="ចំណង\x00ជើង\u0007  ថ្មី\n", body_km="x"
    )
    assert item.title_km == "ចំណង ជើង ថ្មី"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"starts_at": "2031-01-01"}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"ends_at": "tomorrow"}, "ends_at"),
        ({"ends_at": timezone.now() - timedelta(days=400)}, "ends_at"),
        ({"place_code": "TH"}, "place"),
        ({"place_code": "99"}, "place"),
        ({"place_code": "x" * 40}, "place"),
        ({"place_code": 17}, "place"),
        ({"venue": "v" * 201}, "venue"),
    ],
)
def test_bad_events(crew: Cast, values: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {"title_km": "x", "starts_at": timezone.now()}
    fields.update(values)
    with pytest.raises(ValidationError) as refused:
        services.event_create(actor=crew.users["edna"], **fields)
    assert field in refused.value.error_dict
    assert not Event.objects.exists()


def test_naive_times_are_taken_as_phnom_penh_time(crew: Cast) -> None:
    from datetime import datetime

    created = services.event_create(
        actor=crew.users["edna"],
        title_km="x",
        starts_at=datetime(2031, 5, 17, 9, 30),  # noqa: DTZ001 (naive, on purpose)
    )
    assert timezone.localtime(created.starts_at).hour == 9
    assert str(timezone.localtime(created.starts_at).tzinfo) == "Asia/Phnom_Penh"


@pytest.mark.parametrize(
    "values",
    [
        {"kind": "sponsor"},
        {"kind": None},
        {"url": "javascript:alert(1)"},
        {"url": "mailto:a@b.example"},
        {"position": -1},
        {"position": "3"},
        {"position": True},
        {"position": 10**9},
        {"name_km": ""},
    ],
)
def test_bad_partners(crew: Cast, values: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"name_km": "ដៃគូ"}
    fields.update(values)
    with pytest.raises(ValidationError):
        services.partner_create(actor=crew.users["edna"], **fields)
    assert not Partner.objects.exists()


def test_publish_needs_yes_or_no(crew: Cast, news: Callable[..., NewsItem]) -> None:
    item = news(publish=False)
    for value in ("1", 1, None):
        with pytest.raises(ValidationError):
            services.news_publish(
                actor=crew.users["edna"],
                news_id=item.pk,
                expected_version=item.version,
                publish=value,  # type: ignore[arg-type]
            )
    item.refresh_from_db()
    assert not item.is_published


def test_missing_records(crew: Cast) -> None:
    editor = crew.users["edna"]
    for call in (
        lambda: services.news_publish(actor=editor, news_id=999, expected_version=1, publish=True),
        lambda: services.news_delete(actor=editor, news_id="1", expected_version=1),  # type: ignore[arg-type]
        lambda: services.event_delete(actor=editor, event_id=None, expected_version=1),  # type: ignore[arg-type]
        lambda: services.partner_delete(actor=editor, partner_id=True, expected_version=1),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.code == "missing"


def test_services_refuse_anyone_without_edit_site(
    crew: Cast, news: Callable[..., NewsItem]
) -> None:
    item = news()
    for name in ("carol", "gina", "peter", "charlie", "erin"):
        user = crew.users[name]
        with pytest.raises(PermissionDenied):
            services.news_create(actor=user, title_km="x", body_km="x")
        with pytest.raises(PermissionDenied):
            services.news_publish(
                actor=user, news_id=item.pk, expected_version=item.version, publish=False
            )
        with pytest.raises(PermissionDenied):
            services.partner_create(actor=user, name_km="x")
    item.refresh_from_db()
    assert item.is_published and NewsItem.objects.count() == 1


# --------------------------------------------------------------------------- photos


def _exif_of(name: str) -> Any:
    with default_storage.open(name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        return image.getexif(), image.info


def test_cover_photos_come_out_without_gps_or_camera(
    crew: Cast, news: Callable[..., NewsItem]
) -> None:
    item = news(cover=jpeg_upload())
    cover = item.cover
    assert cover is not None
    for name in (cover.web_file, cover.thumb_file):
        exif, info = _exif_of(name)
        assert len(exif) == 0, name  # no EXIF at all: no GPS, no camera, no orientation
        assert 0x8825 not in exif
        assert "comment" not in info and "exif" not in info
    assert cover.web_file.startswith("site/photos/") and "IMG_0001" not in cover.web_file


def test_partner_logos_come_out_without_gps(crew: Cast, partner: Callable[..., Partner]) -> None:
    listed = partner(logo=jpeg_upload())
    assert listed.logo is not None
    exif, _info = _exif_of(listed.logo.web_file)
    assert len(exif) == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"this is not a picture at all", "type"),
        (b"%PDF-1.4 pretending to be a photo", "type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "type"),
        (b"", "empty"),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused(
    crew: Cast, news: Callable[..., NewsItem], data: bytes, code: str
) -> None:
    upload = SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")
    files_before = (
        set(default_storage.listdir("site/photos")[1])
        if default_storage.exists("site/photos")
        else set()
    )
    with pytest.raises(ValidationError) as refused:
        services.news_create(actor=crew.users["edna"], title_km="x", body_km="x", cover=upload)
    assert _code(refused.value, "cover") == code
    assert not NewsItem.objects.exists() and not SitePhoto.objects.exists()
    files_after = (
        set(default_storage.listdir("site/photos")[1])
        if default_storage.exists("site/photos")
        else set()
    )
    assert files_after == files_before
    # An edit with a bad photo changes nothing either.
    item = news(title_km="ដើម")
    upload = SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")
    with pytest.raises(ValidationError):
        services.news_update(
            actor=crew.users["edna"],
            news_id=item.pk,
            expected_version=item.version,
            title_km="ប្តូរ",
            body_km="x",
            cover=upload,
        )
    item.refresh_from_db()
    assert item.title_km == "ដើម" and item.cover is None


def test_an_oversized_photo_is_refused_without_reading_it_all(crew: Cast) -> None:
    from django.test import override_settings

    with override_settings(MIGRA_MEDIA_PHOTO_MAX_BYTES=10_000):
        with pytest.raises(ValidationError) as refused:
            services.news_create(
                actor=crew.users["edna"],
                title_km="x",
                body_km="x",
                cover=jpeg_upload(size=(1600, 1200)),
            )
    assert _code(refused.value, "cover") == "too_large"
    assert not NewsItem.objects.exists() and not SitePhoto.objects.exists()


def test_a_decompression_bomb_is_refused(crew: Cast) -> None:
    from migra.media.tests.images import png_claiming

    upload = SimpleUploadedFile("logo.png", png_claiming(30_000, 30_000), content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        services.partner_create(actor=crew.users["edna"], name_km="x", logo=upload)
    assert _code(refused.value, "logo") == "too_many_pixels"
    assert not Partner.objects.exists()


def test_a_failed_save_leaves_no_files(crew: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("migra.site.services._audit", broken)
    before = (
        set(default_storage.listdir("site/photos")[1])
        if default_storage.exists("site/photos")
        else set()
    )
    with pytest.raises(RuntimeError):
        services.news_create(
            actor=crew.users["edna"], title_km="x", body_km="x", cover=jpeg_upload()
        )
    after = (
        set(default_storage.listdir("site/photos")[1])
        if default_storage.exists("site/photos")
        else set()
    )
    assert after == before
    assert not NewsItem.objects.exists() and not SitePhoto.objects.exists()


def test_only_shown_photos_are_public(
    client: Client, crew: Cast, news: Callable[..., NewsItem], partner: Callable[..., Partner]
) -> None:
    published = news(cover=jpeg_upload())
    draft = news(publish=False, cover=jpeg_upload())
    listed = partner(logo=jpeg_upload())
    assert published.cover and draft.cover and listed.logo
    ok = client.get(f"/site-files/photos/{published.cover.pk}/web.jpg")
    assert ok.status_code == 200 and ok["Content-Type"] == "image/jpeg"
    assert "public" in ok["Cache-Control"] and ok["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/site-files/photos/{listed.logo.pk}/thumb.jpg").status_code == 200
    assert client.get(f"/site-files/photos/{draft.cover.pk}/web.jpg").status_code == 404
    assert client.get(f"/site-files/photos/{published.cover.pk}/original.jpg").status_code == 404
    assert client.get("/site-files/photos/99999/web.jpg").status_code == 404
    services.news_publish(
        actor=crew.users["edna"],
        news_id=published.pk,
        expected_version=published.version,
        publish=False,
    )
    assert client.get(f"/site-files/photos/{published.cover.pk}/web.jpg").status_code == 404


# --------------------------------------------------------------------------- audit


def test_audit_events_hold_codes_not_text(crew: Cast, news: Callable[..., NewsItem]) -> None:
    item = news(title_km="ចំណងជើងសម្ងាត់", summary_km="សេចក្តីសង្ខេបសម្ងាត់")
    services.news_update(
        actor=crew.users["edna"],
        news_id=item.pk,
        expected_version=item.version,
        title_km="ចំណងជើងថ្មីសម្ងាត់",
        body_km="x",
    )
    events = AuditEvent.objects.filter(object_type="public_site.newsitem", object_id=str(item.pk))
    assert [e.action for e in events.order_by("seq")] == ["create", "update", "update"]
    for event in events:
        assert "សម្ងាត់" not in str(event.changes) + event.object_label
        assert event.actor_id == crew.users["edna"].pk
    last = events.order_by("-seq").first()
    assert last is not None
    assert last.changes["fields"] == ["body_km", "summary_km", "title_km"]


# --------------------------------------------------------------------------- concurrency


def test_two_stale_service_edits(crew: Cast, news: Callable[..., NewsItem]) -> None:
    item = news()
    services.news_update(
        actor=crew.users["edna"],
        news_id=item.pk,
        expected_version=item.version,
        title_km="ក",
        body_km="x",
    )
    with pytest.raises(SiteConflict):
        services.news_update(
            actor=crew.users["alice"],
            news_id=item.pk,
            expected_version=item.version,
            title_km="ខ",
            body_km="x",
        )
    for stale in (None, "2", True, 2.0):
        with pytest.raises(SiteConflict):
            services.news_publish(
                actor=crew.users["edna"],
                news_id=item.pk,
                expected_version=stale,
                publish=False,  # type: ignore[arg-type]
            )
    item.refresh_from_db()
    assert item.title_km == "ក" and item.is_published


@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_at_the_same_moment(crew: Cast, fixed_pages: dict[str, Page]) -> None:
    page = Page.objects.get(key="before-you-go")
    start = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def save(name: str) -> None:
        try:
            start.wait()
            services.page_update(
                actor=crew.users[name],
                page_id=page.pk,
                expected_version=page.version,
                title_km=f"ដោយ {name}",
                body_km=page.body_km,
            )
            outcomes.append("saved")
        except SiteConflict:
            outcomes.append("conflict")
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in ("edna", "alice")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(outcomes) == ["conflict", "saved"]
    page.refresh_from_db()
    assert page.version == 2 and page.title_km in ("ដោយ edna", "ដោយ alice")


@pytest.mark.django_db(transaction=True)
def test_two_editors_creating_the_same_address(crew: Cast) -> None:
    start = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def create(name: str) -> None:
        try:
            start.wait()
            services.page_create(actor=crew.users[name], key="same-key", title_km=name, body_km="x")
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append(_code(error, "key"))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(name,)) for name in ("edna", "alice")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(outcomes) == ["saved", "taken"]
    assert Page.objects.filter(key="same-key").count() == 1
