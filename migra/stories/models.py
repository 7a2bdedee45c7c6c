"""Stories: testimonies of returned migrants, social ambassadors' talks and peer
educators' reports, their photos, the editorial workflow, and collections such as
"Beyond what was told". See docs/stories.md.

Title and text are meant for publication and are stored as they are (the text as
sanitised HTML, see migra.stories.richtext); what is said about a person outside the
story — editors' comments, the name shown, photo captions — is encrypted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from migra.config.fields import EncryptedTextField


class StoryKind(models.TextChoices):
    TESTIMONY = "testimony", _("Returnee testimony")
    AMBASSADOR_TALK = "ambassador_talk", _("Social ambassador talk")
    PEER_REPORT = "peer_report", _("Peer educator report")
    PHOTO_STORY = "photo_story", _("Photo story")
    AUDIO_STORY = "audio_story", _("Audio story")
    VIDEO = "video", _("Video")


# Kinds that carry a person's voice: publishing them needs VOICE consent.
VOICE_KINDS = frozenset({StoryKind.AUDIO_STORY, StoryKind.VIDEO})


class StoryState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", pgettext_lazy("story state", "Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Theme(models.TextChoices):
    """A small fixed list of campaign themes (tags)."""

    SAFE_MIGRATION = "safe_migration", _("Safe migration")
    RECRUITMENT = "recruitment", _("Brokers and recruitment")
    DEBT = "debt", _("Debt")
    WAGES = "wages", _("Unpaid wages")
    WORKING_CONDITIONS = "working_conditions", _("Working conditions")
    DOCUMENTS = "documents", _("Papers and documents")
    RETURN = "return", _("Coming home")
    FAMILY = "family", _("Family")
    GETTING_HELP = "getting_help", _("Getting help")


class WithdrawReason(models.TextChoices):
    """Why a story was withdrawn (codes; shown to staff)."""

    DECISION = "decision", _("Withdrawn by staff")
    CONSENT_STORY = "consent_story", _("Consent to publish the story ended")
    CONSENT_REAL_NAME = "consent_real_name", _("Consent to show the real name ended")
    CONSENT_VOICE = "consent_voice", _("Consent to use the voice ended")
    PERSON_ERASED = "person_erased", _("The person's record was erased")
    PERSON_MERGED = "person_merged", _("The person's record was merged into another")


class Story(models.Model):
    """One story, written by a peer educator or social ambassador (the author), owned
    by the author's agency, reviewed and published by an editor."""

    kind = models.CharField(_("kind of story"), max_length=24, choices=StoryKind.choices)
    title_km = models.CharField(_("title in Khmer"), max_length=200)
    text_km = models.TextField(_("text in Khmer"))
    title_en = models.CharField(_("title in English"), max_length=200, blank=True, default="")
    text_en = models.TextField(_("text in English"), blank=True, default="")
    title_th = models.CharField(_("title in Thai"), max_length=200, blank=True, default="")
    text_th = models.TextField(_("text in Thai"), blank=True, default="")
    # Tags.
    destination = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destination"),
    )
    sector = models.CharField(_("sector"), max_length=24, blank=True, default="")
    themes = models.JSONField(_("themes"), default=list, blank=True)
    # Where the story comes from. Only its province is ever shown publicly.
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    province = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    # The person the story is about, in the registry (their consents gate publication).
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person in the registry"),
    )
    # The name printed with the story: a pseudonym, or the real name (only with the
    # person's REAL_NAME consent). Empty: no name shown.
    name_shown = EncryptedTextField(
        context="stories.story.name_shown", blank=True, default="", verbose_name=_("name shown")
    )
    name_is_real = models.BooleanField(_("this is the person's real name"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=StoryState.choices, default=StoryState.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    review_started_at = models.DateTimeField(null=True, blank=True)
    review_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_back_at = models.DateTimeField(null=True, blank=True)
    sent_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A story linked to nobody: the editor who published it confirmed that it
    # identifies no one.
    no_person_confirmed_at = models.DateTimeField(null=True, blank=True)
    no_person_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    withdrawn_reason = models.CharField(
        max_length=24, choices=WithdrawReason.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["author", "state"], name="stories_story_author_idx"),
            models.Index(fields=["state", "updated_at"], name="stories_story_state_idx"),
            models.Index(fields=["person", "state"], name="stories_story_person_idx"),
            # The public lists and the home page: published stories, newest first.
            models.Index(fields=["state", "published_at"], name="stories_story_public_idx"),
        ]

    def __str__(self) -> str:
        # The audit trail keeps this: never the title (it may name someone).
        return f"story #{self.pk}"

    @property
    def title(self) -> str:
        """The title in the active language, falling back to Khmer."""
        language = get_language() or "km"
        if language.startswith("en") and self.title_en:
            return self.title_en
        if language.startswith("th") and self.title_th:
            return self.title_th
        return self.title_km

    @property
    def public_province(self) -> object:
        """The only place ever shown publicly: the province (a Place, or None)."""
        return self.province

    @property
    def is_published(self) -> bool:
        return self.state == StoryState.PUBLISHED

    @property
    def sector_label(self) -> str:
        from migra.community.models import Sector  # the sectors of the migration register

        return str(dict(Sector.choices).get(self.sector, self.sector))

    @property
    def theme_labels(self) -> list[str]:
        labels = dict(Theme.choices)
        return [str(labels[t]) for t in self.themes if t in labels]


class CommentKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    SENT_BACK = "sent_back", _("Sent back for changes")


class StoryComment(models.Model):
    """A comment between the editor and the author. Encrypted: it may discuss the
    person the story is about."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=CommentKind.choices, default="comment")
    text = EncryptedTextField(context="stories.comment.text", verbose_name=_("comment"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment #{self.pk} on story #{self.story_id}"


class StoryPhoto(models.Model):
    """A photo of a story: a clean web rendition and thumbnail (migra.media.photos:
    re-encoded, no EXIF/GPS; the original is not kept), served only through the story's
    access check. A photo showing a face needs the person's PHOTO consent to be
    published; `hidden` photos are left out of the story (consent withdrawn, or the
    editor's choice)."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="photos")
    web_file = models.CharField(max_length=200, unique=True)
    thumb_file = models.CharField(max_length=200, unique=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    caption = EncryptedTextField(
        context="stories.photo.caption", blank=True, default="", verbose_name=_("caption")
    )
    show_face = models.BooleanField(_("shows a face"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    position = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("story photo")
        verbose_name_plural = _("story photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"photo #{self.pk} of story #{self.story_id}"


class MediaKind(models.TextChoices):
    PHOTO = "photo", pgettext_lazy("story medium", "Photo")
    AUDIO = "audio", pgettext_lazy("story medium", "Audio")
    VIDEO = "video", pgettext_lazy("story medium", "Video")


class MediaState(models.TextChoices):
    UPLOADING = "uploading", _("Uploading")
    PROCESSING = "processing", _("Being prepared")
    READY = "ready", pgettext_lazy("story medium", "Ready")
    FAILED = "failed", pgettext_lazy("story medium", "Failed")


class StoryMedia(models.Model):
    """A file sent to a story through a resumable upload (tus), and — for audio and
    video — what was made of it (migra/stories/media_services.py, docs/stories.md).

    uploading → processing → ready (or failed). While uploading, the bytes received so
    far sit in a private temporary file (`upload_file`, outside MEDIA_ROOT). Once all
    arrived the type is sniffed: a photo becomes a clean master (no EXIF/GPS) whose
    renditions the worker makes, after which it is an ordinary StoryPhoto and this row
    goes; audio and video keep their original privately (`source_file`, never served:
    it may carry GPS) and the worker makes a web rendition and a poster without
    metadata. Only ready, not hidden media of published stories are public."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="media")
    # Declared while uploading (empty when the upload did not say), sniffed once received.
    kind = models.CharField(_("kind"), max_length=8, choices=MediaKind.choices, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=MediaState.choices, default=MediaState.UPLOADING
    )
    error = models.CharField(max_length=24, blank=True, default="")  # a code, when failed
    # The upload: its id in URLs (random, never the row's pk), declared and received size.
    upload_token = models.CharField(max_length=32, unique=True)
    upload_length = models.BigIntegerField()
    upload_offset = models.BigIntegerField(default=0)
    upload_file = models.CharField(max_length=100, blank=True, default="")
    # What the content turned out to be, and the files kept.
    source_type = models.CharField(max_length=40, blank=True, default="")
    source_file = models.CharField(max_length=200, blank=True, default="")  # private storage
    web_file = models.CharField(max_length=200, blank=True, default="")  # default storage
    poster_file = models.CharField(max_length=200, blank=True, default="")
    web_bytes = models.BigIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)  # seconds
    caption = EncryptedTextField(
        context="stories.media.caption", blank=True, default="", verbose_name=_("caption")
    )
    show_face = models.BooleanField(_("shows a face"), default=False)
    has_voice = models.BooleanField(_("someone's voice can be heard"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    position = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    # The last chunk received (an upload left alone for a day is swept away).
    last_activity_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("story medium")
        verbose_name_plural = _("story media")
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["state", "last_activity_at"], name="stories_media_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} of story #{self.story_id}"

    @property
    def percent(self) -> int:
        """How much of the upload has arrived, in whole percent."""
        if self.upload_length <= 0:
            return 0
        return min(100, self.upload_offset * 100 // self.upload_length)


class Collection(models.Model):
    """An ordered set of stories with a cover, e.g. "Beyond what was told"."""

    title_km = models.CharField(_("title in Khmer"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True, default="")
    title_th = models.CharField(_("title in Thai"), max_length=200, blank=True, default="")
    intro_km = models.TextField(_("introduction in Khmer"), blank=True, default="")
    intro_en = models.TextField(_("introduction in English"), blank=True, default="")
    intro_th = models.TextField(_("introduction in Thai"), blank=True, default="")
    cover = models.ForeignKey(
        StoryPhoto,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover photo"),
    )
    is_published = models.BooleanField(pgettext_lazy("story state", "published"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"collection #{self.pk}"

    @property
    def title(self) -> str:
        language = get_language() or "km"
        if language.startswith("en") and self.title_en:
            return self.title_en
        if language.startswith("th") and self.title_th:
            return self.title_th
        return self.title_km


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "story"], name="stories_collection_story_unique"
            )
        ]

    def __str__(self) -> str:
        return f"story #{self.story_id} in collection #{self.collection_id}"
