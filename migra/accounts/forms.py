"""Forms for logging in and for administering agencies and users.

Forms only parse and check the shape of input; rules live in services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models.fields import BLANK_CHOICE_DASH
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from migra.accounts.identifiers import MAX_LOGIN_LENGTH
from migra.accounts.models import Agency, User
from migra.accounts.roles import AgencyKind, Role
from migra.lib.khmer.digits import to_arabic_digits
from migra.places.forms import PlaceField, PlaceMultipleField
from migra.places.models import PlaceKind


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Email or phone number"),
        max_length=MAX_LOGIN_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if username and password:
            # `request` lets the lockout backend count failures for this login name.
            user = authenticate(self.request, username=username, password=password)
            if user is None:
                raise forms.ValidationError(
                    _("The email or phone number and password do not match an active account."),
                    code="invalid_login",
                )
            self.user = user
        return data


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        # Khmer digits and spaces are fine: "១២៣ ៤៥៦" is 123456.
        token = to_arabic_digits(self.cleaned_data["token"]).replace(" ", "")
        if not (token.isascii() and token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("Type the 6 digits shown in your app."))
        return token


class AgencyForm(forms.Form):
    name_km = forms.CharField(label=_("Name in Khmer"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind of agency"), choices=AgencyKind.choices)
    home_place = PlaceField(
        label=_("Province or country"),
        kinds=[PlaceKind.PROVINCE, PlaceKind.COUNTRY, PlaceKind.REGION],
        required=False,
        help_text=_(
            "For provincial bodies, their province; "
            "for authorities abroad, their country or province."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ScopeFormMixin(forms.Form):
    all_places = forms.BooleanField(
        label=_("Works in all places"),
        required=False,
        help_text=_("Otherwise choose the provinces, districts or communes below."),
    )
    places = PlaceMultipleField(
        label=_("Places"),
        kinds=[PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.COMMUNE],
        required=False,
    )


class MembershipForm(ScopeFormMixin):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    # No default: giving someone a role, above all an admin one, must be a choice.
    role = forms.ChoiceField(label=_("Role"), choices=[*BLANK_CHOICE_DASH, *Role.choices])

    field_order = ["agency", "role", "all_places", "places"]

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


class UserFields(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        required=False,
        help_text=_("For example 012 345 678. Khmer digits are fine."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="km")


class InviteForm(UserFields, MembershipForm):
    field_order = [
        "full_name",
        "email",
        "phone",
        "language",
        "agency",
        "role",
        "all_places",
        "places",
    ]


class UserEditForm(UserFields):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    khmer_digits = forms.BooleanField(
        label=_("Show numbers and dates with Khmer digits (០១២៣)"), required=False
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), strip=False, max_length=200, widget=forms.PasswordInput
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common password; not only numbers."),
    )


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common password; not only numbers."),
    )
    password_again = forms.CharField(
        label=_("The same password again"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data
