"""Two people saving the programme at the same moment: one wins, the other is told."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from migra.audit.models import AuditAction, AuditEvent
from migra.places.models import Place
from migra.places.services import gazetteer_load
from migra.places.tests.conftest import SMALL_TREE
from migra.programmes.models import Programme, ProgrammeTarget
from migra.programmes.services import (
    ProgrammeConflict,
    programme_create,
    programme_target_set,
    programme_update,
)

EDITORS = 4


def run_together(work: Any) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(EDITORS)
    results: list[Any] = []
    errors: list[BaseException] = []

    def editor(number: int) -> None:
        try:
            start.wait()
            results.append(work(number))
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_from_one_version_let_exactly_one_through() -> None:
    gazetteer_load(records=SMALL_TREE)
    province = Place.objects.get(code="01")
    programme = programme_create(
        actor=None,
        name_km="ក",
        name_en="P",
        start_month=dt.date(2016, 1, 1),
        end_month=dt.date(2019, 1, 1),
        target_provinces=[province],
    )

    def save(number: int) -> Programme:
        return programme_update(
            actor=None,
            programme=programme,
            expected_version=1,
            name_km="ក",
            name_en=f"Editor {number}",
            donors="",
            start_month=dt.date(2016, 1, 1),
            end_month=dt.date(2019, 1, 1),
            target_provinces=[province],
            target_communes=[],
        )

    results, errors = run_together(save)
    assert len(results) == 1
    assert len(errors) == EDITORS - 1
    assert all(isinstance(e, ProgrammeConflict) for e in errors), errors
    programme.refresh_from_db()
    assert programme.version == 2
    assert programme.name_en == results[0].name_en
    updates = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="programmes.programme"
    )
    assert updates.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_target_sets_of_one_key_make_one_target() -> None:
    gazetteer_load(records=SMALL_TREE)
    programme = programme_create(
        actor=None,
        name_km="ក",
        name_en="P",
        start_month=dt.date(2016, 1, 1),
        end_month=dt.date(2019, 1, 1),
    )

    def set_target(number: int) -> ProgrammeTarget:
        return programme_target_set(
            actor=None,
            programme=programme,
            key="shgs_active",
            label_km="ក",
            label_en="SHGs",
            value=20 + number,
        )

    results, errors = run_together(set_target)
    assert errors == []
    assert ProgrammeTarget.objects.count() == 1
    # Every change was applied in turn: the version counts them all.
    programme.refresh_from_db()
    assert programme.version == 1 + EDITORS
