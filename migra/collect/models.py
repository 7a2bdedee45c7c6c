"""Field collection: XLSForms compiled to XForms, their media, the OpenRosa submissions
that phones send, and what each submission became. See docs/collect.md.

A form is published to phones in one version at a time (`XForm.current`); older
versions stay so that a submission made with them can still be read. Submissions hold
personal data (names, phone numbers, what happened to someone), so their XML is
encrypted in the database and their attachments are encrypted at rest
(migra.cases.attachments blobs). Each instanceID is stored once: the unique constraint
on `Submission.instance_id` is what makes two phones sending the same instance at the
same moment end with one record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from migra.config.fields import EncryptedTextField


class FormState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class BuiltinForm(models.TextChoices):
    """The forms whose submissions become the platform's own records."""

    MEETING = "meeting", _("Self-help group meeting")
    REGISTER_ENTRY = "register_entry", _("Migration register: someone left")
    REGISTER_UPDATE = "register_update", _("Migration register: news of someone")
    PROBLEM = "problem", _("Problem report with short screening")
    EVENT = "event", _("Awareness event")
    STORY = "story", _("Testimony or story")
    TIP = "tip", _("Tip or concern")


class XForm(models.Model):
    """A form as phones know it: its formID, title, state and the version they get."""

    form_id = models.CharField(_("form ID"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    builtin = models.CharField(
        _("built-in form"), max_length=24, choices=BuiltinForm.choices, blank=True, default=""
    )
    state = models.CharField(
        _("state"), max_length=12, choices=FormState.choices, default=FormState.DRAFT
    )
    # Role codes whose holders get the form on their phone (migra.accounts.roles.Role).
    roles = models.JSONField(_("for roles"), default=list, blank=True)
    current = models.ForeignKey(
        "collect.FormVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    # Kept on the form so that formList reads one table: the current version's
    # md5 and whether a manifest is offered.
    version = models.CharField(_("version"), max_length=40, blank=True, default="")
    xml_md5 = models.CharField(max_length=32, blank=True, default="")
    has_media = models.BooleanField(default=False)
    # ODK form encryption: phones encrypt each submission to this RSA public key; the
    # private key never leaves the server and is itself encrypted.
    encrypted = models.BooleanField(_("encrypted submissions"), default=False)
    public_key = models.TextField(blank=True, default="")
    private_key = EncryptedTextField(context="collect.xform.private_key", blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    row_version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("field form")
        verbose_name_plural = _("field forms")
        ordering = ["title"]
        indexes = [models.Index(fields=["state"], name="collect_form_state_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.form_id})"


class FormVersion(models.Model):
    """One uploaded version: the XLSForm as uploaded and the XForm compiled from it."""

    form = models.ForeignKey(XForm, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("version"), max_length=40)
    xml = models.TextField()
    xml_md5 = models.CharField(max_length=32)
    xlsform = models.BinaryField()
    xlsform_name = models.CharField(max_length=200)
    warnings = models.TextField(blank=True, default="")
    # Paths of the form's file questions (photo, audio …) under the instance root,
    # e.g. ["photos/photo"]: their answers are the names of the files sent with it.
    binary_paths = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "version"], name="collect_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.form.form_id} {self.version}"


class FormMedia(models.Model):
    """A file the form needs on the phone: an image, a sound, a CSV choice list."""

    form = models.ForeignKey(XForm, on_delete=models.CASCADE, related_name="media")
    filename = models.CharField(_("file name"), max_length=200)
    file = models.FileField(upload_to="collect/media/", max_length=300)
    md5 = models.CharField(max_length=32)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    # Made by Migra (the gazetteer's place lists) rather than uploaded by someone.
    generated = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form media file")
        verbose_name_plural = _("form media files")
        ordering = ["filename"]
        constraints = [
            models.UniqueConstraint(fields=["form", "filename"], name="collect_media_unique")
        ]

    def __str__(self) -> str:
        return self.filename


class SubmissionState(models.TextChoices):
    WAITING = "waiting", _("Waiting for the rest of its files")
    DONE = "done", _("Made into records")
    NEEDS_ATTENTION = "attention", _("Needs attention")
    STORED = "stored", _("Stored")


class Submission(models.Model):
    """One filled form as a phone sent it, and what it became."""

    form = models.ForeignKey(XForm, on_delete=models.PROTECT, related_name="submissions")
    form_version = models.CharField(max_length=40, blank=True, default="")
    # The instance's own id (meta/instanceID, "uuid:…"): one row per instance, ever.
    instance_id = models.CharField(max_length=100, unique=True)
    xml = EncryptedTextField(context="collect.submission.xml")
    xml_sha256 = models.CharField(max_length=64)
    # An ODK-encrypted submission: `xml` holds the manifest; the content is the
    # attachment submission.xml.enc until someone with the right decrypts it.
    encrypted = models.BooleanField(default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    state = models.CharField(max_length=12, choices=SubmissionState.choices)
    # Attachment file names the XML mentions, so that "all files arrived" is known.
    files_expected = models.JSONField(default=list, blank=True)
    # Why a submission needs attention, in words for the person who fixes it.
    problem = models.TextField(blank=True, default="")
    # What the submission became: "community.meeting", 42 …
    record_type = models.CharField(max_length=60, blank=True, default="")
    record_id = models.CharField(max_length=40, blank=True, default="")
    row_version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["form", "-received_at"], name="collect_sub_form_idx"),
            models.Index(fields=["state", "-received_at"], name="collect_sub_state_idx"),
        ]

    def __str__(self) -> str:
        return self.instance_id


class SubmissionAttachment(models.Model):
    """A file sent with a submission (photo, audio …), kept encrypted at rest."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=200)
    blob = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("submission file")
        verbose_name_plural = _("submission files")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "name"], name="collect_attachment_unique")
        ]

    def __str__(self) -> str:
        return self.name


class AppToken(models.Model):
    """A field user's ODK Collect key, used in the server URL (/odk/key/<token>/).

    Only a SHA-256 of the token is kept: it is shown once, as a QR code, when made.
    Making a new one for a user revokes the old."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="app_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ODK Collect key")
        verbose_name_plural = _("ODK Collect keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"
