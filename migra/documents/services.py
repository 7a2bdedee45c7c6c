"""Writes of the documents library.

Keyword-only, plain values in (codes, text, dates, uploads). Each checks that the actor
may edit the public site (Perm.EDIT_SITE; a logged 403 otherwise), validates, saves,
audits and keeps the search index in one transaction, and drops the cached public pages
when what the public sees changed. Audit events hold codes, ids, sizes and hashes —
titles and descriptions are public anyway, and are not repeated there.

Edits, publishing and unpublishing name the version the editor saw: a stale one is
refused (DocumentConflict) and nothing changes. Uploading a new file does not: two
uploads at once are both kept, numbered one after the other.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, user_has_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.documents import files
from migra.documents.models import (
    LANGUAGE_FIELDS,
    Document,
    DocumentCategory,
    DocumentLanguage,
    DocumentVersion,
)
from migra.search.services import search_index_upsert
from migra.site.public_cache import public_content_changed

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_NOTE = 300
EARLIEST_YEAR = 1970
LANGUAGES = ("km", "en", "th")


class DocumentConflict(ValidationError):
    """Someone else changed the document since the page was opened: nothing was saved."""


def _conflict() -> DocumentConflict:
    return DocumentConflict(
        _(
            "Someone else changed this document while you were working on it, so nothing was "
            "saved. Reload the page to see their changes, then make yours again."
        ),
        code="conflict",
    )


# --------------------------------------------------------------------------- cleaning input


def _too_long(field: str, limit: int) -> ValidationError:
    return ValidationError(
        {
            field: ValidationError(
                _("At most %(limit)d characters.") % {"limit": limit}, code="too_long"
            )
        }
    )


def _text_in(value: Any, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({field: ValidationError(_("Give text."), code="invalid")})
    if len(value) > limit * 4:  # far too long: refuse before any work on it
        raise _too_long(field, limit)
    return value


def _clean_line(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    """One line of text: control characters dropped, spaces squeezed."""
    text = _text_in(value, field, limit)
    text = " ".join("".join(ch if ch >= " " else " " for ch in text).split())
    if required and not text:
        raise ValidationError({field: ValidationError(_("This is required."), code="required")})
    if len(text) > limit:
        raise _too_long(field, limit)
    return text


def _clean_text(value: Any, *, field: str, limit: int) -> str:
    """Plain text of several lines (shown escaped): control characters dropped."""
    text = _text_in(value, field, limit)
    text = "".join(ch for ch in text.replace("\r\n", "\n") if ch >= " " or ch in "\n\t").strip()
    if len(text) > limit:
        raise _too_long(field, limit)
    return text


def _clean_category(value: Any) -> str:
    if value not in DocumentCategory.values:
        raise ValidationError(
            {"category": ValidationError(_("Choose the category."), code="category")}
        )
    return str(value)


def _clean_languages(values: Any) -> dict[str, bool]:
    """The language flags; at least one language."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError(
            {"languages": ValidationError(_("Choose from the list."), code="language")}
        )
    chosen: set[str] = set()
    for value in values:
        if value not in DocumentLanguage.values:
            raise ValidationError(
                {"languages": ValidationError(_("Choose from the list."), code="language")}
            )
        chosen.add(str(value))
    if not chosen:
        raise ValidationError(
            {
                "languages": ValidationError(
                    _("Choose the language the document is written in."), code="required"
                )
            }
        )
    return {field: code in chosen for code, field in LANGUAGE_FIELDS.items()}


def _clean_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValidationError(
            {"published_on": ValidationError(_("Give the document's date."), code="required")}
        )
    latest = timezone.localdate() + datetime.timedelta(days=366)
    if value.year < EARLIEST_YEAR or value > latest:
        raise ValidationError(
            {
                "published_on": ValidationError(
                    _("Give a date between %(first)d and next year.") % {"first": EARLIEST_YEAR},
                    code="out_of_range",
                )
            }
        )
    return value


def document_clean(
    *,
    title_km: Any,
    category: Any,
    published_on: Any,
    languages: Any,
    title_en: Any = "",
    title_th: Any = "",
    description_km: Any = "",
    description_en: Any = "",
    description_th: Any = "",
) -> dict[str, Any]:
    """The document's fields, checked (ValidationError per field): what a create or an
    update would save, and what the editor's preview shows."""
    values: dict[str, Any] = {
        "title_km": _clean_line(title_km, field="title_km", limit=MAX_TITLE, required=True),
        "title_en": _clean_line(title_en, field="title_en", limit=MAX_TITLE),
        "title_th": _clean_line(title_th, field="title_th", limit=MAX_TITLE),
        "description_km": _clean_text(
            description_km, field="description_km", limit=MAX_DESCRIPTION
        ),
        "description_en": _clean_text(
            description_en, field="description_en", limit=MAX_DESCRIPTION
        ),
        "description_th": _clean_text(
            description_th, field="description_th", limit=MAX_DESCRIPTION
        ),
        "category": _clean_category(category),
        "published_on": _clean_date(published_on),
    }
    values.update(_clean_languages(languages))
    return values


def _clean_note(note: Any) -> str:
    return _clean_line(note, field="note", limit=MAX_NOTE)


# ---------------------------------------------------------------- access, loading, locking


def _require_editor(actor: User, request: HttpRequest | None, target: Any = None) -> None:
    if not user_has_perm(actor, Perm.EDIT_SITE):
        raise deny(request, actor, reason=f"missing permission {Perm.EDIT_SITE}", target=target)


def _document(document_id: Any) -> Document:
    document = (
        Document.objects.filter(pk=document_id).first()
        if isinstance(document_id, int) and not isinstance(document_id, bool)
        else None
    )
    if document is None:
        raise ValidationError(_("This document does not exist."), code="missing")
    return document


def _lock(document: Document, expected_version: Any) -> Document:
    """The document's row, locked, at the version the editor saw (else DocumentConflict)."""
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or locked.version != expected_version
    ):
        raise _conflict()
    return locked


def _audit(
    actor: User | None,
    target: Any,
    changes: dict[str, Any],
    request: HttpRequest | None,
    action: str = AuditAction.UPDATE,
) -> None:
    audit_record(actor=actor, action=action, target=target, changes=changes, request=request)


def _reindex(document: Document) -> None:
    search_index_upsert(doc_type="document", obj=document)


def _languages_of(values: dict[str, Any]) -> list[str]:
    return [code for code, field in LANGUAGE_FIELDS.items() if values.get(field)]


# --------------------------------------------------------------------------- versions


def _add_version(
    *, actor: User, locked: Document, checked: files.CheckedFile, stored: str, note: str
) -> DocumentVersion:
    """Number and keep a stored file as the locked document's newest version."""
    number = locked.file_count + 1
    version = DocumentVersion.objects.create(
        document=locked,
        number=number,
        file=stored,
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        sha256=checked.sha256,
        note=note,
        uploaded_at=timezone.now(),
        uploaded_by=actor,
    )
    locked.file_count = number
    locked.latest = version
    locked.save(update_fields=["file_count", "latest", "updated_at"])
    return version


def _version_audit(actor: User, version: DocumentVersion, request: HttpRequest | None) -> None:
    _audit(
        actor,
        version,
        {
            "document": version.document_id,
            "number": version.number,
            "type": version.content_type,
            "bytes": version.size,
            "sha256": version.sha256,
            "noted": bool(version.note),
        },
        request,
        action=AuditAction.CREATE,
    )


def document_version_add(
    *,
    actor: User,
    document_id: int,
    upload: Any,
    note: str = "",
    request: HttpRequest | None = None,
) -> DocumentVersion:
    """Keep a new file of the document as its newest version (numbered after the last).
    A refused file leaves nothing. The public sees it at once if the document is
    published."""
    _require_editor(actor, request)
    document = _document(document_id)
    clean_note = _clean_note(note)
    checked = files.document_file_check(upload)
    stored = files.file_store(checked)
    try:
        with transaction.atomic():
            locked = Document.objects.select_for_update().get(pk=document.pk)
            version = _add_version(
                actor=actor, locked=locked, checked=checked, stored=stored, note=clean_note
            )
            _version_audit(actor, version, request)
            _reindex(locked)
            if locked.is_published:
                public_content_changed()
    except BaseException:
        files.file_delete(stored)
        raise
    return version


# --------------------------------------------------------------------------- create / update


def document_create(
    *,
    actor: User,
    title_km: str,
    category: str,
    published_on: datetime.date,
    languages: Iterable[str],
    title_en: str = "",
    title_th: str = "",
    description_km: str = "",
    description_en: str = "",
    description_th: str = "",
    upload: Any = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Document:
    """A new draft, with its first file when one is given (both or nothing are kept)."""
    _require_editor(actor, request)
    values = document_clean(
        title_km=title_km,
        title_en=title_en,
        title_th=title_th,
        description_km=description_km,
        description_en=description_en,
        description_th=description_th,
        category=category,
        published_on=published_on,
        languages=languages,
    )
    clean_note = _clean_note(note)
    checked = files.document_file_check(upload) if upload is not None else None
    stored = files.file_store(checked) if checked is not None else None
    try:
        with transaction.atomic():
            document = Document.objects.create(created_by=actor, **values)
            _audit(
                actor,
                document,
                {
                    "category": document.category,
                    "languages": _languages_of(values),
                    "titles": [lang for lang in LANGUAGES if values[f"title_{lang}"]],
                },
                request,
                action=AuditAction.CREATE,
            )
            if checked is not None and stored is not None:
                version = _add_version(
                    actor=actor, locked=document, checked=checked, stored=stored, note=clean_note
                )
                _version_audit(actor, version, request)
            _reindex(document)
    except BaseException:
        if stored is not None:
            files.file_delete(stored)
        raise
    return document


def document_update(
    *,
    actor: User,
    document_id: int,
    expected_version: int,
    title_km: str,
    category: str,
    published_on: datetime.date,
    languages: Iterable[str],
    title_en: str = "",
    title_th: str = "",
    description_km: str = "",
    description_en: str = "",
    description_th: str = "",
    request: HttpRequest | None = None,
) -> Document:
    """Change the document's title, description, category, languages or date."""
    _require_editor(actor, request)
    document = _document(document_id)
    values = document_clean(
        title_km=title_km,
        title_en=title_en,
        title_th=title_th,
        description_km=description_km,
        description_en=description_en,
        description_th=description_th,
        category=category,
        published_on=published_on,
        languages=languages,
    )
    with transaction.atomic():
        locked = _lock(document, expected_version)
        changed = sorted(name for name, value in values.items() if getattr(locked, name) != value)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save(update_fields=[*values, "version", "updated_at"])
        _audit(actor, locked, {"changed": changed, "version": locked.version}, request)
        _reindex(locked)
        if locked.is_published and changed:
            public_content_changed()
    return locked


# --------------------------------------------------------------------------- publishing


def document_publish(
    *,
    actor: User,
    document_id: int,
    expected_version: int,
    request: HttpRequest | None = None,
) -> Document:
    """Put the document (all its versions) on the public site. It needs a file."""
    _require_editor(actor, request)
    document = _document(document_id)
    with transaction.atomic():
        locked = _lock(document, expected_version)
        if locked.is_published:
            raise ValidationError(_("This document is already published."), code="state")
        if locked.latest_id is None:
            raise ValidationError(
                _("Add the document's file before publishing it."), code="no_file"
            )
        locked.is_published = True
        locked.published_at = timezone.now()
        locked.published_by = actor
        locked.version += 1
        locked.save(
            update_fields=["is_published", "published_at", "published_by", "version", "updated_at"]
        )
        _audit(actor, locked, {"published": True, "version": locked.version}, request)
        _reindex(locked)
        public_content_changed()
    return locked


def document_unpublish(
    *,
    actor: User,
    document_id: int,
    expected_version: int,
    request: HttpRequest | None = None,
) -> Document:
    """Take the document off the public site (its page and downloads answer 404)."""
    _require_editor(actor, request)
    document = _document(document_id)
    with transaction.atomic():
        locked = _lock(document, expected_version)
        if not locked.is_published:
            raise ValidationError(_("This document is not published."), code="state")
        locked.is_published = False
        locked.version += 1
        locked.save(update_fields=["is_published", "version", "updated_at"])
        _audit(actor, locked, {"published": False, "version": locked.version}, request)
        _reindex(locked)
        public_content_changed()
    return locked


# --------------------------------------------------------------------------- downloads


def document_download_count(*, version_id: int) -> None:
    """Count one download of a version: one UPDATE … SET downloads = downloads + 1, so
    downloads at the same moment are all counted. Nothing about the visitor is kept,
    and it is not audited (that would keep the visitor's address). The public pages
    are not dropped from the cache for it: the counts they show are those of when the
    page was made."""
    DocumentVersion.objects.filter(pk=version_id).update(downloads=F("downloads") + 1)
