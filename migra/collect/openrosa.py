"""The OpenRosa 1.0 server ODK Collect and Enketo talk to, under /odk/.

Each endpoint exists twice: `/odk/<endpoint>` for HTTP Basic and
`/odk/key/<token>/<endpoint>` for the key a phone got from its QR code (odk_auth.py).
ODK Collect is given `https://<host>/odk/key/<token>` as its server and appends:

- `formList` (Form List API): the person's open forms as xformsList XML, each with
  formID, name, version, `md5:` hash of the XML it will download, downloadUrl, and a
  manifestUrl only when the form has media files. `?formID=` lists that form only.
- `forms/<form_id>/form.xml`, `forms/<form_id>/manifest` (xformsManifest: filename,
  `md5:` hash, downloadUrl of each media file) and `forms/<form_id>/media/<filename>`.
- `submission` (Form Submission API): HEAD or GET answer 204, so that Collect knows
  where to send and how much at once (X-OpenRosa-Accept-Content-Length); POST takes a
  multipart body: the `xml_submission_file` part and the attachments, one part each.
  When the attachments do not fit in one POST, Collect sends the same XML several
  times with some of the files, and a `*isIncomplete*` part in all but the last.

Every answer carries X-OpenRosa-Version: 1.0, Date and Content-Language (the person's
language, else Khmer); the submission endpoint adds X-OpenRosa-Accept-Content-Length
(setting MIGRA_ODK_MAX_POST_BYTES, 50 MB by default). Messages travel in the
OpenRosaResponse envelope, in the person's language. A POST is answered 201 when taken
(again: the same XML twice is accepted, and adds the files that were missing), else
with the status `services.submission_receive` gives (400 unreadable, 403 not your
form, 404 unknown form, 409 closed form or the same instanceID with other content),
413 when too big and 401 without a valid key or password.

The body is never read before the person is known, and never past the limit: a
Content-Length over it is answered 413 unread, and a chunked body (no length) is cut
off as soon as it passes the limit. A body cut short, or an attachment whose name
holds a folder, is a 400 and nothing is kept. Phones have no CSRF cookie: these views,
and only these, are exempt.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import IO, Any, cast
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date, parse_header_parameters
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from migra.accounts.models import User
from migra.collect import services
from migra.collect.odk_auth import BASIC_CHALLENGE, PhoneAuthFailed, hide_token, phone_user
from migra.collect.selectors import form_for_phone, forms_for_phone

MAX_POST_BYTES = 50 * 1024 * 1024
XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
XML_PART = "xml_submission_file"
INCOMPLETE_PART = "*isIncomplete*"
# Attachments wait in memory up to this size, then in a temporary file.
SPOOL_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024

View = Callable[..., HttpResponseBase]


def max_post_bytes() -> int:
    """The largest POST body taken (and announced to phones), in bytes."""
    return int(getattr(settings, "MIGRA_ODK_MAX_POST_BYTES", MAX_POST_BYTES))


def _language(code: str | None) -> str:
    supported = {language for language, _name in settings.LANGUAGES}
    return code if code in supported else str(settings.LANGUAGE_CODE)


# --------------------------------------------------------------------------- responses


def _xml_response(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body.encode("utf-8"), status=status, content_type=XML_CONTENT_TYPE)


def envelope(status: int, message: str, *, nature: str = "error") -> HttpResponse:
    """An OpenRosaResponse with one message for the person."""
    return _xml_response(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OpenRosaResponse xmlns="{RESPONSE_NS}" items="0">'
        f'<message nature="{escape(nature)}">{escape(message)}</message>'
        "</OpenRosaResponse>",
        status=status,
    )


def _server_sets_date(request: HttpRequest) -> bool:
    # gunicorn writes its own Date on every response (a second one would be invalid);
    # Django's test client and runserver's wsgiref only add one when it is missing.
    return str(request.META.get("SERVER_SOFTWARE", "")).startswith("gunicorn")


def _openrosa_headers(
    request: HttpRequest, response: HttpResponseBase, *, language: str, submission: bool
) -> HttpResponseBase:
    response["X-OpenRosa-Version"] = "1.0"
    response["Content-Language"] = language
    if not _server_sets_date(request):
        response["Date"] = http_date()
    if submission:
        response["X-OpenRosa-Accept-Content-Length"] = str(max_post_bytes())
    # Lists and files are per person (and the URL may hold their key): keep no copies.
    response["Cache-Control"] = "private, no-store"
    return response


def _refusal(failed: PhoneAuthFailed) -> HttpResponse:
    response = envelope(failed.status, failed.message)
    if failed.challenge:
        response["WWW-Authenticate"] = BASIC_CHALLENGE
    if failed.retry_after:
        response["Retry-After"] = str(failed.retry_after)
    return response


@dataclass(frozen=True)
class Route:
    """Absolute URLs under the way the phone came in (with its key, or not)."""

    root: str  # ".../odk/" or ".../odk/key/<token>/"

    def form_xml(self, form_id: str) -> str:
        return f"{self.root}forms/{quote(form_id, safe='')}/form.xml"

    def manifest(self, form_id: str) -> str:
        return f"{self.root}forms/{quote(form_id, safe='')}/manifest"

    def media(self, form_id: str, filename: str) -> str:
        return f"{self.root}forms/{quote(form_id, safe='')}/media/{quote(filename, safe='')}"


def _route(request: HttpRequest, token: str | None) -> Route:
    if token is None:
        path = reverse("odk:form-list")
    else:
        path = reverse("odk:key-form-list", kwargs={"token": token})
    return Route(root=request.build_absolute_uri(path.removesuffix("formList")))


def openrosa_view(*methods: str, submission: bool = False) -> Callable[[View], View]:
    """An OpenRosa endpoint: CSRF-exempt, the person known first, answered in their
    language with OpenRosa's headers. The view gets (request, user, route, **kwargs)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            token: str | None = kwargs.pop("token", None)
            if token is not None:
                hide_token(request, token)
            if request.method not in methods:
                refused = HttpResponse(status=405)
                refused["Allow"] = ", ".join(methods)
                return _openrosa_headers(
                    request, refused, language=_language(None), submission=submission
                )
            try:
                # Until the person is known, words are in the default language.
                with translation.override(_language(None)):
                    user = phone_user(request, token)
            except PhoneAuthFailed as failed:
                return _openrosa_headers(
                    request,
                    _refusal(failed),
                    language=_language(failed.language),
                    submission=submission,
                )
            request.user = user
            language = _language(user.language)
            with translation.override(language):
                response = view(request, user, _route(request, token), *args, **kwargs)
            return _openrosa_headers(request, response, language=language, submission=submission)

        return csrf_exempt(wrapper)

    return decorate


# --------------------------------------------------------------------------- forms


def form_list_xml(forms: Iterable[Any], route: Route) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<xforms xmlns="{XFORMS_LIST_NS}">']
    for form in forms:
        parts.append(
            f"<xform><formID>{escape(form.form_id)}</formID>"
            f"<name>{escape(form.title or form.form_id)}</name>"
            f"<version>{escape(form.version)}</version>"
            f"<hash>md5:{escape(form.xml_md5)}</hash>"
            f"<downloadUrl>{escape(route.form_xml(form.form_id))}</downloadUrl>"
        )
        if form.has_media:
            parts.append(f"<manifestUrl>{escape(route.manifest(form.form_id))}</manifestUrl>")
        parts.append("</xform>")
    parts.append("</xforms>")
    return "".join(parts)


@openrosa_view("GET", "HEAD")
def form_list(request: HttpRequest, user: User, route: Route) -> HttpResponse:
    forms = forms_for_phone(user)
    wanted = request.GET.get("formID")
    if wanted is not None:
        forms = [form for form in forms if form.form_id == wanted]
    return _xml_response(form_list_xml(forms, route))


def _no_form() -> HttpResponse:
    return envelope(404, _("There is no such form for you here."))


@openrosa_view("GET", "HEAD")
def form_xml(request: HttpRequest, user: User, route: Route, form_id: str) -> HttpResponse:
    form = form_for_phone(user, form_id)
    if form is None or form.current is None:
        return _no_form()
    # Exactly the bytes whose md5 formList announced.
    response = HttpResponse(form.current.xml.encode("utf-8"), content_type=XML_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(form_id)}.xml"
    return response


@openrosa_view("GET", "HEAD")
def form_manifest(request: HttpRequest, user: User, route: Route, form_id: str) -> HttpResponse:
    form = form_for_phone(user, form_id)
    if form is None:
        return _no_form()
    services.form_generated_media_refresh(form=form)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<manifest xmlns="{MANIFEST_NS}">']
    for media in form.media.all().only("filename", "md5"):
        parts.append(
            f"<mediaFile><filename>{escape(media.filename)}</filename>"
            f"<hash>md5:{escape(media.md5)}</hash>"
            f"<downloadUrl>{escape(route.media(form.form_id, media.filename))}</downloadUrl>"
            "</mediaFile>"
        )
    parts.append("</manifest>")
    return _xml_response("".join(parts))


@openrosa_view("GET", "HEAD")
def form_media(
    request: HttpRequest, user: User, route: Route, form_id: str, filename: str
) -> HttpResponseBase:
    form = form_for_phone(user, form_id)
    if form is None:
        return _no_form()
    # Looked up by name among this form's files only: the name never reaches a path.
    media = form.media.filter(filename=filename).first()
    if media is None:
        return envelope(404, _("This form has no file of that name."))
    # Whole, not streamed: media files are small (services.MAX_MEDIA_BYTES), and the
    # storage may be remote (S3), where a stream would hold a connection per phone.
    with media.file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type=media.content_type or "application/octet-stream")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(media.filename, safe='')}"
    )
    return response


# --------------------------------------------------------------------------- submissions


class BodyTooLarge(Exception):
    """More than max_post_bytes() arrived (or were announced)."""


class BadBody(Exception):
    """The POST body cannot be read as a submission; `message` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _CountedInput:
    """The request body as the multipart parser reads it: counted, stopped past the
    limit (a chunked body has no length to check first), and watched for the closing
    boundary, whose absence means the body was cut short."""

    def __init__(self, source: Any, limit: int, boundary: bytes) -> None:
        self.source = source
        self.limit = limit
        self.read_bytes = 0
        self.closing = b"--" + boundary + b"--"
        self.closed_seen = False
        self._tail = b""

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > CHUNK_BYTES:
            size = CHUNK_BYTES
        data = self.source.read(size)
        if not data:
            return b""
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            raise BodyTooLarge
        if not self.closed_seen:
            window = self._tail + data
            self.closed_seen = self.closing in window
            self._tail = window[-len(self.closing) :]
        return data


@dataclass
class _Part:
    field_name: str
    file_name: str
    content_type: str
    file: IO[bytes]

    def read(self) -> bytes:
        self.file.seek(0)
        return self.file.read()


class _PartsHandler(FileUploadHandler):
    """Keeps every file part (memory, then a temporary file) with its name as sent."""

    chunk_size = CHUNK_BYTES

    def __init__(self, limit: int) -> None:
        super().__init__(None)
        self.limit = limit
        self.total = 0
        self.parts: list[_Part] = []
        self.interrupted = False
        self._current: IO[bytes] | None = None

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        # Closed in close(), once the service has the bytes.
        self._current = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.total += len(raw_data)
        if self.total > self.limit:
            raise BodyTooLarge
        if self._current is not None:
            self._current.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> None:
        if self._current is None:
            return None
        self.parts.append(
            _Part(
                field_name=str(self.field_name),
                file_name=str(self.file_name or ""),
                content_type=str(self.content_type or ""),
                file=self._current,
            )
        )
        self._current = None
        return None  # the parts are read from `parts`, not from the parser's FILES

    def upload_interrupted(self) -> None:
        self.interrupted = True

    def close(self) -> None:
        for part in self.parts:
            part.file.close()
        if self._current is not None:
            self._current.close()


class _PhoneMultiPartParser(MultiPartParser):
    def sanitize_file_name(self, file_name: str) -> str:
        # Kept exactly as sent: Django would quietly cut "../x.jpg" down to "x.jpg";
        # services.submission_receive refuses such a name instead (400, nothing kept).
        return file_name


@dataclass
class SubmittedBody:
    xml: bytes
    files: list[services.IncomingFile]
    incomplete: bool


def _declared_length(request: HttpRequest) -> int | None:
    """The Content-Length (None for a chunked body); BadBody when it is not a number."""
    raw = str(request.META.get("CONTENT_LENGTH") or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit():
        raise BadBody(_("The request's Content-Length is not a number."))
    return int(raw)


def read_submission_body(request: HttpRequest, limit: int) -> SubmittedBody:
    """Parse a submission POST; BodyTooLarge (413) or BadBody (400)."""
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge
    content_type = str(request.META.get("CONTENT_TYPE", ""))
    if not content_type.lower().startswith("multipart/form-data"):
        raise BadBody(_("Send the form as multipart/form-data, as ODK Collect does."))
    if declared is None:
        chunked = (
            bool(request.META.get("wsgi.input_terminated"))
            or "chunked" in str(request.META.get("HTTP_TRANSFER_ENCODING", "")).lower()
        )
        if not chunked:
            raise BadBody(_("The form was sent without its XML (%(part)s).") % {"part": XML_PART})
        # Django reads nothing without a Content-Length: read the server's stream, which
        # ends where the chunked body ends, and let _CountedInput stop it at the limit.
        source: Any = request.META["wsgi.input"]
    else:
        source = request
    if declared == 0:
        raise BadBody(_("The form was sent without its XML (%(part)s).") % {"part": XML_PART})
    boundary = parse_header_parameters(content_type)[1].get("boundary", "")
    meta = dict(request.META)
    meta["CONTENT_LENGTH"] = str(declared if declared is not None else limit)
    counted = _CountedInput(source, limit, boundary.encode("ascii", "replace"))
    handler = _PartsHandler(limit)
    try:
        try:
            parser = _PhoneMultiPartParser(
                meta, cast(IO[bytes], counted), [handler], settings.DEFAULT_CHARSET
            )
        except MultiPartParserError:
            raise BadBody(_("The form's multipart body has no valid boundary.")) from None
        try:
            post, _files = parser.parse()
        except RequestDataTooBig:
            raise BodyTooLarge from None
        except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent, OSError, ValueError):
            raise BadBody(_("The upload is broken or was cut off. Send the form again.")) from None
        cut_short = declared is not None and counted.read_bytes < declared
        if handler.interrupted or not counted.closed_seen or cut_short:
            raise BadBody(_("The upload is broken or was cut off. Send the form again."))
        return _submitted(post, handler)
    finally:
        handler.close()


def _submitted(post: Any, handler: _PartsHandler) -> SubmittedBody:
    xml_parts = [part for part in handler.parts if part.field_name == XML_PART]
    if len(xml_parts) > 1 or (xml_parts and XML_PART in post):
        raise BadBody(_("The form's XML was sent twice in one upload."))
    if xml_parts:
        xml = xml_parts[0].read()
    elif XML_PART in post:
        xml = str(post[XML_PART]).encode("utf-8")
    else:
        raise BadBody(_("The form was sent without its XML (%(part)s).") % {"part": XML_PART})
    files = [
        services.IncomingFile(name=part.file_name, content_type=part.content_type, data=part.read())
        for part in handler.parts
        if part.field_name != XML_PART
    ]
    flag = post.get(INCOMPLETE_PART)
    incomplete = flag is not None and str(flag).strip().lower() not in {"no", "false", "0"}
    return SubmittedBody(xml=xml, files=files, incomplete=incomplete)


def _received_message(received: services.Received, incomplete: bool) -> str:
    from migra.collect.models import SubmissionState

    state = received.submission.state
    if state == SubmissionState.WAITING or incomplete:
        return _("Part of the form arrived. ODK Collect is sending the rest of its files.")
    if not received.created:
        return _("This form was already received. Thank you.")
    if state == SubmissionState.NEEDS_ATTENTION:
        return _("The form was received. Someone in the office will check it.")
    return _("The form was received. Thank you.")


@openrosa_view("HEAD", "GET", "POST", submission=True)
def submission(request: HttpRequest, user: User, route: Route) -> HttpResponse:
    if request.method != "POST":
        # Collect asks first (HEAD): 204 says "send here", and how much at once.
        return HttpResponse(status=204)
    limit = max_post_bytes()
    try:
        body = read_submission_body(request, limit)
    except BodyTooLarge:
        return envelope(
            413,
            _("This is too big to send at once: at most %(size)s MB.")
            % {"size": f"{limit / 2**20:.0f}"},
        )
    except BadBody as bad:
        return envelope(400, bad.message)
    try:
        received = services.submission_receive(
            actor=user,
            xml=body.xml,
            files=body.files,
            incomplete=body.incomplete,
            request=request,
        )
    except services.SubmissionRefused as refused:
        return envelope(refused.status, refused.message)
    return envelope(201, _received_message(received, body.incomplete), nature="submit_success")
