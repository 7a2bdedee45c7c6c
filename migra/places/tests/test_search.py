"""places_search and the tree selectors on the real gazetteer."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from migra.places.models import Place, PlaceKind
from migra.places.selectors import (
    place_ancestors,
    place_by_code,
    place_children,
    places_search,
)

pytestmark = [pytest.mark.usefixtures("gazetteer"), pytest.mark.django_db]


def codes(query: str, **kwargs: Any) -> list[str]:
    return [m.place.code for m in places_search(query=query, **kwargs)]


# --------------------------------------------------------------------------- ranking


def test_english_prefix_finds_provinces_before_districts_and_villages() -> None:
    found = places_search(query="kampong", limit=20)
    kinds = [m.place.kind for m in found]
    # The four Kampong provinces first, then districts: larger places first.
    assert {m.place.code for m in found[:4]} == {"03", "04", "05", "06"}
    assert kinds[4] == PlaceKind.DISTRICT
    assert kinds == sorted(
        kinds,
        key=lambda k: [
            PlaceKind.PROVINCE,
            PlaceKind.DISTRICT,
            PlaceKind.COMMUNE,
            PlaceKind.VILLAGE,
        ].index(k),
    )
    assert all(m.place.name_en.lower().startswith("kampong") for m in found)


def test_khmer_prefix_in_any_spacing() -> None:
    assert codes("សៀមរាប", limit=1) == ["17"]
    assert codes("សៀម រាប", limit=1) == ["17"]
    assert codes("សៀម\u200bរាប", limit=1) == ["17"]
    assert codes("ខេត្តសៀមរាប", limit=1) == ["17"]


def test_english_in_any_spacing_and_case_and_other_spellings() -> None:
    assert codes("Siem Reap", limit=1) == ["17"]
    assert codes("SIEMREAP", limit=1) == ["17"]
    assert codes("Oddar Meanchey", limit=1) == ["22"]  # the source writes "Otdar"
    assert codes("Phnom Penh", limit=1) == ["12"]
    assert codes("ភ្នំពេញ", limit=1) == ["12"]  # the source writes "រាជធានីភ្នំពេញ"


def test_prefix_matches_come_before_substring_matches() -> None:
    found = places_search(query="meanchey", limit=50)
    names = [m.place.key_en for m in found]
    prefix = [n.startswith("meanchey") for n in names]
    # Every name-prefix match comes before the first substring-only match.
    assert True in prefix and False in prefix
    assert prefix == sorted(prefix, reverse=True)
    # Banteay Meanchey and Otdar Meanchey are found by their second word.
    assert {"01", "22"} <= {m.place.code for m in found}


def test_thai_and_codes() -> None:
    assert codes("สระแก้ว", limit=1) == ["TH-27"]
    assert codes("กรุงเทพ", limit=1) == ["TH-10"]
    assert codes("Bangkok", limit=1) == ["TH-10"]
    assert codes("th-27", limit=1) == ["TH-27"]
    assert codes("0102", limit=1) == ["0102"]
    assert codes("០១០២", limit=1) == ["0102"]  # Khmer digits
    # A code prefix lists the place, then what is inside it.
    assert codes("010201", limit=3)[0] == "010201"
    assert all(c.startswith("010201") for c in codes("010201", limit=5))


def test_a_village_carries_its_ancestors_label() -> None:
    match = places_search(query="01020101", limit=1)[0]
    with translation.override("en"):
        assert match.label == "Ou Thum, Banteay Neang, Mangkul Bourei, Banteay Meanchey"
    with translation.override("km"):
        assert match.label == "អូរធំ, បន្ទាយនាង, មង្គលបូរី, បន្ទាយមានជ័យ"
    # Abroad, the country ends the label.
    with translation.override("en"):
        assert places_search(query="TH-27", limit=1)[0].label == "Sa Kaeo, Thailand"


@pytest.mark.parametrize(("query", "queries"), [("phum", 2), ("meanchey", 3)])
def test_labels_cost_one_query_whatever_the_number_of_results(
    django_assert_num_queries: Any, query: str, queries: int
) -> None:
    # One query for prefix matches, one for substring matches when the prefix matches
    # do not fill the page, one for the ancestors of all results.
    with django_assert_num_queries(queries), translation.override("en"):
        found = places_search(query=query, limit=100)
        labels = [m.label for m in found]
    assert len(labels) > 50
    villages = [m for m in found if m.place.kind == PlaceKind.VILLAGE]
    assert villages
    assert all(m.label.count(", ") == 3 for m in villages)


def test_within_and_kinds() -> None:
    province = place_by_code("01")
    assert province is not None
    found = places_search(query="b", kinds=[PlaceKind.COMMUNE], within=province, limit=100)
    assert found
    assert all(m.place.kind == PlaceKind.COMMUNE for m in found)
    assert all(m.place.path.startswith("KH/01/") for m in found)
    # "1" is a prefix of "17" but province 17 is not inside province 1 (no such province)
    # and nothing of province 17 is inside province 01.
    assert not places_search(query="សៀមរាប", within=province, kinds=[PlaceKind.PROVINCE])
    both = places_search(query="kampong", kinds=["province", "district"], limit=100)
    assert {m.place.kind for m in both} == {PlaceKind.PROVINCE, PlaceKind.DISTRICT}
    # within includes the place itself.
    assert codes("banteay meanchey", within=province, limit=1) == ["01"]


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown place kind"):
        places_search(query="kampong", kinds=["planet"])


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\u200b\u200b",
        "x" * 101,
        "ក" * 10_000,
        "zzzzqqqq",
        "'; DROP TABLE places_place; --",
        "%",
        "_",
        "%_%",
        "\\",
        "\x00",
        "' OR '1'='1",
        "<script>alert(1)</script>",
    ],
)
def test_bad_queries_find_nothing_and_do_no_harm(query: str) -> None:
    assert places_search(query=query) == []
    assert Place.objects.filter(code="01").exists()


def test_a_query_of_exactly_100_characters_is_still_searched() -> None:
    assert codes("0" * 100) == []  # searched (no error), nothing matches
    assert codes("kampong" + " " * 93, limit=1) == ["03"]


@pytest.mark.parametrize("limit", [0, -5, 10_000])
def test_limit_is_kept_within_bounds(limit: int) -> None:
    found = places_search(query="k", limit=limit)
    assert 1 <= len(found) <= 100


# --------------------------------------------------------------------------- tree


@pytest.mark.parametrize("code", ["0102", " 0102 ", "០១០២"])
def test_place_by_code(code: str) -> None:
    place = place_by_code(code)
    assert place is not None and place.code == "0102"


@pytest.mark.parametrize("code", ["", "99", "x" * 10_000, "' OR 1=1 --", "01/02", "ឃុំ"])
def test_place_by_code_unknown(code: str) -> None:
    assert place_by_code(code) is None


def test_children_and_ancestors(django_assert_num_queries: Any) -> None:
    village = place_by_code("01020101")
    assert village is not None
    with django_assert_num_queries(1):
        ancestors = place_ancestors(village)
    assert [p.code for p in ancestors] == ["KH", "01", "0102", "010201"]
    province = place_by_code("01")
    assert province is not None
    districts = list(place_children(province))
    assert districts and all(
        d.kind == PlaceKind.DISTRICT and d.parent_id == province.pk for d in districts
    )
    assert [d.code for d in districts] == sorted(d.code for d in districts)
    cambodia = place_by_code("KH")
    assert cambodia is not None
    assert place_children(cambodia).count() == 25
    assert place_children(None).count() == 249


def test_digits_match_codes_from_their_start() -> None:
    # "0201" is inside the code 01020101, but a code is read from its start.
    found = codes("0201", limit=100)
    assert found and all(c.startswith("0201") for c in found)


def test_the_sources_flawed_village_codes_still_find_the_villages() -> None:
    # Nine villages share the malformed code "0506140-" in the source.
    found = places_search(query="0506140-", limit=20)
    assert len(found) == 9
    assert all(m.place.code.startswith("050614-") for m in found)
    # 02140401 is written for two villages: the one numbered in its own commune keeps
    # it and comes first; the other is still found by it.
    assert codes("02140401", limit=5) == ["02140401", "021405-1"]
