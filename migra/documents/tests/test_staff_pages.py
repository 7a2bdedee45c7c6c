"""The staff pages over HTTP: who gets in, the forms, the preview, uploads (refused,
oversized before they are stored), publishing, conflicts, and hostile text escaped."""

from __future__ import annotations

import pytest

from migra.audit.models import AuditAction, AuditEvent
from migra.documents.models import Document, DocumentVersion
from migra.documents.tests.conftest import KHMER_TITLE, stored_files
from migra.documents.tests.samples import EXE, macro_package, ooxml, pdf, upload

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _form(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "title_km": KHMER_TITLE,
        "category": "policy",
        "languages": ["km", "en"],
        "published_on": "2025-05-01",
        "description_km": "សេចក្តីពិពណ៌នា",
        "title_en": "Migration policy",
    }
    values.update(overrides)
    return values


def _urls(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", "/app/documents/"),
        ("get", "/app/documents/new/"),
        ("get", f"/app/documents/{pk}/"),
        ("get", f"/app/documents/{pk}/preview/"),
        ("get", f"/app/documents/{pk}/versions/1/file/"),
        ("post", "/app/documents/new/"),
        ("post", f"/app/documents/{pk}/"),
        ("post", f"/app/documents/{pk}/publish/"),
        ("post", f"/app/documents/{pk}/unpublish/"),
        ("post", f"/app/documents/{pk}/versions/"),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, document):
    existing = document()
    for method, url in _urls(existing.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/app/login/"), url
    assert Document.objects.count() == 1


@pytest.mark.parametrize("who", ["peter", "carol", "charlie", "erin"])
def test_wrong_roles_get_403_and_are_logged(as_user, crew, document, who):
    existing = document()
    client = as_user(crew.users[who])
    for method, url in _urls(existing.pk):
        data = {"version": existing.version, **_form()} if method == "post" else None
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        assert response.status_code == 403, url
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, actor_id=crew.users[who].pk
    ).count() == len(_urls(existing.pk))
    fresh = Document.objects.get(pk=existing.pk)
    assert fresh.version == existing.version and fresh.is_published is False
    assert Document.objects.count() == 1 and DocumentVersion.objects.count() == 1


def test_editor_adds_previews_publishes_and_unpublishes(as_user, crew, media_root):
    client = as_user(crew.users["edna"])
    assert client.get("/app/documents/").status_code == 200
    assert client.get("/app/documents/new/").status_code == 200
    response = client.post(
        "/app/documents/new/", _form(file=upload(pdf(), "policy.pdf"), note="final")
    )
    assert response.status_code == 302
    made = Document.objects.get()
    assert response["Location"] == f"/app/documents/{made.pk}/"
    page = client.get(f"/app/documents/{made.pk}/").content.decode()
    assert KHMER_TITLE in page and "Draft" in page
    # Preview the unsaved change: shown, not saved.
    preview = client.post(
        f"/app/documents/{made.pk}/",
        _form(title_km="ចំណងជើងថ្មី", version=made.version, preview="1"),
    )
    assert preview.status_code == 200
    assert "Preview (not saved yet)" in preview.content.decode()
    assert "ចំណងជើងថ្មី" in preview.content.decode()
    assert Document.objects.get(pk=made.pk).title_km == KHMER_TITLE
    # The saved page as the public would see it, even as a draft.
    public_view = client.get(f"/app/documents/{made.pk}/preview/")
    assert public_view.status_code == 200
    assert "this draft is not on the public site" in public_view.content.decode()
    # Save, then publish.
    saved = client.post(
        f"/app/documents/{made.pk}/", _form(title_km="ចំណងជើងថ្មី", version=made.version)
    )
    assert saved.status_code == 302
    made.refresh_from_db()
    assert made.title_km == "ចំណងជើងថ្មី"
    published = client.post(f"/app/documents/{made.pk}/publish/", {"version": made.version})
    assert published.status_code == 302
    made.refresh_from_db()
    assert made.is_published
    assert client.get(f"/en/documents/{made.pk}/").status_code == 200
    client.post(f"/app/documents/{made.pk}/unpublish/", {"version": made.version})
    made.refresh_from_db()
    assert made.is_published is False


def test_stale_forms_show_the_conflict(as_user, crew, document):
    existing = document()
    client = as_user(crew.users["edna"])
    url = f"/app/documents/{existing.pk}/"
    assert client.post(url, _form(version=existing.version)).status_code == 302
    again = client.post(url, _form(title_km="ផ្សេង", version=existing.version))
    assert again.status_code == 400
    assert "Someone else changed this document" in again.content.decode()
    stale_publish = client.post(f"{url}publish/", {"version": existing.version})
    assert stale_publish.status_code == 400
    assert Document.objects.get(pk=existing.pk).is_published is False


def test_staff_download_of_a_draft_is_not_counted(as_user, crew, document):
    existing = document()
    client = as_user(crew.users["edna"])
    response = client.get(f"/app/documents/{existing.pk}/versions/1/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf()
    assert response["Content-Disposition"].startswith("attachment;")
    assert DocumentVersion.objects.get(pk=existing.latest_id).downloads == 0
    assert client.get(f"/app/documents/{existing.pk}/versions/9/file/").status_code == 404
    assert client.get("/app/documents/999999/").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (EXE, "setup.pdf", "does not match its name"),
        (pdf(), "report.docx", "does not match its name"),
        (macro_package("xlsx"), "budget.xlsx", "macros"),
        (b"", "empty.pdf", "The file is empty."),
    ],
    ids=["exe-as-pdf", "pdf-as-docx", "xlsm-as-xlsx", "empty"],
)
def test_refused_uploads_say_why_and_keep_nothing(
    as_user, crew, document, media_root, data, name, message
):
    existing = document()
    client = as_user(crew.users["edna"])
    response = client.post(
        f"/app/documents/{existing.pk}/versions/", {"file": upload(data, name), "note": "x"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert DocumentVersion.objects.filter(document=existing).count() == 1
    assert len(stored_files(media_root)) == 1


def test_oversized_upload_is_stopped_while_it_arrives(as_user, crew, document, settings):
    existing = document()
    settings.MIGRA_DOCUMENT_MAX_BYTES = 4096
    client = as_user(crew.users["edna"])
    big = upload(pdf("x" * 50_000), "big.pdf")
    response = client.post(f"/app/documents/{existing.pk}/versions/", {"file": big})
    assert response.status_code == 413
    assert "The file is too large: at most" in response.content.decode()
    assert "This field is required" not in response.content.decode()
    assert DocumentVersion.objects.filter(document=existing).count() == 1
    new = client.post("/app/documents/new/", _form(file=upload(pdf("y" * 50_000), "big.pdf")))
    assert new.status_code == 413 and Document.objects.count() == 1


def test_new_version_over_http(as_user, crew, document):
    existing = document()
    client = as_user(crew.users["eric"])
    response = client.post(
        f"/app/documents/{existing.pk}/versions/",
        {"file": upload(ooxml("pptx"), "slides.pptx"), "note": "slides added"},
    )
    assert response.status_code == 302
    latest = Document.objects.get(pk=existing.pk).latest
    assert latest.number == 2 and latest.note == "slides added"
    assert latest.content_type.endswith("presentation")


def test_malformed_posts_change_nothing(as_user, crew, document):
    existing = document()
    client = as_user(crew.users["edna"])
    url = f"/app/documents/{existing.pk}/"
    for bad in (
        _form(version=existing.version, title_km=""),
        _form(version=existing.version, category="nope"),
        _form(version=existing.version, languages=[]),
        _form(version=existing.version, published_on="31/31/2025"),
        _form(version=existing.version, title_km="ក" * 300),
        _form(version="abc"),
    ):
        assert client.post(url, bad).status_code == 400
    assert client.post(f"{url}publish/", {"version": "x"}).status_code == 400
    fresh = Document.objects.get(pk=existing.pk)
    assert fresh.version == existing.version and fresh.title_km == KHMER_TITLE
    assert not fresh.is_published


def test_hostile_titles_are_escaped_on_staff_pages(as_user, crew, document):
    existing = document(title_km=HOSTILE, description_km=HOSTILE, title_en=HOSTILE)
    client = as_user(crew.users["edna"])
    for url in (
        "/app/documents/",
        f"/app/documents/{existing.pk}/",
        f"/app/documents/{existing.pk}/preview/",
    ):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert" in page, url


def test_upload_views_still_check_csrf(crew, document):
    from django.test import Client

    from migra.documents.tests.conftest import login_as

    existing = document()
    client = login_as(Client(enforce_csrf_checks=True), crew.users["edna"])
    for url, data in (
        ("/app/documents/new/", _form(file=upload(pdf(), "a.pdf"))),
        (f"/app/documents/{existing.pk}/versions/", {"file": upload(pdf(), "a.pdf")}),
    ):
        assert client.post(url, data).status_code == 403, url
    assert Document.objects.count() == 1 and DocumentVersion.objects.count() == 1
