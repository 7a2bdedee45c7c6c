"""Forms of the community app. They only parse what was typed; the services validate
and decide (the same services take ODK submissions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from migra.community.models import (
    Channel,
    DebtCurrency,
    GroupStatus,
    GuestAgeBand,
    GuestSex,
    MemberRole,
    ProblemKind,
    ReturnReason,
    Sector,
)
from migra.community.services import MAX_NAME, MAX_TEXT
from migra.people.forms import AgeField, DateOfBirthField
from migra.people.models import DocumentKind, Sex
from migra.places.forms import PlaceField, PlaceMultipleField
from migra.places.models import PlaceKind


class DateField(DateOfBirthField):
    """A date typed as YYYY-MM-DD or DD/MM/YYYY; Khmer digits are fine."""


class CountField(AgeField):
    default_error_messages = {"invalid": _("Give a whole number.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 10_000)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the group"), max_length=MAX_NAME)
    commune = PlaceField(label=_("Commune"), kinds=[PlaceKind.COMMUNE])
    villages = PlaceMultipleField(
        label=_("Villages"), kinds=[PlaceKind.VILLAGE], required=False, max_places=50
    )
    facilitators = forms.TypedMultipleChoiceField(
        label=_("Facilitators"),
        choices=(),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Nobody ticked: you."),
    )
    founded_on = DateField(label=_("Founded"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=GroupStatus.choices, initial=GroupStatus.ACTIVE
    )

    def __init__(self, *args: Any, facilitators: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].choices = facilitators  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    person = forms.IntegerField(
        label=_("Person number"),
        min_value=1,
        max_value=2**62,
        help_text=_("The number shown on the person's record in the registry."),
    )
    role = forms.ChoiceField(label=_("Role in the group"), choices=MemberRole.choices)


def guest_field_name(sex: str, band: str) -> str:
    return f"guests_{sex}_{band}"


class MeetingForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    held_on = DateField(label=_("Date of the meeting"))
    venue = forms.CharField(label=_("Place"), max_length=MAX_NAME, required=False)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    attendees = forms.TypedMultipleChoiceField(
        label=_("Members present"),
        widget=forms.CheckboxSelectMultiple,
        choices=(),
        coerce=int,
        required=False,
    )
    attendance_total = CountField(
        label=_("How many people came in all (if counted)"),
        help_text=_("Members and guests together. Leave empty if you ticked everybody."),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up = forms.CharField(
        label=_("Follow-up action"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    follow_up_owner = forms.TypedChoiceField(
        label=_("Who does it"), choices=(), coerce=int, required=False, empty_value=None
    )
    follow_up_due_on = DateField(label=_("Due"), required=False)

    def __init__(
        self,
        *args: Any,
        topics: list[tuple[str, str]],
        members: list[tuple[int, str]],
        owners: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = topics  # type: ignore[attr-defined]
        self.fields["attendees"].choices = members  # type: ignore[attr-defined]
        self.fields["follow_up_owner"].choices = _blank(owners)  # type: ignore[attr-defined]
        for sex, sex_label in GuestSex.choices:
            for band, band_label in GuestAgeBand.choices:
                self.fields[guest_field_name(sex, band)] = CountField(
                    label=f"{sex_label} · {band_label}"
                )

    def guest_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("guests_")]

    def guests(self) -> dict[tuple[str, str], int]:
        return {
            (sex, band): self.cleaned_data.get(guest_field_name(sex, band)) or 0
            for sex in GuestSex.values
            for band in GuestAgeBand.values
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("follow_up") and not (
            data.get("follow_up_owner") and data.get("follow_up_due_on")
        ):
            self.add_error("follow_up", _("Say who does it and by when."))
        return data


class EntryForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    person = forms.IntegerField(
        label=_("Person number (if already registered)"),
        min_value=1,
        max_value=2**62,
        required=False,
    )
    names = forms.CharField(label=_("Name of a new person"), max_length=MAX_NAME, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=_blank(Sex.choices), required=False)
    approximate_age = AgeField(label=_("Age"), required=False)
    home_village = PlaceField(label=_("Home village"), kinds=[PlaceKind.VILLAGE], required=False)
    confirm_possible_duplicate = forms.BooleanField(
        label=_("I checked: this is a different person or a new departure"), required=False
    )
    commune = PlaceField(label=_("Commune"), kinds=[PlaceKind.COMMUNE])
    departed_on = DateField(label=_("Departure date"), required=False)
    destination = PlaceField(
        label=_("Destination"),
        kinds=[PlaceKind.COUNTRY, PlaceKind.PROVINCE, PlaceKind.REGION],
        required=False,
        help_text=_("A country, a province or a city."),
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=_blank(Sector.choices), required=False)
    channel = forms.ChoiceField(
        label=_("How they went"), choices=_blank(Channel.choices), required=False
    )
    documents_held = forms.MultipleChoiceField(
        label=_("Documents held"),
        choices=DocumentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    debt_amount = forms.DecimalField(
        label=_("Debt taken to migrate"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    debt_currency = forms.ChoiceField(
        label=_("Currency"), choices=_blank(DebtCurrency.choices), required=False
    )
    last_contact_on = DateField(label=_("Last contact"), required=False)
    returned_on = DateField(label=_("Return date"), required=False)
    return_reason = forms.ChoiceField(
        label=_("Reason for return"), choices=_blank(ReturnReason.choices), required=False
    )

    ENTRY_FIELDS = (
        "departed_on",
        "destination",
        "sector",
        "channel",
        "documents_held",
        "debt_amount",
        "debt_currency",
        "last_contact_on",
        "returned_on",
        "return_reason",
    )

    def entry_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.ENTRY_FIELDS}


class EntryEditForm(EntryForm):
    """The register entry's own fields (the person and the commune stay)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (
            "token",
            "person",
            "names",
            "sex",
            "approximate_age",
            "home_village",
            "confirm_possible_duplicate",
            "commune",
        ):
            del self.fields[name]


class ProblemForm(forms.Form):
    problems = forms.MultipleChoiceField(
        label=_("Problems reported"),
        choices=ProblemKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    noted_on = DateField(label=_("Date"), required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SummaryPeriodForm(forms.Form):
    """The period of a commune or province summary (GET); both ends optional."""

    since = DateField(label=_("From"), required=False)
    until = DateField(label=_("To"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return data
