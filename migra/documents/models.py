"""The documents library: project documents (reports, policies, studies, training
material, leaflets …) published on the public site, each with its file versions and
their download counts. See docs/documents.md.

Everything here is meant for publication: titles and descriptions are plain text shown
as they are (escaped). Files are kept in the default storage under random names
(migra.documents.files); the public downloads them through a view that counts each
download and keeps nothing about who downloaded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class DocumentCategory(models.TextChoices):
    REPORT = "report", _("Report")
    POLICY = "policy", _("Policy")
    STUDY = "study", _("Study")
    TRAINING = "training", _("Training material")
    LEAFLET = "leaflet", _("Leaflet or poster")
    ANNUAL_REPORT = "annual_report", _("Annual report")
    OTHER = "other", pgettext_lazy("document category", "Other")


class DocumentLanguage(models.TextChoices):
    """The languages a document is written in (several may apply)."""

    KM = "km", _("Khmer")
    EN = "en", _("English")
    TH = "th", _("Thai")
    OTHER = "other", pgettext_lazy("document language", "Other language")


# Language code → the Document field that says the document is in it. Four booleans,
# not a list: the public filter "in Thai" is then a plain indexed-friendly condition on
# both databases (SQLite has no JSON "contains").
LANGUAGE_FIELDS: dict[str, str] = {
    DocumentLanguage.KM: "in_km",
    DocumentLanguage.EN: "in_en",
    DocumentLanguage.TH: "in_th",
    DocumentLanguage.OTHER: "in_other",
}


class Document(models.Model):
    """One document of the library. Drafts are seen by staff only; a published document
    and all its file versions are public."""

    title_km = models.CharField(_("title in Khmer"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True, default="")
    title_th = models.CharField(_("title in Thai"), max_length=200, blank=True, default="")
    description_km = models.TextField(_("description in Khmer"), blank=True, default="")
    description_en = models.TextField(_("description in English"), blank=True, default="")
    description_th = models.TextField(_("description in Thai"), blank=True, default="")
    category = models.CharField(_("category"), max_length=24, choices=DocumentCategory.choices)
    in_km = models.BooleanField(_("in Khmer"), default=False)
    in_en = models.BooleanField(_("in English"), default=False)
    in_th = models.BooleanField(_("in Thai"), default=False)
    in_other = models.BooleanField(_("in another language"), default=False)
    # The document's own date (when the report came out), shown and filtered by year.
    published_on = models.DateField(_("date of the document"))
    is_published = models.BooleanField(pgettext_lazy("document state", "published"), default=False)
    # Edits name the version they started from (a stale one is refused).
    version = models.PositiveIntegerField(default=1)
    # How many file versions were uploaded: the next one is number file_count + 1.
    file_count = models.PositiveIntegerField(default=0)
    latest = models.ForeignKey(
        "DocumentVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-published_on", "-pk"]
        indexes = [
            # The public library, newest first, with or without a category.
            models.Index(
                fields=["is_published", "-published_on", "-id"], name="documents_public_idx"
            ),
            models.Index(
                fields=["is_published", "category", "-published_on", "-id"],
                name="documents_public_cat_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"document #{self.pk}"

    def _in_language(self, stem: str) -> str:
        language = get_language() or "km"
        for code in ("en", "th"):
            value = getattr(self, f"{stem}_{code}")
            if language.startswith(code) and value:
                return str(value)
        return str(getattr(self, f"{stem}_km"))

    @property
    def title(self) -> str:
        """The title in the active language, falling back to Khmer."""
        return self._in_language("title")

    @property
    def description(self) -> str:
        """The description in the active language, falling back to Khmer."""
        return self._in_language("description")

    @property
    def languages(self) -> list[str]:
        return [code for code, field in LANGUAGE_FIELDS.items() if getattr(self, field)]

    @property
    def language_labels(self) -> list[str]:
        labels = dict(DocumentLanguage.choices)
        return [str(labels[code]) for code in self.languages]


class DocumentVersion(models.Model):
    """One uploaded file of a document, numbered 1, 2, … per document. The public sees
    the latest and can still download the earlier ones."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.CharField(max_length=200, unique=True)  # the random name in the storage
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("what changed"), max_length=300, blank=True, default="")
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Counted with an F() update per download; nothing about the visitor is kept.
    downloads = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="documents_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"version {self.number} of document #{self.document_id}"

    @property
    def kind_label(self) -> str:
        from migra.documents.files import kind_label

        return kind_label(self.content_type)
