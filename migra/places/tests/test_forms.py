"""PlaceField and PlaceMultipleField: what they accept, what they refuse, how they render."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.http import QueryDict
from django.utils import translation

from migra.places.forms import PlaceField, PlaceMultipleField, PlacePickerWidget
from migra.places.models import PlaceKind
from migra.places.tests.conftest import Tree

pytestmark = pytest.mark.django_db


class OneCommuneForm(forms.Form):
    commune = PlaceField(kinds=[PlaceKind.COMMUNE], within="01")


class AnyPlaceForm(forms.Form):
    place = PlaceField(required=False)


class ScopeForm(forms.Form):
    places = PlaceMultipleField(
        kinds=[PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.COMMUNE], required=False
    )


class RequiredScopeForm(forms.Form):
    places = PlaceMultipleField(kinds=[PlaceKind.PROVINCE], max_places=2)


def errors_of(form: forms.Form, field: str) -> list[str]:
    assert not form.is_valid()
    return [str(e) for e in form.errors[field]]


# --------------------------------------------------------------------------- one place


@pytest.mark.parametrize("value", ["010201", " 010201 ", "០១០២០១", "Banteay Neang"])
def test_accepts_a_code_in_any_digits_or_an_exact_unique_name(small_tree: Tree, value: str) -> None:
    form = OneCommuneForm(data={"commune": value})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["commune"] == small_tree["010201"]


def test_accepts_an_id_and_a_place(small_tree: Tree) -> None:
    commune = small_tree["010202"]
    assert OneCommuneForm(data={"commune": str(commune.pk)}).is_valid()
    field = OneCommuneForm.base_fields["commune"]
    assert field.clean(commune) == commune
    assert field.clean(commune.pk) == commune


def test_the_typed_text_is_read_when_no_place_was_chosen(small_tree: Tree) -> None:
    # Without JavaScript the hidden value stays empty; the text box is read.
    form = OneCommuneForm(data={"commune": "", "commune_text": "បត់ត្រង់"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["commune"] == small_tree["010202"]


def test_wrong_kind_is_refused_with_the_kind_named(small_tree: Tree) -> None:
    with translation.override("en"):
        errors = errors_of(OneCommuneForm(data={"commune": "0102"}), "commune")
    assert errors == ["“Mangkul Bourei” is a district. Choose a place of this kind: commune."]


def test_a_place_outside_is_refused(small_tree: Tree) -> None:
    with translation.override("en"):
        errors = errors_of(OneCommuneForm(data={"commune": "170101"}), "commune")
    assert errors == ["“Char Chhuk” is not inside Banteay Meanchey."]


def test_a_name_shared_by_two_places_asks_to_choose(small_tree: Tree) -> None:
    with translation.override("en"):
        errors = errors_of(AnyPlaceForm(data={"place": "Banteay Neang"}), "place")
    assert "Several places are called" in errors[0]
    # Inside province 01 the same name is unique.
    assert OneCommuneForm(data={"commune": "Banteay Neang"}).is_valid()


@pytest.mark.parametrize(
    "value",
    [
        "99999999",
        "ZZ",
        "nowhere",
        "x" * 10_000,
        "' OR '1'='1",
        "01020101; DROP TABLE places_place",
        "%",
        "\x00",
        "9" * 30,
        "-1",
        "<script>",
    ],
)
def test_unknown_or_hostile_values_are_refused_cleanly(small_tree: Tree, value: str) -> None:
    with translation.override("en"):
        errors = errors_of(AnyPlaceForm(data={"place": value}), "place")
    assert len(errors) == 1
    assert errors[0].startswith("No place matches")
    assert len(errors[0]) < 200  # a 10,000-character value is not echoed back


def test_empty_is_none_when_optional_and_required_otherwise(small_tree: Tree) -> None:
    form = AnyPlaceForm(data={"place": ""})
    assert form.is_valid() and form.cleaned_data["place"] is None
    assert errors_of(OneCommuneForm(data={}), "commune") == [
        str(forms.Field.default_error_messages["required"])
    ]


def test_within_may_name_a_place_that_does_not_exist(small_tree: Tree) -> None:
    class Broken(forms.Form):
        place = PlaceField(within="NOPE")

    with pytest.raises(ValueError, match="NOPE"):
        Broken(data={"place": "01"}).is_valid()


def test_unknown_kinds_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        PlaceField(kinds=["planet"])


def test_widget_renders_code_label_and_no_inline_script(small_tree: Tree) -> None:
    form = OneCommuneForm(initial={"commune": small_tree["010201"]})
    with translation.override("en"):
        html = str(form["commune"])
    assert 'type="hidden" name="commune" value="010201"' in html
    assert 'name="commune_text" value="Banteay Neang"' in html
    assert "Banteay Neang, Mangkul Bourei, Banteay Meanchey" in html
    assert 'data-search-url="/app/places/search.json"' in html
    assert 'data-kinds="commune"' in html and 'data-within="01"' in html
    assert 'role="combobox"' in html and 'aria-controls="id_commune_listbox"' in html
    assert 'id="id_commune"' in html  # the label points at the text box
    assert "<script" not in html and "style=" not in html
    assert "places/picker.js" in str(form.media)


def test_widget_keeps_unknown_typed_text_for_correction(small_tree: Tree) -> None:
    form = AnyPlaceForm(data={"place": "", "place_text": "Nowhere-ville"})
    assert not form.is_valid()
    html = str(form["place"])
    assert 'value="Nowhere-ville"' in html
    assert 'name="place" value=""' in html


def test_has_changed(small_tree: Tree) -> None:
    commune = small_tree["010201"]
    form = OneCommuneForm(initial={"commune": commune}, data={"commune": "010201"})
    assert not form.has_changed()
    form = OneCommuneForm(initial={"commune": commune}, data={"commune": "010202"})
    assert form.has_changed()


# --------------------------------------------------------------------------- several places


def post(**lists: list[str]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in lists.items():
        data.setlist(key, values)
    return data


def test_several_places_of_mixed_kinds_in_order_without_duplicates(small_tree: Tree) -> None:
    form = ScopeForm(data=post(places=["17", "0102", "010201", "17", str(small_tree["01"].pk)]))
    assert form.is_valid(), form.errors
    assert [p.code for p in form.cleaned_data["places"]] == ["17", "0102", "010201", "01"]


def test_several_places_none_chosen(small_tree: Tree) -> None:
    form = ScopeForm(data=post())
    assert form.is_valid()
    assert form.cleaned_data["places"] == []
    assert errors_of(RequiredScopeForm(data=post()), "places")


def test_several_places_name_each_bad_value(small_tree: Tree) -> None:
    with translation.override("en"):
        errors = errors_of(ScopeForm(data=post(places=["17", "01020101", "ZZ", "TH-27"])), "places")
    assert errors == [
        "“Ou Thum” is a village. Choose a place of this kind: province, district, commune.",
        "No place matches “ZZ”. Choose a place from the list.",
        "“Sa Kaeo” is a province or region abroad. "
        "Choose a place of this kind: province, district, commune.",
    ]


def test_several_places_too_many(small_tree: Tree) -> None:
    with translation.override("en"):
        errors = errors_of(RequiredScopeForm(data=post(places=["01", "17", "01"])), "places")
    # The limit caps what is sent, before any lookup.
    assert errors == ["Choose at most 2 places."]
    flood = post(places=[f"{n:08d}" for n in range(5000)])
    with translation.override("en"):
        errors = errors_of(ScopeForm(data=flood), "places")
    assert errors == ["Choose at most 500 places."]


def test_several_places_typed_text_is_added(small_tree: Tree) -> None:
    form = ScopeForm(data=post(places=["17"], places_text=["Banteay Meanchey"]))
    assert form.is_valid(), form.errors
    assert [p.code for p in form.cleaned_data["places"]] == ["17", "01"]


def test_several_places_widget_renders_ticked_boxes(small_tree: Tree) -> None:
    form = ScopeForm(initial={"places": [small_tree["01"], small_tree["170101"]]})
    with translation.override("en"):
        html = str(form["places"])
    boxes = re.findall(r'<input type="checkbox" name="places" value="([^"]+)" checked>', html)
    assert boxes == ["01", "170101"]
    assert "Char Chhuk, Angkor Chum, Siemreap" in html
    assert "required" not in re.search(r'<input type="text"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert "<script" not in html


def test_several_places_widget_initial_from_ids_and_queryset(
    small_tree: Tree, django_assert_max_num_queries: Any
) -> None:
    from migra.places.models import Place

    form = ScopeForm(initial={"places": Place.objects.filter(code__in=["01", "17"])})
    with django_assert_max_num_queries(4):
        html = str(form["places"])
    assert 'value="01" checked' in html and 'value="17" checked' in html


def test_text_box_has_one_class_and_one_description_list(small_tree: Tree) -> None:
    class Described(forms.Form):
        place = PlaceField(
            kinds=[PlaceKind.COMMUNE],
            help_text="Where the group meets.",
            widget=PlacePickerWidget(attrs={"class": "wide"}),
        )

    html = str(Described()["place"])
    text_box = re.search(r'<input type="text"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert text_box.count("class=") == 1 and 'class="place-picker-input wide"' in text_box
    assert text_box.count("aria-describedby=") == 1
    assert 'aria-describedby="id_place_helptext id_place_status"' in text_box
    assert " required" in text_box  # one place, required: the browser says so too
    assert 'data-kinds="commune"' in html  # the field tells a given widget its kinds


def test_a_flood_of_bad_values_costs_few_queries(
    small_tree: Tree, django_assert_max_num_queries: Any
) -> None:
    flood = post(places=[f"nowhere {n}" for n in range(500)])
    with django_assert_max_num_queries(15):
        form = ScopeForm(data=flood)
        assert not form.is_valid()
    assert len(form.errors["places"]) == 5


def test_many_good_codes_cost_one_lookup(
    small_tree: Tree, django_assert_max_num_queries: Any
) -> None:
    codes = ["01", "17", "0102", "1701", "010201", "010202", "170101", "170102"] * 50
    with django_assert_max_num_queries(2):
        form = ScopeForm(data=post(places=codes))
        assert form.is_valid(), form.errors
    assert len(form.cleaned_data["places"]) == 8
