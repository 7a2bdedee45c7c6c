"""Forms of tips: the public "report a concern" form, the hotline form and the triage
forms. Checks of the whole live in `tip_services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from migra.cases.models import CaseType, RiskLevel, TipStatus
from migra.cases.tip_services import MAX_CONTACT, MAX_PLACE_NOTE, MAX_TEXT, DismissReason
from migra.lib.khmer.digits import to_arabic_digits
from migra.places.forms import PlaceField
from migra.places.models import Place, PlaceKind

CAMBODIA = "KH"
# Where Cambodians most often go to work, offered first on the public form (ISO codes
# of the gazetteer's countries); any other country is "another country" plus words.
DESTINATION_COUNTRIES = ("TH", "MY", "KR", "JP", "CN", "VN", "LA", "SG", "TW", "SA")
OTHER_COUNTRY = "other"

_TEXT_ERRORS = {
    "required": _("Tell us what happened."),
    "max_length": _("Write at most %(limit_value)d characters (you wrote %(show_value)d)."),
}
_PICK = {"invalid_choice": _("Choose from the list.")}
_NO_AUTOFILL = {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101  (a programming error)
    field.choices = choices


def _place_choices(places: Any) -> list[tuple[str, str]]:
    return [("", "—")] + [(p.code, p.name) for p in places]


def _children(parent_code: str, kind: str) -> list[Place]:
    if not parent_code or len(parent_code) > 16:
        return []
    return list(
        Place.objects.filter(parent__code=parent_code, kind=kind, path__startswith=CAMBODIA + "/")
        .only("code", "kind", "name_km", "name_en", "name_th")
        .order_by("code")
    )


def report_place_children(code: str) -> list[Place]:
    """The districts of a Cambodian province or the communes of a district (the public
    form's lists); nothing for any other code."""
    if not isinstance(code, str) or not code.isascii() or not code.isdigit():
        return []
    if len(code) == 2:
        return _children(code, PlaceKind.DISTRICT)
    if len(code) == 4:
        return _children(code, PlaceKind.COMMUNE)
    return []


class ReportConcernForm(forms.Form):
    """What a worried relative fills in on a phone. Everything but the text is optional."""

    WHERE_CAMBODIA = "kh"
    WHERE_ABROAD = "abroad"
    WHERE_UNKNOWN = "unknown"

    text = forms.CharField(
        label=_("What happened?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": MAX_TEXT, **_NO_AUTOFILL}),
        help_text=_(
            "Who is in trouble, where, since when, and what you saw or heard. Write in "
            "Khmer, English or Thai, as you like."
        ),
        error_messages=_TEXT_ERRORS,
    )
    where = forms.ChoiceField(
        label=_("Where is this happening?"),
        choices=[
            (WHERE_CAMBODIA, _("In Cambodia")),
            (WHERE_ABROAD, _("In another country")),
            (WHERE_UNKNOWN, _("I do not know")),
        ],
        initial=WHERE_CAMBODIA,
        required=False,
        widget=forms.RadioSelect,
        error_messages=_PICK,
    )
    # District and commune offer the places inside the province and district posted with
    # them, so a commune of another district is refused as not in the list.
    province = forms.ChoiceField(label=_("Province"), required=False, error_messages=_PICK)
    district = forms.ChoiceField(label=_("District"), required=False, error_messages=_PICK)
    commune = forms.ChoiceField(label=_("Commune"), required=False, error_messages=_PICK)
    country = forms.ChoiceField(label=_("Country"), required=False, error_messages=_PICK)
    place_note = forms.CharField(
        label=_("Village, town or city"),
        required=False,
        max_length=MAX_PLACE_NOTE,
        widget=forms.TextInput(attrs={"maxlength": MAX_PLACE_NOTE, **_NO_AUTOFILL}),
        help_text=_("For example the village, or the city and the workplace abroad."),
        error_messages={"max_length": _("Write at most %(limit_value)d characters.")},
    )
    contact = forms.CharField(
        label=_("How can we reach you? (optional)"),
        required=False,
        max_length=MAX_CONTACT,
        widget=forms.TextInput(attrs={"maxlength": MAX_CONTACT, **_NO_AUTOFILL}),
        help_text=_(
            "A phone number (Khmer digits are fine), Telegram or another way. It is kept "
            "private: only the programme's trained staff can read it, and it is never "
            "published or passed on. Leave it empty to stay anonymous."
        ),
        error_messages={"max_length": _("Write at most %(limit_value)d characters.")},
    )
    # A field people never see (hidden by CSS, skipped by keyboards and screen readers):
    # a robot that fills every field fills this one too.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = Place.objects.filter(kind=PlaceKind.PROVINCE, parent__code=CAMBODIA).order_by(
            "code"
        )
        _choices(self, "province", _place_choices(provinces))
        data = self.data if self.is_bound else {}
        province = str(data.get("province") or "")
        district = str(data.get("district") or "")
        _choices(self, "district", _place_choices(_children(province, PlaceKind.DISTRICT)))
        _choices(self, "commune", _place_choices(_children(district, PlaceKind.COMMUNE)))
        countries = {
            p.code: p
            for p in Place.objects.filter(kind=PlaceKind.COUNTRY, code__in=DESTINATION_COUNTRIES)
        }
        _choices(
            self,
            "country",
            [
                ("", "—"),
                *[(c, countries[c].name) for c in DESTINATION_COUNTRIES if c in countries],
                (OTHER_COUNTRY, _("Another country")),
            ],
        )

    @property
    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get("website") or "").strip())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        where = data.get("where") or self.WHERE_UNKNOWN
        place: Place | None = None
        if where == self.WHERE_CAMBODIA:
            code = data.get("commune") or data.get("district") or data.get("province")
            if code:
                place = Place.objects.filter(code=code).first()
        elif where == self.WHERE_ABROAD:
            code = data.get("country")
            if code and code != OTHER_COUNTRY:
                place = Place.objects.filter(code=code, kind=PlaceKind.COUNTRY).first()
        data["place"] = place
        return data


class HotlineTipForm(forms.Form):
    """A tip taken on the phone, typed by the staff member who answered."""

    text = forms.CharField(
        label=_("What the caller said"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MAX_TEXT}),
        help_text=_("What happened, to whom, where and since when, in the caller's words."),
        error_messages=_TEXT_ERRORS,
    )
    place = PlaceField(
        label=_("Where"),
        required=False,
        help_text=_(
            "As precisely as the caller knows: a village, commune, district, province or a "
            "place abroad. Leave empty if unknown."
        ),
    )
    place_note = forms.CharField(
        label=_("The place in the caller's words"),
        required=False,
        max_length=MAX_PLACE_NOTE,
        error_messages={"max_length": _("Write at most %(limit_value)d characters.")},
    )
    contact = forms.CharField(
        label=_("How to reach the caller"),
        required=False,
        max_length=MAX_CONTACT,
        help_text=_("Only if the caller agrees. Khmer digits are fine."),
        error_messages={"max_length": _("Write at most %(limit_value)d characters.")},
    )


class TipFilterForm(forms.Form):
    ALL = "all"

    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[*TipStatus.choices, (ALL, _("All tips"))],
        initial=TipStatus.NEW,
    )

    def chosen_status(self) -> str | None:
        """The status to filter by, or None for every tip."""
        if not self.is_valid():
            return TipStatus.NEW
        status = self.cleaned_data.get("status") or TipStatus.NEW
        return None if status == self.ALL else status


class _VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31)


class DismissTipForm(_VersionedForm):
    reason = forms.ChoiceField(
        label=_("Why dismiss this tip?"),
        choices=DismissReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why this tip is dismissed.")},
    )


class MergeTipForm(_VersionedForm):
    case_number = forms.CharField(
        label=_("Case number"),
        max_length=40,
        help_text=_("The number of a case you manage, for example MG-2026-000042."),
        error_messages={"required": _("Enter the case number.")},
    )

    def clean_case_number(self) -> str:
        value = to_arabic_digits(self.cleaned_data["case_number"]).strip().upper()
        return "".join(value.split())


class OpenCaseForm(_VersionedForm):
    # The persons found by the search on the same page (persons the user may manage).
    person = forms.TypedChoiceField(
        label=_("Person"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Find the person in the people registry and choose them."),
            "invalid_choice": _("Find the person in the people registry and choose them."),
        },
    )
    case_type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices)
    risk = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices)
    origin = PlaceField(
        label=_("Place of origin"),
        within=CAMBODIA,
        required=False,
        help_text=_("Leave empty to use the person's home village."),
    )
    destination = PlaceField(label=_("Destination"), required=False)
    copy_text = forms.BooleanField(
        label=_("Copy what the tip says into the case summary"), required=False, initial=True
    )

    def __init__(
        self, *args: Any, person_choices: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "person", person_choices or [])


class PersonLookupForm(forms.Form):
    q = forms.CharField(
        label=_("Find the person: name, phone or document number"),
        required=False,
        max_length=200,
    )
