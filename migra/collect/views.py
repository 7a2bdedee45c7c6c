"""Staff pages of field collection (Perm.MANAGE_FORMS): the forms phones get, their
versions and media, the submissions and the queue of those that need attention.

Thin: forms in, services to write, selectors to read. Submissions hold personal data:
each page or file that shows one is written to the audit trail as a view, and an export
as an export. Phone first; no JavaScript."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import require_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.collect import exports, services
from migra.collect.forms import (
    FixForm,
    MediaForm,
    ReprocessForm,
    RolesForm,
    StateForm,
    SubmissionFilterForm,
    UploadForm,
)
from migra.collect.models import (
    FormMedia,
    FormState,
    FormVersion,
    Submission,
    SubmissionAttachment,
    SubmissionState,
    XForm,
)
from migra.collect.selectors import (
    form_get_for_user,
    forms_visible_to,
    submission_get_for_user,
    submissions_visible_to,
)
from migra.collect.xlsform import MAX_XLSFORM_BYTES
from migra.config.forms import add_service_errors
from migra.documents.uploads import SizeLimitHandler, upload_too_large
from migra.lib.crypto import DecryptionError

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A submitted file is served with the type the phone gave only when it is one of
# these (always as a download, sandboxed); anything else is plain bytes.
_SERVED_TYPES = re.compile(r"(image|audio|video)/[a-z0-9.+-]{1,60}|application/pdf")

# Submissions offered "process again" and "correct the XML": those that could not
# become records, and those still waiting for files. A custom form's stored
# submission has nothing to become.
FIXABLE = frozenset({SubmissionState.NEEDS_ATTENTION, SubmissionState.WAITING})

# What a submission became (its record_type) → the staff page of that record.
RECORD_PAGES = {
    "community.meeting": "community:meeting-edit",
    "community.registerentry": "community:entry",
    "outreach.event": "outreach:detail",
    "stories.story": "stories:detail",
    "cases.tip": "cases:tip-detail",
    "cases.case": "cases:detail",
    "screening.screening": "screening:detail",
}


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _as_attachment(filename: str) -> str:
    """A Content-Disposition that downloads the file (any script in its name)."""
    return content_disposition_header(as_attachment=True, filename=filename) or "attachment"


def _download(data: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = _as_attachment(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store, private"
    return response


def _form_url(form: XForm, anchor: str = "") -> str:
    return reverse("collect:form", args=[form.pk]) + anchor


def _submission_url(submission: Submission) -> str:
    return reverse("collect:submission", args=[submission.pk])


def _limit_uploads(request: HttpRequest, limit: int) -> None:
    """Skip a file past `limit` while it arrives (see migra.documents.uploads)."""
    request.upload_handlers = [SizeLimitHandler(request, limit), *request.upload_handlers]


def _too_large(form: Any, limit: int) -> None:
    form.is_valid()
    form.errors.pop("file", None)
    form.add_error(
        "file",
        _("The file is too large: at most %(size)s MB.") % {"size": f"{limit / 2**20:g}"},
    )


def _read(upload: UploadedFile, limit: int) -> bytes | None:
    """The uploaded file's bytes, or None when it is over the limit."""
    if upload.size is not None and upload.size > limit:
        return None
    data = upload.read(limit + 1)
    return None if len(data) > limit else data


def _errors(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _status_of(error: ValidationError) -> int:
    return 409 if getattr(error, "code", None) == "conflict" else 400


def record_link(record_type: str, record_id: str) -> str:
    """The staff page of the record a submission became, or "" when there is none."""
    kind = (record_type or "").lower()
    ident = (record_id or "").strip()
    if not (ident.isascii() and ident.isdigit() and len(ident) <= 18):
        return ""
    args: list[int] = [int(ident)]
    if kind == "community.registerproblem":
        from migra.community.models import RegisterProblem

        entry_id = RegisterProblem.objects.filter(pk=args[0]).values_list("entry_id", flat=True)
        found = entry_id.first()
        if found is None:
            return ""
        kind, args = "community.registerentry", [found]
    name = RECORD_PAGES.get(kind)
    if name is None:
        return ""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --------------------------------------------------------------------------- forms


def _list_page(request: HttpRequest, upload_form: UploadForm, status: int = 200) -> HttpResponse:
    forms = (
        forms_visible_to(request.user)
        .annotate(
            submission_count=Count("submissions"),
            attention_count=Count(
                "submissions", filter=Q(submissions__state=SubmissionState.NEEDS_ATTENTION)
            ),
        )
        .order_by("title", "pk")
    )
    page = Paginator(forms, PAGE_SIZE).get_page(request.GET.get("page"))
    attention = submissions_visible_to(request.user).filter(state=SubmissionState.NEEDS_ATTENTION)
    context = {
        "page": page,
        "forms": page.object_list,
        "upload_form": upload_form,
        "attention_count": attention.count(),
        "max_megabytes": f"{MAX_XLSFORM_BYTES / 2**20:g}",
    }
    return render(request, "collect/form_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def form_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_FORMS)
    return _list_page(request, UploadForm())


@csrf_exempt
def form_upload(request: HttpRequest) -> HttpResponse:
    _limit_uploads(request, MAX_XLSFORM_BYTES)  # before anything reads the body
    return _form_upload(request)


def _upload_refused(request: HttpRequest, upload_form: UploadForm, status: int) -> HttpResponse:
    """The upload form with its errors, on the page it was sent from."""
    posted = str(request.POST.get("for_form", ""))
    if posted.isascii() and posted.isdigit() and len(posted) <= 9:
        form = form_get_for_user(request, int(posted))
        return _form_page(request, form, upload_form=upload_form, status=status)
    return _list_page(request, upload_form, status=status)


@csrf_protect
@login_required
@require_POST
def _form_upload(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_FORMS)
    upload_form = UploadForm(request.POST, request.FILES)
    if upload_too_large(request):
        _too_large(upload_form, MAX_XLSFORM_BYTES)
        return _upload_refused(request, upload_form, 413)
    if not upload_form.is_valid():
        return _upload_refused(request, upload_form, 400)
    upload = upload_form.cleaned_data["file"]
    data = _read(upload, MAX_XLSFORM_BYTES)
    if data is None:
        _too_large(upload_form, MAX_XLSFORM_BYTES)
        return _upload_refused(request, upload_form, 413)
    try:
        form = services.form_upload(
            actor=_actor(request),
            data=data,
            filename=str(upload.name or ""),
            builtin=upload_form.cleaned_data["builtin"],
            request=request,
        )
    except ValidationError as error:
        add_service_errors(upload_form, error)
        return _upload_refused(request, upload_form, 400)
    except IntegrityError:
        # Someone uploaded the same new form at the same moment (the form ID is unique);
        # the service's transaction was rolled back, nothing of this upload is kept.
        upload_form.add_error(
            None,
            _(
                "Someone else uploaded this form at the same moment, so nothing was saved. "
                "Reload the page and check it."
            ),
        )
        return _upload_refused(request, upload_form, 409)
    messages.success(
        request,
        _("Version %(version)s of the form was saved.") % {"version": form.version},
    )
    if form.current is not None and form.current.warnings:
        messages.warning(
            request,
            _("ODK's checks have advice for this form: %(warnings)s")
            % {"warnings": form.current.warnings},
        )
    return HttpResponseRedirect(_form_url(form))


def _form_page(
    request: HttpRequest,
    form: XForm,
    *,
    upload_form: UploadForm | None = None,
    media_form: MediaForm | None = None,
    roles_form: RolesForm | None = None,
    action_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    counts = form.submissions.aggregate(
        total=Count("pk"),
        attention=Count("pk", filter=Q(state=SubmissionState.NEEDS_ATTENTION)),
    )
    context: dict[str, Any] = {
        "form": form,
        "versions": list(
            FormVersion.objects.filter(form=form)
            .select_related("uploaded_by")
            .only("pk", "version", "xlsform_name", "warnings", "uploaded_at", "uploaded_by")
        ),
        "media": list(form.media.all()),
        "upload_form": upload_form or UploadForm(initial={"builtin": form.builtin}),
        "media_form": media_form or MediaForm(),
        "roles_form": roles_form
        or RolesForm(initial={"roles": form.roles, "row_version": form.row_version}),
        "states": [(value, label) for value, label in FormState.choices if value != form.state],
        "action_errors": action_errors or [],
        "submission_count": counts["total"],
        "attention_count": counts["attention"],
        "max_megabytes": f"{MAX_XLSFORM_BYTES / 2**20:g}",
        "media_megabytes": f"{services.MAX_MEDIA_BYTES / 2**20:g}",
    }
    return render(request, "collect/form_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, form_get_for_user(request, pk))


@login_required
@require_POST
def form_state(request: HttpRequest, pk: int) -> HttpResponse:
    form = form_get_for_user(request, pk)
    posted = StateForm(request.POST)
    if not posted.is_valid():
        return _form_page(
            request, form, action_errors=[_("Reload the page and try again.")], status=400
        )
    try:
        services.form_set_state(
            actor=_actor(request),
            form=form,
            state=posted.cleaned_data["state"],
            row_version=posted.cleaned_data["row_version"],
            request=request,
        )
    except ValidationError as error:
        form.refresh_from_db()
        return _form_page(request, form, action_errors=_errors(error), status=_status_of(error))
    messages.success(
        request, _("The form is now: %(state)s.") % {"state": form.get_state_display()}
    )
    return HttpResponseRedirect(_form_url(form))


@login_required
@require_POST
def form_roles(request: HttpRequest, pk: int) -> HttpResponse:
    form = form_get_for_user(request, pk)
    posted = RolesForm(request.POST)
    if not posted.is_valid():
        return _form_page(request, form, roles_form=posted, status=400)
    try:
        services.form_set_roles(
            actor=_actor(request),
            form=form,
            roles=posted.cleaned_data["roles"],
            row_version=posted.cleaned_data["row_version"],
            request=request,
        )
    except ValidationError as error:
        form.refresh_from_db()
        return _form_page(request, form, action_errors=_errors(error), status=_status_of(error))
    messages.success(request, _("The list of who gets this form was saved."))
    return HttpResponseRedirect(_form_url(form, "#roles"))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def version_file(request: HttpRequest, pk: int, version_pk: int, kind: str) -> HttpResponse:
    """A version's XLSForm as uploaded, or the XForm compiled from it."""
    form = form_get_for_user(request, pk)
    version = FormVersion.objects.filter(form=form, pk=version_pk).first()
    if version is None or kind not in {"xlsform", "xml"}:
        raise Http404
    if kind == "xml":
        return _download(
            version.xml.encode("utf-8"),
            content_type="application/xml; charset=utf-8",
            filename=f"{form.form_id}-{version.version}.xml",
        )
    name = version.xlsform_name or f"{form.form_id}.xlsx"
    is_xls = name.lower().endswith(".xls")
    return _download(
        bytes(version.xlsform),
        content_type="application/vnd.ms-excel" if is_xls else XLSX_TYPE,
        filename=name,
    )


# --------------------------------------------------------------------------- media


@csrf_exempt
def media_add(request: HttpRequest, pk: int) -> HttpResponse:
    _limit_uploads(request, services.MAX_MEDIA_BYTES)  # before anything reads the body
    return _media_add(request, pk)


@csrf_protect
@login_required
@require_POST
def _media_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = form_get_for_user(request, pk)
    media_form = MediaForm(request.POST, request.FILES)
    if upload_too_large(request):
        _too_large(media_form, services.MAX_MEDIA_BYTES)
        return _form_page(request, form, media_form=media_form, status=413)
    if not media_form.is_valid():
        return _form_page(request, form, media_form=media_form, status=400)
    upload = media_form.cleaned_data["file"]
    data = _read(upload, services.MAX_MEDIA_BYTES)
    if data is None:
        _too_large(media_form, services.MAX_MEDIA_BYTES)
        return _form_page(request, form, media_form=media_form, status=413)
    try:
        media = services.form_media_add(
            actor=_actor(request),
            form=form,
            data=data,
            filename=str(upload.name or ""),
            request=request,
        )
    except ValidationError as error:
        add_service_errors(media_form, error)
        form.refresh_from_db()
        return _form_page(request, form, media_form=media_form, status=400)
    except IntegrityError:
        # The same new file name sent twice at the same moment: the other one is kept.
        media_form.add_error(
            None,
            _(
                "Someone else added a file with this name at the same moment, so nothing "
                "was saved. Reload the page and check it."
            ),
        )
        form.refresh_from_db()
        return _form_page(request, form, media_form=media_form, status=409)
    messages.success(request, _("The file %(name)s was saved.") % {"name": media.filename})
    return HttpResponseRedirect(_form_url(form, "#media"))


def _media_of(form: XForm, media_pk: int) -> FormMedia:
    media = FormMedia.objects.filter(form=form, pk=media_pk).first()
    if media is None:
        raise Http404
    return media


@login_required
@require_POST
def media_remove(request: HttpRequest, pk: int, media_pk: int) -> HttpResponse:
    form = form_get_for_user(request, pk)
    media = _media_of(form, media_pk)
    services.form_media_remove(actor=_actor(request), media=media, request=request)
    messages.success(request, _("The file %(name)s was removed.") % {"name": media.filename})
    return HttpResponseRedirect(_form_url(form, "#media"))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def media_file(request: HttpRequest, pk: int, media_pk: int) -> HttpResponse:
    form = form_get_for_user(request, pk)
    media = _media_of(form, media_pk)
    try:
        with media.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        logger.exception("media file %s of form %s cannot be read", media.pk, form.pk)
        raise Http404 from None
    return _download(data, content_type="application/octet-stream", filename=media.filename)


# --------------------------------------------------------------------------- submissions


@login_required
@require_http_methods(["GET", "HEAD"])
def submission_list(request: HttpRequest, pk: int) -> HttpResponse:
    form = form_get_for_user(request, pk)
    filters = SubmissionFilterForm(request.GET)
    state = filters.cleaned_data["state"] if filters.is_valid() else ""
    found = (
        submissions_visible_to(request.user)
        .filter(form=form)
        .defer("xml")
        .order_by("-received_at", "-pk")
    )
    if state:
        found = found.filter(state=state)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "submissions": page.object_list,
    }
    return render(request, "collect/submission_list.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def submission_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    form = form_get_for_user(request, pk)
    if fmt not in {"csv", "xlsx"}:
        raise Http404

    def link(submission: Submission, attachment: SubmissionAttachment) -> str:
        return request.build_absolute_uri(
            reverse("collect:attachment", args=[submission.pk, attachment.pk])
        )

    export = exports.export_rows(form, submissions_visible_to(request.user), link=link)
    if export.too_many:
        messages.error(
            request,
            _("More than %(limit)s submissions: they cannot be exported at once.")
            % {"limit": f"{exports.MAX_EXPORT_ROWS:,}"},
        )
        return HttpResponseRedirect(reverse("collect:submissions", args=[form.pk]))
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        target=form,
        changes={"format": fmt, "rows": len(export.rows) - 1},
        request=request,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{form.form_id}-{stamp}.{fmt}"
    if fmt == "xlsx":
        return _download(exports.to_xlsx(export), content_type=XLSX_TYPE, filename=filename)
    return _download(
        exports.to_csv(export.rows), content_type="text/csv; charset=utf-8", filename=filename
    )


def _submission_page(request: HttpRequest, submission: Submission) -> HttpResponse:
    shape = exports.form_shape(submission.form)
    files = {item.name: item for item in submission.attachments.all()}
    answers = [
        {
            "path": answer.path,
            "value": answer.value,
            "file": files.get(answer.value) if answer.is_file and answer.value else None,
            "is_file": answer.is_file,
        }
        for answer in exports.submission_answers(submission, shape)
    ]
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=submission,
        request=request,
    )
    context = {
        "submission": submission,
        "form": submission.form,
        "answers": answers,
        "attachments": list(files.values()),
        "missing": [name for name in submission.files_expected if name not in files],
        "record_url": record_link(submission.record_type, submission.record_id),
        "can_reprocess": submission.state in FIXABLE,
    }
    return render(request, "collect/submission_detail.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _submission_page(request, submission_get_for_user(request, pk))


def _served_type(content_type: str) -> str:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind if _SERVED_TYPES.fullmatch(kind) else "application/octet-stream"


@never_cache
@login_required
@require_http_methods(["GET"])
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """A submitted file, decrypted; every download is audited."""
    from migra.cases.attachments import blob_read

    submission = submission_get_for_user(request, pk)
    attachment = SubmissionAttachment.objects.filter(
        submission=submission, pk=attachment_pk
    ).first()
    if attachment is None:
        raise Http404
    try:
        data = blob_read(attachment.blob)
    except (DecryptionError, OSError):
        logger.exception("file %s of submission %s cannot be read", attachment.pk, pk)
        messages.error(
            request,
            _("This file cannot be read: it is damaged or missing. Ask your administrator."),
        )
        return HttpResponseRedirect(_submission_url(submission))
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=submission,
        changes={"attachment": attachment.name, "download": True},
        request=request,
    )
    return _download(
        data, content_type=_served_type(attachment.content_type), filename=attachment.name
    )


def _safe_next(request: HttpRequest, value: str, fallback: str) -> str:
    """`value` when it is a page of the staff app on this site, else `fallback`."""
    if value.startswith("/app/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return fallback


def _after_processing(request: HttpRequest, submission: Submission) -> None:
    if submission.state == SubmissionState.DONE:
        messages.success(request, _("The submission was made into records."))
    elif submission.state == SubmissionState.NEEDS_ATTENTION:
        messages.warning(
            request,
            _("It still needs attention: %(problem)s") % {"problem": submission.problem},
        )
    else:
        messages.success(request, _("The submission was processed again."))


@login_required
@require_POST
def submission_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    submission = submission_get_for_user(request, pk)
    posted = ReprocessForm(request.POST)
    back = _submission_url(submission)
    if posted.is_valid():
        back = _safe_next(request, posted.cleaned_data["next"], back)
    else:
        messages.error(request, _("Reload the page and try again."))
        return HttpResponseRedirect(back, status=303)
    try:
        processed = services.submission_reprocess(
            actor=_actor(request),
            submission=submission,
            row_version=posted.cleaned_data["row_version"],
            request=request,
        )
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return HttpResponseRedirect(back, status=303)
    _after_processing(request, processed)
    return HttpResponseRedirect(back, status=303)


def _fix_page(
    request: HttpRequest, submission: Submission, fix_form: FixForm, status: int = 200
) -> HttpResponse:
    context = {"submission": submission, "form": submission.form, "fix_form": fix_form}
    return render(request, "collect/submission_fix.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def submission_fix(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a submission's XML and process it again (nothing changes on an error)."""
    submission = submission_get_for_user(request, pk)
    if submission.encrypted or submission.state not in FIXABLE:
        messages.error(request, _("This submission cannot be corrected here."))
        return HttpResponseRedirect(_submission_url(submission))
    if request.method != "POST":
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=submission,
            changes={"xml": True},
            request=request,
        )
        initial = {"xml": submission.xml, "row_version": submission.row_version}
        return _fix_page(request, submission, FixForm(initial=initial))
    fix_form = FixForm(request.POST)
    if not fix_form.is_valid():
        return _fix_page(request, submission, fix_form, status=400)
    xml = fix_form.cleaned_data["xml"]
    try:
        processed = services.submission_reprocess(
            actor=_actor(request),
            submission=submission,
            row_version=fix_form.cleaned_data["row_version"],
            xml=None if xml == submission.xml else xml,
            request=request,
        )
    except ValidationError as error:
        fix_form.add_error(None, error)
        return _fix_page(request, submission, fix_form, status=_status_of(error))
    _after_processing(request, processed)
    return HttpResponseRedirect(_submission_url(processed))


@login_required
@require_http_methods(["GET", "HEAD"])
def attention_queue(request: HttpRequest) -> HttpResponse:
    """Submissions that could not become records, across forms, newest first."""
    require_perm(request, Perm.MANAGE_FORMS)
    found = (
        submissions_visible_to(request.user)
        .filter(state=SubmissionState.NEEDS_ATTENTION)
        .defer("xml")
        .order_by("-received_at", "-pk")
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "collect/attention.html",
        {"page": page, "submissions": page.object_list, "here": request.get_full_path()},
    )
