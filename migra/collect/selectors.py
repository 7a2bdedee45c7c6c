"""Reads of field collection: which forms a person gets, keys, submissions."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from migra.accounts.models import Membership, User
from migra.accounts.roles import ROLE_PERMISSIONS, Perm
from migra.accounts.selectors import deny, memberships_loaded, memberships_of, user_has_perm
from migra.collect.models import AppToken, FormState, Submission, XForm

# A key's "last used" is written at most this often, not on every request.
LAST_USED_EVERY = datetime.timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def user_for_app_token(token: str) -> User | None:
    """The active user whose live ODK Collect key this is, or None."""
    if not token or len(token) > 100:
        return None
    found = (
        AppToken.objects.select_related("user")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_EVERY:
        AppToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


def user_roles(user: Any) -> set[str]:
    """The person's active roles. Only the role codes are read (one small query) unless
    the request already loaded their memberships: formList needs no more."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if memberships_loaded(user):
        return {membership.role for membership in memberships_of(user)}
    return set(
        Membership.objects.filter(user=user, is_active=True, agency__is_active=True).values_list(
            "role", flat=True
        )
    )


def _manages_forms(user: Any, roles: set[str]) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(Perm.MANAGE_FORMS in ROLE_PERMISSIONS.get(role, ()) for role in roles)


def form_allowed_for(user: Any, form: XForm, roles: set[str] | None = None) -> bool:
    """Whether the form is one of the person's (by role), or they manage forms.
    `roles`: the person's roles when the caller already has them."""
    roles = user_roles(user) if roles is None else roles
    return _manages_forms(user, roles) or bool(roles & set(form.roles or []))


def forms_for_phone(user: Any) -> list[XForm]:
    """The open forms a person's phone lists (formList)."""
    forms = XForm.objects.filter(state=FormState.OPEN, current__isnull=False).only(
        "form_id", "title", "version", "xml_md5", "has_media", "roles"
    )
    roles = user_roles(user)
    return [form for form in forms if form_allowed_for(user, form, roles)]


def form_for_phone(user: Any, form_id: str) -> XForm | None:
    """An open or closed form the person may download (None: 404)."""
    form = (
        XForm.objects.select_related("current")
        .filter(form_id=form_id, current__isnull=False)
        .exclude(state=FormState.DRAFT)
        .first()
    )
    if form is None or not form_allowed_for(user, form):
        return None
    return form


def forms_visible_to(user: Any) -> QuerySet[XForm]:
    """Every form, for the people who manage them; nothing for anyone else."""
    if not user_has_perm(user, Perm.MANAGE_FORMS):
        return XForm.objects.none()
    return XForm.objects.select_related("current")


def form_get_for_user(request: HttpRequest, pk: Any) -> XForm:
    form = forms_visible_to(request.user).filter(pk=pk).first()
    if form is None:
        if not user_has_perm(request.user, Perm.MANAGE_FORMS):
            raise deny(request, request.user, reason="missing permission manage_forms")
        raise Http404
    return form


def submissions_visible_to(user: Any) -> QuerySet[Submission]:
    """Submissions, for the people who manage forms (they hold personal data)."""
    if not user_has_perm(user, Perm.MANAGE_FORMS):
        return Submission.objects.none()
    return Submission.objects.select_related("form", "submitted_by")


def submission_get_for_user(request: HttpRequest, pk: Any) -> Submission:
    found = submissions_visible_to(request.user).filter(pk=pk).first()
    if found is None:
        if not user_has_perm(request.user, Perm.MANAGE_FORMS):
            raise deny(request, request.user, reason="missing permission manage_forms")
        raise Http404
    return found


def submission_content(submission: Submission) -> tuple[str, dict[str, bytes]]:
    """The instance XML and its files, decrypted (at rest, and ODK-encrypted forms with
    the form's private key). Callers check the reader's right and log the read.

    Raises odk_crypto.EncryptedSubmissionError when an encrypted one does not open."""
    from migra.cases.attachments import blob_read
    from migra.collect.odk_crypto import decrypt_submission

    files = {item.name: blob_read(item.blob) for item in submission.attachments.all()}
    if not submission.encrypted:
        return submission.xml, files
    xml, media = decrypt_submission(
        submission.xml.encode("utf-8"), files, submission.form.private_key
    )
    return xml.decode("utf-8"), media
