"""Forms of referrals and the referral directory. They check shapes and lengths; the
services (migra.cases.referral_services) check everything else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from migra.accounts.models import Agency
from migra.cases.models import (
    Case,
    CaseNote,
    Currency,
    ReferralStatus,
    ServiceKind,
    ServiceStatus,
    Urgency,
)
from migra.cases.referral_services import (
    MAX_DECLINE_REASON,
    MAX_REASON,
    MAX_UPDATE,
)
from migra.places.models import Place, PlaceKind

SHARE_CHOICES = [
    ("identity", _("Who the person is: names, sex, age, phone numbers")),
    ("summary", _("The case summary")),
    ("screening", _("The screening result")),
    ("services", _("The services in the case plan")),
    ("notes", _("Some notes (choose them below)")),
]

DEFAULT_DUE_DAYS = {Urgency.ROUTINE: 14, Urgency.URGENT: 3, Urgency.EMERGENCY: 0}
NOTE_EXCERPT = 80


class DateInput(forms.DateInput):
    input_type = "date"


class NoteChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        text = " ".join(str(obj.text).split())
        if len(text) > NOTE_EXCERPT:
            text = text[: NOTE_EXCERPT - 1] + "…"
        return f"{timezone.localtime(obj.at):%Y-%m-%d}: {text}"


class ReferralForm(forms.Form):
    to_agency = forms.ModelChoiceField(
        label=_("Refer to"), queryset=Agency.objects.none(), empty_label=_("Choose an agency")
    )
    requested_services = forms.MultipleChoiceField(
        label=_("Services the person needs"),
        choices=ServiceKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    due_on = forms.DateField(
        label=_("Answer needed by"),
        widget=DateInput,
        help_text=_("The agency should answer by then."),
    )
    reason = forms.CharField(
        label=_("Why you refer the case"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    shared_parts = forms.MultipleChoiceField(
        label=_("What the agency may see"),
        choices=SHARE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The agency sees the referral, the type of case, its risk and the province, "
            "and only what you tick here, as it is today."
        ),
    )
    notes = NoteChoiceField(
        label=_("Notes to share"),
        queryset=CaseNote.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    confirm_unoffered = forms.BooleanField(
        label=_("I checked with the agency: send anyway"), required=False
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from migra.cases.referral_services import NOT_RECEIVING

        agencies = (
            Agency.objects.filter(is_active=True)
            .exclude(pk=case.agency_id)
            .exclude(kind__in=NOT_RECEIVING)
        )
        self.fields["to_agency"].queryset = agencies.order_by("name_en", "name_km")  # type: ignore[attr-defined]
        self.fields["notes"].queryset = CaseNote.objects.filter(case=case).order_by("-at", "-pk")  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("urgency", Urgency.ROUTINE)
            self.initial.setdefault(
                "due_on",
                timezone.localdate() + dt.timedelta(days=DEFAULT_DUE_DAYS[Urgency.ROUTINE]),
            )


class SuggestForm(forms.Form):
    """The services asked for, to suggest agencies (GET, nothing is sent)."""

    requested_services = forms.MultipleChoiceField(
        choices=ServiceKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class DeclineForm(forms.Form):
    decline_reason = forms.CharField(
        label=_("Why you decline"),
        max_length=MAX_DECLINE_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UpdateForm(forms.Form):
    text = forms.CharField(
        label=_("Update"), max_length=MAX_UPDATE, widget=forms.Textarea(attrs={"rows": 3})
    )


def _amount(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, min_value=0, required=False
    )


class ServiceAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=ServiceKind.choices)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (ServiceStatus.PLANNED, ServiceStatus.PLANNED.label),
            (ServiceStatus.IN_PROGRESS, ServiceStatus.IN_PROGRESS.label),
            (ServiceStatus.DELIVERED, ServiceStatus.DELIVERED.label),
        ],
    )
    planned_on = forms.DateField(label=_("Planned for"), required=False, widget=DateInput)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[("", "—"), *Currency.choices], required=False
    )
    amount_claimed = _amount(_("Amount claimed"))
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ServiceEditForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[(s.value, s.label) for s in ServiceStatus]
    )
    started_on = forms.DateField(label=_("Started"), required=False, widget=DateInput)
    delivered_on = forms.DateField(label=_("Delivered"), required=False, widget=DateInput)
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[("", "—"), *Currency.choices], required=False
    )
    amount_claimed = _amount(_("Amount claimed"))
    amount_recovered = _amount(_("Amount recovered"))
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _provinces() -> Any:
    return Place.objects.filter(kind=PlaceKind.PROVINCE).order_by("code")


class ProvinceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class OfferForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    kind = forms.ChoiceField(label=_("Service"), choices=ServiceKind.choices)
    province = ProvinceChoiceField(
        label=_("Province"),
        queryset=Place.objects.none(),
        required=False,
        empty_label=_("Every province"),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["province"].queryset = _provinces()  # type: ignore[attr-defined]


class OfferEditForm(OfferForm):
    is_active = forms.BooleanField(label=_("In the directory"), required=False)
    version = forms.CharField(widget=forms.HiddenInput, max_length=64)


class DirectoryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Service"), choices=[("", _("Any service")), *ServiceKind.choices], required=False
    )
    province = ProvinceChoiceField(
        label=_("Province"),
        queryset=Place.objects.none(),
        required=False,
        empty_label=_("Any province"),
    )
    inactive = forms.BooleanField(label=_("Show inactive entries"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = _provinces()  # type: ignore[attr-defined]


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", pgettext_lazy("referrals filter", "Still open")),
            ("all", _("All")),
            *ReferralStatus.choices,
        ],
    )
