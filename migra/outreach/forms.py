"""Forms of outreach pages. The services check the whole; forms turn posts into plain
values (place codes, ids, ints)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from migra.lib.khmer.digits import to_arabic_digits
from migra.outreach.models import AgeBand, AudienceCategory, BroadAgeBand, EventKind
from migra.outreach.services import (
    MAX_CAPTION,
    MAX_COUNT,
    MAX_QUESTIONS,
    MAX_TEXT,
    MAX_TITLE,
)
from migra.people.models import Sex
from migra.places.forms import PlaceField
from migra.places.models import PlaceKind


class KhmerDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})
    default_error_messages = {"invalid": _("Give a real date, for example 2026-05-17.")}
    input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str):
            value = to_arabic_digits(value).strip()
            if len(value) > 20:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class KhmerIntegerField(forms.IntegerField):
    default_error_messages = {"invalid": _("Give a whole number.")}

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = to_arabic_digits(value).strip()
            if len(value) > 9:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def count_field_name(sex: str, band: str, category: str) -> str:
    return f"n__{sex}__{band}__{category}"


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=EventKind.choices)
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    place = PlaceField(
        label=_("Village or commune"), kinds=[PlaceKind.VILLAGE, PlaceKind.COMMUNE], within="KH"
    )
    date = KhmerDateField(label=_("Date"))
    materials = forms.CharField(
        label=_("Materials used"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "place_code": data["place"].code,
            "date": data["date"],
            "materials": data.get("materials") or "",
            "notes": data.get("notes") or "",
        }


class CountsForm(forms.Form):
    """The anonymous counts grid: one number per sex × age band for one category.
    Rendered as a small table per category (fits a 360 px phone)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in AudienceCategory.values:
            for band in AgeBand.values:
                for sex in Sex.values:
                    self.fields[count_field_name(sex, band, category)] = KhmerIntegerField(
                        required=False,
                        min_value=0,
                        max_value=MAX_COUNT,
                        widget=forms.NumberInput(
                            attrs={"inputmode": "numeric", "min": 0, "class": "outreach-count"}
                        ),
                    )

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for name, value in self.cleaned_data.items():
            if not value:
                continue
            _n, sex, band, category = name.split("__")
            out.append({"sex": sex, "age_band": band, "category": category, "count": value})
        return out

    def grid(self) -> list[dict[str, Any]]:
        """For the template: per category, rows of age bands with a cell per sex."""
        return [
            {
                "category": label,
                "rows": [
                    {
                        "band": band_label,
                        "cells": [
                            self[count_field_name(sex, band, category)] for sex in Sex.values
                        ],
                    }
                    for band, band_label in AgeBand.choices
                ],
            }
            for category, label in AudienceCategory.choices
        ]


class AttendanceForm(forms.Form):
    person = KhmerIntegerField(widget=forms.HiddenInput, min_value=1)
    category = forms.ChoiceField(
        label=pgettext_lazy("audience", "Category"),
        choices=AudienceCategory.choices,
        initial=AudienceCategory.GENERAL_PUBLIC,
    )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one input. Each is checked by the service (type sniffed from
    its content, size, pixels), not here."""

    widget = MultiplePhotoInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            raise ValidationError(_("Choose one or more photos."), code="required")
        return files


# Photos sent in one go (each may be up to MIGRA_MEDIA_PHOTO_MAX_BYTES).
MAX_PHOTOS_PER_UPLOAD = 10


class PhotoUploadForm(forms.Form):
    # No `capture` attribute: with it, phones open the camera only; without it they
    # offer the camera and the gallery.
    photos = PhotosField(label=_("Photos"), widget=MultiplePhotoInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(
        label=_("Caption (optional)"),
        max_length=MAX_CAPTION,
        required=False,
        help_text=_("For the photos sent now. Do not name people who should not be named."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = gettext(
            "Up to %(n)d at once: JPEG, PNG or WebP. Location and camera details are "
            "removed from every photo."
        ) % {"n": MAX_PHOTOS_PER_UPLOAD}

    def clean_photos(self) -> list[Any]:
        files: list[Any] = self.cleaned_data["photos"]
        if len(files) > MAX_PHOTOS_PER_UPLOAD:
            raise ValidationError(
                _("Send at most %(n)d photos at once.") % {"n": MAX_PHOTOS_PER_UPLOAD},
                code="too_many",
            )
        return files


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a registered person"), max_length=200, required=False)


class QuestionsForm(forms.Form):
    questions = forms.CharField(
        label=_("Questions"),
        max_length=MAX_QUESTIONS * 320,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line; one point each."),
    )

    def question_list(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["questions"].splitlines() if line.strip()
        ]


class ScoreForm(forms.Form):
    attendance = forms.TypedChoiceField(
        label=_("Registered participant"), coerce=int, required=False, empty_value=None
    )
    label = forms.CharField(
        label=_("Or: participant label"),
        max_length=20,
        required=False,
        help_text=_("For someone not registered, e.g. P3."),
    )
    before = KhmerIntegerField(label=_("Score before"), min_value=0)
    after = KhmerIntegerField(label=_("Score after"), min_value=0, required=False)

    def __init__(
        self, *args: Any, attendees: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attendance"]
        if isinstance(field, forms.TypedChoiceField):
            field.choices = [("", "—"), *(attendees or [])]


class ReachFilterForm(forms.Form):
    since = KhmerDateField(label=_("From"), required=False)
    until = KhmerDateField(label=_("Until"), required=False)
    province = PlaceField(
        label=_("Province"), kinds=[PlaceKind.PROVINCE], within="KH", required=False
    )
    commune = PlaceField(label=_("Commune"), kinds=[PlaceKind.COMMUNE], within="KH", required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    age_band = forms.ChoiceField(
        label=_("Age"),
        choices=[
            ("", "—"),
            (_("Broad age bands"), BroadAgeBand.choices),
            (_("Fine age bands (without meeting guests)"), AgeBand.choices),
        ],
        required=False,
    )
    category = forms.ChoiceField(
        label=pgettext_lazy("audience", "Category"),
        choices=[("", "—"), *AudienceCategory.choices],
        required=False,
    )
