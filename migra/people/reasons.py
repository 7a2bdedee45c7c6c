"""The matching engine's reason codes, in words a worker reads (translated)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from migra.people.models import DocumentKind

_LABELS = {
    "same_name": gettext_lazy("Same name"),
    "name_variants": gettext_lazy("Same name, other spelling or script"),
    "name_similar": gettext_lazy("Similar name (one letter apart)"),
    "given_name_only": gettext_lazy("Same given name"),
    "different_given_name": gettext_lazy("Same family name, other given name"),
    "different_family_name": gettext_lazy("Same given name, other family name"),
    "different_names": gettext_lazy("Different names"),
    "same_document": gettext_lazy("Same identity document number"),
    "different_document": gettext_lazy("Other number for the same kind of document"),
    "same_phone": gettext_lazy("Same phone number"),
    "same_birth_year": gettext_lazy("Same year of birth"),
    "age_apart": gettext_lazy("Ages 3 to 5 years apart"),
    "age_far": gettext_lazy("Ages far apart"),
    "same_village": gettext_lazy("Same village"),
    "same_commune": gettext_lazy("Same commune"),
    "same_district": gettext_lazy("Same district"),
    "same_province": gettext_lazy("Same province"),
    "other_commune": gettext_lazy("Other commune of the same district"),
    "other_district": gettext_lazy("Other district of the same province"),
    "different_province": gettext_lazy("Other province"),
    "different_sex": gettext_lazy("Different sex"),
}


def reason_label(reason: Any) -> str:
    code = getattr(reason, "code", "")
    detail = getattr(reason, "detail", {}) or {}
    if code == "age_close":
        years = detail.get("years", 0)
        if years == 0:
            return _("Same age")
        return _("Ages within two years")
    if code == "same_commune" and detail.get("other_village"):
        return _("Same commune, other village")
    label = _LABELS.get(code)
    if label is None:
        return str(code)
    text = str(label)
    kind = detail.get("kind")
    if code in ("same_document", "different_document") and kind in DocumentKind.values:
        text = f"{text} ({DocumentKind(kind).label})"
    return text
