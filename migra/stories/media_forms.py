"""Forms of story media on the story page (the uploads themselves speak tus, not forms)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from migra.stories.services import MAX_CAPTION


class MediaEditForm(forms.Form):
    caption = forms.CharField(label=_("Caption"), max_length=MAX_CAPTION, required=False)
    show_face = forms.BooleanField(label=_("Shows a face"), required=False)
    has_voice = forms.BooleanField(label=_("Someone's voice can be heard"), required=False)
    hidden = forms.BooleanField(label=_("Leave out of the story"), required=False)
