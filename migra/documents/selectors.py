"""Reads of the documents library.

Staff: holders of Perm.EDIT_SITE (editors, programme admins) see every document, drafts
included; anyone else gets a logged 403. The public: published documents only, and
every version of them; anything else is a 404, whether it exists or not.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404, HttpRequest

from migra.accounts.roles import Perm
from migra.accounts.selectors import require_perm, user_has_perm
from migra.documents.models import (
    LANGUAGE_FIELDS,
    Document,
    DocumentCategory,
    DocumentVersion,
)
from migra.search.selectors import search_public

# The public search gives at most this many documents (best first).
SEARCH_LIMIT = 200


def _pk(value: Any) -> int:
    """A positive id, or 0 (which no row has) for anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


# --------------------------------------------------------------------------- staff


def documents_for_staff(user: Any) -> QuerySet[Document]:
    """Every document for an editor of the site; nothing for anyone else."""
    if not user_has_perm(user, Perm.EDIT_SITE):
        return Document.objects.none()
    return Document.objects.select_related("latest").order_by("-updated_at", "-pk")


def document_get_for_staff(request: HttpRequest, pk: Any) -> Document:
    """One document for an editor of the site (a logged 403 for anyone else; 404 when
    there is no such document)."""
    require_perm(request, Perm.EDIT_SITE)
    document = documents_for_staff(request.user).filter(pk=_pk(pk)).first()
    if document is None:
        raise Http404
    return document


def document_version_for_staff(request: HttpRequest, pk: Any, number: Any) -> DocumentVersion:
    document = document_get_for_staff(request, pk)
    version = document.versions.filter(number=_pk(number)).first()
    if version is None:
        raise Http404
    return version


def document_versions(document: Document) -> QuerySet[DocumentVersion]:
    """All versions, newest first."""
    return document.versions.select_related("uploaded_by").order_by("-number")


# --------------------------------------------------------------------------- public


@dataclass(frozen=True)
class LibraryFilters:
    category: str = ""
    language: str = ""
    year: int | None = None
    query: str = ""

    @property
    def active(self) -> bool:
        return bool(self.category or self.language or self.year or self.query)


def library_filters(params: Any) -> LibraryFilters:
    """The filters of the public library from a query string; values that are not
    valid are ignored (a filter that cannot match is no filter)."""
    category = params.get("category", "")
    language = params.get("language", "")
    year_text = str(params.get("year", "")).strip()
    year = (
        int(year_text)
        if year_text.isascii() and year_text.isdigit() and len(year_text) == 4
        else None
    )
    query = " ".join(str(params.get("q", "")).split())[:200]
    return LibraryFilters(
        category=category if category in DocumentCategory.values else "",
        language=language if language in LANGUAGE_FIELDS else "",
        year=year,
        query=query,
    )


def documents_published() -> QuerySet[Document]:
    return Document.objects.filter(is_published=True)


def documents_public(filters: LibraryFilters) -> QuerySet[Document] | list[Document]:
    """The public library, newest first (best match first when searching): a queryset
    to paginate, or, for a search, the list of matches (at most SEARCH_LIMIT)."""
    documents = documents_published().select_related("latest")
    if filters.category:
        documents = documents.filter(category=filters.category)
    if filters.language:
        documents = documents.filter(Q(**{LANGUAGE_FIELDS[filters.language]: True}))
    if filters.year:
        documents = documents.filter(
            published_on__gte=datetime.date(filters.year, 1, 1),
            published_on__lt=datetime.date(filters.year + 1, 1, 1),
        )
    documents = documents.order_by("-published_on", "-id")
    if not filters.query:
        return documents
    found = search_public(filters.query, doc_types=["document"], limit=SEARCH_LIMIT)
    order = {int(result.object_id): rank for rank, result in enumerate(found)}
    matching = list(documents.filter(pk__in=list(order)))
    return sorted(matching, key=lambda document: order[document.pk])


def document_years() -> list[int]:
    """The years of published documents, newest first (for the year filter)."""
    return [day.year for day in documents_published().dates("published_on", "year", order="DESC")]


def document_get_public(pk: Any) -> Document:
    document = documents_published().select_related("latest").filter(pk=_pk(pk)).first()
    if document is None:
        raise Http404
    return document


def document_version_public(pk: Any, number: Any) -> DocumentVersion:
    """A version of a published document (404 for anything else)."""
    version = (
        DocumentVersion.objects.filter(
            document_id=_pk(pk), document__is_published=True, number=_pk(number)
        )
        .select_related("document")
        .first()
    )
    if version is None:
        raise Http404
    return version


def document_downloads(document: Document) -> int:
    """Downloads of all the document's versions together."""
    total = document.versions.aggregate(total=Sum("downloads"))["total"]
    return int(total or 0)
