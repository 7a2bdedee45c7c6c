"""Screening: the indicator catalogue (versioned data) and the screenings made with it.

- `CatalogueVersion`: one numbered version of the catalogue — its rule parameters
  (read by `migra.screening.rules`) and, through `Indicator`, its rows. A version is a
  draft until published; the current catalogue is the newest published version.
  Shipped versions come from `migra/screening/catalogue/*.json`; a programme admin
  makes corrected versions in the app. A published version never changes.
- `Indicator`: one row — the ILO/EC operational indicators of trafficking (adult and
  child lists, six dimensions, strong / medium / weak) or the ILO indicators of forced
  labour — with its source label and confidence, and a plain yes/no question in
  Khmer, English and Thai. Rows of the same `topic` in different lists ask the same
  thing (the adult and the child row of "documents taken away").
- `Screening`: one screening of one person (registered, or anonymous with sex and age
  band only), the answers per indicator key, the result and its explanation. It keeps
  pointing at the catalogue version it used.

See docs/screening.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from migra.people.models import Sex
from migra.screening import rules


class Strength(models.TextChoices):
    STRONG = "strong", _("strong")
    MEDIUM = "medium", _("medium")
    WEAK = "weak", _("weak")


class SourceLabel(models.TextChoices):
    """How far a row (or a rule) was checked. See the reference data's labels."""

    PRIMARY = "P", _("Checked against ILO text")
    SECONDARY = "S1", _("Checked against a reputable secondary summary")
    SINGLE = "S2", _("From one secondary compilation only — not checked against the ILO text")
    PROGRAMME = "M", _("Programme decision — not an ILO rule")


class CatalogueVersion(models.Model):
    number = models.PositiveIntegerField(_("version"), unique=True)
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set for versions loaded from a shipped file: its key, and the hash of the file.
    shipped_key = models.CharField(max_length=60, null=True, blank=True, unique=True)
    content_hash = models.CharField(max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    note = models.TextField(_("what changed"), max_length=4000, blank=True)
    # The rule parameters (see migra.screening.rules.rules_from_data) and the GAP notes
    # of lists left empty on purpose ({"AS": "GAP: ..."}).
    rules = models.JSONField(_("rule parameters"), default=dict)
    gaps = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"catalogue v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ListCode(models.TextChoices):
    ADULT_LABOUR = "AL", _("Adults — labour exploitation")
    ADULT_SEXUAL = "AS", _("Adults — sexual exploitation")
    CHILD_LABOUR = "CL", _("Children — labour exploitation")
    CHILD_SEXUAL = "CS", _("Children — sexual exploitation")
    FORCED_LABOUR = "FL", _("ILO indicators of forced labour")


class Indicator(models.Model):
    catalogue = models.ForeignKey(
        CatalogueVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    key = models.CharField(_("key"), max_length=16)  # local key (AL-1.01), not ILO numbering
    list_code = models.CharField(_("list"), max_length=4, choices=ListCode.choices)
    dimension = models.CharField(_("dimension"), max_length=48, blank=True)
    strength = models.CharField(_("strength"), max_length=8, choices=Strength.choices, blank=True)
    topic = models.CharField(max_length=48)
    # A short English paraphrase, never the ILO's wording.
    name = models.CharField(_("indicator (paraphrase)"), max_length=200)
    question_km = models.CharField(_("question in Khmer"), max_length=400)
    question_en = models.CharField(_("question in English"), max_length=400)
    question_th = models.CharField(_("question in Thai"), max_length=400)
    source = models.CharField(_("source"), max_length=4, choices=SourceLabel.choices)
    disputed = models.BooleanField(_("disputed (check first)"), default=False)
    confidence = models.CharField(_("confidence"), max_length=600, blank=True)
    # Forced-labour rows: topics of trafficking indicators whose "yes" counts here too.
    also_from = models.JSONField(default=list, blank=True)
    # Position in the short (guided) screening; empty: not asked there.
    guided_order = models.PositiveSmallIntegerField(
        _("position in the short screening"), null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["catalogue", "position"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "key"], name="screening_indicator_key"),
            models.UniqueConstraint(
                fields=["catalogue", "list_code", "topic"], name="screening_indicator_topic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} of catalogue #{self.catalogue_id}"

    def question(self, language: str | None) -> str:
        language = (language or "km")[:2]
        text = {"km": self.question_km, "en": self.question_en, "th": self.question_th}.get(
            language, ""
        )
        return text or self.question_km or self.question_en

    def as_rule_row(self) -> rules.Row:
        return rules.Row(
            key=self.key,
            list_code=self.list_code,
            topic=self.topic,
            dimension=self.dimension,
            strength=self.strength,
            also_from=tuple(self.also_from or ()),
        )


class Mode(models.TextChoices):
    GUIDED = "guided", _("Short screening")
    FULL = "full", _("Full screening")


class AgeBand(models.TextChoices):
    UNDER_15 = "0-14", _("Under 15")
    FROM_15 = "15-17", _("15 to 17")
    FROM_18 = "18-24", _("18 to 24")
    FROM_25 = "25-34", _("25 to 34")
    FROM_35 = "35-44", _("35 to 44")
    FROM_45 = "45-59", _("45 to 59")
    FROM_60 = "60+", _("60 or older")
    MAYBE_CHILD = "unsure", _("Not sure — may be under 18")


# Assessed with the child lists: under 18, or possibly (the benefit of the doubt).
CHILD_BANDS = frozenset({AgeBand.UNDER_15, AgeBand.FROM_15, AgeBand.MAYBE_CHILD})


def group_for(age_band: str) -> str:
    return rules.CHILD if age_band in CHILD_BANDS else rules.ADULT


class ResultCode(models.TextChoices):
    # The values are those of migra.screening.rules.Result (a test checks).
    TRAFFICKING_LABOUR = (
        "trafficking_labour",
        _("Indications of trafficking for labour exploitation"),
    )
    TRAFFICKING_SEXUAL = (
        "trafficking_sexual",
        _("Indications of trafficking for sexual exploitation"),
    )
    FORCED_LABOUR = "forced_labour", _("Indications of forced labour")
    LABOUR_RIGHTS = (
        "labour_rights",
        _("Labour-rights violation, without indications of trafficking or forced labour"),
    )
    NONE = "none", _("No indication")


class Screening(models.Model):
    catalogue = models.ForeignKey(
        CatalogueVersion, on_delete=models.PROTECT, related_name="screenings"
    )
    mode = models.CharField(_("kind of screening"), max_length=8, choices=Mode.choices)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screenings",
        verbose_name=_("person"),
    )
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    age_band = models.CharField(_("age"), max_length=8, choices=AgeBand.choices)
    group = models.CharField(max_length=8)  # adult / child: which lists were used
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    # The village or commune (gazetteer) the screening belongs to: it scopes who sees it.
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    # {indicator key: "yes" | "no" | "unknown"}; questions not asked are absent.
    answers = models.JSONField(default=dict)
    result = models.CharField(_("result"), max_length=24, choices=ResultCode.choices)
    # What migra.screening.rules.assess returned: keys and counts only, no names.
    explanation = models.JSONField(default=dict)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("screened"), db_index=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="screenings",
        verbose_name=_("case"),
    )
    # Generated by the form when it is opened: the same form sent twice makes one screening.
    token = models.UUIDField(unique=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["agency", "-at"], name="screening_agency_at_idx")]

    def __str__(self) -> str:
        return f"screening #{self.pk}"
