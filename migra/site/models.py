"""The public website's own content: pages (the programme, safe-migration advice,
contact, partners), news, events and partners. See docs/site.md.

Everything here is meant for publication, written by staff who hold EDIT_SITE; it is
stored as typed (rich text as sanitised HTML, see migra.stories.richtext) and shown
only once published. Khmer is required, English and Thai optional: a page in a
language it lacks is shown in Khmer, and says so.

Photos (news covers, partner logos) are `SitePhoto` rows made by migra.media.photos:
re-encoded, EXIF and GPS gone, the upload itself never kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("km", "en", "th")

# A page's key is its address (/km/advice/<key>/): ASCII only, never made from a
# Khmer title. Lower-case letters and digits in words joined by single hyphens.
KEY_PATTERN = r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z"
KEY_MAX = 60


class PageKey(models.TextChoices):
    """The pages every installation has (made by migration 0002); staff add more
    advice pages with keys of their own."""

    ABOUT = "about", _("About the programme")
    BEFORE_YOU_GO = "before-you-go", _("Before you go")
    LEGAL_CHANNELS = "legal-channels", _("Legal channels")
    YOUR_RIGHTS = "your-rights", _("Your rights")
    WARNING_SIGNS = "warning-signs", _("Warning signs")
    WHO_TO_CALL = "who-to-call", _("Who to call")
    CONTACT = "contact", _("Contact")
    PARTNERS = "partners", _("Partners and donors")


FIXED_KEYS = frozenset(PageKey.values)
# Fixed pages that are not advice: each is shown by its own view (about, contact,
# partners) rather than in the advice list.
NOT_ADVICE_KEYS = frozenset({PageKey.ABOUT, PageKey.CONTACT, PageKey.PARTNERS})


@dataclass(frozen=True)
class Shown:
    """What a visitor reads of a record in their language, and in which language it
    really is (`language` differs from the one asked for when it fell back to Khmer)."""

    language: str
    asked: str
    title: str
    body: str = ""
    summary: str = ""

    @property
    def is_fallback(self) -> bool:
        return self.language != self.asked


def current_language() -> str:
    language = (get_language() or "km").split("-")[0]
    return language if language in LANGUAGES else "km"


class Translated(models.Model):
    """Title / body / summary in Khmer, English and Thai. A translation exists when its
    title is there (the services refuse half a translation)."""

    class Meta:
        abstract = True

    # Names of the body and summary fields (without the language suffix); "" if none.
    body_field = "body"
    summary_field = ""

    def languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if getattr(self, f"title_{lang}", "")]

    def shown(self, language: str | None = None) -> Shown:
        asked = language or current_language()
        translated = asked in LANGUAGES and bool(getattr(self, f"title_{asked}", None))
        used = asked if translated else "km"

        def field(name: str) -> str:
            return str(getattr(self, f"{name}_{used}", "")) if name else ""

        return Shown(
            language=used,
            asked=asked,
            title=field("title"),
            body=field(self.body_field),
            summary=field(self.summary_field),
        )

    @property
    def title(self) -> str:
        return self.shown().title


class Page(Translated):
    """A page of the public site with a fixed ASCII key: about, contact, partners and
    the safe-migration advice pages, and advice pages staff add."""

    key = models.CharField(
        _("address"),
        max_length=KEY_MAX,
        unique=True,
        validators=[RegexValidator(KEY_PATTERN)],
        help_text=_("Lower-case letters a–z, digits and hyphens, e.g. working-in-thailand."),
    )
    is_advice = models.BooleanField(_("advice page"), default=True)
    title_km = models.CharField(_("title in Khmer"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True, default="")
    title_th = models.CharField(_("title in Thai"), max_length=200, blank=True, default="")
    summary_km = models.CharField(_("summary in Khmer"), max_length=500, blank=True, default="")
    summary_en = models.CharField(_("summary in English"), max_length=500, blank=True, default="")
    summary_th = models.CharField(_("summary in Thai"), max_length=500, blank=True, default="")
    body_km = models.TextField(_("text in Khmer"))
    body_en = models.TextField(_("text in English"), blank=True, default="")
    body_th = models.TextField(_("text in Thai"), blank=True, default="")
    position = models.PositiveIntegerField(_("order"), default=100)
    is_published = models.BooleanField(pgettext_lazy("page state", "published"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    summary_field = "summary"

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return f"page {self.key}"

    @property
    def is_fixed(self) -> bool:
        return self.key in FIXED_KEYS


class SitePhoto(models.Model):
    """A news cover or a partner's logo: a web rendition and a thumbnail made by
    migra.media.photos, under random names. Served publicly only while it belongs to
    a published news item or to a partner (see selectors.photo_public)."""

    web_file = models.CharField(max_length=200, unique=True)
    thumb_file = models.CharField(max_length=200, unique=True)
    width = models.PositiveIntegerField()  # of the web rendition
    height = models.PositiveIntegerField()
    thumb_width = models.PositiveIntegerField()
    thumb_height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("website photo")
        verbose_name_plural = _("website photos")

    def __str__(self) -> str:
        return f"site photo #{self.pk}"


class NewsState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", pgettext_lazy("news state", "Published")


class NewsItem(Translated):
    title_km = models.CharField(_("title in Khmer"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True, default="")
    title_th = models.CharField(_("title in Thai"), max_length=200, blank=True, default="")
    summary_km = models.CharField(_("summary in Khmer"), max_length=500, blank=True, default="")
    summary_en = models.CharField(_("summary in English"), max_length=500, blank=True, default="")
    summary_th = models.CharField(_("summary in Thai"), max_length=500, blank=True, default="")
    body_km = models.TextField(_("text in Khmer"))
    body_en = models.TextField(_("text in English"), blank=True, default="")
    body_th = models.TextField(_("text in Thai"), blank=True, default="")
    cover = models.ForeignKey(
        SitePhoto,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover photo"),
    )
    cover_alt = models.CharField(
        _("what the cover photo shows"), max_length=300, blank=True, default=""
    )
    state = models.CharField(
        _("state"), max_length=16, choices=NewsState.choices, default=NewsState.DRAFT
    )
    # Set at the first publication and kept (unpublishing and publishing again do not
    # move an item to the top of the feed).
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    summary_field = "summary"

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["state", "published_at"], name="site_news_state_idx")]

    def __str__(self) -> str:
        return f"news #{self.pk}"

    @property
    def is_published(self) -> bool:
        return self.state == NewsState.PUBLISHED


class Event(Translated):
    """An event open to the public (a village meeting, a campaign day). Only its
    province and the venue text typed by staff are shown publicly."""

    title_km = models.CharField(_("title in Khmer"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True, default="")
    title_th = models.CharField(_("title in Thai"), max_length=200, blank=True, default="")
    description_km = models.TextField(_("description in Khmer"), blank=True, default="")
    description_en = models.TextField(_("description in English"), blank=True, default="")
    description_th = models.TextField(_("description in Thai"), blank=True, default="")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place"),
    )
    # The only place ever shown publicly.
    province = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True, default="")
    is_published = models.BooleanField(pgettext_lazy("event state", "published"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    body_field = "description"

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["is_published", "starts_at"], name="site_event_pub_idx"),
        ]

    def __str__(self) -> str:
        return f"event #{self.pk}"

    @property
    def public_province(self) -> object:
        return self.province


class PartnerKind(models.TextChoices):
    PARTNER = "partner", _("Partner")
    DONOR = "donor", _("Donor")


class Partner(models.Model):
    name_km = models.CharField(_("name in Khmer"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True, default="")
    kind = models.CharField(
        _("kind"), max_length=16, choices=PartnerKind.choices, default=PartnerKind.PARTNER
    )
    url = models.URLField(_("website"), max_length=500, blank=True, default="")
    logo = models.ForeignKey(
        SitePhoto,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logo"),
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["kind", "position", "pk"]

    def __str__(self) -> str:
        return f"partner #{self.pk}"

    @property
    def name(self) -> str:
        """Khmer on Khmer pages; the English name (if any) in English and Thai."""
        if current_language() != "km" and self.name_en:
            return self.name_en
        return self.name_km

    @property
    def name_language(self) -> str:
        return "en" if current_language() != "km" and self.name_en else "km"
