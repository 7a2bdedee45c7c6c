"""Two loaders at once (two app servers starting together) leave one clean gazetteer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from migra.places.models import Place
from migra.places.selectors import places_search
from migra.places.services import GazetteerResult, gazetteer_load
from migra.places.tests.conftest import SMALL_TREE

LOADERS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_loads_create_each_place_once() -> None:
    start = threading.Barrier(LOADERS)
    results: list[GazetteerResult] = []
    errors: list[BaseException] = []

    def load() -> None:
        try:
            start.wait()
            results.append(gazetteer_load(records=SMALL_TREE))
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=load) for _ in range(LOADERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Place.objects.count() == len(SMALL_TREE)
    # Exactly one loader created the places; the others found them all in place.
    assert sorted(r.created for r in results) == [0] * (LOADERS - 1) + [len(SMALL_TREE)]
    assert all(r.updated == 0 for r in results)


@pytest.mark.django_db(transaction=True)
def test_searches_during_a_reload_see_the_old_or_the_new_names_never_an_error() -> None:
    gazetteer_load(records=SMALL_TREE)
    renamed = [
        r if r.code != "0102" else type(r)(**{**r.__dict__, "name_en": "Mongkol Borei"})
        for r in SMALL_TREE
    ]
    stop = threading.Event()
    seen: set[str] = set()
    errors: list[BaseException] = []

    def search() -> None:
        try:
            while not stop.is_set():
                for match in places_search(query="0102", limit=1):
                    seen.add(match.place.name_en)
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    def reload() -> None:
        try:
            for n in range(6):
                gazetteer_load(records=renamed if n % 2 == 0 else SMALL_TREE)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            stop.set()
            connection.close()

    threads = [threading.Thread(target=search) for _ in range(3)] + [
        threading.Thread(target=reload)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert seen <= {"Mangkul Bourei", "Mongkol Borei"} and seen
