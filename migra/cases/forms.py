"""Forms of the case pages. They convert what was typed (Khmer digits too); the checks
of the whole live in the services (migra/cases/services.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from migra.accounts.models import Agency, User
from migra.cases.models import (
    CaseStatus,
    CaseType,
    ClosingReason,
    Currency,
    RiskLevel,
    ServiceKind,
    ServiceStatus,
)
from migra.lib.khmer.digits import to_arabic_digits
from migra.places.forms import PlaceField
from migra.places.models import Place, PlaceKind

MAX_DATE_TEXT = 20
MAX_AMOUNT_TEXT = 30


def _blank(choices: list[tuple[str, Any]], label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


def _choices(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


class DayField(forms.DateField):
    """A date typed as YYYY-MM-DD or DD/MM/YYYY; Khmer digits are fine."""

    widget = forms.DateInput(attrs={"type": "date"})
    default_error_messages = {"invalid": _("Give a real date, for example 2026-05-17.")}
    input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str):
            value = to_arabic_digits(value).strip()
            if len(value) > MAX_DATE_TEXT:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class AmountField(forms.CharField):
    """An amount as typed ("45,000.50", Khmer digits); the service checks its range."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_AMOUNT_TEXT)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str | None:
        text = to_arabic_digits(super().to_python(value) or "")
        text = text.replace(",", "").replace(" ", "").replace("\u00a0", "")
        return text or None


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


# --------------------------------------------------------------------------- opening and editing


class CaseForm(forms.Form):
    """The facts of a case, for opening one and for changing it."""

    case_type = forms.ChoiceField(label=_("Type"), choices=_blank(CaseType.choices))
    risk = forms.ChoiceField(label=_("Risk"), choices=_blank(RiskLevel.choices))
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), required=False
    )
    assigned_to = UserChoiceField(
        label=_("Caseworker"), queryset=User.objects.none(), required=False
    )
    origin = PlaceField(
        label=_("Where the person comes from"),
        kinds=[PlaceKind.VILLAGE, PlaceKind.COMMUNE],
        within="KH",
        help_text=_("The village or commune: it decides who may see the case."),
    )
    destination = PlaceField(
        label=_("Where the person went"),
        kinds=[PlaceKind.COUNTRY, PlaceKind.REGION],
        required=False,
        help_text=_("A country or a province abroad."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happened, in a few lines. Kept encrypted."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        agencies: list[Agency] | None = None,
        caseworkers: QuerySet[User] | None = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        agencies = agencies or []
        if editing or len(agencies) <= 1:
            del self.fields["agency"]
        else:
            _choices(self, "agency").queryset = Agency.objects.filter(
                pk__in=[a.pk for a in agencies]
            ).order_by("name_km")
            self.fields["agency"].required = True
        _choices(self, "assigned_to").queryset = (
            caseworkers if caseworkers is not None else User.objects.none()
        )
        if not editing:
            del self.fields["version"]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            "case_type": data["case_type"],
            "risk": data["risk"],
            "origin": data["origin"],
            "destination": data.get("destination"),
            "summary": data.get("summary") or "",
            "assigned_to": data.get("assigned_to"),
        }
        if "agency" in self.fields:
            fields["agency"] = data.get("agency")
        return fields


class PersonPickForm(forms.Form):
    q = forms.CharField(label=_("Name, phone or document number"), max_length=200, required=False)


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=CaseStatus.choices, widget=forms.HiddenInput)
    closing_reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=_blank(ClosingReason.choices), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


# --------------------------------------------------------------------------- the case plan


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=_blank(ServiceKind.choices))
    agency = forms.ModelChoiceField(
        label=_("By which agency"), queryset=Agency.objects.filter(is_active=True)
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=ServiceStatus.choices, initial=ServiceStatus.PLANNED
    )
    planned_on = DayField(label=_("Planned for"), required=False)
    due_on = DayField(label=_("Due"), required=False)
    currency = forms.ChoiceField(
        label=_("Currency"), choices=_blank(Currency.choices), required=False
    )
    amount_claimed = AmountField(label=_("Amount claimed"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "agency").queryset = Agency.objects.filter(is_active=True).order_by(
            "name_km"
        )


class ServiceUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    started_on = DayField(label=_("Started"), required=False)
    delivered_on = DayField(label=_("Delivered"), required=False)
    currency = forms.ChoiceField(
        label=_("Currency"), choices=_blank(Currency.choices), required=False
    )
    amount_claimed = AmountField(label=_("Amount claimed"))
    amount_recovered = AmountField(label=_("Amount recovered"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "started_on": data.get("started_on"),
            "delivered_on": data.get("delivered_on"),
            "currency": data.get("currency") or "",
            "amount_claimed": data.get("amount_claimed"),
            "amount_recovered": data.get("amount_recovered"),
            "note": data.get("note") or "",
        }


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    due_on = DayField(label=_("Due"))
    assigned_to = UserChoiceField(label=_("For"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, caseworkers: QuerySet[User] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "assigned_to").queryset = (
            caseworkers if caseworkers is not None else User.objects.none()
        )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A photo (JPEG, PNG, WebP, HEIC) or a PDF. Kept encrypted."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,application/pdf"}
        ),
    )
    description = forms.CharField(label=_("What it is"), max_length=500, required=False)


# --------------------------------------------------------------------------- the list


FILTER_NAMES = ("status", "case_type", "risk", "province", "agency", "mine", "overdue")


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank(CaseStatus.choices, _("Any")), required=False
    )
    case_type = forms.ChoiceField(
        label=_("Type"), choices=_blank(CaseType.choices, _("Any")), required=False
    )
    risk = forms.ChoiceField(
        label=_("Risk"), choices=_blank(RiskLevel.choices, _("Any")), required=False
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=Place.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("Any"),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), required=False, empty_label=_("Any")
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)

    def __init__(self, *args: Any, agencies: QuerySet[Agency] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "province").queryset = Place.objects.filter(
            kind=PlaceKind.PROVINCE, path__startswith="KH/"
        ).order_by("code")
        _choices(self, "agency").queryset = (
            agencies if agencies is not None else Agency.objects.none()
        )

    def query_string(self) -> str:
        """The valid filters as a query string (for links, saved views and exports)."""
        if not self.is_valid():
            return ""
        data = self.cleaned_data
        pairs: list[tuple[str, str]] = []
        for name in FILTER_NAMES:
            value = data.get(name)
            if not value:
                continue
            if isinstance(value, Place):
                pairs.append((name, value.code))
            elif isinstance(value, Agency):
                pairs.append((name, str(value.pk)))
            elif value is True:
                pairs.append((name, "1"))
            else:
                pairs.append((name, str(value)))
        return urlencode(pairs)


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of this view"), max_length=80)
