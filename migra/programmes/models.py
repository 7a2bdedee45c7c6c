"""The programme: where it works, when, for whom, and what it aims to reach."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# An ASCII identifier: lower-case letter first, then lower-case letters, digits and
# underscores. Spelled out on purpose: `\w` would accept Khmer letters.
TARGET_KEY_PATTERN = r"\A[a-z][a-z0-9_]{0,49}\Z"
target_key_validator = RegexValidator(
    TARGET_KEY_PATTERN,
    _(
        "Use lower-case English letters, digits and underscores, starting with a letter "
        "(for example beneficiaries_reached)."
    ),
    code="invalid_key",
)


class Programme(models.Model):
    name_km = models.CharField(_("name in Khmer"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    donors = models.TextField(_("donors"), max_length=1000, blank=True)
    # Months are stored as the 1st day of the month.
    start_month = models.DateField(_("first month"))
    end_month = models.DateField(_("last month"))
    target_provinces = models.ManyToManyField(
        "places.Place",
        verbose_name=_("target provinces"),
        related_name="+",
        blank=True,
        limit_choices_to={"kind": "province"},
    )
    target_communes = models.ManyToManyField(
        "places.Place",
        verbose_name=_("target communes"),
        related_name="+",
        blank=True,
        limit_choices_to={"kind": "commune"},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: every change adds one; a change made from a stale copy is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_month", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_month__gt=models.F("start_month")),
                name="programme_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "km").startswith("km"):
            return self.name_km or self.name_en
        return self.name_en or self.name_km


class ProgrammeTarget(models.Model):
    """One number the programme aims to reach (80,000 beneficiaries, 25 SHGs …)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="targets")
    key = models.CharField(_("key"), max_length=50, validators=[target_key_validator])
    label_km = models.CharField(_("label in Khmer"), max_length=200)
    label_en = models.CharField(_("label in English"), max_length=200)
    label_th = models.CharField(_("label in Thai"), max_length=200, blank=True)
    value = models.PositiveIntegerField(_("target value"), validators=[MinValueValidator(1)])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("programme target")
        verbose_name_plural = _("programme targets")
        ordering = ["position", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "key"], name="programme_target_unique_key"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=1), name="programme_target_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"

    @property
    def label(self) -> str:
        language = get_language() or "km"
        if language.startswith("en"):
            return self.label_en or self.label_km
        if language.startswith("th"):
            return self.label_th or self.label_en or self.label_km
        return self.label_km or self.label_en
