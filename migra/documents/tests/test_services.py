"""The services: who may write, what is checked, what is audited, and that a refused
write changes nothing — no row, no stored file, no audit event but the refusal."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from migra.audit.models import AuditAction, AuditEvent
from migra.documents import services
from migra.documents.models import Document, DocumentVersion
from migra.documents.tests.conftest import KHMER_TITLE, fields, stored_files
from migra.documents.tests.samples import EXE, macro_package, ooxml, pdf, upload
from migra.search.models import SearchDocument


def _events(target: object) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=target._meta.label_lower,  # type: ignore[attr-defined]
            object_id=str(target.pk),  # type: ignore[attr-defined]
        ).order_by("seq")
    )


def test_create_with_file_keeps_both_and_audits(crew, media_root):
    made = services.document_create(
        actor=crew.users["edna"],
        upload=upload(pdf(), "My report (final).pdf"),
        note="  first   version ",
        **fields(languages=["km", "en"], title_en="Safe migration report"),
    )
    assert made.title_km == KHMER_TITLE and made.is_published is False
    assert (made.in_km, made.in_en, made.in_th, made.in_other) == (True, True, False, False)
    version = made.latest
    assert version is not None and version.number == 1 and made.file_count == 1
    assert version.note == "first version" and version.uploaded_by == crew.users["edna"]
    assert version.content_type == "application/pdf" and version.size == len(pdf())
    # Stored under a random name: nothing of the uploaded name reaches the disk.
    assert version.file.startswith("documents/") and version.file.endswith(".pdf")
    assert "report" not in version.file.lower() and "final" not in version.file.lower()
    with default_storage.open(version.file, "rb") as handle:
        assert handle.read() == pdf()
    assert [p.name for p in stored_files(media_root)] == [version.file.split("/")[-1]]
    (created,) = _events(made)
    assert created.action == AuditAction.CREATE
    assert created.changes["category"] == "report"
    assert KHMER_TITLE not in str(created.changes)
    (uploaded,) = _events(version)
    assert uploaded.changes["sha256"] == version.sha256 and uploaded.changes["number"] == 1


def test_create_without_file_is_a_draft_that_cannot_be_published(crew, document):
    draft = document(with_file=False)
    assert draft.latest is None and draft.file_count == 0
    with pytest.raises(ValidationError) as caught:
        services.document_publish(
            actor=crew.users["edna"], document_id=draft.pk, expected_version=draft.version
        )
    assert caught.value.code == "no_file"
    assert Document.objects.get(pk=draft.pk).is_published is False


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (EXE, "report.pdf", "type_mismatch"),
        (pdf(), "report.docx", "type_mismatch"),
        (macro_package("docx"), "report.docx", "macros"),
        (b"", "report.pdf", "empty"),
    ],
    ids=["exe-as-pdf", "pdf-as-docx", "docm-as-docx", "empty"],
)
def test_refused_file_leaves_nothing(crew, media_root, data, name, code):
    with pytest.raises(ValidationError) as caught:
        services.document_create(actor=crew.users["edna"], upload=upload(data, name), **fields())
    assert caught.value.error_dict["file"][0].code == code
    assert Document.objects.count() == 0 and DocumentVersion.objects.count() == 0
    assert stored_files(media_root) == []
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE).exists()


def test_oversized_file_leaves_nothing(crew, media_root, document, settings):
    existing = document()
    settings.MIGRA_DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as caught:
        services.document_version_add(
            actor=crew.users["edna"], document_id=existing.pk, upload=upload(pdf("x" * 2000))
        )
    assert caught.value.error_dict["file"][0].code == "too_large"
    assert DocumentVersion.objects.filter(document=existing).count() == 1
    assert len(stored_files(media_root)) == 1


@pytest.mark.parametrize("who", ["peter", "carol", "charlie", "erin", "frank"])
def test_wrong_roles_are_refused_and_logged(crew, document, media_root, who):
    actor = crew.users[who]
    with pytest.raises(PermissionDenied):
        services.document_create(actor=actor, upload=upload(pdf()), **fields())
    existing = document()
    for write in (
        lambda: services.document_update(
            actor=actor, document_id=existing.pk, expected_version=existing.version, **fields()
        ),
        lambda: services.document_publish(
            actor=actor, document_id=existing.pk, expected_version=existing.version
        ),
        lambda: services.document_version_add(
            actor=actor, document_id=existing.pk, upload=upload(pdf())
        ),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert Document.objects.count() == 1
    assert Document.objects.get(pk=existing.pk).is_published is False
    assert DocumentVersion.objects.count() == 1 and len(stored_files(media_root)) == 1
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED, actor_id=actor.pk)
    assert denied.count() == 4


def test_programme_admin_may_edit_documents(crew, media_root):
    made = services.document_create(actor=crew.users["alice"], upload=upload(pdf()), **fields())
    assert made.created_by == crew.users["alice"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"title_km": ""}, "title_km", "required"),
        ({"title_km": " \t\n "}, "title_km", "required"),
        ({"title_km": "ក" * 201}, "title_km", "too_long"),
        ({"title_km": "ក" * 100_000}, "title_km", "too_long"),
        ({"title_km": ["list"]}, "title_km", "invalid"),
        ({"description_km": "ក" * 5001}, "description_km", "too_long"),
        ({"category": "secret"}, "category", "category"),
        ({"category": None}, "category", "category"),
        ({"languages": []}, "languages", "required"),
        ({"languages": ["km", "fr"]}, "languages", "language"),
        ({"languages": "km"}, "languages", "language"),
        ({"published_on": "2025-01-01"}, "published_on", "required"),
        ({"published_on": datetime.date(1900, 1, 1)}, "published_on", "out_of_range"),
        ({"published_on": datetime.date(2999, 1, 1)}, "published_on", "out_of_range"),
    ],
)
def test_malformed_fields_are_refused(crew, media_root, overrides, field, code):
    with pytest.raises(ValidationError) as caught:
        services.document_create(
            actor=crew.users["edna"], upload=upload(pdf()), **fields(**overrides)
        )
    assert caught.value.error_dict[field][0].code == code
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_hostile_text_is_kept_as_plain_text(crew):
    made = services.document_create(
        actor=crew.users["edna"],
        **fields(
            title_km="<script>alert('x')</script>\x00\x1b[31m ចំណងជើង",
            title_en='"><img src=x onerror=alert(1)>',
            description_km="<b>bold</b>\r\nline two\x07",
        ),
    )
    # Stored as typed (minus control characters): escaping is the templates' job.
    assert made.title_km == "<script>alert('x')</script> [31m ចំណងជើង"
    assert made.title_en == '"><img src=x onerror=alert(1)>'
    assert made.description_km == "<b>bold</b>\nline two"


def test_update_changes_fields_and_refuses_a_stale_version(crew, document):
    existing = document()
    changed = services.document_update(
        actor=crew.users["edna"],
        document_id=existing.pk,
        expected_version=existing.version,
        **fields(category="study", languages=["th", "other"], title_th="รายงาน"),
    )
    assert changed.version == existing.version + 1
    assert (changed.category, changed.in_km, changed.in_th, changed.in_other) == (
        "study",
        False,
        True,
        True,
    )
    last = _events(changed)[-1]
    assert last.changes["changed"] == ["category", "in_km", "in_other", "in_th", "title_th"]
    with pytest.raises(services.DocumentConflict):
        services.document_update(
            actor=crew.users["eric"],
            document_id=existing.pk,
            expected_version=existing.version,
            **fields(title_km="ចាស់"),
        )
    assert Document.objects.get(pk=existing.pk).title_km == KHMER_TITLE
    for stale in (None, "2", True, existing.version + 5):
        with pytest.raises(services.DocumentConflict):
            services.document_publish(
                actor=crew.users["edna"], document_id=existing.pk, expected_version=stale
            )


def test_publish_unpublish_index_and_audit(crew, document):
    draft = document()
    indexed = SearchDocument.objects.get(doc_type="document", object_id=str(draft.pk))
    assert indexed.is_public is False
    live = services.document_publish(
        actor=crew.users["edna"], document_id=draft.pk, expected_version=draft.version
    )
    assert live.is_published and live.published_by == crew.users["edna"]
    assert SearchDocument.objects.get(doc_type="document", object_id=str(draft.pk)).is_public
    with pytest.raises(ValidationError) as caught:
        services.document_publish(
            actor=crew.users["edna"], document_id=draft.pk, expected_version=live.version
        )
    assert caught.value.code == "state"
    down = services.document_unpublish(
        actor=crew.users["eric"], document_id=draft.pk, expected_version=live.version
    )
    assert down.is_published is False
    assert not SearchDocument.objects.get(doc_type="document", object_id=str(draft.pk)).is_public
    states = [e.changes.get("published") for e in _events(down) if "published" in e.changes]
    assert states == [True, False]


def test_new_versions_are_numbered_and_become_the_latest(crew, document):
    existing = document()
    second = services.document_version_add(
        actor=crew.users["eric"],
        document_id=existing.pk,
        upload=upload(ooxml("docx"), "report.docx"),
        note="<i>tables fixed</i>",
    )
    assert second.number == 2 and second.note == "<i>tables fixed</i>"
    fresh = Document.objects.get(pk=existing.pk)
    assert fresh.latest == second and fresh.file_count == 2
    # Uploading does not make an editor's open form stale.
    assert fresh.version == existing.version


def test_unknown_document_ids(crew):
    for bad in (999_999, "1", None, True):
        with pytest.raises(ValidationError) as caught:
            services.document_version_add(
                actor=crew.users["edna"], document_id=bad, upload=upload(pdf())
            )
        assert caught.value.code == "missing"


def test_download_count_adds_one(document):
    live = document(publish=True)
    for _ in range(3):
        services.document_download_count(version_id=live.latest_id)
    assert DocumentVersion.objects.get(pk=live.latest_id).downloads == 3


def test_malformed_notes_are_refused(crew, document, media_root):
    existing = document()
    for note, code in (("ក" * 301, "too_long"), (["x"], "invalid")):
        with pytest.raises(ValidationError) as caught:
            services.document_version_add(
                actor=crew.users["edna"], document_id=existing.pk, upload=upload(pdf()), note=note
            )
        assert caught.value.error_dict["note"][0].code == code
    assert DocumentVersion.objects.filter(document=existing).count() == 1
    assert len(stored_files(media_root)) == 1
