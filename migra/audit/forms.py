"""The filters above the audit trail (GET). Bad input shows an error, never a 500."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from migra.audit.models import AuditAction, AuditEvent

# Dates outside these bounds cannot be turned into a moment in every time zone.
EARLIEST = date(1970, 1, 1)
LATEST = date(2999, 12, 31)

_DATE_ERRORS = {"invalid": _("Enter a date as YYYY-MM-DD, for example 2026-04-14.")}


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        error_messages=_DATE_ERRORS,
        widget=forms.DateInput(
            format="%Y-%m-%d",
            attrs={"type": "date", "min": EARLIEST.isoformat(), "max": LATEST.isoformat()},
        ),
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=200,
        help_text=_("Part of the name of whoever acted."),
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *AuditAction.choices],
        error_messages={"invalid_choice": _("Choose an action from the list.")},
    )
    object_type = forms.CharField(
        label=_("Record type"),
        required=False,
        max_length=60,
        help_text=_("For example accounts.user, or accounts for every type of that app."),
    )
    object_id = forms.CharField(label=_("Record number"), required=False, max_length=64)
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))

    def _clean_date(self, name: str) -> date | None:
        value: date | None = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                _("Enter a date between %(earliest)s and %(latest)s."),
                code="out_of_range",
                params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
            )
        return value

    def clean_date_from(self) -> date | None:
        return self._clean_date("date_from")

    def clean_date_to(self) -> date | None:
        return self._clean_date("date_to")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """Apply the valid filters. Call after is_valid()."""
        data = self.cleaned_data
        if actor := data.get("actor", "").strip():
            events = events.filter(actor_label__icontains=actor)
        if action := data.get("action"):
            events = events.filter(action=action)
        if object_type := data.get("object_type", "").strip().lower():
            if "." in object_type:
                events = events.filter(object_type=object_type)
            else:
                events = events.filter(object_type__startswith=f"{object_type}.")
        if object_id := data.get("object_id", "").strip():
            events = events.filter(object_id=object_id)
        # Days are days where the programme works (the current time zone).
        zone = timezone.get_current_timezone()
        if start := data.get("date_from"):
            events = events.filter(at__gte=datetime.combine(start, time.min, tzinfo=zone))
        if end := data.get("date_to"):
            day_after = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
            events = events.filter(at__lt=day_after)
        return events

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)
