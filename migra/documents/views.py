"""Staff pages of the documents library (Perm.EDIT_SITE: editors and programme admins).
Thin: forms in, services to write, selectors to read. Phone first; no JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import require_perm
from migra.config.forms import add_service_errors
from migra.documents import files, services
from migra.documents.forms import DocumentForm, DocumentNewForm, VersionForm, VersionUploadForm
from migra.documents.models import Document
from migra.documents.public_views import detail_context, file_response
from migra.documents.selectors import (
    document_get_for_staff,
    document_version_for_staff,
    document_versions,
    documents_for_staff,
)
from migra.documents.uploads import limit_uploads, upload_too_large

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _edit_url(document: Document) -> str:
    return reverse("documents:edit", args=[document.pk])


def _version_of(form: Any) -> int:
    version = form.cleaned_data.get("version")
    return version if version is not None else -1


def _too_large(form: Any) -> None:
    """The file was skipped while it arrived (uploads.py): say why, not "required"."""
    form.is_valid()
    form.errors.pop("file", None)
    form.add_error("file", files.too_large_error(files.max_bytes()).error_dict["file"])


def _initial(document: Document) -> dict[str, Any]:
    return {
        "title_km": document.title_km,
        "title_en": document.title_en,
        "title_th": document.title_th,
        "description_km": document.description_km,
        "description_en": document.description_en,
        "description_th": document.description_th,
        "category": document.category,
        "languages": document.languages,
        "published_on": document.published_on,
        "version": document.version,
    }


# --------------------------------------------------------------------------- list


@login_required
@require_http_methods(["GET", "HEAD"])
def document_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.EDIT_SITE)
    page = Paginator(documents_for_staff(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "documents/list.html", {"page": page, "documents": page.object_list})


# --------------------------------------------------------------------------- new


def _new_page(request: HttpRequest, form: DocumentNewForm, status: int = 200) -> HttpResponse:
    return render(request, "documents/new.html", {"form": form}, status=status)


@csrf_exempt
def document_new(request: HttpRequest) -> HttpResponse:
    limit_uploads(request)  # before anything reads the body
    return _document_new(request)


@csrf_protect
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def _document_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.EDIT_SITE)
    if request.method != "POST":
        return _new_page(request, DocumentNewForm())
    form = DocumentNewForm(request.POST, request.FILES)
    if upload_too_large(request):
        _too_large(form)
        return _new_page(request, form, status=413)
    if form.is_valid():
        try:
            document = services.document_create(
                actor=_actor(request),
                upload=form.cleaned_data.get("file"),
                note=form.cleaned_data.get("note", ""),
                request=request,
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The document was saved as a draft. Check the preview, then publish it.")
                if document.latest_id
                else _("The document was saved as a draft. Add its file, then publish it."),
            )
            return HttpResponseRedirect(_edit_url(document))
    return _new_page(request, form, status=400)


# --------------------------------------------------------------------------- edit


def _edit_page(
    request: HttpRequest,
    document: Document,
    *,
    form: DocumentForm | None = None,
    upload_form: VersionUploadForm | None = None,
    preview: Document | None = None,
    action_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    version = {"version": document.version}
    context: dict[str, Any] = {
        "document": document,
        "form": form or DocumentForm(initial=_initial(document)),
        "upload_form": upload_form or VersionUploadForm(),
        "version_form": VersionForm(initial=version),
        "versions": list(document_versions(document)),
        "action_errors": action_errors or [],
        "max_megabytes": f"{files.max_bytes() / (1024 * 1024):g}",
    }
    if preview is not None:
        context["preview"] = detail_context(preview, staff_preview=True)
    return render(request, "documents/edit.html", context, status=status)


def _preview_of(document: Document, form: DocumentForm) -> Document | None:
    """The document as it would look with the form's values, not saved (None, the
    errors on the form, when the values are refused)."""
    try:
        values = services.document_clean(**form.service_fields())
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    preview = Document(pk=document.pk, **values)
    preview.latest = document.latest
    preview.file_count = document.file_count
    preview.is_published = document.is_published
    return preview


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = document_get_for_staff(request, pk)
    if request.method != "POST":
        return _edit_page(request, document)
    form = DocumentForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, document, form=form, status=400)
    if "preview" in request.POST:
        preview = _preview_of(document, form)
        return _edit_page(
            request, document, form=form, preview=preview, status=200 if preview else 400
        )
    try:
        services.document_update(
            actor=_actor(request),
            document_id=document.pk,
            expected_version=_version_of(form),
            request=request,
            **form.service_fields(),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        document.refresh_from_db()
        return _edit_page(request, document, form=form, status=400)
    messages.success(request, _("The changes were saved."))
    return HttpResponseRedirect(_edit_url(document))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def document_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The public page of the document as it is saved, draft or not (staff only)."""
    document = document_get_for_staff(request, pk)
    context = detail_context(document, staff_preview=True)
    return render(request, "documents/public/detail.html", context)


# --------------------------------------------------------------------------- versions


@csrf_exempt
def document_version_add(request: HttpRequest, pk: int) -> HttpResponse:
    limit_uploads(request)  # before anything reads the body
    return _document_version_add(request, pk)


@csrf_protect
@login_required
@require_POST
def _document_version_add(request: HttpRequest, pk: int) -> HttpResponse:
    document = document_get_for_staff(request, pk)
    form = VersionUploadForm(request.POST, request.FILES)
    if upload_too_large(request):
        _too_large(form)
        return _edit_page(request, document, upload_form=form, status=413)
    if form.is_valid():
        try:
            version = services.document_version_add(
                actor=_actor(request),
                document_id=document.pk,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(number)s was added.") % {"number": version.number},
            )
            return HttpResponseRedirect(_edit_url(document) + "#versions")
    document.refresh_from_db()
    return _edit_page(request, document, upload_form=form, status=400)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def document_version_file(request: HttpRequest, pk: int, number: int) -> FileResponse:
    """A version's file for staff, drafts included (not counted as a download)."""
    version = document_version_for_staff(request, pk, number)
    return file_response(version, version.document)


# --------------------------------------------------------------------------- publishing


def _state_change(
    request: HttpRequest, pk: int, service: Callable[..., Document], done: str
) -> HttpResponse:
    document = document_get_for_staff(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _edit_page(
            request, document, action_errors=[_("Reload the page and try again.")], status=400
        )
    try:
        service(
            actor=_actor(request),
            document_id=document.pk,
            expected_version=form.cleaned_data["version"],
            request=request,
        )
    except ValidationError as error:
        document.refresh_from_db()
        return _edit_page(
            request, document, action_errors=[str(m) for m in error.messages], status=400
        )
    messages.success(request, done)
    return HttpResponseRedirect(_edit_url(document))


@login_required
@require_POST
def document_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _state_change(
        request, pk, services.document_publish, _("The document is now on the public site.")
    )


@login_required
@require_POST
def document_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    return _state_change(
        request,
        pk,
        services.document_unpublish,
        _("The document was taken off the public site."),
    )
