"""Attachments: sniffed types, files that lie about their type, the size limit,
encryption at rest under a random name, and the audited, permission-checked download."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from migra.audit.models import AuditAction, AuditEvent
from migra.cases import attachments, services
from migra.cases.models import CaseAttachment, CaseEvent
from migra.lib.crypto import DecryptionError

SECRET = b"PASSPORT-N01234567-SOK-DARA"
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + SECRET + b"\xff\xd9"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    + SECRET
)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n" + SECRET + b"\n%%EOF\n"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + SECRET
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + SECRET
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + SECRET
HTML = b"<!doctype html><script>alert(1)</script>" + SECRET


def _upload(name: str, data: bytes, content_type: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _stored_blobs() -> list[str]:
    try:
        _dirs, files = default_storage.listdir(attachments.BLOB_DIR)
    except FileNotFoundError:
        return []
    return files


@pytest.mark.parametrize(
    ("name", "data", "content_type", "stored_type"),
    [
        ("passport.jpg", JPEG, "image/jpeg", "image/jpeg"),
        ("passport.JPEG", JPEG, "", "image/jpeg"),
        ("statement.pdf", PDF, "application/pdf", "application/pdf"),
        ("photo.png", PNG, "image/png", "image/png"),
        ("photo.webp", WEBP, "image/webp", "image/webp"),
        ("IMG_0001.HEIC", HEIC, "image/heic", "image/heic"),
        ("ឯកសារ", PDF, "application/octet-stream", "application/pdf"),
    ],
)
def test_allowed_types_are_stored_encrypted(cast, bm_case, name, data, content_type, stored_type):
    attachment = services.case_attachment_add(
        actor=cast.users["carol"],
        case=bm_case,
        upload=_upload(name, data, content_type),
        description="Copy of the passport",
    )
    assert attachment.content_type == stored_type and attachment.size == len(data)
    # the file in the media storage: a random name, and nothing readable in it
    assert name.lower() not in attachment.blob.lower()
    with default_storage.open(attachment.blob, "rb") as handle:
        raw = handle.read()
    assert SECRET not in raw and raw.startswith(attachments.MAGIC)
    assert attachments.blob_read(attachment.blob) == data
    # name and description are encrypted in the database
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT filename, description FROM cases_caseattachment WHERE id = %s",
            [attachment.pk],
        )
        filename, description = cursor.fetchone()
    assert filename.startswith("v1.") and "passport" not in description
    assert CaseEvent.objects.filter(case=bm_case, kind="attachment_added").exists()


@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [
        ("photo.jpg", PDF, "image/jpeg", "does not match"),  # a PDF calling itself a photo
        ("photo.jpg", PDF, "", "does not match"),
        ("statement.pdf", JPEG, "", "does not match"),
        ("photo.jpg", JPEG, "application/pdf", "does not match"),  # declared type lies
        ("photo.jpg", JPEG, "text/html", "does not match"),
        ("statement.pdf", EXE, "application/pdf", "Only photos"),  # a program
        ("photo.png", HTML, "image/png", "Only photos"),
        ("archive.zip", b"PK\x03\x04" + SECRET, "", "Only photos"),
        ("statement.pdf", b"", "application/pdf", "empty"),
        ("passport.jpg.exe", JPEG, "", "does not match"),
    ],
)
def test_files_that_lie_are_refused(cast, bm_case, name, data, content_type, message):
    blobs = _stored_blobs()
    with pytest.raises(ValidationError) as error:
        services.case_attachment_add(
            actor=cast.users["carol"], case=bm_case, upload=_upload(name, data, content_type)
        )
    assert message in str(error.value)
    assert not CaseAttachment.objects.exists()
    assert _stored_blobs() == blobs


def test_too_large_is_refused(cast, bm_case, settings):
    settings.MIGRA_CASE_ATTACHMENT_MAX_BYTES = 1000
    big = JPEG + b"\x00" * 1000
    blobs = _stored_blobs()
    with pytest.raises(ValidationError) as error:
        services.case_attachment_add(
            actor=cast.users["carol"], case=bm_case, upload=_upload("big.jpg", big, "image/jpeg")
        )
    assert "too large" in str(error.value)
    assert not CaseAttachment.objects.exists() and _stored_blobs() == blobs


def test_a_file_reporting_a_wrong_size_is_still_limited(cast, bm_case, settings):
    settings.MIGRA_CASE_ATTACHMENT_MAX_BYTES = 1000
    upload = _upload("big.jpg", JPEG + b"\x00" * 5000, "image/jpeg")
    upload.size = 10  # a lying size: the content is measured anyway
    with pytest.raises(ValidationError, match="too large"):
        services.case_attachment_add(actor=cast.users["carol"], case=bm_case, upload=upload)


def test_default_limit_is_ten_megabytes(settings):
    if hasattr(settings, "MIGRA_CASE_ATTACHMENT_MAX_BYTES"):
        del settings.MIGRA_CASE_ATTACHMENT_MAX_BYTES
    assert attachments.max_bytes() == 10 * 1024 * 1024


def test_filenames_are_cleaned():
    assert attachments.clean_filename("../../etc/passwd") == "passwd"
    assert attachments.clean_filename("C:\\Users\\x\\scan.pdf") == "scan.pdf"
    assert attachments.clean_filename("a\x00b\r\n.pdf") == "ab.pdf"
    assert attachments.clean_filename("") == "attachment"
    long = "ក" * 300 + ".pdf"
    cleaned = attachments.clean_filename(long)
    assert len(cleaned) == 200 and cleaned.endswith(".pdf")


def test_a_blob_moved_to_another_name_does_not_decrypt(cast, bm_case):
    attachment = services.case_attachment_add(
        actor=cast.users["carol"], case=bm_case, upload=_upload("a.jpg", JPEG, "image/jpeg")
    )
    with default_storage.open(attachment.blob, "rb") as handle:
        raw = handle.read()
    with pytest.raises(DecryptionError):
        attachments.unseal(raw, name="cases/attachments/other.bin")
    tampered = raw[:-1] + bytes([raw[-1] ^ 1])
    with pytest.raises(DecryptionError):
        attachments.unseal(tampered, name=attachment.blob)


def test_download_over_http(cast, bm_case, as_user):
    client = as_user(cast.users["carol"])
    response = client.post(
        f"/app/cases/{bm_case.pk}/files/",
        {"file": _upload("ឯកសារ ពិសេស.pdf", PDF, "application/pdf"), "description": "Statement"},
    )
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    url = f"/app/cases/{bm_case.pk}/files/{attachment.pk}/"
    download = client.get(url)
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_id=str(bm_case.pk), changes__download=True
    ).exists()
    # a read-only viewer of the case may download; an outsider gets a logged 403
    assert as_user(cast.users["bob"]).get(url).status_code == 200
    assert as_user(cast.users["dan"]).get(url).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).exists()
    assert as_user(cast.users["charlie"]).get(url).status_code == 403


def test_download_through_another_case_is_404(cast, bm_case, open_case, bm_person, as_user):
    other = open_case(bm_person, actor=cast.users["carol"])
    attachment = services.case_attachment_add(
        actor=cast.users["carol"], case=bm_case, upload=_upload("a.jpg", JPEG, "image/jpeg")
    )
    client = as_user(cast.users["carol"])
    assert client.get(f"/app/cases/{other.pk}/files/{attachment.pk}/").status_code == 404
    assert client.get(f"/app/cases/{bm_case.pk}/files/999999/").status_code == 404


def test_upload_refusal_over_http_says_why(cast, bm_case, as_user):
    client = as_user(cast.users["carol"])
    response = client.post(
        f"/app/cases/{bm_case.pk}/files/",
        {"file": _upload("photo.jpg", EXE, "image/jpeg")},
        follow=True,
    )
    assert "Only photos" in response.content.decode()
    assert not CaseAttachment.objects.exists()
    # an outsider cannot upload at all
    response = as_user(cast.users["dan"]).post(
        f"/app/cases/{bm_case.pk}/files/", {"file": _upload("a.jpg", JPEG, "image/jpeg")}
    )
    assert response.status_code == 403
    assert not CaseAttachment.objects.exists()


def test_a_missing_blob_gives_a_clear_message(cast, bm_case, as_user):
    attachment = services.case_attachment_add(
        actor=cast.users["carol"], case=bm_case, upload=_upload("a.jpg", JPEG, "image/jpeg")
    )
    default_storage.delete(attachment.blob)
    response = as_user(cast.users["carol"]).get(
        f"/app/cases/{bm_case.pk}/files/{attachment.pk}/", follow=True
    )
    assert "cannot be read" in response.content.decode()
