"""programme_create, programme_update, programme_target_set: validation, versions, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from migra.audit.models import AuditAction, AuditEvent
from migra.places.models import Place
from migra.places.tests.conftest import Tree
from migra.programmes.models import Programme, ProgrammeTarget
from migra.programmes.services import (
    GazetteerMissing,
    ProgrammeConflict,
    demo_programme_ensure,
    programme_create,
    programme_target_set,
    programme_update,
)

pytestmark = pytest.mark.django_db

JAN_2016 = dt.date(2016, 1, 1)
JAN_2019 = dt.date(2019, 1, 1)


def fields(tree: Tree, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name_km": "គម្រោងសាកល្បង",
        "name_en": "Test programme",
        "donors": "European Union",
        "start_month": JAN_2016,
        "end_month": JAN_2019,
        "target_provinces": [tree["01"], tree["17"]],
        "target_communes": [tree["010201"], tree["170101"]],
    }
    values.update(overrides)
    return values


@pytest.fixture
def programme(small_tree: Tree) -> Programme:
    return programme_create(actor=None, **fields(small_tree))


def message_dict(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in error.value.message_dict.items()}


# --------------------------------------------------------------------------- create


def test_create_saves_places_and_audits(small_tree: Tree, people: Any) -> None:
    programme = programme_create(
        actor=people.admin, **fields(small_tree, start_month=dt.date(2016, 1, 20))
    )
    programme.refresh_from_db()
    assert programme.version == 1
    assert programme.start_month == JAN_2016  # a month is stored as its 1st day
    assert sorted(programme.target_provinces.values_list("code", flat=True)) == ["01", "17"]
    assert sorted(programme.target_communes.values_list("code", flat=True)) == ["010201", "170101"]
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="programmes.programme")
    assert event.actor_id == people.admin.pk
    assert event.changes["target_provinces"] == ["01", "17"]
    assert event.changes["start_month"] == "2016-01-01"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_month": JAN_2016}, "end_month", "The last month must come after the first month."),
        (
            {"end_month": dt.date(2015, 12, 1)},
            "end_month",
            "The last month must come after the first month.",
        ),
        ({"start_month": "2016-01"}, "start_month", "Give a month, for example 2016-01."),
        (
            {"start_month": dt.datetime(2016, 1, 1, tzinfo=dt.UTC)},
            "start_month",
            "Give a month, for example 2016-01.",
        ),
        (
            {"start_month": dt.date(1, 1, 1)},
            "start_month",
            "Give a month in the years 1990 to 2100.",
        ),
        ({"name_km": "   "}, "name_km", "This field is required."),
        ({"name_km": None}, "name_km", "This field is required."),
        ({"name_en": 42}, "name_en", "This must be text."),
        ({"name_km": "ក" * 201}, "name_km", "Use at most 200 characters."),
        ({"donors": "x" * 10_000}, "donors", "Use at most 1000 characters."),
    ],
)
def test_create_refuses_bad_fields(
    small_tree: Tree, overrides: dict[str, Any], field: str, message: str
) -> None:
    events = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        programme_create(actor=None, **fields(small_tree, **overrides))
    assert message in message_dict(error)[field]
    assert not Programme.objects.exists()
    assert AuditEvent.objects.count() == events


def test_communes_must_lie_in_a_target_province(small_tree: Tree) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as error:
        programme_create(actor=None, **fields(small_tree, target_provinces=[small_tree["01"]]))
    assert message_dict(error) == {
        "target_communes": ["These communes are not in a target province: Char Chhuk."]
    }
    assert not Programme.objects.exists()


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("target_provinces", "0102"),
        ("target_provinces", "TH-27"),
        ("target_communes", "01"),
        ("target_communes", "01020101"),
    ],
)
def test_places_of_the_wrong_kind_are_refused(small_tree: Tree, field: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        programme_create(actor=None, **fields(small_tree, **{field: [small_tree[code]]}))
    assert field in error.value.message_dict
    assert not Programme.objects.exists()


@pytest.mark.parametrize("bad", [["01"], [None], [object()]])
def test_places_must_be_places(small_tree: Tree, bad: list[Any]) -> None:
    with pytest.raises(ValidationError) as error:
        programme_create(actor=None, **fields(small_tree, target_provinces=bad, target_communes=[]))
    assert "target_provinces" in error.value.message_dict


def test_several_errors_are_reported_together(small_tree: Tree) -> None:
    with pytest.raises(ValidationError) as error:
        programme_create(
            actor=None, **fields(small_tree, name_km="", name_en="", end_month=JAN_2016)
        )
    assert set(error.value.message_dict) == {"name_km", "name_en", "end_month"}


# --------------------------------------------------------------------------- update


def test_update_bumps_the_version_and_audits_the_differences(
    programme: Programme, small_tree: Tree, people: Any
) -> None:
    updated = programme_update(
        actor=people.admin,
        programme=programme,
        expected_version=1,
        **fields(small_tree, name_en="Renamed", target_communes=[small_tree["010202"]]),
    )
    assert updated.version == 2
    programme.refresh_from_db()
    assert programme.name_en == "Renamed" and programme.version == 2
    assert list(programme.target_communes.values_list("code", flat=True)) == ["010202"]
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    assert event.changes == {
        "name_en": ["Test programme", "Renamed"],
        "target_communes": {"added": ["010202"], "removed": ["010201", "170101"]},
    }
    assert event.actor_id == people.admin.pk


def test_a_stale_version_is_a_conflict_and_saves_nothing(
    programme: Programme, small_tree: Tree
) -> None:
    # Two people open the form at version 1; the first saves.
    programme_update(
        actor=None, programme=programme, expected_version=1, **fields(small_tree, name_en="First")
    )
    events = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ProgrammeConflict) as conflict:
        programme_update(
            actor=None,
            programme=programme,
            expected_version=1,
            **fields(
                small_tree,
                name_en="Second",
                target_provinces=[small_tree["01"]],
                target_communes=[],
            ),
        )
    assert "Someone else changed this programme" in str(conflict.value)
    assert conflict.value.current_version == 2
    programme.refresh_from_db()
    assert programme.name_en == "First" and programme.version == 2
    assert programme.target_provinces.count() == 2
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("version", [None, "1", True, 1.0])
def test_the_expected_version_must_be_a_number(
    programme: Programme, small_tree: Tree, version: Any
) -> None:
    with pytest.raises(ValidationError):
        programme_update(
            actor=None, programme=programme, expected_version=version, **fields(small_tree)
        )


def test_an_update_that_changes_nothing_writes_nothing(
    programme: Programme, small_tree: Tree
) -> None:
    events = AuditEvent.objects.count()
    same = programme_update(
        actor=None, programme=programme, expected_version=1, **fields(small_tree)
    )
    assert same.version == 1
    assert AuditEvent.objects.count() == events


def test_an_invalid_update_saves_nothing(programme: Programme, small_tree: Tree) -> None:
    with pytest.raises(ValidationError):
        programme_update(
            actor=None,
            programme=programme,
            expected_version=1,
            **fields(small_tree, name_en="X", end_month=JAN_2016),
        )
    programme.refresh_from_db()
    assert programme.name_en == "Test programme" and programme.version == 1


# --------------------------------------------------------------------------- targets


def target(programme: Programme, **overrides: Any) -> ProgrammeTarget:
    values: dict[str, Any] = {
        "key": "beneficiaries_reached",
        "label_km": "អ្នកទទួលផល",
        "label_en": "Beneficiaries reached",
        "label_th": "ผู้รับประโยชน์",
        "value": 80_000,
    }
    values.update(overrides)
    return programme_target_set(actor=None, programme=programme, **values)


def test_target_set_creates_then_updates_by_key(programme: Programme) -> None:
    created = target(programme)
    assert (created.value, created.position) == (80_000, 0)
    programme.refresh_from_db()
    assert programme.version == 2  # a target is part of the programme
    updated = target(programme, value=90_000)
    assert updated.pk == created.pk and updated.value == 90_000
    assert ProgrammeTarget.objects.count() == 1
    event = AuditEvent.objects.filter(object_type="programmes.programmetarget").latest("seq")
    assert (event.action, event.changes) == (AuditAction.UPDATE, {"value": [80_000, 90_000]})
    # Setting the same values again changes nothing.
    version = Programme.objects.get(pk=programme.pk).version
    target(programme, value=90_000)
    assert Programme.objects.get(pk=programme.pk).version == version


def test_target_labels_follow_the_language(programme: Programme) -> None:
    made = target(programme)
    with translation.override("km"):
        assert made.label == "អ្នកទទួលផល"
    with translation.override("th"):
        assert made.label == "ผู้รับประโยชน์"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "Beneficiaries",
        "1st",
        "a-b",
        "a b",
        "ឃុំ",
        "bénéficiaires",
        "a" * 51,
        "x\n",
        "a;DROP",
        "_a",
        "x" * 10_000,
        None,
        7,
    ],
)
def test_target_keys_are_ascii_identifiers(programme: Programme, key: Any) -> None:
    with pytest.raises(ValidationError) as error:
        target(programme, key=key)
    assert "key" in error.value.message_dict
    assert not ProgrammeTarget.objects.exists()


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "80000", 2_000_000_001, None])
def test_target_values_are_positive_whole_numbers(programme: Programme, value: Any) -> None:
    with pytest.raises(ValidationError) as error:
        target(programme, value=value)
    assert "value" in error.value.message_dict


def test_target_labels_are_required_and_bounded(programme: Programme) -> None:
    with pytest.raises(ValidationError) as error:
        target(programme, label_km=" ", label_en="x" * 201, label_th="ก" * 201)
    assert set(error.value.message_dict) == {"label_km", "label_en", "label_th"}


def test_target_set_with_a_stale_version_is_a_conflict(programme: Programme) -> None:
    target(programme)  # version 1 → 2
    with pytest.raises(ProgrammeConflict):
        programme_target_set(
            actor=None,
            programme=programme,
            key="shgs_active",
            label_km="ក",
            label_en="SHGs",
            value=25,
            expected_version=1,
        )
    assert not ProgrammeTarget.objects.filter(key="shgs_active").exists()


# --------------------------------------------------------------------------- demo


def test_demo_without_the_gazetteer_says_so() -> None:
    assert not Place.objects.exists()
    with pytest.raises(GazetteerMissing, match="migra gazetteer"):
        demo_programme_ensure()
    assert not Programme.objects.exists()


def test_demo_with_provinces_missing_says_so(small_tree: Tree) -> None:
    # The small tree has Banteay Meanchey and Siem Reap but not the other three.
    with pytest.raises(GazetteerMissing):
        demo_programme_ensure()
    assert not Programme.objects.exists()
