"""Form fields for choosing places: a type-ahead picker for one place or several.

    home_place = PlaceField(kinds=[PlaceKind.PROVINCE], within="KH", required=False)
    places = PlaceMultipleField(kinds=[PlaceKind.PROVINCE, PlaceKind.DISTRICT])

The browser posts place codes (ids are accepted too; a code wins when a value could
be both). Without JavaScript a person can type a code or an exact name and the
field resolves it. Templates must render `{{ form.media }}` to load the picker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from migra.places.models import Place, PlaceKind
from migra.places.normalise import code_key, search_key
from migra.places.selectors import (
    PlaceMatch,
    inside_q,
    place_by_code,
    places_by_codes,
    valid_kinds,
    with_ancestors,
)

MAX_VALUE_LENGTH = 200
MAX_PLACES = 500
MAX_ERRORS = 5
TEXT_SUFFIX = "_text"

Within = Place | str | None


def _resolve_within(within: Within) -> Place | None:
    if within is None or isinstance(within, Place):
        return within
    place = place_by_code(within)
    if place is None:
        raise ValueError(f"no place with code {within!r} to search within")
    return place


def _kind_label(kind: str) -> str:
    return str(PlaceKind(kind).label) if kind in PlaceKind.values else kind


def _is_pk(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


class _PlacePicker(forms.Widget):
    """Text box + listbox filled from places:search by places/picker.js."""

    template_name = "places/widgets/place_picker.html"
    multiple = False

    class Media:
        js = ("places/picker.js",)
        css = {"all": ("places/places.css",)}

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        *,
        kinds: Sequence[str] | None = None,
        within: Within = None,
    ) -> None:
        super().__init__(attrs)
        self.kinds = list(kinds) if kinds else []
        self.within = within

    def _values(self, value: Any) -> list[Any]:
        if value is None or value == "":
            return []
        if isinstance(value, str | int | Place):
            return [value]
        return list(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        raw = self._values(value)[:MAX_PLACES]
        matches = _matches_for(raw)
        unresolved = [v for v in raw if isinstance(v, str) and v and not _matched(v, matches)]
        # One place: the text box shows its name, or what was typed and not found.
        text_value = ""
        if not self.multiple and matches:
            text_value = matches[0].place.name
        elif not self.multiple and unresolved:
            text_value = unresolved[0][:MAX_VALUE_LENGTH]
        try:
            search_url = reverse("places:search")
        except NoReverseMatch:  # a site without the places URLs: no type-ahead
            search_url = ""
        within = self.within.code if isinstance(self.within, Place) else (self.within or "")
        widget = context["widget"]
        widget_id = widget["attrs"].get("id") or f"id_{name}"
        # The text box carries the field's attributes (id, aria-*, required for one
        # place), plus its own class and the status line among its descriptions.
        text_attrs = dict(widget["attrs"])
        if self.multiple:
            text_attrs.pop("required", None)  # an empty text box is fine once places are ticked
        classes = ["place-picker-input", text_attrs.get("class")]
        text_attrs["class"] = " ".join(filter(None, classes))
        described = [text_attrs.get("aria-describedby"), f"{widget_id}_status"]
        text_attrs["aria-describedby"] = " ".join(filter(None, described))
        widget.update(
            {
                "matches": matches,
                "text_name": name + TEXT_SUFFIX,
                "text_attrs": text_attrs,
                "text_value": text_value,
                "search_url": search_url,
                "kinds": ",".join(self.kinds),
                "within": within,
                "multiple": self.multiple,
                "listbox_id": f"{widget_id}_listbox",
                "status_id": f"{widget_id}_status",
            }
        )
        return context

    def format_value(self, value: Any) -> Any:
        return value

    def id_for_label(self, id_: str) -> str:
        return id_


def _matched(value: str, matches: list[PlaceMatch]) -> bool:
    return any(m.place.code == value or str(m.place.pk) == value for m in matches)


def _matches_for(values: Iterable[Any]) -> list[PlaceMatch]:
    """Places (with labels) for the widget's current values: Places, ids or codes."""
    places: list[Place] = []
    pks: list[int] = []
    codes: list[str] = []
    for value in values:
        if isinstance(value, Place):
            places.append(value)
        elif _is_pk(value):
            pks.append(value)
        elif isinstance(value, str) and 0 < len(value) <= 16:
            codes.append(value)
    found = places_by_codes(codes)
    digit_ids = [int(c) for c in codes if c.isascii() and c.isdigit() and c not in found]
    if pks or digit_ids:
        places += list(Place.objects.filter(pk__in=[*pks, *digit_ids][:MAX_PLACES]))
    places += list(found.values())
    unique = list({p.pk: p for p in places}.values())
    return with_ancestors(unique)


class PlacePickerWidget(_PlacePicker):
    """One place: a text box to search and a hidden input holding the chosen code."""

    def value_from_datadict(
        self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str
    ) -> Any:
        chosen = data.get(name)
        if chosen:
            return chosen
        typed = data.get(name + TEXT_SUFFIX)
        return typed.strip() if isinstance(typed, str) else None

    def value_omitted_from_data(
        self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str
    ) -> bool:
        return name not in data and name + TEXT_SUFFIX not in data


class PlaceMultiplePickerWidget(_PlacePicker):
    """Several places: a checked box per chosen place (untick to remove) and a text box."""

    multiple = True

    def value_from_datadict(
        self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str
    ) -> Any:
        getlist = getattr(data, "getlist", None)
        chosen = list(getlist(name)) if getlist else list(data.get(name) or [])
        typed = data.get(name + TEXT_SUFFIX)
        if isinstance(typed, str) and typed.strip():
            chosen.append(typed.strip())
        return chosen

    def value_omitted_from_data(
        self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str
    ) -> bool:
        # An empty selection posts nothing: that is a choice, not an omission.
        return False


class _PlaceFieldMixin:
    """What the single and multiple fields share: which places are allowed, and lookups."""

    place_error_messages = {
        "invalid_choice": _("No place matches “%(value)s”. Choose a place from the list."),
        "ambiguous": _(
            "Several places are called “%(value)s”. Choose the one you mean from the list."
        ),
        "wrong_kind": _("“%(place)s” is a %(kind)s. Choose a place of this kind: %(kinds)s."),
        "outside": _("“%(place)s” is not inside %(within)s."),
        "too_many": _("Choose at most %(limit)d places."),
    }
    error_messages: dict[str, Any]

    def _setup(self, kinds: Iterable[str] | None, within: Within) -> None:
        self.kinds = valid_kinds(kinds) or []
        self.within = within
        self._within_place: Place | None = None

    def _within(self) -> Place | None:
        """`within` as a place, looked up once per form."""
        if self.within is None:
            return None
        if self._within_place is None:
            self._within_place = _resolve_within(self.within)
        return self._within_place

    def _tell_widget(self) -> None:
        """A widget given by the caller still searches only the allowed places."""
        widget = getattr(self, "widget", None)
        if isinstance(widget, _PlacePicker):
            widget.kinds = list(self.kinds)
            widget.within = self.within

    def _allowed(self) -> Q:
        q = Q()
        if self.kinds:
            q &= Q(kind__in=self.kinds)
        within = self._within()
        if within is not None:
            q &= inside_q(within)
        return q

    def _check(self, place: Place) -> Place:
        if self.kinds and place.kind not in self.kinds:
            raise ValidationError(
                self.error_messages["wrong_kind"],
                code="wrong_kind",
                params={
                    "place": place.name,
                    "kind": _kind_label(place.kind).lower(),
                    "kinds": ", ".join(_kind_label(k).lower() for k in self.kinds),
                },
            )
        within = self._within()
        if within is not None and not within.contains(place):
            raise ValidationError(
                self.error_messages["outside"],
                code="outside",
                params={"place": place.name, "within": within.name},
            )
        return place

    def _invalid(self, value: Any) -> ValidationError:
        shown = str(value)[:60] + ("…" if len(str(value)) > 60 else "")
        return ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": shown}
        )

    def _by_name(self, value: str) -> Place:
        """The one allowed place whose name is exactly `value` (the no-JavaScript path)."""
        key = search_key(value)
        if not key:
            raise self._invalid(value)
        named = Q(key_km=key) | Q(key_en=key) | Q(key_th=key)
        found = list(Place.objects.filter(named & self._allowed())[:2])
        if not found:
            # Maybe a place of the wrong kind or outside: say so rather than "no match".
            other = list(Place.objects.filter(named)[:2])
            if len(other) == 1:
                return self._check(other[0])
            raise self._invalid(value)
        if len(found) > 1:
            raise ValidationError(
                self.error_messages["ambiguous"], code="ambiguous", params={"value": value[:60]}
            )
        return found[0]

    def _resolve_one(self, value: Any, *, codes: Mapping[str, Place] | None = None) -> Place:
        if isinstance(value, Place):
            return self._check(value)
        if _is_pk(value):
            place = Place.objects.filter(pk=value).first()
            if place is None:
                raise self._invalid(value)
            return self._check(place)
        if not isinstance(value, str):
            raise self._invalid(value)
        text = value.strip()
        if not text or len(text) > MAX_VALUE_LENGTH:
            raise self._invalid(text)
        place = codes.get(code_key(text)) if codes is not None else place_by_code(text)
        if place is None and text.isascii() and text.isdigit() and len(text) <= 18:
            place = Place.objects.filter(pk=int(text)).first()
        if place is None:
            return self._by_name(text)
        return self._check(place)


class PlaceField(_PlaceFieldMixin, forms.ModelChoiceField):
    """One place, by code or id, of the given kinds, optionally inside `within`."""

    widget = PlacePickerWidget

    def __init__(
        self,
        *,
        kinds: Iterable[str] | None = None,
        within: Within = None,
        **kwargs: Any,
    ) -> None:
        self._setup(kinds, within)
        kwargs.setdefault("widget", PlacePickerWidget(kinds=self.kinds, within=within))
        super().__init__(queryset=Place.objects.all(), **kwargs)
        self.error_messages = {**self.error_messages, **self.place_error_messages}
        self._tell_widget()

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Place):
            return value.code
        return value

    def to_python(self, value: Any) -> Place | None:
        if value in self.empty_values:
            return None
        return self._resolve_one(value)

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        try:
            new = self.to_python(data)
        except ValidationError:
            return True
        old = initial.pk if isinstance(initial, Place) else initial
        if new is None:
            return old not in self.empty_values
        return str(old) not in (str(new.pk), new.code)


class PlaceMultipleField(_PlaceFieldMixin, forms.ModelMultipleChoiceField):
    """Several places, by code or id. Cleans to a list of distinct places, in order."""

    widget = PlaceMultiplePickerWidget

    def __init__(
        self,
        *,
        kinds: Iterable[str] | None = None,
        within: Within = None,
        max_places: int = MAX_PLACES,
        **kwargs: Any,
    ) -> None:
        self._setup(kinds, within)
        self.max_places = max_places
        kwargs.setdefault("widget", PlaceMultiplePickerWidget(kinds=self.kinds, within=within))
        super().__init__(queryset=Place.objects.all(), **kwargs)
        self.error_messages = {**self.error_messages, **self.place_error_messages}
        self._tell_widget()

    def prepare_value(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, Place):
            return [value.code]
        if hasattr(value, "__iter__"):
            return [v.code if isinstance(v, Place) else v for v in value]
        return value

    def clean(self, value: Any) -> list[Place]:  # type: ignore[override]
        if value is None or value == "":
            values: list[Any] = []
        elif isinstance(value, str | int | Place):
            values = [value]
        elif isinstance(value, list | tuple):
            values = list(value)
        else:
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        values = [v for v in values if not (isinstance(v, str) and not v.strip())]
        if len(values) > self.max_places:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"limit": self.max_places}
            )
        if not values:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        codes = places_by_codes(v.strip() for v in values if isinstance(v, str))
        places: dict[int, Place] = {}
        errors: list[ValidationError] = []
        for value_ in values:
            try:
                place = self._resolve_one(value_, codes=codes)
            except ValidationError as error:
                errors.append(error)
                if len(errors) == MAX_ERRORS:
                    break  # enough to act on; a flood of bad values costs no more
                continue
            places.setdefault(place.pk, place)
        if errors:
            raise ValidationError(errors)
        self.run_validators(list(places.values()))
        return list(places.values())

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        initial_set = {str(v) for v in (self.prepare_value(initial) or [])}
        data_set = {str(v) for v in (data or [])}
        return initial_set != data_set
