"""The documents library on the public site: the library (filters, search, pages), a
document's page and its downloads. Anonymous GET pages are kept whole by the public
page cache (@public_page); downloads are never cached, and each one is counted."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from migra.documents import files, services
from migra.documents.models import (
    Document,
    DocumentCategory,
    DocumentLanguage,
    DocumentVersion,
)
from migra.documents.selectors import (
    document_get_public,
    document_version_public,
    document_years,
    documents_public,
    library_filters,
)
from migra.site.public_cache import public_page

PAGE_SIZE = 20


@public_page
@require_safe
def library(request: HttpRequest) -> HttpResponse:
    filters = library_filters(request.GET)
    page = Paginator(documents_public(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/public/list.html",
        {
            "filters": filters,
            "page": page,
            "documents": page.object_list,
            "categories": DocumentCategory.choices,
            "languages": DocumentLanguage.choices,
            "years": document_years(),
        },
    )


def detail_context(document: Document, *, staff_preview: bool = False) -> dict[str, Any]:
    """What the document's page shows (also the staff preview, drafts included)."""
    versions = list(DocumentVersion.objects.filter(document_id=document.pk).order_by("-number"))
    latest = versions[0] if versions else None
    return {
        "document": document,
        "latest": latest,
        "earlier": versions[1:],
        "downloads": sum(v.downloads for v in versions),
        "staff_preview": staff_preview,
    }


@public_page
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = document_get_public(pk)
    return render(request, "documents/public/detail.html", detail_context(document))


def file_response(version: DocumentVersion, document: Document) -> FileResponse:
    """The stored file as a download named after the document, never shown inline."""
    try:
        handle = files.file_open(version.file)
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=version.content_type)
    response["Content-Disposition"] = files.download_disposition(
        title=document.title,
        fallback=document.title_en or f"document-{document.pk}-v{version.number}",
        extension=version.extension,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Were a browser to show it anyway, nothing in it may run on this site.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@never_cache
@require_safe
def download(request: HttpRequest, pk: int, number: int) -> FileResponse:
    """A version of a published document. Each GET counts one download (HEAD does not);
    nothing about the visitor is kept."""
    version = document_version_public(pk, number)
    response = file_response(version, version.document)
    if request.method == "GET":
        services.document_download_count(version_id=version.pk)
    return response
