"""Writes of story media: resumable uploads (the tus 1.0 protocol's core, creation and
termination; HTTP in `media_views`), what the worker makes of a received file, the
media's flags, and the consent hooks. See docs/stories.md ("Media") and docs/media.md.

    create ──PATCH…──▶ uploading ──last byte──▶ processing ──worker──▶ ready
                          │                      (sniffed, checked)     │ (photo: becomes
                       DELETE / a day idle            │  └──▶ failed     │  a StoryPhoto)
                          ▼                           ▼
                        gone                 refused: gone, nothing kept

Who: the story's author, while it is a draft (the same rule as `story_photo_add`);
an upload belongs to whoever created it. Every refusal changes nothing and keeps
nothing. Audit events hold codes, ids and sizes — never a file name or a caption.

Chunks: the bytes of a PATCH are first written to a staging file without any lock
(a slow phone may take minutes), then the story and upload rows are locked, the offset
checked again and the chunk appended: two PATCHes at once on one upload are thus
serialised, the second refused (409: offset). What arrived before a connection dropped
is kept (tus asks servers to keep as much as they can).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, UnreadablePostError
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import User
from migra.accounts.selectors import deny
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.media import av
from migra.media import photos as media_photos
from migra.media.sniff import SNIFF_BYTES, FileKind, name_ending, sniff
from migra.site.public_cache import public_content_changed
from migra.stories import media_storage
from migra.stories.media_selectors import unfinished_media
from migra.stories.models import (
    MediaKind,
    MediaState,
    Story,
    StoryMedia,
    StoryPhoto,
    StoryState,
)
from migra.stories.selectors import is_author, is_editor_of
from migra.stories.services import (
    MAX_CAPTION,
    MAX_PHOTOS,
    PHOTO_FOLDER,
    _clean_line,
    _illegal,
    _photos_editable,
    _story,
    _too_many_photos,
)

logger = logging.getLogger("migra.stories.media")

MiB = 1024 * 1024
DEFAULT_AUDIO_MAX_BYTES = 200 * MiB
DEFAULT_VIDEO_MAX_BYTES = 1024 * MiB
MAX_OPEN_UPLOADS = 10  # unfinished uploads of one story at once
MAX_AV = 10  # audio and video of one story
ABANDONED_AFTER = timedelta(hours=24)
STAGE_BLOCK = 64 * 1024
MEDIA_FOLDER = "stories/media"  # web renditions and posters (default storage)
ORIGINAL_FOLDER = "stories/originals"  # audio and video as received (private storage)
MASTER_FOLDER = "stories/masters"  # clean photo masters until the worker is done (private)
SWEEP_BATCH = 500

# What may be sent, by sniffed type (HEIC only where Pillow reads it, like photos).
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic"})
AUDIO_TYPES = frozenset(
    {"audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg", "audio/wav", "audio/amr", "audio/amr-wb"}
)
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/3gpp", "video/webm"})
GROUPS = {"image": MediaKind.PHOTO, "audio": MediaKind.AUDIO, "video": MediaKind.VIDEO}

# Name endings that say what a file is meant to be, when the browser declares no type.
ENDINGS = {
    **{e: MediaKind.PHOTO for e in ("jpg", "jpeg", "jpe", "jfif", "png", "webp", "heic", "heif")},
    **{e: MediaKind.AUDIO for e in ("mp3", "m4a", "aac", "ogg", "oga", "opus", "wav", "amr")},
    **{e: MediaKind.VIDEO for e in ("mp4", "m4v", "mov", "3gp", "3gpp", "webm")},
}


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


# --------------------------------------------------------------------------- limits and errors


def max_bytes(kind: str) -> int:
    """The largest file of a kind (settings MIGRA_MEDIA_PHOTO_MAX_BYTES,
    MIGRA_MEDIA_AUDIO_MAX_BYTES, MIGRA_MEDIA_VIDEO_MAX_BYTES); "" (not said): the
    largest of them."""
    if kind == MediaKind.PHOTO:
        return media_photos.max_bytes()
    if kind == MediaKind.AUDIO:
        value = getattr(settings, "MIGRA_MEDIA_AUDIO_MAX_BYTES", None)
        return int(value) if value else DEFAULT_AUDIO_MAX_BYTES
    if kind == MediaKind.VIDEO:
        value = getattr(settings, "MIGRA_MEDIA_VIDEO_MAX_BYTES", None)
        return int(value) if value else DEFAULT_VIDEO_MAX_BYTES
    return max(max_bytes(k) for k in (MediaKind.PHOTO, MediaKind.AUDIO, MediaKind.VIDEO))


def _megabytes(limit: int) -> str:
    return f"{limit / MiB:g}"


def _too_large(kind: str, limit: int) -> ValidationError:
    messages: dict[str, str] = {
        MediaKind.PHOTO: _("The photo is too large: at most %(size)s MB."),
        MediaKind.AUDIO: _("The sound recording is too large: at most %(size)s MB."),
        MediaKind.VIDEO: _("The video is too large: at most %(size)s MB."),
    }
    message = messages.get(kind, _("The file is too large: at most %(size)s MB."))
    return ValidationError(message % {"size": _megabytes(limit)}, code="too_large")


def _offset_conflict() -> ValidationError:
    return ValidationError(
        _("This part of the file was already received: the upload carries on from where it is."),
        code="offset",
    )


def _wrong_type() -> ValidationError:
    return ValidationError(
        _(
            "This file cannot be added: send a photo (JPEG, PNG or WebP), a sound "
            "recording (MP3, M4A, AAC, Ogg, Opus, WAV or AMR) or a video (MP4, MOV, "
            "WebM or 3GP)."
        ),
        code="type",
    )


def _lying_type() -> ValidationError:
    return ValidationError(
        _("This file is not what its name or type says: it was not added."), code="mismatch"
    )


def _missing() -> ValidationError:
    return ValidationError(_("This upload is not there any more."), code="missing")


def error_code(error: ValidationError) -> str:
    """The code of a service's ValidationError, whether it names a field or not."""
    if hasattr(error, "error_dict"):
        for errors in error.error_dict.values():
            return str(errors[0].code or "invalid")
    if hasattr(error, "error_list") and error.error_list and error.error_list[0] is not error:
        return str(error.error_list[0].code or "invalid")
    return str(getattr(error, "code", None) or "invalid")


def _invalid(field: str) -> ValidationError:
    return ValidationError({field: ValidationError(_("Yes or no."), code="invalid")})


# --------------------------------------------------------------------------- helpers


def declared_kind(*, filetype: str, filename: str) -> str:
    """What the sender says the file is: photo, audio, video or "" (not said). Only the
    size limit during the upload depends on it; the content decides the rest."""
    top = filetype.split("/")[0].strip().lower() if filetype else ""
    if top in GROUPS:
        return str(GROUPS[top])
    return str(ENDINGS.get(name_ending(filename), ""))


def _audit(
    actor: User | None,
    media: StoryMedia,
    action: str,
    changes: dict[str, Any],
    request: HttpRequest | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=media,
        changes={"story": media.story_id, **changes},
        request=request,
    )


def _next_position(story: Story) -> int:
    last = (
        StoryMedia.objects.filter(story=story)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    return (last or 0) + 1


def _photos_counted(story: Story, *, exclude: int | None = None) -> int:
    """Photos kept plus photos still on their way (uploading or being prepared)."""
    pending = StoryMedia.objects.filter(story=story, kind=MediaKind.PHOTO).exclude(
        state=MediaState.FAILED
    )
    if exclude is not None:
        pending = pending.exclude(pk=exclude)
    return StoryPhoto.objects.filter(story=story).count() + pending.count()


def _files_of(media: StoryMedia) -> tuple[str, str, tuple[str, str]]:
    return media.upload_file, media.source_file, (media.web_file, media.poster_file)


def _delete_files(upload_file: str, source_file: str, renditions: tuple[str, str]) -> None:
    media_storage.remove_upload_file(upload_file)
    media_storage.delete_private(source_file)
    media_photos.photo_delete(*renditions)


def _enqueue(media_id: int) -> None:
    from migra.stories.tasks import prepare_story_media

    prepare_story_media.enqueue(media_id=media_id)


def _require_uploader(actor: User, media: StoryMedia, request: HttpRequest | None) -> None:
    _photos_editable(actor, media.story, request)  # the author, while a draft
    if media.uploaded_by_id != actor.pk:
        raise deny(request, actor, reason="someone else's upload", target=media.story)


def _upload(story_id: Any, token: Any) -> StoryMedia:
    media = (
        StoryMedia.objects.select_related("story")
        .filter(story_id=story_id, upload_token=token)
        .first()
        if isinstance(token, str) and isinstance(story_id, int)
        else None
    )
    if media is None:
        raise _missing()
    return media


# --------------------------------------------------------------------------- tus: create


def story_upload_create(
    *,
    actor: User,
    story_id: int,
    length: Any,
    filename: str = "",
    filetype: str = "",
    caption: str = "",
    show_face: bool = False,
    request: HttpRequest | None = None,
) -> StoryMedia:
    """Start an upload of `length` bytes to a draft (its author only). A declared size
    over the limit of the declared kind (the largest limit when none is declared) is
    refused (code too_large) and nothing is stored."""
    story = _story(story_id)
    _photos_editable(actor, story, request)
    clean_caption = _clean_line(caption, field="caption", limit=MAX_CAPTION)
    if not isinstance(show_face, bool):
        raise _invalid("show_face")
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValidationError(_("Say how large the file is."), code="length")
    kind = declared_kind(filetype=filetype or "", filename=filename or "")
    limit = max_bytes(kind)
    if length > limit:
        raise _too_large(kind, limit)
    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
        if locked.state != StoryState.DRAFT:
            raise _illegal(locked.state)
        if unfinished_media(locked).filter(state=MediaState.UPLOADING).count() >= MAX_OPEN_UPLOADS:
            raise ValidationError(
                _("%(max)d uploads are already under way: let them finish first.")
                % {"max": MAX_OPEN_UPLOADS},
                code="too_many",
            )
        if kind == MediaKind.PHOTO and _photos_counted(locked) >= MAX_PHOTOS:
            raise _too_many_photos()
        if kind in (MediaKind.AUDIO, MediaKind.VIDEO) and _av_counted(locked) >= MAX_AV:
            raise _too_many_av()
        token = secrets.token_hex(16)
        now = timezone.now()
        upload_file = media_storage.new_upload_file(token)
        try:
            media = StoryMedia.objects.create(
                story=locked,
                kind=kind,
                upload_token=token,
                upload_length=length,
                upload_file=upload_file,
                caption=clean_caption,
                show_face=show_face,
                position=_next_position(locked),
                uploaded_by=actor,
                created_at=now,
                last_activity_at=now,
            )
            _audit(
                actor,
                media,
                AuditAction.CREATE,
                {"declared": kind, "length": length, "show_face": show_face},
                request,
            )
        except BaseException:
            media_storage.remove_upload_file(upload_file)
            raise
    return media


def _av_counted(story: Story) -> int:
    return (
        StoryMedia.objects.filter(story=story, kind__in=(MediaKind.AUDIO, MediaKind.VIDEO))
        .exclude(state=MediaState.FAILED)
        .count()
    )


def _too_many_av() -> ValidationError:
    return ValidationError(
        _("A story keeps at most %(max)d sound recordings and videos.") % {"max": MAX_AV},
        code="too_many",
    )


# --------------------------------------------------------------------------- tus: append


def _stage(media: StoryMedia, body: Readable, length: int) -> tuple[Path, int]:
    """Write up to `length` bytes of the request body to a staging file, without any
    lock held. A connection that drops midway keeps what arrived."""
    path = media_storage.staging_path(media.upload_token)
    received = 0
    with open(path, "wb") as out:
        while received < length:
            try:
                block = body.read(min(STAGE_BLOCK, length - received))
            except (OSError, UnreadablePostError):
                break
            if not block:
                break
            out.write(block)
            received += len(block)
    return path, received


def _append(upload_file: str, offset: int, staged: Path) -> None:
    """Write the staged bytes at `offset` of the upload's file (and nothing after them:
    a write that was not recorded is overwritten by the next one)."""
    with open(media_storage.upload_path(upload_file), "r+b") as target:
        if target.seek(0, os.SEEK_END) < offset:
            raise ValidationError(
                _("The part already received was lost: start this upload again."), code="lost"
            )
        target.seek(offset)
        with open(staged, "rb") as source:
            shutil.copyfileobj(source, target, media_storage.COPY_BLOCK)
        target.truncate()
        target.flush()
        os.fsync(target.fileno())


def story_upload_append(
    *,
    actor: User,
    story_id: int,
    token: str,
    offset: Any,
    body: Readable,
    length: Any,
    request: HttpRequest | None = None,
) -> StoryMedia:
    """Append `length` bytes of `body` at `offset` (tus PATCH). Refused, nothing
    changed: an offset that is not the upload's (code offset: 409), more bytes than the
    upload declared (too_large: 413). The last byte makes the file be checked
    (`_finalize`): a refused file is deleted with its upload (ValidationError)."""
    media = _upload(story_id, token)
    _require_uploader(actor, media, request)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationError(_("Say where this part starts."), code="invalid")
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise ValidationError(_("Say how large this part is."), code="invalid")
    if media.state != MediaState.UPLOADING or offset != media.upload_offset:
        raise _offset_conflict()
    if length > media.upload_length - offset:
        raise ValidationError(
            _("More bytes were sent than the upload announced: nothing of them was kept."),
            code="too_large",
        )
    staged, received = _stage(media, body, length)
    try:
        locked = _append_locked(media, offset, staged, received)
    except ValidationError as error:
        if error_code(error) == "lost":  # the temporary file is gone or short: start again
            _remove(actor, media, request, only_state=MediaState.UPLOADING, reason="lost")
        raise
    finally:
        staged.unlink(missing_ok=True)
    if locked.state == MediaState.PROCESSING:
        return _finalize(actor, locked, request)
    return locked


def _append_locked(media: StoryMedia, offset: int, staged: Path, received: int) -> StoryMedia:
    with transaction.atomic():
        # Lock order: the story (submitting it waits for uploads), then the upload.
        story = Story.objects.select_for_update().get(pk=media.story_id)
        if story.state != StoryState.DRAFT:
            raise _illegal(story.state)
        locked = StoryMedia.objects.select_for_update().filter(pk=media.pk).first()
        if locked is None:
            raise _missing()
        if locked.state != MediaState.UPLOADING or locked.upload_offset != offset:
            raise _offset_conflict()
        if received:
            _append(locked.upload_file, offset, staged)  # "lost": see story_upload_append
        locked.upload_offset = offset + received
        locked.last_activity_at = timezone.now()
        fields = ["upload_offset", "last_activity_at"]
        if locked.upload_offset == locked.upload_length:
            # Received whole: no other PATCH or DELETE gets in from now on.
            locked.state = MediaState.PROCESSING
            fields.append("state")
        locked.save(update_fields=fields)
    return locked


# --------------------------------------------------------------------------- finalize


def _group(kind: FileKind | None, declared: str) -> str:
    """photo, audio or video from the sniffed type; the declared kind must agree (a
    "photo" that is a recording, a "video" that is a JPEG are refused)."""
    if kind is not None and kind.mime == "image/heic" and not media_photos.heic_supported():
        raise ValidationError(
            _(
                "HEIC photos cannot be read here. Send the photo as JPEG (on an iPhone: "
                "Settings → Camera → Formats → Most Compatible)."
            ),
            code="heic",
        )
    if kind is None or kind.mime not in (PHOTO_TYPES | AUDIO_TYPES | VIDEO_TYPES):
        raise _wrong_type()
    group = str(GROUPS[kind.group])
    if declared and (declared == MediaKind.PHOTO) != (group == MediaKind.PHOTO):
        raise _lying_type()
    if group == MediaKind.VIDEO and declared == MediaKind.AUDIO:
        return str(MediaKind.AUDIO)  # a recording in an MP4 or WebM container
    return group


def _refuse(actor: User, media: StoryMedia, error: ValidationError, request: Any) -> None:
    """A received file that may not be kept: the upload goes, with its file."""
    code = error_code(error)
    with transaction.atomic():
        deleted, _rows = StoryMedia.objects.filter(pk=media.pk).delete()
        if deleted:
            _audit(
                actor,
                media,
                AuditAction.DELETE,
                {"refused": code, "length": media.upload_length},
                request,
            )
    media_storage.remove_upload_file(media.upload_file)


def _finalize(actor: User, media: StoryMedia, request: HttpRequest | None) -> StoryMedia:
    """The whole file arrived: sniff it, check it, and keep only what is allowed — a
    photo as a clean master (the upload with its GPS deleted at once), audio and video
    as a private original. Then the worker makes the renditions."""
    path = media_storage.upload_path(media.upload_file)
    source = ""
    try:
        with open(path, "rb") as handle:
            kind = sniff(handle.read(SNIFF_BYTES))
        group = _group(kind, media.kind)
        assert kind is not None  # noqa: S101  (_group refused None)
        size = path.stat().st_size
        limit = max_bytes(group)
        if size > limit:
            raise _too_large(group, limit)
        values: dict[str, Any] = {"kind": group, "source_type": kind.mime}
        if group == MediaKind.PHOTO:
            if _photos_counted(media.story, exclude=media.pk) >= MAX_PHOTOS:
                raise _too_many_photos()
            master = media_photos.photo_master(path.read_bytes())
            source = media_storage.private_storage().save(
                f"{MASTER_FOLDER}/{secrets.token_hex(16)}.jpg", ContentFile(master.data)
            )
            values.update(width=master.width, height=master.height)
            media_storage.remove_upload_file(media.upload_file)
        else:
            source = media_storage.store_private(
                path, folder=ORIGINAL_FOLDER, extension=kind.extension
            )
            values["has_voice"] = True  # until someone says otherwise
    except ValidationError as error:
        _refuse(actor, media, error, request)
        raise
    except BaseException:
        media_storage.delete_private(source)
        raise
    with transaction.atomic():
        locked = (
            StoryMedia.objects.select_for_update()
            .filter(pk=media.pk, state=MediaState.PROCESSING, upload_file=media.upload_file)
            .first()
        )
        if locked is None:  # removed meanwhile
            media_storage.delete_private(source)
            raise _missing()
        for name, value in values.items():
            setattr(locked, name, value)
        locked.source_file = source
        locked.upload_file = ""
        locked.save(update_fields=[*values, "source_file", "upload_file"])
        _audit(
            actor,
            locked,
            AuditAction.UPDATE,
            {"received": locked.upload_length, "kind": group, "source_type": kind.mime},
            request,
        )
        transaction.on_commit(lambda: _enqueue(locked.pk))
    return locked


# --------------------------------------------------------------------------- tus: terminate


def story_upload_cancel(
    *, actor: User, story_id: int, token: str, request: HttpRequest | None = None
) -> None:
    """Stop an upload under way and forget what arrived (tus DELETE)."""
    media = _upload(story_id, token)
    _require_uploader(actor, media, request)
    if media.state != MediaState.UPLOADING:
        raise ValidationError(
            _("This file was received already: remove it from the story instead."), code="state"
        )
    _remove(actor, media, request, only_state=MediaState.UPLOADING)


def _remove(
    actor: User | None,
    media: StoryMedia,
    request: HttpRequest | None,
    *,
    only_state: str | None = None,
    reason: str = "",
) -> None:
    with transaction.atomic():
        locked = StoryMedia.objects.select_for_update().filter(pk=media.pk).first()
        if locked is None or (only_state is not None and locked.state != only_state):
            raise _missing()
        files = _files_of(locked)
        _audit(
            actor,
            locked,
            AuditAction.DELETE,
            {
                "state": locked.state,
                "received": locked.upload_offset,
                **({"reason": reason} if reason else {}),
            },
            request,
        )
        locked.delete()
        transaction.on_commit(lambda: _delete_files(*files))


# --------------------------------------------------------------------------- the staff page


def _media(story: Story, media_id: Any) -> StoryMedia:
    media = (
        StoryMedia.objects.filter(pk=media_id, story=story).first()
        if isinstance(media_id, int) and not isinstance(media_id, bool)
        else None
    )
    if media is None:
        raise ValidationError(_("This file is not there any more."), code="missing")
    return media


def story_media_remove(
    *, actor: User, story_id: int, media_id: int, request: HttpRequest | None = None
) -> None:
    """Take a medium out of a draft (its author), in any state: files deleted."""
    story = _story(story_id)
    _photos_editable(actor, story, request)
    _remove(actor, _media(story, media_id), request)


def story_media_retry(
    *, actor: User, story_id: int, media_id: int, request: HttpRequest | None = None
) -> StoryMedia:
    """Prepare a failed medium again (ffmpeg installed since, a worker that died)."""
    story = _story(story_id)
    _photos_editable(actor, story, request)
    media = _media(story, media_id)
    with transaction.atomic():
        locked = StoryMedia.objects.select_for_update().get(pk=media.pk)
        if locked.state != MediaState.FAILED or not locked.source_file:
            raise ValidationError(_("Only a file that failed can be tried again."), code="state")
        locked.state = MediaState.PROCESSING
        locked.error = ""
        locked.save(update_fields=["state", "error"])
        _audit(actor, locked, AuditAction.UPDATE, {"retry": True}, request)
        transaction.on_commit(lambda: _enqueue(locked.pk))
    return locked


def story_media_update(
    *,
    actor: User,
    story_id: int,
    media_id: int,
    caption: str,
    show_face: bool,
    has_voice: bool,
    hidden: bool = False,
    request: HttpRequest | None = None,
) -> StoryMedia:
    """Caption, "shows a face" and "voice" (the author, in a draft); or — an editor
    during the review — "shows a face", "voice" and left out. Like story_photo_update."""
    story = _story(story_id)
    author = is_author(actor, story) and story.state == StoryState.DRAFT
    editor = is_editor_of(actor, story) and story.state in (
        StoryState.IN_REVIEW,
        StoryState.APPROVED,
    )
    if not author and not editor:
        if is_author(actor, story) or is_editor_of(actor, story):
            raise _illegal(story.state)
        raise deny(request, actor, reason="may not change this story's media", target=story)
    media = _media(story, media_id)
    clean_caption = _clean_line(caption, field="caption", limit=MAX_CAPTION)
    for name, value in (("show_face", show_face), ("has_voice", has_voice), ("hidden", hidden)):
        if not isinstance(value, bool):
            raise _invalid(name)
    with transaction.atomic():
        locked = StoryMedia.objects.select_for_update().get(pk=media.pk)
        wanted: dict[str, Any] = {"show_face": show_face, "has_voice": has_voice}
        if author:
            wanted["caption"] = clean_caption
        if editor:
            wanted["hidden"] = hidden
        changed = sorted(name for name, value in wanted.items() if getattr(locked, name) != value)
        for name, value in wanted.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(wanted))
        _audit(
            actor,
            locked,
            AuditAction.UPDATE,
            {
                "changed": changed,
                "show_face": locked.show_face,
                "has_voice": locked.has_voice,
                "hidden": locked.hidden,
            },
            request,
        )
    return locked


def media_require_settled(story: Story) -> None:
    """Called by story_submit with the story locked: the editors review what will be
    shown, so every upload must have arrived and been prepared (or be removed)."""
    if unfinished_media(story).exists():
        raise ValidationError(
            _(
                "Some files are still being sent or prepared: wait until they are ready, "
                "or remove them, then send the story."
            ),
            code="media_unfinished",
        )


# --------------------------------------------------------------------------- consent


def media_hide_for_consent(*, story: Story, faces: bool, voices: bool) -> int:
    """Leave out the media that need a consent the person no longer gives: those showing
    a face (PHOTO), those with their voice (VOICE). Returns how many were hidden."""
    wanted = Q(pk__in=[])
    if faces:
        wanted |= Q(show_face=True)
    if voices:
        wanted |= Q(has_voice=True)
    hidden = StoryMedia.objects.filter(wanted, story=story, hidden=False).update(hidden=True)
    if hidden:
        public_content_changed()
    return hidden


# --------------------------------------------------------------------------- the worker


def _fail(media: StoryMedia, code: str) -> str:
    with transaction.atomic():
        locked = (
            StoryMedia.objects.select_for_update()
            .filter(pk=media.pk, state=MediaState.PROCESSING)
            .first()
        )
        if locked is None:
            return "gone"
        locked.state = MediaState.FAILED
        locked.error = code
        locked.processed_at = timezone.now()
        locked.save(update_fields=["state", "error", "processed_at"])
        _audit(None, locked, AuditAction.UPDATE, {"state": MediaState.FAILED, "error": code})
    return MediaState.FAILED


def story_media_process(*, media_id: int) -> str:
    """The worker's part: the renditions of a received medium. Returns what became of
    it ("ready", "failed", or "nothing" when there was nothing to do — the task may run
    twice, or after the medium was removed)."""
    media = (
        StoryMedia.objects.filter(pk=media_id, state=MediaState.PROCESSING, upload_file="")
        .exclude(source_file="")
        .first()
    )
    if media is None:
        return "nothing"
    try:
        if media.kind == MediaKind.PHOTO:
            return _process_photo(media)
        return _process_av(media)
    except Exception:
        logger.exception("Story medium %s could not be prepared", media.pk)
        return _fail(media, "failed")


def _process_photo(media: StoryMedia) -> str:
    with media_storage.private_storage().open(media.source_file, "rb") as handle:
        master = handle.read()
    try:
        prepared = media_photos.photo_renditions(master)
    except ValidationError:
        return _fail(media, "damaged")
    stored = media_photos.photo_store(prepared, folder=PHOTO_FOLDER)
    keep = False
    try:
        with transaction.atomic():
            story = Story.objects.select_for_update().get(pk=media.story_id)
            locked = (
                StoryMedia.objects.select_for_update()
                .filter(pk=media.pk, state=MediaState.PROCESSING)
                .first()
            )
            if locked is None:
                return "nothing"
            if StoryPhoto.objects.filter(story=story).count() >= MAX_PHOTOS:
                return _fail(locked, "too_many")
            last = (
                StoryPhoto.objects.filter(story=story)
                .order_by("-position")
                .values_list("position", flat=True)
                .first()
            )
            photo = StoryPhoto.objects.create(
                story=story,
                web_file=stored.web_name,
                thumb_file=stored.thumb_name,
                width=prepared.web.width,
                height=prepared.web.height,
                caption=locked.caption,
                show_face=locked.show_face,
                hidden=locked.hidden,
                position=(last or 0) + 1,
                uploaded_at=locked.created_at,
                uploaded_by_id=locked.uploaded_by_id,
            )
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                target=photo,
                changes={
                    "story": story.pk,
                    "upload": locked.pk,
                    "source_type": locked.source_type,
                    "bytes": len(prepared.web.data) + len(prepared.thumb.data),
                    "show_face": photo.show_face,
                    "captioned": bool(photo.caption),
                },
            )
            master_name = locked.source_file
            locked.delete()
            transaction.on_commit(lambda: media_storage.delete_private(master_name))
            keep = True
    finally:
        if not keep:
            media_photos.photo_delete(stored.web_name, stored.thumb_name)
    return MediaState.READY


def _save_rendition(path: Path, extension: str) -> str:
    name = f"{MEDIA_FOLDER}/{secrets.token_hex(16)}.{extension}"
    with open(path, "rb") as handle:
        return str(default_storage.save(name, File(handle, name=path.name)))


def _process_av(media: StoryMedia) -> str:
    if not av.available():
        return _fail(media, "no_ffmpeg")
    kind = media.kind
    names: list[str] = []
    with tempfile.TemporaryDirectory(prefix="migra-media-") as work_dir:
        work = Path(work_dir)
        try:
            with media_storage.local_copy(
                media_storage.private_storage(), media.source_file, work
            ) as source:
                found = av.probe(source, mime=media.source_type)
                if kind == MediaKind.VIDEO and not found.has_video:
                    kind = MediaKind.AUDIO  # a recording in a video container
                if kind == MediaKind.AUDIO and not found.has_audio:
                    return _fail(media, "unreadable")
                if kind == MediaKind.VIDEO:
                    web = work / "web.mp4"
                    av.web_video(source, web, mime=media.source_type, with_audio=found.has_audio)
                else:
                    web = work / "web.m4a"
                    av.web_audio(source, web, mime=media.source_type)
            made = av.probe(web, mime="audio/mp4" if kind == MediaKind.AUDIO else "video/mp4")
            poster = None
            if kind == MediaKind.VIDEO:
                frame = work / "poster.png"
                av.poster(web, frame, at=min(1.0, (made.duration or 0) / 3))
                poster = media_photos.photo_renditions(frame.read_bytes()).web
        except (av.MediaError, ValidationError, OSError) as error:
            logger.warning("Story medium %s could not be prepared: %s", media.pk, error)
            return _fail(media, "unreadable")
        web_name = _save_rendition(web, web.suffix.lstrip("."))
        names.append(web_name)
        poster_name = ""
        if poster is not None:
            poster_name = str(
                default_storage.save(
                    f"{MEDIA_FOLDER}/{secrets.token_hex(16)}.jpg", ContentFile(poster.data)
                )
            )
            names.append(poster_name)
    try:
        with transaction.atomic():
            locked = (
                StoryMedia.objects.select_for_update()
                .filter(pk=media.pk, state=MediaState.PROCESSING)
                .first()
            )
            if locked is None:
                media_photos.photo_delete(*names)
                return "nothing"
            locked.kind = kind
            locked.state = MediaState.READY
            locked.error = ""
            locked.web_file = web_name
            locked.poster_file = poster_name
            locked.web_bytes = default_storage.size(web_name)
            locked.width = made.width if kind == MediaKind.VIDEO else None
            locked.height = made.height if kind == MediaKind.VIDEO else None
            locked.duration = made.duration
            locked.processed_at = timezone.now()
            locked.save(
                update_fields=[
                    "kind",
                    "state",
                    "error",
                    "web_file",
                    "poster_file",
                    "web_bytes",
                    "width",
                    "height",
                    "duration",
                    "processed_at",
                ]
            )
            _audit(
                None,
                locked,
                AuditAction.UPDATE,
                {
                    "state": MediaState.READY,
                    "kind": kind,
                    "bytes": locked.web_bytes,
                    "seconds": round(made.duration or 0),
                },
            )
    except BaseException:
        media_photos.photo_delete(*names)
        raise
    return MediaState.READY


# --------------------------------------------------------------------------- the sweeper


def story_uploads_sweep(*, now: datetime | None = None) -> int:
    """Forget uploads left alone for `ABANDONED_AFTER` (a day): the row, what arrived,
    and stray files of the upload directory (staging files of a request that died, a
    file whose row is gone). Returns how many uploads went. Safe to run any time, by
    several workers at once."""
    now = now or timezone.now()
    cutoff = now - ABANDONED_AFTER
    stale = StoryMedia.objects.filter(last_activity_at__lt=cutoff).filter(
        # Under way, or received but never checked (the request died in between).
        Q(state=MediaState.UPLOADING) | Q(state=MediaState.PROCESSING, upload_file__gt="")
    )
    swept = 0
    for media in stale.order_by("pk")[:SWEEP_BATCH]:
        try:
            _remove(None, media, None, only_state=media.state, reason="abandoned")
        except ValidationError:
            continue  # finished or removed meanwhile
        swept += 1
    known = set(StoryMedia.objects.exclude(upload_file="").values_list("upload_file", flat=True))
    directory = media_storage.upload_dir()
    for path in directory.iterdir():
        try:
            old = path.stat().st_mtime < cutoff.timestamp()
        except OSError:
            continue
        if path.is_file() and old and path.name not in known:
            path.unlink(missing_ok=True)
    return swept
