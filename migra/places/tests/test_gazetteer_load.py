"""gazetteer_load on the real package data: counts, tree, idempotency, audit, command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from migra.audit.models import AuditEvent
from migra.places.models import Place, PlaceKind
from migra.places.services import gazetteer_load
from migra.places.tests.conftest import SMALL_TREE, record


@pytest.mark.django_db
def test_full_load_then_a_second_run_changes_nothing(django_assert_max_num_queries: Any) -> None:
    first = gazetteer_load()
    assert first.created == Place.objects.count()
    assert first.updated == first.unchanged == 0
    counts = {kind: Place.objects.filter(kind=kind).count() for kind in PlaceKind.values}
    assert counts[PlaceKind.PROVINCE] == 25
    assert counts[PlaceKind.DISTRICT] == 210
    assert counts[PlaceKind.COMMUNE] == 1661
    assert counts[PlaceKind.VILLAGE] > 14_500
    assert counts[PlaceKind.COUNTRY] == 249
    assert counts[PlaceKind.REGION] >= 78

    village = Place.objects.select_related("parent__parent__parent__parent").get(code="01020101")
    assert village.path == "KH/01/0102/010201/01020101"
    assert village.depth == 4
    assert [village.parent.code, village.parent.parent.code, village.parent.parent.parent.code] == [
        "010201",
        "0102",
        "01",
    ]
    assert village.parent.parent.parent.parent.code == "KH"
    assert village.search_text == "អូរធំ outhum 01020101"
    assert (village.key_km, village.key_en, village.key_th) == ("អូរធំ", "outhum", "")
    # Every parent is the node its path names.
    for place in Place.objects.filter(kind=PlaceKind.COMMUNE).select_related("parent")[:50]:
        assert place.path == f"{place.parent.path}/{place.code}"

    events = AuditEvent.objects.count()
    # The second run reads everything once and writes nothing: a handful of queries.
    with django_assert_max_num_queries(10):
        second = gazetteer_load()
    assert (second.created, second.updated) == (0, 0)
    assert second.unchanged == first.created
    assert AuditEvent.objects.count() == events  # nothing changed, nothing audited


@pytest.mark.django_db
def test_a_changed_row_is_updated_and_audited(small_tree: Any) -> None:
    Place.objects.filter(code="0102").update(name_en="Wrong", key_en="wrong", search_text="x")
    before = AuditEvent.objects.count()
    result = gazetteer_load(records=SMALL_TREE)
    assert (result.created, result.updated, result.unchanged) == (0, 1, len(SMALL_TREE) - 1)
    place = Place.objects.get(code="0102")
    assert place.name_en == "Mangkul Bourei"
    assert place.key_en == "mangkulbourei"
    assert "mangkulbourei" in place.search_text.split()
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert event.changes == {"created": 0, "updated": 1, "unchanged": len(SMALL_TREE) - 1}


@pytest.mark.django_db
def test_a_moved_place_gets_its_new_parent_and_path(small_tree: Any) -> None:
    moved = [
        r
        if r.code != "010202"
        else record(PlaceKind.COMMUNE, "010202", "KH/17/1701/010202", "បត់ត្រង់", "Bat Trang")
        for r in SMALL_TREE
    ]
    result = gazetteer_load(records=moved)
    assert result.updated == 1
    place = Place.objects.select_related("parent").get(code="010202")
    assert (place.parent.code, place.path) == ("1701", "KH/17/1701/010202")


@pytest.mark.django_db
def test_dry_run_counts_and_writes_nothing() -> None:
    result = gazetteer_load(records=SMALL_TREE, dry_run=True)
    assert result.created == len(SMALL_TREE)
    assert Place.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_places_dropped_from_the_source_are_kept_and_counted(small_tree: Any) -> None:
    result = gazetteer_load(records=[r for r in SMALL_TREE if r.code != "01020101"])
    assert result.obsolete == 1
    assert Place.objects.filter(code="01020101").exists()


@pytest.mark.django_db
def test_over_long_names_are_cut_to_the_column_size() -> None:
    long = [
        record(PlaceKind.COUNTRY, "KH", "KH", "ក" * 500, "C" * 500),
    ]
    gazetteer_load(records=long)
    place = Place.objects.get(code="KH")
    assert len(place.name_km) == 200 and len(place.search_text) <= 600
    # And a second run sees the cut row as unchanged.
    assert gazetteer_load(records=long).unchanged == 1


@pytest.mark.django_db
def test_command_loads_and_check_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    from migra.places import services

    monkeypatch.setattr(services, "gazetteer_records", lambda: list(SMALL_TREE))
    out = StringIO()
    call_command("gazetteer", "--check", stdout=out)
    assert f"{len(SMALL_TREE)} would be created" in out.getvalue()
    assert "not up to date" in out.getvalue()
    assert Place.objects.count() == 0

    out = StringIO()
    call_command("gazetteer", stdout=out)
    assert f"{len(SMALL_TREE)} created, 0 updated, 0 unchanged" in out.getvalue()
    assert "province: 2" in out.getvalue()
    assert Place.objects.count() == len(SMALL_TREE)

    out = StringIO()
    call_command("gazetteer", "--check", stdout=out)
    assert f"0 would be created, 0 would be updated, {len(SMALL_TREE)} unchanged" in out.getvalue()
    assert "not up to date" not in out.getvalue()


@pytest.mark.django_db
def test_names_are_stored_in_normal_form_and_found_however_typed() -> None:
    from migra.places.selectors import places_search

    # The vowel before the subscript, a zero-width space, coeng DA: as some keyboards type.
    typed = [record(PlaceKind.COUNTRY, "KH", "KH", "ខែ្មរ\u200bកណ្ដាល", "Khmer Kandal")]
    gazetteer_load(records=typed)
    place = Place.objects.get(code="KH")
    assert place.name_km == "ខ្មែរកណ្តាល"
    assert [m.place.code for m in places_search(query="ខ្មែរ កណ្ដាល")] == ["KH"]
    assert [m.place.code for m in places_search(query="ខែ្មរ")] == ["KH"]
