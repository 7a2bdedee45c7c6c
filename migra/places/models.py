"""The gazetteer: Cambodia's administrative tree and destination places abroad."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    COUNTRY = "country", _("Country")
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    VILLAGE = "village", _("Village")
    # First-level divisions of destination countries (Thai provinces and the like).
    REGION = "region", _("Province or region abroad")


class Place(models.Model):
    """One node of the place tree.

    `path` is the chain of codes from the root, joined by '/', so that "everything
    inside this place" is one indexed prefix query (`path__startswith`).
    Cambodian codes are the official ones (province 2 digits, district 4, commune 6,
    village 8); countries use ISO 3166-1 alpha-2, regions ISO 3166-2.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices)
    code = models.CharField(_("code"), max_length=16, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=80, unique=True)
    depth = models.PositiveSmallIntegerField()
    name_km = models.CharField(_("name in Khmer"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    name_th = models.CharField(_("name in Thai"), max_length=200, blank=True)
    # Search keys (see migra.places.normalise.search_key): one per name, indexed for
    # prefix matches, and all of them with the code in `search_text` for substring
    # matches. Written by the gazetteer loader only.
    key_km = models.CharField(max_length=200, db_index=True, editable=False, default="")
    key_en = models.CharField(max_length=200, db_index=True, editable=False, default="")
    key_th = models.CharField(max_length=200, db_index=True, editable=False, default="")
    search_text = models.CharField(max_length=600, editable=False, default="")

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "path"], name="place_kind_path_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language, falling back to Khmer, then English."""
        language = get_language() or "km"
        if language.startswith("en"):
            return self.name_en or self.name_km
        if language.startswith("th"):
            return self.name_th or self.name_en or self.name_km
        return self.name_km or self.name_en

    @property
    def is_in_cambodia(self) -> bool:
        return self.path == "KH" or self.path.startswith("KH/")

    def contains(self, other: Place) -> bool:
        return other.path == self.path or other.path.startswith(self.path + "/")
