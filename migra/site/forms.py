"""Forms of the website editor. They turn posts into plain values; the services check
the whole (and the preview shows what the services would save)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from migra.lib.khmer.digits import to_arabic_digits
from migra.places.forms import PlaceField
from migra.places.models import PlaceKind
from migra.site.models import KEY_MAX, PartnerKind
from migra.site.services import (
    MAX_ALT,
    MAX_BODY,
    MAX_NAME,
    MAX_POSITION,
    MAX_SUMMARY,
    MAX_TITLE,
    MAX_URL,
    MAX_VENUE,
)

BODY_HELP = _(
    "Leave an empty line between paragraphs. Simple formatting is kept (bold, lists, "
    "quotes, links starting with https://); everything else is removed."
)
# Whole sentences, not "X in %(language)s": word order differs between languages.
LABELS = {
    "title": {"km": _("Title in Khmer"), "en": _("Title in English"), "th": _("Title in Thai")},
    "summary": {
        "km": _("Summary in Khmer"),
        "en": _("Summary in English"),
        "th": _("Summary in Thai"),
    },
    "body": {"km": _("Text in Khmer"), "en": _("Text in English"), "th": _("Text in Thai")},
    "description": {
        "km": _("Description in Khmer"),
        "en": _("Description in English"),
        "th": _("Description in Thai"),
    },
}


def _text_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class NumberField(forms.IntegerField):
    """A whole number typed with Khmer or Arabic digits."""

    default_error_messages = {"invalid": _("Give a number.")}

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = to_arabic_digits(value).strip()
            if len(value) > 9:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class MomentField(forms.DateTimeField):
    """A date and time from the browser's date-time picker (or typed, Khmer digits are
    fine), in Phnom Penh time."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {"invalid": _("Give a date and time, for example 2026-05-17 09:30.")}
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"]

    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, str):
            value = to_arabic_digits(value).strip()
            if len(value) > 30:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def version_seen(self) -> int:
        version = self.cleaned_data.get("version") if hasattr(self, "cleaned_data") else None
        return version if isinstance(version, int) else -1


class PublishForm(VersionForm):
    publish = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )


class _TranslatedForm(VersionForm):
    """Title, (summary,) text in Khmer, English and Thai."""

    text_name = "body"
    with_summary = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for language in ("km", "en", "th"):
            required = language == "km"
            self.fields[f"title_{language}"] = forms.CharField(
                label=LABELS["title"][language],
                max_length=MAX_TITLE,
                required=required,
            )
            if self.with_summary:
                self.fields[f"summary_{language}"] = forms.CharField(
                    label=LABELS["summary"][language],
                    max_length=MAX_SUMMARY,
                    required=False,
                    widget=_text_area(2),
                    help_text=_("One or two sentences, shown in lists and when shared."),
                )
            self.fields[f"{self.text_name}_{language}"] = forms.CharField(
                label=LABELS[self.text_name][language],
                max_length=MAX_BODY,
                required=required and self.text_name == "body",
                widget=_text_area(14 if required else 8),
                help_text=BODY_HELP if required else "",
            )

    def _names(self, language: str) -> list[str]:
        names = [f"title_{language}"]
        if self.with_summary:
            names.append(f"summary_{language}")
        names.append(f"{self.text_name}_{language}")
        return names

    def khmer_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self._names("km")]

    def translation_fields(self) -> list[forms.BoundField]:
        return [self[name] for language in ("en", "th") for name in self._names(language)]

    def translation_errors(self) -> bool:
        return any(self[name].errors for name in self._names("en") + self._names("th"))

    def other_fields(self) -> list[forms.BoundField]:
        taken = {"version", *self._names("km"), *self._names("en"), *self._names("th")}
        return [field for field in self.visible_fields() if field.name not in taken]

    def text_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = [name for language in ("km", "en", "th") for name in self._names(language)]
        return {name: data.get(name) or "" for name in names}


class PageForm(_TranslatedForm):
    position = NumberField(
        label=_("Order in the list of advice"),
        min_value=0,
        max_value=MAX_POSITION,
        initial=100,
        help_text=_("Smaller numbers come first."),
    )

    def __init__(self, *args: Any, new: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if new:
            self.fields["key"] = forms.CharField(
                label=_("Address of the page"),
                max_length=KEY_MAX,
                help_text=_(
                    "Part of the page's web address: lower-case letters a–z, digits and "
                    "hyphens, e.g. working-in-thailand. It cannot be changed later."
                ),
                widget=forms.TextInput(
                    attrs={"autocapitalize": "none", "spellcheck": "false", "inputmode": "url"}
                ),
            )
            self.order_fields(["key"])

    def service_fields(self) -> dict[str, Any]:
        values = self.text_values()
        values["position"] = self.cleaned_data.get("position")
        if values["position"] is None:
            values["position"] = 100
        return values


class NewsForm(_TranslatedForm):
    cover = forms.FileField(
        label=_("Cover photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_(
            "JPEG, PNG or WebP. Location and camera details are removed. Show no one who "
            "has not agreed to appear on the website."
        ),
    )
    cover_alt = forms.CharField(
        label=_("What the photo shows, in Khmer (read to people who cannot see it)"),
        max_length=MAX_ALT,
        required=False,
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover photo"), required=False)

    def __init__(self, *args: Any, has_cover: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_cover:
            del self.fields["remove_cover"]

    def service_fields(self) -> dict[str, Any]:
        values = self.text_values()
        values["cover"] = self.cleaned_data.get("cover") or None
        values["cover_alt"] = self.cleaned_data.get("cover_alt") or ""
        return values


class EventForm(_TranslatedForm):
    text_name = "description"
    with_summary = False

    starts_at = MomentField(label=_("Starts"))
    ends_at = MomentField(label=_("Ends"), required=False)
    place = PlaceField(
        label=_("Where (province, district, commune or village)"),
        kinds=[PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.COMMUNE, PlaceKind.VILLAGE],
        within="KH",
        required=False,
        help_text=_("Only the province is shown on the public site."),
    )
    venue = forms.CharField(
        label=_("Venue"),
        max_length=MAX_VENUE,
        required=False,
        help_text=_("Shown on the public site, e.g. “the commune hall”. No home addresses."),
    )

    def service_fields(self) -> dict[str, Any]:
        values = self.text_values()
        data = self.cleaned_data
        place = data.get("place")
        values.update(
            {
                "starts_at": data.get("starts_at"),
                "ends_at": data.get("ends_at"),
                "place_code": place.code if place else None,
                "venue": data.get("venue") or "",
            }
        )
        return values


class PartnerForm(VersionForm):
    name_km = forms.CharField(label=_("Name in Khmer"), max_length=MAX_NAME)
    name_en = forms.CharField(label=_("Name in English"), max_length=MAX_NAME, required=False)
    kind = forms.ChoiceField(label=_("Partner or donor"), choices=PartnerKind.choices)
    url = forms.CharField(
        label=_("Website"),
        max_length=MAX_URL,
        required=False,
        help_text=_("Starting with https://"),
        widget=forms.URLInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    position = NumberField(
        label=_("Order"),
        min_value=0,
        max_value=MAX_POSITION,
        initial=0,
        required=False,
        help_text=_("Smaller numbers come first."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP; transparent parts become white."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args: Any, has_logo: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_logo:
            del self.fields["remove_logo"]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name_km": data.get("name_km") or "",
            "name_en": data.get("name_en") or "",
            "kind": data.get("kind") or PartnerKind.PARTNER,
            "url": data.get("url") or "",
            "position": data.get("position") or 0,
            "logo": data.get("logo") or None,
        }
