"""The programme edit form. Validation of the whole lives in the services."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from migra.lib.khmer.digits import to_arabic_digits
from migra.places.forms import PlaceMultipleField
from migra.places.models import PlaceKind

# Spelled-out ASCII digits: `\d` would also take Thai and other digits.
_MONTH = re.compile(r"\A([0-9]{4})-([0-9]{1,2})(?:-[0-9]{1,2})?\Z")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"placeholder": "YYYY-MM", **(attrs or {})}, format="%Y-%m")


class MonthField(forms.Field):
    """A month typed as YYYY-MM (Khmer digits are fine); cleans to its 1st day."""

    widget = MonthInput
    default_error_messages = {
        "invalid": _("Give a month as year and month, for example 2016-01."),
    }

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        text = to_arabic_digits(str(value)).strip()
        match = _MONTH.match(text) if len(text) <= 10 else None
        if match is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or year < 1:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return dt.date(year, month, 1)


class ProgrammeForm(forms.Form):
    name_km = forms.CharField(label=_("Name in Khmer"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    donors = forms.CharField(
        label=_("Donors"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or more, for example European Union."),
    )
    start_month = MonthField(label=_("First month"))
    end_month = MonthField(label=_("Last month"))
    target_provinces = PlaceMultipleField(
        label=_("Target provinces"), kinds=[PlaceKind.PROVINCE], within="KH", required=False
    )
    target_communes = PlaceMultipleField(
        label=_("Target communes"),
        kinds=[PlaceKind.COMMUNE],
        within="KH",
        required=False,
        help_text=_("Each must lie in one of the target provinces."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


class TargetForm(forms.Form):
    """One target: a number the programme aims for, with its name in three languages."""

    key = forms.CharField(
        label=_("Short code"),
        max_length=50,
        help_text=_("English letters, digits and _ only, e.g. beneficiaries_reached."),
    )
    label_km = forms.CharField(label=_("Name in Khmer"), max_length=200)
    label_en = forms.CharField(label=_("Name in English"), max_length=200)
    label_th = forms.CharField(label=_("Name in Thai"), max_length=200, required=False)
    value = forms.IntegerField(label=_("Target number"), min_value=1, max_value=2_000_000_000)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, existing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if existing:
            # The code names the target in reports: changing it would make a new target.
            self.fields["key"].disabled = True
