"""The same form sent twice — one after the other, or at the same moment from two
connections (a double tap, a retry after a dropped connection) — makes one screening.
Two people linking one screening at once: one wins, the other is told."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from migra.audit.models import AuditAction, AuditEvent
from migra.screening.models import Screening
from migra.screening.services import ScreeningConflict, screening_link_person
from migra.screening.tests.conftest import TRAFFICKED, form_data, login_as

SENDERS = 4


def run_together(work: Any, count: int = SENDERS) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []

    def sender(number: int) -> None:
        try:
            start.wait()
            results.append(work(number))
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_the_same_form_sent_twice_makes_one_screening(cast, catalogue, as_user):
    client = as_user(cast.users["gina"])
    data = form_data(catalogue, TRAFFICKED)
    first = client.post("/app/screening/new/", data)
    second = client.post("/app/screening/new/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Screening.objects.count() == 1
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type="screening.screening"
        ).count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_at_the_same_moment_makes_one_screening(cast, catalogue):
    gina = cast.users["gina"]
    data = form_data(catalogue, TRAFFICKED, token=str(uuid.uuid4()))
    clients = [login_as(Client(), gina) for _ in range(SENDERS)]

    def send(number: int) -> str:
        response = clients[number].post("/app/screening/new/", data)
        assert response.status_code == 302, response.status_code
        return str(response["Location"])

    results, errors = run_together(send)
    assert errors == []
    screening = Screening.objects.get()
    assert results == [f"/app/screening/{screening.pk}/"] * SENDERS
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type="screening.screening"
        ).count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_two_links_at_the_same_moment(cast, catalogue, screen, register):
    screening = screen()
    people = [register(f"ស្រី {n}") for n in range(2)]
    gina = cast.users["gina"]

    def link(number: int) -> Screening:
        return screening_link_person(
            screening=Screening.objects.get(pk=screening.pk), person=people[number], actor=gina
        )

    results, errors = run_together(link, count=2)
    assert len(results) + len(errors) == 2
    screening.refresh_from_db()
    assert screening.person in people
    for error in errors:
        # Threads run in the default language: compare the error codes, not the words.
        assert isinstance(error, ScreeningConflict) or getattr(error, "code", "") == "linked"
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.UPDATE, object_type="screening.screening"
        ).count()
        == 1
    )
