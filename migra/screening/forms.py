"""Forms of the screening app. The answers themselves are read by the view (one radio
group per question, `q_<topic>`); the service checks them against the catalogue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from migra.people.models import Sex
from migra.places.forms import PlaceField
from migra.places.models import PlaceKind
from migra.screening.models import AgeBand, Mode, SourceLabel, Strength

ANSWER_PREFIX = "q_"


class ScreeningForm(forms.Form):
    """Who is screened, where; the hidden fields tie the answers to one form."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    catalogue = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    mode = forms.ChoiceField(choices=Mode.choices, widget=forms.HiddenInput)
    person = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    age_band = forms.ChoiceField(
        label=_("Age"),
        choices=AgeBand.choices,
        widget=forms.RadioSelect,
        help_text=_("Under 18 or maybe under 18: the child lists are used."),
    )
    place = PlaceField(
        label=_("Village or commune"),
        kinds=[PlaceKind.VILLAGE, PlaceKind.COMMUNE],
        within="KH",
        help_text=_("Where the person lives. Only people working there see the screening."),
    )


def answers_from(data: Any) -> tuple[dict[str, str], list[str]]:
    """The answers posted (topic -> value) and the names posted more than once."""
    answers: dict[str, str] = {}
    repeated: list[str] = []
    for name in data:
        if not isinstance(name, str) or not name.startswith(ANSWER_PREFIX):
            continue
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        if len(values) != 1:
            repeated.append(name)
            continue
        answers[name[len(ANSWER_PREFIX) :][:60]] = str(values[0])[:20]
    return answers, repeated


class IndicatorForm(forms.Form):
    strength = forms.ChoiceField(
        label=_("Strength"), choices=[("", "—"), *Strength.choices], required=False
    )
    source = forms.ChoiceField(label=_("Source"), choices=SourceLabel.choices)
    disputed = forms.BooleanField(label=_("Disputed: check this row first"), required=False)
    confidence = forms.CharField(
        label=_("Confidence"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what this row was checked against, e.g. the page of the ILO PDF."),
    )
    question_km = forms.CharField(
        label=_("Question in Khmer"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )
    question_en = forms.CharField(
        label=_("Question in English"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )
    question_th = forms.CharField(
        label=_("Question in Thai"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )
    guided_order = forms.IntegerField(
        label=_("Position in the short screening"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=_("Empty: not asked in the short screening."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, forced_labour: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if forced_labour:
            del self.fields["strength"]


class NewVersionForm(forms.Form):
    note = forms.CharField(
        label=_("Why a new version"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("What changed"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: strengths of AL-3.13 and AL-3.14 checked against the ILO PDF."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class LinkPersonForm(forms.Form):
    person = forms.IntegerField(
        label=_("Number of the person's record"), min_value=1, max_value=2**63 - 1
    )
