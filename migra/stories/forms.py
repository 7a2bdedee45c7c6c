"""Forms of the stories pages. They turn posts into plain values (codes, ids, text);
the services check the whole."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from migra.community.models import Sector
from migra.lib.khmer.digits import to_arabic_digits

# Several photos from one input, each checked by the service: the same field as the
# outreach event photos.
from migra.outreach.forms import MAX_PHOTOS_PER_UPLOAD, MultiplePhotoInput, PhotosField
from migra.places.forms import PlaceField
from migra.places.models import PlaceKind
from migra.stories.models import StoryKind, Theme
from migra.stories.services import MAX_CAPTION, MAX_COMMENT, MAX_NAME, MAX_TEXT, MAX_TITLE


class KhmerIdField(forms.IntegerField):
    """A record number typed with Khmer or Arabic digits."""

    default_error_messages = {"invalid": _("Give a number.")}

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = to_arabic_digits(value).strip().lstrip("#")
            if len(value) > 18:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class StoryLinkForm(forms.Form):
    """On a person's page: the number of a story that person told."""

    story = KhmerIdField(
        label=_("Story number"),
        min_value=1,
        help_text=_(
            "The number the story's author gives you (it is on the story's page). The "
            "editors will then publish the story only with this person's consent."
        ),
    )


def _text_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class StoryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of story"), choices=StoryKind.choices)
    title_km = forms.CharField(label=_("Title in Khmer"), max_length=MAX_TITLE)
    text_km = forms.CharField(
        label=_("Story in Khmer"),
        max_length=MAX_TEXT,
        widget=_text_area(12),
        help_text=_(
            "Leave an empty line between paragraphs. Do not write anything that tells who "
            "the person is or exactly where they live."
        ),
    )
    place = PlaceField(
        label=_("Where the story comes from"),
        kinds=[PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.COMMUNE, PlaceKind.VILLAGE],
        within="KH",
        help_text=_("Only the province is ever shown to the public."),
    )
    destination = PlaceField(
        label=_("Destination (country or province abroad)"),
        kinds=[PlaceKind.COUNTRY, PlaceKind.REGION],
        required=False,
    )
    sector = forms.ChoiceField(
        label=_("Sector of work"), choices=[("", "—"), *Sector.choices], required=False
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        choices=Theme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    name_shown = forms.CharField(
        label=_("Name shown with the story"),
        max_length=MAX_NAME,
        required=False,
        help_text=_(
            "A made-up name (pseudonym), or leave empty. The real name only with the "
            "person's written consent to show it."
        ),
    )
    name_is_real = forms.BooleanField(label=_("This is the person's real name"), required=False)
    title_en = forms.CharField(label=_("Title in English"), max_length=MAX_TITLE, required=False)
    text_en = forms.CharField(
        label=_("Story in English"), max_length=MAX_TEXT, required=False, widget=_text_area(8)
    )
    title_th = forms.CharField(label=_("Title in Thai"), max_length=MAX_TITLE, required=False)
    text_th = forms.CharField(
        label=_("Story in Thai"), max_length=MAX_TEXT, required=False, widget=_text_area(8)
    )
    person = KhmerIdField(
        label=_("Person in the registry (number)"),
        required=False,
        min_value=1,
        help_text=_(
            "The number of the person's record, so that their consent can be checked. "
            "Leave empty if the story is about nobody who could be recognised."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    MAIN = ("kind", "title_km", "text_km", "place", "destination", "sector", "themes")
    NAME = ("name_shown", "name_is_real", "person")
    TRANSLATIONS = ("title_en", "text_en", "title_th", "text_th")

    def __init__(self, *args: Any, may_link_person: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.may_link_person = may_link_person
        if not may_link_person:
            del self.fields["person"]

    def group(self, names: tuple[str, ...]) -> list[Any]:
        return [self[name] for name in names if name in self.fields]

    def main_fields(self) -> list[Any]:
        return self.group(self.MAIN)

    def name_fields(self) -> list[Any]:
        return self.group(self.NAME)

    def translation_fields(self) -> list[Any]:
        return self.group(self.TRANSLATIONS)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        destination = data.get("destination")
        values: dict[str, Any] = {
            "kind": data["kind"],
            "title_km": data["title_km"],
            "text_km": data["text_km"],
            "title_en": data.get("title_en") or "",
            "text_en": data.get("text_en") or "",
            "title_th": data.get("title_th") or "",
            "text_th": data.get("text_th") or "",
            "place_code": data["place"].code,
            "destination_code": destination.code if destination else None,
            "sector": data.get("sector") or "",
            "themes": data.get("themes") or [],
            "name_shown": data.get("name_shown") or "",
            "name_is_real": bool(data.get("name_is_real")),
        }
        if self.may_link_person:
            values["person_id"] = data.get("person")
        return values


class VersionForm(forms.Form):
    """The version of the story the page showed (every transition names it)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class PublishForm(VersionForm):
    confirm_no_person = forms.BooleanField(
        label=_("I checked: this story identifies no one (no name, face, voice or detail)."),
        required=False,
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=MAX_COMMENT, widget=_text_area(3))


class SendBackForm(VersionForm):
    comment = forms.CharField(
        label=_("What should the author change?"), max_length=MAX_COMMENT, widget=_text_area(4)
    )


class PhotoUploadForm(forms.Form):
    # No `capture` attribute: phones then offer the camera and the gallery.
    photos = PhotosField(label=_("Photos"), widget=MultiplePhotoInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(label=_("Caption (optional)"), max_length=MAX_CAPTION, required=False)
    show_face = forms.BooleanField(
        label=_("These photos show someone's face"),
        required=False,
        help_text=_("A face is published only with that person's consent."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = gettext(
            "Up to %(n)d at once: JPEG, PNG or WebP. Location and camera details are "
            "removed from every photo."
        ) % {"n": MAX_PHOTOS_PER_UPLOAD}

    def clean_photos(self) -> list[Any]:
        files: list[Any] = self.cleaned_data["photos"]
        if len(files) > MAX_PHOTOS_PER_UPLOAD:
            raise ValidationError(
                _("Send at most %(n)d photos at once.") % {"n": MAX_PHOTOS_PER_UPLOAD},
                code="too_many",
            )
        return files


class PhotoEditForm(forms.Form):
    caption = forms.CharField(label=_("Caption"), max_length=MAX_CAPTION, required=False)
    show_face = forms.BooleanField(label=_("Shows a face"), required=False)
    hidden = forms.BooleanField(label=_("Leave out of the story"), required=False)


class CollectionForm(forms.Form):
    title_km = forms.CharField(label=_("Title in Khmer"), max_length=MAX_TITLE)
    intro_km = forms.CharField(
        label=_("Introduction in Khmer"), max_length=10_000, required=False, widget=_text_area(5)
    )
    title_en = forms.CharField(label=_("Title in English"), max_length=MAX_TITLE, required=False)
    intro_en = forms.CharField(
        label=_("Introduction in English"),
        max_length=10_000,
        required=False,
        widget=_text_area(4),
    )
    title_th = forms.CharField(label=_("Title in Thai"), max_length=MAX_TITLE, required=False)
    intro_th = forms.CharField(
        label=_("Introduction in Thai"), max_length=10_000, required=False, widget=_text_area(4)
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("title_km", "intro_km", "title_en", "intro_en", "title_th", "intro_th")
        return {name: data.get(name) or "" for name in names}


class CollectionSettingsForm(CollectionForm):
    cover = forms.TypedChoiceField(
        label=_("Cover photo"), coerce=int, required=False, empty_value=None
    )
    is_published = forms.BooleanField(
        label=pgettext_lazy("story state", "Published"), required=False
    )

    def __init__(self, *args: Any, cover_choices: list[tuple[int, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        field = self.fields["cover"]
        if isinstance(field, forms.TypedChoiceField):
            field.choices = [("", gettext("No cover")), *(cover_choices or [])]

    def service_fields(self) -> dict[str, Any]:
        values = super().service_fields()
        values["cover_id"] = self.cleaned_data.get("cover")
        values["is_published"] = bool(self.cleaned_data.get("is_published"))
        return values


class CollectionAddForm(VersionForm):
    story = forms.TypedChoiceField(label=_("Add a story"), coerce=int)

    def __init__(self, *args: Any, choices: list[tuple[int, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        field = self.fields["story"]
        if isinstance(field, forms.TypedChoiceField):
            field.choices = choices or []
