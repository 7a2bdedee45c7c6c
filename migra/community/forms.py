"""Forms of the community app. They only parse what was typed; the services validate
and decide (the same services take ODK submissions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from migra.accounts.models import User
from migra.community import services
from migra.community.models import (
    Channel,
    DebtCurrency,
    FollowUp,
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
from migra.people.models import DocumentKind, Relationship, Sex
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


class GroupEditForm(GroupForm):
    """A group's own fields; the commune stays. Deactivating is the status."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["commune"]
        self.fields["facilitators"].required = True
        self.fields["facilitators"].help_text = ""
        self.fields["status"].help_text = _(
            "A group that no longer meets is made inactive; it is never deleted."
        )


class MemberForm(forms.Form):
    """The person chosen (by the picker, or by their number) and their role."""

    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    person = forms.IntegerField(
        label=_("Person number"),
        min_value=1,
        max_value=2**62,
        help_text=_("The number shown on the person's record in the registry."),
    )
    role = forms.ChoiceField(label=_("Role in the group"), choices=MemberRole.choices)


class MemberPickForm(forms.Form):
    q = forms.CharField(
        label=_("Find the person: name or phone number"),
        max_length=200,
        required=False,
        help_text=_("A whole name, in Khmer or in Latin letters, or a phone number."),
    )


class MemberEditForm(forms.Form):
    role = forms.ChoiceField(label=_("Role in the group"), choices=MemberRole.choices)
    left_on = DateField(
        label=_("Left the group on"),
        required=False,
        help_text=_("Empty while the person is a member. Meetings they came to still count."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)


def guest_field_name(sex: str, band: str) -> str:
    return f"guests_{sex}_{band}"


def follow_up_field_name(follow_up_pk: int, part: str) -> str:
    return f"fu_{follow_up_pk}_{part}"


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

    def main_fields(self) -> list[Any]:
        """The visible fields but the guests and the open follow-ups (shown apart)."""
        return [
            field
            for field in self.visible_fields()
            if not field.name.startswith(("guests_", "fu_"))
        ]

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


class MeetingEditForm(MeetingForm):
    """A recorded meeting corrected: its fields, each open follow-up (changed or taken
    out) and one new follow-up. Follow-ups marked done are only shown."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)

    def __init__(self, *args: Any, open_follow_ups: Sequence[FollowUp], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["token"]
        self.fields["follow_up"].label = _("New follow-up action")
        owners = self.fields["follow_up_owner"].choices  # type: ignore[attr-defined]
        self.open_rows = list(open_follow_ups)
        for row in self.open_rows:
            self.fields[follow_up_field_name(row.pk, "action")] = forms.CharField(
                label=_("Follow-up action"),
                max_length=MAX_TEXT,
                required=False,
                initial=row.action,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[follow_up_field_name(row.pk, "owner")] = forms.TypedChoiceField(
                label=_("Who does it"),
                choices=owners,
                coerce=int,
                required=False,
                empty_value=None,
                initial=row.owner_id,
            )
            self.fields[follow_up_field_name(row.pk, "due_on")] = DateField(
                label=_("Due"), required=False, initial=row.due_on
            )
            self.fields[follow_up_field_name(row.pk, "remove")] = forms.BooleanField(
                label=_("Take this follow-up out"), required=False
            )

    def follow_up_sets(self) -> list[tuple[FollowUp, list[Any]]]:
        return [
            (
                row,
                [
                    self[follow_up_field_name(row.pk, p)]
                    for p in ("action", "owner", "due_on", "remove")
                ],
            )
            for row in self.open_rows
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for row in self.open_rows:
            if data.get(follow_up_field_name(row.pk, "remove")):
                continue
            action = follow_up_field_name(row.pk, "action")
            if not (
                data.get(action)
                and data.get(follow_up_field_name(row.pk, "owner"))
                and data.get(follow_up_field_name(row.pk, "due_on"))
            ):
                self.add_error(action, _("Say what, who does it and by when."))
        return data

    def follow_up_changes(
        self, owners: dict[int, User]
    ) -> dict[int, services.FollowUpInput | None]:
        """The open follow-ups changed (new values) or taken out (None); the others are
        left alone."""
        changes: dict[int, services.FollowUpInput | None] = {}
        for row in self.open_rows:
            if self.cleaned_data[follow_up_field_name(row.pk, "remove")]:
                changes[row.pk] = None
                continue
            action = self.cleaned_data[follow_up_field_name(row.pk, "action")]
            owner_pk = self.cleaned_data[follow_up_field_name(row.pk, "owner")]
            due_on = self.cleaned_data[follow_up_field_name(row.pk, "due_on")]
            if (action.strip(), owner_pk, due_on) != (row.action.strip(), row.owner_id, row.due_on):
                changes[row.pk] = services.FollowUpInput(
                    action=action, owner=owners[owner_pk], due_on=due_on
                )
        return changes


NEW_PERSON_FIELDS = (
    "names",
    "sex",
    "approximate_age",
    "home_village",
    "confirm_possible_duplicate",
)


class NewPersonFields(forms.Form):
    """A person not yet registered: the registry matches them before registering."""

    names = forms.CharField(label=_("Name of a new person"), max_length=MAX_NAME, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=_blank(Sex.choices), required=False)
    approximate_age = AgeField(label=_("Age"), required=False)
    home_village = PlaceField(label=_("Home village"), kinds=[PlaceKind.VILLAGE], required=False)
    confirm_possible_duplicate = forms.BooleanField(
        label=_("I checked: this is a different person or a new departure"), required=False
    )

    def new_person(self, phones: Sequence[str] = ()) -> services.NewPerson:
        data = self.cleaned_data
        return services.NewPerson(
            names=[data["names"]] if data["names"] else [],
            sex=data["sex"],
            home_village=data["home_village"],
            approximate_age=data["approximate_age"],
            phones=phones,
        )


class _NewPersonStep(NewPersonFields):
    """A new person registered and added somewhere in one step (with a phone)."""

    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["names"].required = True
        self.fields["confirm_possible_duplicate"].label = _("I checked: this is a different person")

    def new_member(self) -> services.NewPerson:
        phone = self.cleaned_data["phone"].strip()
        return self.new_person(phones=[phone] if phone else [])


class NewMemberForm(_NewPersonStep):
    """A new person registered and added to the group in one step."""

    field_order = ["names", "sex", "approximate_age", "home_village", "phone", "role"]
    role = forms.ChoiceField(label=_("Role in the group"), choices=MemberRole.choices)


def _relationship_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Who this person is in the household"), choices=_blank(Relationship.choices)
    )


def _migrant_relationship_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Who the migrant is in the household"),
        choices=_blank(Relationship.choices),
        required=False,
        help_text=_("The migrant has no household recorded yet: it is made with them."),
    )


class _AsksMigrant(forms.Form):
    """Who the migrant is in the household is asked only while they have none."""

    def __init__(self, *args: Any, asks_migrant: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not asks_migrant:
            del self.fields["migrant_relationship"]

    def chosen_migrant_relationship(self) -> str | None:
        return self.cleaned_data.get("migrant_relationship") or None


class HouseholdMemberForm(_AsksMigrant):
    """A registered person chosen (by the picker) as a migrant's family member."""

    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    relationship = _relationship_field()
    migrant_relationship = _migrant_relationship_field()


class NewHouseholdMemberForm(_AsksMigrant, _NewPersonStep):
    """A new person registered and added to a migrant's household in one step."""

    field_order = [
        "names",
        "sex",
        "approximate_age",
        "home_village",
        "phone",
        "relationship",
        "migrant_relationship",
    ]
    relationship = _relationship_field()
    migrant_relationship = _migrant_relationship_field()


class EntryForm(NewPersonFields):
    field_order = ["token", "person", *NEW_PERSON_FIELDS]
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    person = forms.IntegerField(
        label=_("Person number (if already registered)"),
        min_value=1,
        max_value=2**62,
        required=False,
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
        for name in ("token", "person", *NEW_PERSON_FIELDS, "commune"):
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


class TopicForm(forms.Form):
    name_km = forms.CharField(label=_("Name in Khmer"), max_length=MAX_NAME)
    name_en = forms.CharField(label=_("Name in English"), max_length=MAX_NAME)
    name_th = forms.CharField(
        label=_("Name in Thai"),
        max_length=MAX_NAME,
        required=False,
        help_text=_("Empty: Thai readers see the Khmer name."),
    )
    code = forms.CharField(
        label=_("Code (optional)"),
        max_length=services.MAX_CODE,
        required=False,
        help_text=_(
            "Used by forms and exports; it never changes. Empty: made from the English name."
        ),
    )


class TopicRenameForm(TopicForm):
    stamp = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["code"]


class TopicMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class TopicUseForm(forms.Form):
    in_use = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )
