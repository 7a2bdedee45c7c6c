"""Forms of the staff pages of the documents library. They turn posts into plain values;
the services check the whole (and the file)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from migra.documents.models import DocumentCategory, DocumentLanguage
from migra.documents.services import MAX_DESCRIPTION, MAX_NOTE, MAX_TITLE


def _text_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class DocumentForm(forms.Form):
    title_km = forms.CharField(label=_("Title in Khmer"), max_length=MAX_TITLE)
    category = forms.ChoiceField(label=_("Category"), choices=DocumentCategory.choices)
    languages = forms.MultipleChoiceField(
        label=_("Written in"),
        choices=DocumentLanguage.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the language the document is written in.")},
    )
    published_on = forms.DateField(
        label=_("Date of the document"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When it came out. The public library is sorted and filtered by it."),
    )
    description_km = forms.CharField(
        label=_("Description in Khmer"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=_text_area(5),
        help_text=_("Plain text: what the document is about, who it is for."),
    )
    title_en = forms.CharField(label=_("Title in English"), max_length=MAX_TITLE, required=False)
    description_en = forms.CharField(
        label=_("Description in English"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=_text_area(4),
    )
    title_th = forms.CharField(label=_("Title in Thai"), max_length=MAX_TITLE, required=False)
    description_th = forms.CharField(
        label=_("Description in Thai"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=_text_area(4),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    MAIN: tuple[str, ...] = ("title_km", "category", "languages", "published_on", "description_km")
    TRANSLATIONS: tuple[str, ...] = ("title_en", "description_en", "title_th", "description_th")
    SERVICE_FIELDS: tuple[str, ...] = (*MAIN, *TRANSLATIONS)

    def group(self, names: tuple[str, ...]) -> list[Any]:
        return [self[name] for name in names if name in self.fields]

    def main_fields(self) -> list[Any]:
        return self.group(self.MAIN)

    def translation_fields(self) -> list[Any]:
        return self.group(self.TRANSLATIONS)

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


class FileField(forms.FileField):
    """The file itself is checked by the service (type from the content, size, macros):
    an empty file reaches it too, for its own message."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_empty_file", True)
        kwargs.setdefault("max_length", None)
        super().__init__(**kwargs)


FILE_HELP = _(
    "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), JPEG or PNG. No files with "
    "macros. Photos and pictures lose their hidden data (camera, place) on upload."
)


class DocumentNewForm(DocumentForm):
    file = FileField(label=_("File"), required=False, help_text=FILE_HELP)
    note = forms.CharField(
        label=_("Note on this file"),
        max_length=MAX_NOTE,
        required=False,
        help_text=_("Optional: e.g. “final version”."),
    )

    MAIN = (*DocumentForm.MAIN, "file")


class VersionUploadForm(forms.Form):
    file = FileField(label=_("New file"), help_text=FILE_HELP)
    note = forms.CharField(
        label=_("What changed"),
        max_length=MAX_NOTE,
        required=False,
        help_text=_("Shown to the public with the list of versions."),
    )


class VersionForm(forms.Form):
    """The version of the document the editor saw (publish, unpublish)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
