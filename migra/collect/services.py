"""Writes of field collection: forms, their media, submissions, ODK Collect keys.

Forms (`form_upload`, `form_set_state`, `form_media_add`, `form_media_remove`) are for
people who may manage field forms (Perm.MANAGE_FORMS); each change is audited.

`submission_receive` is what the OpenRosa server calls for each POST. It decides, in
this order: can the XML be read (400), is the form known (404) and open (409), may this
person send it (403), and is this instanceID new, the same again (files are added) or
the same instanceID with other content (409). The submission row and its files are
saved in one transaction, so a server killed half-way leaves nothing and the phone's
retry succeeds. When the phone says nothing more is coming, a built-in form is turned
into the platform's own records at once through `migra.collect.mapping`, inside a
savepoint: a submission that cannot be mapped is kept, marked "needs attention" with
the reason, and can be fixed and processed again (`submission_reprocess`).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, user_has_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.cases.attachments import blob_delete, blob_store
from migra.collect import instances, odk_crypto
from migra.collect.mapping import MappingInput, MappingProblem, map_submission
from migra.collect.models import (
    AppToken,
    BuiltinForm,
    FormMedia,
    FormState,
    FormVersion,
    Submission,
    SubmissionAttachment,
    SubmissionState,
    XForm,
)
from migra.collect.selectors import form_allowed_for, token_hash
from migra.collect.xlsform import CompiledForm, compile_xlsform, validated, with_public_key

F_ = TypeVar("F_", bound=Callable[..., Any])

MAX_MEDIA_BYTES = 20 * 1024 * 1024
MAX_FILENAME = 200

# Who gets each built-in form on their phone, unless an admin says otherwise.
BUILTIN_ROLES: dict[str, list[str]] = {
    BuiltinForm.MEETING: ["shg_facilitator"],
    BuiltinForm.REGISTER_ENTRY: ["shg_facilitator"],
    BuiltinForm.REGISTER_UPDATE: ["shg_facilitator"],
    BuiltinForm.PROBLEM: ["shg_facilitator", "caseworker", "case_supervisor"],
    BuiltinForm.EVENT: ["shg_facilitator", "peer_educator", "social_ambassador"],
    BuiltinForm.STORY: ["peer_educator", "social_ambassador"],
    BuiltinForm.TIP: [
        "shg_facilitator",
        "peer_educator",
        "social_ambassador",
        "caseworker",
        "case_supervisor",
    ],
}


class FormConflict(ValidationError):
    """Someone else changed the form since the page was opened: nothing was saved."""


class SubmissionRefused(Exception):
    """A submission the server does not take; `status` is the HTTP answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedSubmission(SubmissionRefused):
    status = 400


class NotYourForm(SubmissionRefused):
    status = 403


class UnknownForm(SubmissionRefused):
    status = 404


class FormNotOpen(SubmissionRefused):
    status = 409


class InstanceConflict(SubmissionRefused):
    status = 409


@dataclass(frozen=True)
class IncomingFile:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Received:
    submission: Submission
    created: bool


def _checked_then_atomic(check: Callable[..., None]) -> Callable[[F_], F_]:
    """Run `check(**kwargs)` first, outside the transaction, so that the logged 403 of
    a refused person stays in the audit trail; then the service in one transaction."""

    def wrap(function: F_) -> F_:
        @functools.wraps(function)
        def run(**kwargs: Any) -> Any:
            check(**kwargs)
            with transaction.atomic():
                return function(**kwargs)

        return cast(F_, run)

    return wrap


def _manager_check(*, actor: User, request: HttpRequest | None = None, **_ignored: Any) -> None:
    _require_manager(actor, request)


def _key_check(
    *, actor: User, user: User, request: HttpRequest | None = None, **_ignored: Any
) -> None:
    if actor.pk != user.pk and not user_has_perm(actor, Perm.MANAGE_USERS):
        raise deny(request, actor, reason="missing permission manage_users", target=user)


def _require_manager(actor: User, request: HttpRequest | None) -> None:
    if not user_has_perm(actor, Perm.MANAGE_FORMS):
        raise deny(request, actor, reason="missing permission manage_forms")


def _conflict() -> FormConflict:
    return FormConflict(
        _(
            "Someone else changed this form while you were working on it, so nothing was "
            "saved. Reload the page and try again."
        ),
        code="conflict",
    )


def clean_file_name(name: str) -> str:
    """A plain file name, or ValueError: no folders, no '..', no control characters."""
    if not isinstance(name, str):
        raise ValueError(_("A file name is missing."))
    name = name.strip()
    if (
        not name
        or len(name) > MAX_FILENAME
        or name in {".", ".."}
        or "/" in name
        or "\\" in name
        or name.startswith(".")
        or any(ord(char) < 32 or char == "\x7f" for char in name)
    ):
        raise ValueError(_("The file name %(name)r is not allowed.") % {"name": name[:80]})
    return name


# --------------------------------------------------------------------------- forms


@_checked_then_atomic(_manager_check)
def form_upload(
    *,
    actor: User,
    data: bytes,
    filename: str,
    builtin: str = "",
    encrypted: bool = False,
    request: HttpRequest | None = None,
) -> XForm:
    """Compile, check and store an XLSForm: a new form, or a new version of one.

    `encrypted` makes a new form's submissions encrypted on the phone (ODK form
    encryption): Migra makes the key pair and puts the public key in the form. A form
    that is encrypted stays so: every later version gets the same key."""
    if builtin and builtin not in BuiltinForm.values:
        raise ValidationError(_("Unknown built-in form."), code="builtin")
    # Compiled once without the (slow) ODK check, to find the form it updates.
    compiled = compile_xlsform(data, validate=False)
    existing = XForm.objects.filter(form_id=compiled.form_id).first()
    private_key = ""
    if existing is not None and existing.encrypted:
        private_key = existing.private_key
    elif encrypted and existing is None:
        _public, private_key = odk_crypto.new_key_pair()
    elif encrypted:
        raise ValidationError(
            _(
                "Encryption is chosen when a form is first uploaded: this form already "
                "takes submissions that are not encrypted."
            ),
            code="encrypted",
        )
    if private_key:
        data = with_public_key(data, odk_crypto.public_key_for(private_key))
        compiled = compile_xlsform(data, validate=False)  # the key changes the XForm
    compiled = validated(compiled)
    if compiled.public_key and not private_key:
        raise ValidationError(
            _(
                "The form carries an encryption key Migra does not hold, so its submissions "
                "could never be read. Remove the public_key from its settings sheet and "
                "choose to encrypt submissions instead."
            ),
            code="public_key",
        )
    form, created = _form_store(
        compiled=compiled,
        data=data,
        filename=filename,
        builtin=builtin,
        actor=actor,
        request=request,
    )
    if created and private_key:
        form.encrypted = True
        form.public_key = compiled.public_key
        form.private_key = private_key
        form.save(update_fields=["encrypted", "public_key", "private_key"])
    return form


def _form_store(
    *,
    compiled: CompiledForm,
    data: bytes,
    filename: str,
    builtin: str,
    actor: User | None,
    request: HttpRequest | None = None,
) -> tuple[XForm, bool]:
    if not compiled.version:
        raise ValidationError(
            _("Give the form a version in its settings sheet (for example 2026112501)."),
            code="version",
        )
    form = XForm.objects.select_for_update().filter(form_id=compiled.form_id).first()
    created = form is None
    if form is None:
        try:
            with transaction.atomic():
                form = XForm.objects.create(
                    form_id=compiled.form_id,
                    title=compiled.title[:200],
                    builtin=builtin,
                    roles=list(BUILTIN_ROLES.get(builtin, [])),
                    created_by=actor,
                )
        except IntegrityError:
            # The same new form uploaded at the same moment: the other upload made it;
            # this one is then a second copy of its version, refused below.
            form = XForm.objects.select_for_update().get(form_id=compiled.form_id)
            created = False
    if form.builtin != builtin:
        raise ValidationError(
            _("A different form already uses the form ID %(id)s.") % {"id": compiled.form_id},
            code="form_id",
        )
    if form.versions.filter(version=compiled.version).exists():
        raise ValidationError(
            _(
                "Version %(version)s of this form is already here. Raise the version in the "
                "settings sheet before uploading a changed form."
            )
            % {"version": compiled.version},
            code="version",
        )
    if form.encrypted and not compiled.public_key:
        raise ValidationError(
            _("This form's submissions are encrypted: keep the public key in its settings."),
            code="public_key",
        )
    version = FormVersion.objects.create(
        form=form,
        version=compiled.version,
        xml=compiled.xml,
        xml_md5=compiled.md5,
        xlsform=data,
        xlsform_name=(filename or "form.xlsx")[:200],
        warnings="\n".join(compiled.warnings),
        binary_paths=compiled.binary_paths,
        uploaded_by=actor,
    )
    form.current = version
    form.version = compiled.version
    form.xml_md5 = compiled.md5
    form.title = compiled.title[:200]
    form.row_version = F("row_version") + 1
    form.save(update_fields=["current", "version", "xml_md5", "title", "row_version"])
    form.refresh_from_db(fields=["row_version"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        target=form,
        changes={"version": compiled.version, "md5": compiled.md5, "builtin": builtin},
        request=request,
    )
    return form, created


BUILTIN_FORMS_DIR = Path(__file__).resolve().parent / "xlsforms"


@dataclass(frozen=True)
class InstallReport:
    installed: list[str]
    unchanged: list[str]


@transaction.atomic
def builtin_forms_install(*, open_new: bool = True) -> InstallReport:
    """Load the built-in XLSForms shipped in migra/collect/xlsforms (new versions only),
    with the place, group and topic lists phones need as form media. A form seen for
    the first time is opened (phones get it) unless `open_new` is False; a form an
    admin closed stays closed. Run by `migra collect install-forms`, `migra demo`."""
    from migra.collect.places_media import generated_media_for

    installed: list[str] = []
    unchanged: list[str] = []
    for builtin in BuiltinForm.values:
        path = BUILTIN_FORMS_DIR / f"{builtin}.xlsx"
        if not path.exists():
            continue
        data = path.read_bytes()
        # Known versions are not checked again (ODK Validate takes a second a form).
        peek = compile_xlsform(data, validate=False)
        form = XForm.objects.filter(form_id=peek.form_id).first()
        if form is None or not form.versions.filter(version=peek.version).exists():
            compiled = validated(peek)
            form, created = _form_store(
                compiled=compiled, data=data, filename=path.name, builtin=builtin, actor=None
            )
            if created and open_new:
                XForm.objects.filter(pk=form.pk).update(state=FormState.OPEN)
            installed.append(peek.form_id)
        else:
            unchanged.append(peek.form_id)
        for name, content in generated_media_for(builtin).items():
            form_media_put(form=form, data=content, filename=name, generated=True)
    return InstallReport(installed=installed, unchanged=unchanged)


@_checked_then_atomic(_manager_check)
def form_set_state(
    *,
    actor: User,
    form: XForm,
    state: str,
    row_version: int,
    request: HttpRequest | None = None,
) -> XForm:
    if state not in FormState.values:
        raise ValidationError(_("Unknown state."), code="state")
    if state == FormState.OPEN and form.current_id is None:
        raise ValidationError(_("Upload the form before opening it."), code="state")
    changed = XForm.objects.filter(pk=form.pk, row_version=row_version).update(
        state=state, row_version=F("row_version") + 1, updated_at=timezone.now()
    )
    if not changed:
        raise _conflict()
    old = form.state
    form.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=form,
        changes={"state": [old, state]},
        request=request,
    )
    return form


@_checked_then_atomic(_manager_check)
def form_set_roles(
    *,
    actor: User,
    form: XForm,
    roles: Sequence[str],
    row_version: int,
    request: HttpRequest | None = None,
) -> XForm:
    """Which roles get the form on their phones."""
    from migra.accounts.roles import Role

    chosen = sorted({role for role in roles})
    if any(role not in Role.values for role in chosen):
        raise ValidationError(_("Unknown role."), code="roles")
    changed = XForm.objects.filter(pk=form.pk, row_version=row_version).update(
        roles=chosen, row_version=F("row_version") + 1, updated_at=timezone.now()
    )
    if not changed:
        raise _conflict()
    form.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=form,
        changes={"roles": chosen},
        request=request,
    )
    return form


def _media_content_type(name: str) -> str:
    import mimetypes

    guessed, _encoding = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def _refresh_has_media(form: XForm) -> None:
    has_media = form.media.exists()
    if has_media != form.has_media:
        form.has_media = has_media
        form.save(update_fields=["has_media"])


def form_media_put(*, form: XForm, data: bytes, filename: str, generated: bool) -> FormMedia:
    """Store or replace one media file of a form (no permission check: callers check).

    The same content again changes nothing. A change locks the form's row, so that
    changes to one form's media happen one at a time (two uploads of a new name at once
    make one file)."""
    name = clean_file_name(filename)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > MAX_MEDIA_BYTES:
        raise ValidationError(
            _("A form media file may be at most %(size)d MB.") % {"size": MAX_MEDIA_BYTES // 2**20},
            code="too_large",
        )
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    unchanged = FormMedia.objects.filter(form=form, filename=name, md5=md5).first()
    if unchanged is not None:
        return unchanged
    with transaction.atomic():
        XForm.objects.select_for_update().filter(pk=form.pk).values_list("pk", flat=True).get()
        existing = FormMedia.objects.filter(form=form, filename=name).first()
        if existing is not None and existing.md5 == md5:
            return existing
        media = existing or FormMedia(form=form, filename=name)
        old_file = existing.file.name if existing is not None else ""
        media.file.save(f"{secrets.token_hex(12)}-{name}", ContentFile(data), save=False)
        media.md5 = md5
        media.size = len(data)
        media.content_type = _media_content_type(name)
        media.generated = generated
        media.save()
        if old_file:
            transaction.on_commit(lambda: media.file.storage.delete(old_file))
        _refresh_has_media(form)
    return media


def form_generated_media_refresh(*, form: XForm) -> None:
    """Bring the lists that change with the programme (groups, topics) up to date for a
    built-in form, as a phone asks for its manifest: a new group reaches the phones
    without anyone running install-forms. Unchanged lists are left as they are."""
    from migra.collect.places_media import REFRESH_OFTEN, generated_media_for

    if not form.builtin:
        return
    for name, content in generated_media_for(form.builtin, only=REFRESH_OFTEN).items():
        form_media_put(form=form, data=content, filename=name, generated=True)


@_checked_then_atomic(_manager_check)
def form_media_add(
    *,
    actor: User,
    form: XForm,
    data: bytes,
    filename: str,
    request: HttpRequest | None = None,
) -> FormMedia:
    try:
        media = form_media_put(form=form, data=data, filename=filename, generated=False)
    except ValueError as error:
        raise ValidationError(str(error), code="filename") from None
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=form,
        changes={"media": media.filename, "md5": media.md5, "size": media.size},
        request=request,
    )
    return media


@_checked_then_atomic(_manager_check)
def form_media_remove(*, actor: User, media: FormMedia, request: HttpRequest | None = None) -> None:
    form = media.form
    name, file_name = media.filename, media.file.name
    media.delete()
    transaction.on_commit(lambda: form.media.model.file.field.storage.delete(file_name))
    _refresh_has_media(form)
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        target=form,
        changes={"media": name},
        request=request,
    )


# --------------------------------------------------------------------------- submissions


def _version_binary_paths(form: XForm, version: str) -> list[str]:
    if form.current is not None and form.current.version == version:
        return list(form.current.binary_paths)
    found = form.versions.filter(version=version).values_list("binary_paths", flat=True).first()
    if found is None and form.current is not None:
        return list(form.current.binary_paths)
    return list(found or [])


def _form_for(actor: User, parsed: instances.Instance) -> XForm:
    form = (
        XForm.objects.select_related("current")
        # Not the XForm or the uploaded spreadsheet: only the file questions' paths.
        .defer("current__xml", "current__xlsform", "private_key")
        .filter(form_id=parsed.form_id)
        .first()
    )
    if form is None or form.current_id is None:
        raise UnknownForm(_("There is no form %(id)s here.") % {"id": parsed.form_id[:100]})
    if not form_allowed_for(actor, form):
        raise NotYourForm(_("This form is not one of yours."))
    if form.state != FormState.OPEN:
        raise FormNotOpen(_("This form is closed: it takes no more submissions."))
    if form.encrypted and not parsed.encrypted:
        raise MalformedSubmission(_("This form's submissions must be encrypted."))
    return form


def _store_files(submission: Submission, files: Sequence[IncomingFile], stored: list[str]) -> None:
    """Save the files not saved yet; refuse one that differs from its first copy.

    Each blob written is added to `stored` at once, so that the caller can delete
    them if the transaction fails.
    """
    if not files:
        return
    known = {
        item.name: item.sha256
        for item in SubmissionAttachment.objects.filter(submission=submission)
    }
    for incoming in files:
        digest = hashlib.sha256(incoming.data).hexdigest()
        if incoming.name in known:
            if known[incoming.name] != digest:
                raise InstanceConflict(
                    _("The file %(name)s was already sent with other content.")
                    % {"name": incoming.name}
                )
            continue
        blob = blob_store(incoming.data)
        stored.append(blob)
        SubmissionAttachment.objects.create(
            submission=submission,
            name=incoming.name,
            blob=blob,
            size=len(incoming.data),
            sha256=digest,
            content_type=(incoming.content_type or "application/octet-stream")[:100],
        )
        known[incoming.name] = digest


def submission_process(
    *,
    submission: Submission,
    actor: User,
    request: HttpRequest | None = None,
    parsed: instances.Instance | None = None,
) -> Submission:
    """Turn a complete submission into records (built-in forms) or keep it (others).

    Runs the mapper in a savepoint: on a MappingProblem or a refused value, nothing of
    the record stays and the submission is marked "needs attention" with the reason.
    `parsed`: the submission's XML as the caller already read it (read again if not).
    """
    form = submission.form
    if not form.builtin or submission.encrypted:
        submission.state = SubmissionState.STORED
        submission.problem = ""
        submission.save(update_fields=["state", "problem", "updated_at"])
        return submission
    if parsed is None:
        parsed = instances.parse_instance(submission.xml.encode("utf-8"))
    # Only the files the XML names are read by a mapper.
    files = (
        {item.name: item for item in submission.attachments.all()}
        if submission.files_expected
        else {}
    )
    given = MappingInput(
        submission=submission, root=parsed.root, actor=actor, files=files, request=request
    )
    try:
        # The reasons come in the language of the request: the sender's, on a phone.
        with transaction.atomic():
            record = map_submission(form.builtin, given)
    except MappingProblem as problem:
        submission.state = SubmissionState.NEEDS_ATTENTION
        submission.problem = problem.message[:2000]
    except ValidationError as error:
        submission.state = SubmissionState.NEEDS_ATTENTION
        submission.problem = "; ".join(str(message) for message in error.messages)[:2000]
    except PermissionDenied as error:
        submission.state = SubmissionState.NEEDS_ATTENTION
        submission.problem = _("The person who sent it may not do this: %(reason)s") % {
            "reason": error
        }
        # The service's own logged 403 went with the savepoint: log it again here.
        audit_record(
            actor=actor,
            action=AuditAction.DENIED,
            target=submission,
            changes={"reason": str(error)[:200], "form": form.form_id},
            request=request,
        )
    else:
        submission.state = SubmissionState.DONE
        submission.problem = ""
        submission.record_type = record.record_type
        submission.record_id = record.record_id
    submission.save(update_fields=["state", "problem", "record_type", "record_id", "updated_at"])
    return submission


def submission_receive(
    *,
    actor: User,
    xml: bytes,
    files: Sequence[IncomingFile] = (),
    incomplete: bool = False,
    request: HttpRequest | None = None,
) -> Received:
    """Take one POST of a submission (see the module's docstring)."""
    try:
        parsed = instances.parse_instance(xml)
    except instances.MalformedInstance as error:
        raise MalformedSubmission(str(error)) from None
    for incoming in files:
        try:
            clean_file_name(incoming.name)
        except ValueError as error:
            raise MalformedSubmission(str(error)) from None
    if len({incoming.name for incoming in files}) != len(files):
        raise MalformedSubmission(_("The same file name is sent twice."))
    form = _form_for(actor, parsed)
    blobs: list[str] = []
    try:
        with transaction.atomic():
            received = _receive_in_transaction(
                actor=actor,
                form=form,
                parsed=parsed,
                xml=xml,
                files=files,
                incomplete=incomplete,
                blobs=blobs,
                request=request,
            )
    except BaseException:
        for blob in blobs:
            blob_delete(blob)
        raise
    return received


def _receive_in_transaction(
    *,
    actor: User,
    form: XForm,
    parsed: instances.Instance,
    xml: bytes,
    files: Sequence[IncomingFile],
    incomplete: bool,
    blobs: list[str],
    request: HttpRequest | None,
) -> Received:
    created = False
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                form=form,
                form_version=parsed.version,
                instance_id=parsed.instance_id,
                xml=xml.decode("utf-8"),
                xml_sha256=parsed.sha256,
                encrypted=parsed.encrypted,
                submitted_by=actor,
                state=SubmissionState.WAITING,
                files_expected=instances.files_named(
                    parsed.root,
                    _version_binary_paths(form, parsed.version),
                    encrypted=parsed.encrypted,
                ),
            )
        created = True
    except IntegrityError:
        # Another post of the same instance (or a phone retrying) got here first.
        submission = Submission.objects.select_for_update().get(instance_id=parsed.instance_id)
        if (
            submission.xml_sha256 != parsed.sha256
            or submission.submitted_by_id != actor.pk
            or submission.form_id != form.pk
        ):
            raise InstanceConflict(
                _("A different submission with this instanceID is already here; nothing was saved.")
            ) from None
    except UnicodeDecodeError:
        raise MalformedSubmission(_("The form's XML is not UTF-8 text.")) from None
    _store_files(submission, files, blobs)
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=submission,
            object_label=f"{form.form_id} {parsed.instance_id}",
            changes={"form": form.form_id, "files": len(files)},
            request=request,
        )
    if submission.state == SubmissionState.WAITING and not incomplete:
        # The same XML as the row's (a repeat post has the same hash): read once.
        submission_process(submission=submission, actor=actor, request=request, parsed=parsed)
    return Received(submission=submission, created=created)


@_checked_then_atomic(_manager_check)
def submission_reprocess(
    *,
    actor: User,
    submission: Submission,
    row_version: int,
    xml: str | None = None,
    request: HttpRequest | None = None,
) -> Submission:
    """Process a submission again, after the cause was fixed or its XML corrected.

    The records are made as the person who sent it (their permissions apply); the
    person fixing it needs Perm.MANAGE_FORMS. A corrected XML must keep its form and
    instanceID. A submission already made into records is not processed twice.
    """
    locked = Submission.objects.select_for_update().select_related("form").get(pk=submission.pk)
    if locked.row_version != row_version:
        raise ValidationError(
            _("Someone else changed this submission meanwhile. Reload the page."),
            code="conflict",
        )
    if locked.state == SubmissionState.DONE:
        raise ValidationError(_("This submission was already made into records."), code="done")
    changes: dict[str, object] = {"state_before": locked.state}
    if xml is not None and xml != locked.xml:
        data = xml.encode("utf-8")
        try:
            parsed = instances.parse_instance(data)
        except instances.MalformedInstance as error:
            raise ValidationError(str(error), code="xml") from None
        if parsed.instance_id != locked.instance_id or parsed.form_id != locked.form.form_id:
            raise ValidationError(
                _("The corrected XML must keep the same form and instanceID."), code="xml"
            )
        changes["sha256"] = [locked.xml_sha256, parsed.sha256]
        locked.xml = xml
        locked.xml_sha256 = parsed.sha256
        locked.save(update_fields=["xml", "xml_sha256", "updated_at"])
    locked.row_version += 1
    locked.save(update_fields=["row_version"])
    submission_process(submission=locked, actor=locked.submitted_by, request=request)
    changes["state_after"] = locked.state
    audit_record(
        actor=actor, action=AuditAction.UPDATE, target=locked, changes=changes, request=request
    )
    return locked


# --------------------------------------------------------------------------- app tokens


@_checked_then_atomic(_key_check)
def app_token_issue(*, actor: User, user: User, request: HttpRequest | None = None) -> str:
    """A new ODK Collect key for `user` (the old ones stop working). Shown once."""
    now = timezone.now()
    AppToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    AppToken.objects.create(user=user, token_hash=token_hash(token), created_by=actor)
    audit_record(
        actor=actor,
        action=AuditAction.SECURITY,
        target=user,
        changes={"odk_key": "issued"},
        request=request,
    )
    return token


@_checked_then_atomic(_key_check)
def app_token_revoke(*, actor: User, user: User, request: HttpRequest | None = None) -> int:
    """Stop every ODK Collect key of `user`; how many were stopped."""
    stopped = AppToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action=AuditAction.SECURITY,
        target=user,
        changes={"odk_key": "revoked", "count": stopped},
        request=request,
    )
    return stopped
