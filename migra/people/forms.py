"""Forms of the people registry. Checks of the whole live in the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from migra.accounts.models import Agency
from migra.lib.khmer.digits import to_arabic_digits
from migra.people.models import (
    ConsentMethod,
    ConsentPurpose,
    DocumentKind,
    Relationship,
    Sex,
    Vulnerability,
)
from migra.people.services import DocumentInput, NameInput
from migra.places.forms import PlaceField
from migra.places.models import PlaceKind

MAX_LINES = 10


class DateOfBirthField(forms.DateField):
    """A date typed as YYYY-MM-DD or DD/MM/YYYY; Khmer digits are fine."""

    widget = forms.DateInput(attrs={"type": "date"})
    default_error_messages = {
        "invalid": _("Give a real date, for example 2001-05-17."),
    }
    input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str):
            value = to_arabic_digits(value).strip()
            if len(value) > 20:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class AgeField(forms.IntegerField):
    """Whole years; Khmer digits are fine. The range is checked by the service."""

    default_error_messages = {"invalid": _("Give the age as a number of years.")}

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = to_arabic_digits(value).strip()
            if len(value) > 6:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def _lines(text: str) -> list[str]:
    parts = [p.strip() for chunk in (text or "").splitlines() for p in chunk.split(",")]
    return [p for p in parts if p][: MAX_LINES + 1]


class PersonForm(forms.Form):
    name_km = forms.CharField(label=_("Name in Khmer script"), max_length=200, required=False)
    name_latin = forms.CharField(label=_("Name in Latin letters"), max_length=200, required=False)
    other_names = forms.CharField(
        label=_("Other names or spellings"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    date_of_birth = DateOfBirthField(label=_("Date of birth"), required=False)
    approximate_age = AgeField(
        label=_("Or: age (about)"),
        required=False,
        help_text=_("If the date of birth is not known."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    home_village = PlaceField(label=_("Home village"), kinds=[PlaceKind.VILLAGE], within="KH")
    current_place = PlaceField(
        label=_("Where the person is now"),
        required=False,
        help_text=_("A village, district, province or a place abroad."),
    )
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "inputmode": "tel"}),
        help_text=_("One per line. Khmer digits are fine."),
    )
    document_kind = forms.ChoiceField(
        label=_("Identity document"), choices=DocumentKind.choices, required=False
    )
    document_number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    document2_kind = forms.ChoiceField(
        label=_("Another document"), choices=DocumentKind.choices, required=False
    )
    document2_number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=Vulnerability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    confirm_duplicate_document = forms.BooleanField(
        label=_("I asked my supervisor: register this document number again"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, show_confirm: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_confirm:
            self.fields["confirm_duplicate_document"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(k) for k in ("name_km", "name_latin", "other_names")):
            self.add_error("name_km", _("Give at least one name."))
        return data

    # What the services take.
    def names(self) -> list[NameInput]:
        data = self.cleaned_data
        out = []
        if data.get("name_km"):
            out.append(NameInput(value=data["name_km"], script="km"))
        if data.get("name_latin"):
            out.append(NameInput(value=data["name_latin"], script="latin"))
        out += [
            NameInput(value=v) for v in (data.get("other_names") or "").splitlines() if v.strip()
        ]
        return out

    def phone_list(self) -> list[str]:
        return _lines(self.cleaned_data.get("phones") or "")

    def documents(self) -> list[DocumentInput]:
        data = self.cleaned_data
        docs = []
        for kind, number in (
            (data.get("document_kind"), data.get("document_number")),
            (data.get("document2_kind"), data.get("document2_number")),
        ):
            if number and number.strip():
                docs.append(DocumentInput(kind=kind or DocumentKind.OTHER, number=number))
        return docs

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "names": self.names(),
            "sex": data["sex"],
            "home_village": data["home_village"],
            "date_of_birth": data.get("date_of_birth"),
            "approximate_age": data.get("approximate_age"),
            "current_place": data.get("current_place"),
            "phones": self.phone_list(),
            "documents": self.documents(),
            "vulnerabilities": data.get("vulnerabilities") or [],
            "confirm_duplicate_document": bool(data.get("confirm_duplicate_document")),
        }


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    agency = forms.ModelChoiceField(
        label=_("Agency (for a referral)"),
        queryset=Agency.objects.filter(is_active=True).order_by("name_km"),
        required=False,
    )
    given = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Agrees")), ("no", _("Does not agree"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(label=_("How"), choices=ConsentMethod.choices)
    witness_name = forms.CharField(label=_("Witness's name"), max_length=200, required=False)


class MergeForm(forms.Form):
    other = forms.IntegerField(
        label=_("Number of the duplicate record"),
        min_value=1,
        help_text=_("The duplicate's record is merged into this one and can be undone."),
    )


class HouseholdForm(forms.Form):
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Relationship.choices)
    with_person = forms.IntegerField(
        label=_("Same household as person number"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to start a new household."),
    )


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, phone or document number"), max_length=200, required=False)
