"""The choice lists phones read offline: places.csv, groups.csv, topics.csv, and which
built-in form gets which (migra/collect/places_media.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from migra.accounts.tests.conftest import Cast, make_place
from migra.collect import places_media
from migra.collect.models import BuiltinForm
from migra.community import services
from migra.community.models import Group, GroupStatus, Topic
from migra.community.tests.conftest import group, world  # noqa: F401  (fixtures, used by name)
from migra.places.models import PlaceKind

pytestmark = pytest.mark.django_db


def rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")  # no byte-order mark: ODK reads the header as is
    return list(csv.DictReader(io.StringIO(text)))


def choose(table: list[dict[str, str]], **equal: str) -> list[str]:
    """What a phone's choice filter (`kind='x' and parent=${y}`) offers."""
    return [r["name"] for r in table if all(r[k] == v for k, v in equal.items())]


# --------------------------------------------------------------------------- places


def test_places_csv_lets_a_phone_pick_village_within_commune_district_province(
    world: Cast,  # noqa: F811
) -> None:
    data = places_media.places_csv()
    assert data.split(b"\n", 1)[0].decode() == ",".join(places_media.PLACE_COLUMNS)
    table = rows(data)
    assert "01" in choose(table, kind=PlaceKind.PROVINCE, parent="KH")
    assert choose(table, kind="district", parent="01") == ["0102"]
    assert choose(table, kind="commune", parent="0102") == ["010201", "010202"]
    assert choose(table, kind="village", parent="010201") == ["01020101"]
    village = next(r for r in table if r["name"] == "01020101")
    assert village == {
        "name": "01020101",
        "label": "ទីកន្លែង01020101 · Ou Thum",
        "kind": "village",
        "parent": "010201",
    }
    # Codes that share a prefix are not inside each other.
    assert choose(table, kind="district", parent="1") == []


def test_places_csv_has_destinations_abroad_and_common_countries_first(
    world: Cast,  # noqa: F811
) -> None:
    make_place("AF", PlaceKind.COUNTRY, "Afghanistan", None)
    make_place("MY", PlaceKind.COUNTRY, "Malaysia", None)
    table = rows(places_media.places_csv())
    assert choose(table, kind="country") == ["TH", "MY", "KH", "AF"]
    assert choose(table, kind="country", parent="") == ["TH", "MY", "KH", "AF"]
    assert choose(table, parent="TH", kind="region") == ["TH-27"]
    # Cambodian provinces are destinations too (internal migration).
    assert "17" in choose(table, parent="KH", kind="province")


def test_places_csv_survives_hostile_names(world: Cast) -> None:  # noqa: F811
    kh = world.places["KH"]
    make_place("99", PlaceKind.PROVINCE, 'Quote " comma, line\nbreak\x07', kh)
    table = rows(places_media.places_csv())
    hostile = next(r for r in table if r["name"] == "99")
    assert hostile["label"] == 'ទីកន្លែង99 · Quote " comma, line break'

    assert len(table) == len({r["name"] for r in table})


# --------------------------------------------------------------------------- groups, topics


def test_groups_csv_lists_active_groups_with_their_commune(
    world: Cast,  # noqa: F811
    group: Group,  # noqa: F811
) -> None:
    other = services.group_create(
        actor=world.users["hana"], name='Bat Trang, "the river"', commune=world.places["010202"]
    )
    services.group_create(
        actor=world.users["gina"],
        name="Asleep",
        commune=world.places["010201"],
        status=GroupStatus.INACTIVE,
    )
    table = rows(places_media.groups_csv())
    assert [r["name"] for r in table] == [str(group.pk), str(other.pk)]
    assert table[0]["label_en"] == "Banteay Neang SHG · Banteay Neang"
    assert table[0]["label_km"] == "Banteay Neang SHG · ទីកន្លែង010201"
    assert table[0]["label"] == table[0]["label_km"]
    assert (table[1]["commune"], table[1]["province"]) == ("010202", "01")
    assert table[1]["label_en"].startswith('Bat Trang, "the river"')
    assert rows(places_media.groups_csv()) == table  # the same bytes each time


def test_topics_csv_lists_topics_in_use_in_order() -> None:
    table = rows(places_media.topics_csv())
    assert [r["name"] for r in table] == list(
        Topic.objects.filter(is_active=True).order_by("order", "pk").values_list("code", flat=True)
    )
    first = table[0]
    assert first["name"] == "safe_migration"
    assert first["label"] == f"{first['label_km']} · {first['label_en']}"
    Topic.objects.filter(code="safe_migration").update(is_active=False)
    assert "safe_migration" not in [r["name"] for r in rows(places_media.topics_csv())]


# --------------------------------------------------------------------------- which form gets what


def test_each_community_form_gets_the_lists_it_reads(world: Cast) -> None:  # noqa: F811
    assert set(places_media.generated_media_for(BuiltinForm.MEETING)) == {
        "groups.csv",
        "topics.csv",
    }
    assert set(places_media.generated_media_for(BuiltinForm.REGISTER_ENTRY)) == {
        "groups.csv",
        "places.csv",
    }
    assert set(places_media.generated_media_for(BuiltinForm.REGISTER_UPDATE)) == {"places.csv"}
    assert places_media.generated_media_for(BuiltinForm.PROBLEM) == {}
    media = places_media.generated_media_for(BuiltinForm.REGISTER_UPDATE)
    assert media["places.csv"] == places_media.places_csv()
    cheap = places_media.generated_media_for(
        BuiltinForm.REGISTER_ENTRY, only=places_media.REFRESH_OFTEN
    )
    assert set(cheap) == {"groups.csv"}


@pytest.mark.parametrize("name", ["", "nope", "../meeting", "meeting/..", "..\\meeting"])
def test_unknown_or_hostile_form_names_get_nothing(name: str) -> None:
    assert places_media.generated_media_for(name) == {}


def test_files_read_by_reads_only_select_from_file_types(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(["name", "type"])
    sheet.append(["a", "select_one_from_file places.csv"])
    sheet.append(["b", "  select_multiple_from_file   topics.csv "])
    sheet.append(["c", "select_one places.csv"])
    sheet.append(["d", None])
    sheet.append(["e", "text"])
    path = tmp_path / "x.xlsx"
    book.save(path)
    assert places_media.files_read_by(path) == ["places.csv", "topics.csv"]
    empty = openpyxl.Workbook()
    empty.save(path)
    assert places_media.files_read_by(path) == []
