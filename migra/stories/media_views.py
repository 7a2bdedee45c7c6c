"""HTTP of story media: the tus 1.0 endpoints (core protocol, creation and termination
extensions), the staff page's media forms and files, and the public players' files.

    POST    /app/stories/<id>/uploads/           Upload-Length, Upload-Metadata → 201 Location
    HEAD    /app/stories/<id>/uploads/<token>/   → Upload-Offset, Upload-Length
    PATCH   /app/stories/<id>/uploads/<token>/   application/offset+octet-stream, Upload-Offset
    DELETE  /app/stories/<id>/uploads/<token>/   → 204
    OPTIONS either                               → Tus-Version, Tus-Extension, Tus-Max-Size

Every tus request but OPTIONS must say `Tus-Resumable: 1.0.0` (412 otherwise) and
carries the CSRF token (`X-CSRFToken`) like any other write. Refusals are plain text
in the user's language: 400 malformed, 403 not yours, 404 no such upload, 409 offset
or state, 411 no Content-Length, 413 too large, 415 not a type we take (or not what it
says), 422 a damaged photo. Metadata keys read: filename and filetype (only to choose
the size limit while uploading; the name is not kept), caption, face ("1" or "0").
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.models import User
from migra.stories import media_services
from migra.stories.media_files import rendition_response
from migra.stories.media_forms import MediaEditForm
from migra.stories.media_selectors import (
    public_media_get,
    story_media_get_for_user,
    upload_get_for_user,
)
from migra.stories.models import MediaKind, MediaState
from migra.stories.selectors import story_get_for_user

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
OFFSET_TYPE = "application/offset+octet-stream"
MAX_METADATA = 4096  # characters of the Upload-Metadata header
METADATA_KEY = re.compile(r"[A-Za-z0-9_.-]{1,40}")
MAX_DIGITS = 19

# Service error codes → HTTP status (anything else: 400).
STATUS = {
    "too_large": 413,
    "offset": 409,
    "state": 409,
    "too_many": 409,
    "media_unfinished": 409,
    "missing": 404,
    "type": 415,
    "heic": 415,
    "mismatch": 415,
    "damaged": 422,
    "too_many_pixels": 422,
    "empty": 422,
    "lost": 410,
}


# --------------------------------------------------------------------------- tus plumbing


def _plain(status: int, message: str = "") -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _options() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Tus-Resumable"] = TUS_VERSION
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(media_services.max_bytes(""))
    return response


def _precondition(request: HttpRequest) -> HttpResponse | None:
    """Who may speak tus here, and in which version."""
    if not request.user.is_authenticated:
        return _plain(403, _("Log in first."))
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        response = _plain(412, _("This upload protocol version is not supported."))
        response["Tus-Version"] = TUS_VERSION
        return response
    return None


def _number(value: str | None) -> int | None:
    """A header holding a non-negative whole number (ASCII digits only), else None."""
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > MAX_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def parse_metadata(header: str) -> dict[str, str]:
    """tus Upload-Metadata: "key base64,key base64,key". ValueError when malformed (a
    key twice, a key with other characters, bad base64 or UTF-8, too long)."""
    if len(header) > MAX_METADATA:
        raise ValueError("metadata too long")
    values: dict[str, str] = {}
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        parts = pair.split(" ")
        if len(parts) > 2 or not METADATA_KEY.fullmatch(parts[0]) or parts[0] in values:
            raise ValueError("malformed metadata")
        try:
            values[parts[0]] = (
                base64.b64decode(parts[1], validate=True).decode("utf-8") if len(parts) == 2 else ""
            )
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError("malformed metadata value") from None
    return values


def _flag(value: str) -> bool:
    if value in ("1", "true"):
        return True
    if value in ("", "0", "false"):
        return False
    raise ValueError("not a flag")


def _refused(error: ValidationError) -> HttpResponse:
    code = media_services.error_code(error)
    return _plain(STATUS.get(code, 400), " ".join(str(m) for m in error.messages))


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --------------------------------------------------------------------------- tus endpoints


@require_http_methods(["POST", "OPTIONS"])
def upload_create(request: HttpRequest, pk: int) -> HttpResponse:
    """tus creation: a new upload to the story (its author, while a draft)."""
    if request.method == "OPTIONS":
        return _options()
    refused = _precondition(request)
    if refused is not None:
        return refused
    if "Upload-Defer-Length" in request.headers:
        return _plain(400, _("Say how large the file is."))
    length = _number(request.headers.get("Upload-Length"))
    if length is None:
        return _plain(400, _("Say how large the file is."))
    try:
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        show_face = _flag(metadata.get("face", ""))
    except ValueError:
        return _plain(400, _("The description of the file cannot be read."))
    try:
        story = story_get_for_user(request, pk, log=False)
        media = media_services.story_upload_create(
            actor=_actor(request),
            story_id=story.pk,
            length=length,
            filename=metadata.get("filename", "")[:255],
            filetype=metadata.get("filetype", "")[:100],
            caption=metadata.get("caption", ""),
            show_face=show_face,
            request=request,
        )
    except Http404:
        return _plain(404, _("This story does not exist."))
    except PermissionDenied:
        return _plain(403, _("You may not add files to this story."))
    except ValidationError as error:
        return _refused(error)
    response = _plain(201)
    response["Location"] = reverse("stories:upload", args=[story.pk, media.upload_token])
    return response


@require_http_methods(["HEAD", "PATCH", "DELETE", "OPTIONS"])
def upload_detail(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """tus: how much arrived (HEAD), the next part (PATCH), give up (DELETE)."""
    if request.method == "OPTIONS":
        return _options()
    refused = _precondition(request)
    if refused is not None:
        return refused
    try:
        media = upload_get_for_user(request, pk, token)
    except Http404:
        return _plain(404, _("This upload is not there any more."))
    except PermissionDenied:
        return _plain(403, _("This upload is not yours."))
    if request.method == "HEAD":
        response = _plain(200)
        response["Upload-Offset"] = str(media.upload_offset)
        response["Upload-Length"] = str(media.upload_length)
        return response
    try:
        if request.method == "DELETE":
            media_services.story_upload_cancel(
                actor=_actor(request), story_id=media.story_id, token=token, request=request
            )
            return _plain(204)
        return _patch(request, media.story_id, token)
    except PermissionDenied:
        return _plain(403, _("You may not add files to this story."))
    except ValidationError as error:
        return _refused(error)


def _patch(request: HttpRequest, story_id: int, token: str) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type.lower() != OFFSET_TYPE:
        return _plain(415, _("Send the file's bytes as application/offset+octet-stream."))
    offset = _number(request.headers.get("Upload-Offset"))
    if offset is None:
        return _plain(400, _("Say where this part starts."))
    length = _number(request.META.get("CONTENT_LENGTH"))
    if length is None:
        return _plain(411, _("Say how large this part is."))
    media = media_services.story_upload_append(
        actor=_actor(request),
        story_id=story_id,
        token=token,
        offset=offset,
        body=request,
        length=length,
        request=request,
    )
    response = _plain(204)
    response["Upload-Offset"] = str(media.upload_offset)
    return response


# --------------------------------------------------------------------------- staff page


def _back(story_pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("stories:detail", args=[story_pk]) + "#media")


def _write(request: HttpRequest, pk: int, done: str, write: Any) -> HttpResponseRedirect:
    story = story_get_for_user(request, pk, log=False)
    try:
        write(story)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _back(story.pk)


@login_required
@require_POST
def media_update(request: HttpRequest, pk: int, media_pk: int) -> HttpResponseRedirect:
    form = MediaEditForm(request.POST, prefix=f"m{media_pk}")
    if not form.is_valid():
        messages.error(request, _("The file could not be changed: check the caption."))
        return _back(story_get_for_user(request, pk, log=False).pk)
    data = form.cleaned_data
    return _write(
        request,
        pk,
        _("The file was changed."),
        lambda story: media_services.story_media_update(
            actor=_actor(request),
            story_id=story.pk,
            media_id=media_pk,
            caption=data.get("caption") or "",
            show_face=bool(data.get("show_face")),
            has_voice=bool(data.get("has_voice")),
            hidden=bool(data.get("hidden")),
            request=request,
        ),
    )


@login_required
@require_POST
def media_remove(request: HttpRequest, pk: int, media_pk: int) -> HttpResponseRedirect:
    return _write(
        request,
        pk,
        _("The file was removed."),
        lambda story: media_services.story_media_remove(
            actor=_actor(request), story_id=story.pk, media_id=media_pk, request=request
        ),
    )


@login_required
@require_POST
def media_retry(request: HttpRequest, pk: int, media_pk: int) -> HttpResponseRedirect:
    return _write(
        request,
        pk,
        _("It is being prepared again."),
        lambda story: media_services.story_media_retry(
            actor=_actor(request), story_id=story.pk, media_id=media_pk, request=request
        ),
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def media_file(request: HttpRequest, pk: int, media_pk: int, rendition: str) -> HttpResponseBase:
    """A ready medium's web rendition or poster, to people who may see the story (the
    original is never served)."""
    media = story_media_get_for_user(request, pk, media_pk)
    if media.state != MediaState.READY or media.kind not in (MediaKind.AUDIO, MediaKind.VIDEO):
        raise Http404
    return rendition_response(request, media, rendition, public=False)


# --------------------------------------------------------------------------- public


@require_http_methods(["GET", "HEAD"])
def public_media_file(request: HttpRequest, pk: int, rendition: str) -> HttpResponseBase:
    """What the public players play: ready, not hidden audio and video of published
    stories (anything else: 404). Not kept by the public page cache (files may be a
    gigabyte); browsers keep them and ask again each time (ETag)."""
    media = public_media_get(pk)
    if media is None:
        raise Http404
    return rendition_response(request, media, rendition, public=True)
