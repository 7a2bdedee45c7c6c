"""Forms of the field-collection staff pages. They turn posts into plain values; the
services check the whole (the XLSForm, the media file, the corrected XML)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from migra.accounts.roles import Role
from migra.collect.instances import MAX_INSTANCE_BYTES
from migra.collect.models import BuiltinForm, FormState, SubmissionState

# Row versions are PositiveIntegerField: a bigger number could not be compared on
# PostgreSQL (integer out of range), so it is refused here as a stale page.
MAX_ROW_VERSION = 2**31 - 1


class FileField(forms.FileField):
    """The file itself is checked by the service (type from the content, size): an
    empty file reaches it too, for its own message."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_empty_file", True)
        kwargs.setdefault("max_length", None)
        super().__init__(**kwargs)


class UploadForm(forms.Form):
    file = FileField(
        label=_("XLSForm"),
        help_text=_(
            "An Excel file (.xlsx) with the sheets survey, choices and settings. A new "
            "version of a form needs a higher version in its settings sheet."
        ),
    )
    builtin = forms.ChoiceField(
        label=_("Built-in form"),
        choices=[("", _("No: a form of our own, kept as it is sent"))] + BuiltinForm.choices,
        required=False,
        help_text=_(
            "Only for Migra's own forms: their submissions become meetings, register "
            "entries, events, stories and tips."
        ),
    )
    # Uploaded from a form's own page: its errors are shown there.
    for_form = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ROW_VERSION
    )


class MediaForm(forms.Form):
    file = FileField(
        label=_("File"),
        help_text=_(
            "A picture, a sound or a CSV list the form uses. A file with the same name "
            "replaces the old one."
        ),
    )


class RowVersionForm(forms.Form):
    """The version of the form or submission the person saw."""

    row_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=MAX_ROW_VERSION
    )


class StateForm(RowVersionForm):
    state = forms.ChoiceField(choices=FormState.choices)


class RolesForm(RowVersionForm):
    roles = forms.MultipleChoiceField(
        label=_("Who gets this form on their phone"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class ReprocessForm(RowVersionForm):
    # Where to come back to (the queue or the submission's page); checked in the view.
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class FixForm(RowVersionForm):
    xml = forms.CharField(
        label=_("The submission's XML"),
        max_length=MAX_INSTANCE_BYTES,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "dir": "ltr"}),
        help_text=_(
            "Correct the answer that is wrong and keep everything else, the form's id and "
            "the instanceID too. Nothing is changed if the XML cannot be read."
        ),
    )

    def clean_xml(self) -> str:
        # Browsers send a textarea's lines with CR LF: keep the XML as phones sent it.
        return str(self.cleaned_data["xml"]).replace("\r\n", "\n")


class SubmissionFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("All"))] + SubmissionState.choices,
        required=False,
    )
