"""The services other parts call: linking a screening to a case (the cases part opens
a case from a screening) or to a person, and the one-screening selector."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from migra.audit.models import AuditAction, AuditEvent
from migra.cases.models import Case
from migra.screening.selectors import screening_get_for_user, screenings_for_person
from migra.screening.services import screening_link_case, screening_link_person


def _case(cast, person, number="MG-2026-000001", agency="lead"):  # type: ignore[no-untyped-def]
    return Case.objects.create(
        number=number,
        person=person,
        agency=cast.agencies[agency],
        case_type="trafficking",
        risk="high",
        source="screening",
        origin=person.home_village,
        opened_at=timezone.now(),
    )


def test_a_case_opened_from_an_anonymous_screening_takes_its_person(cast, screen, register):
    screening = screen()
    person = register()
    case = _case(cast, person)
    linked = screening_link_case(screening=screening, case=case, actor=cast.users["gina"])
    assert (linked.case, linked.person, linked.version) == (case, person, 2)
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="screening.screening")
    assert event.changes == {"case": "MG-2026-000001"}
    # Linking again to the same case changes nothing.
    screening_link_case(screening=linked, case=case, actor=cast.users["gina"])
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE).count() == 1


def test_a_screening_belongs_to_one_case(cast, screen, register):
    person = register()
    screening = screen(person=person)
    screening_link_case(screening=screening, case=_case(cast, person), actor=cast.users["gina"])
    other = _case(cast, person, number="MG-2026-000002")
    with pytest.raises(ValidationError, match="another case"):
        screening_link_case(screening=screening, case=other, actor=cast.users["gina"])


def test_a_screening_of_someone_else_is_refused(cast, screen, register):
    screening = screen(person=register("ស្រី ក"))
    case = _case(cast, register("ស្រី ខ"))
    with pytest.raises(ValidationError, match="another person"):
        screening_link_case(screening=screening, case=case, actor=cast.users["gina"])
    screening.refresh_from_db()
    assert screening.case is None


def test_a_stale_screening_object_is_a_conflict(cast, screen, register):
    screening = screen()
    person = register()
    stale = type(screening).objects.get(pk=screening.pk)
    screening_link_person(screening=screening, person=person, actor=cast.users["gina"])
    with pytest.raises(ValidationError):
        screening_link_case(screening=stale, case=_case(cast, person), actor=cast.users["gina"])
    stale.refresh_from_db()
    assert stale.case is None


def test_someone_outside_the_scope_cannot_link(cast, screen, register):
    screening = screen()
    person = register()
    with pytest.raises(PermissionDenied):
        screening_link_case(screening=screening, case=_case(cast, person), actor=cast.users["dan"])
    with pytest.raises(PermissionDenied):
        screening_link_person(screening=screening, person=person, actor=cast.users["carol"])
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 2
    screening.refresh_from_db()
    assert screening.case is None and screening.person is None


def test_the_selector_the_cases_part_calls(cast, screen):
    screening = screen()
    request = RequestFactory().get("/")
    request.user = cast.users["gina"]
    assert screening_get_for_user(request, screening.pk) == screening
    assert AuditEvent.objects.filter(action=AuditAction.VIEW).count() == 1
    request.user = cast.users["carol"]
    with pytest.raises(PermissionDenied):
        screening_get_for_user(request, screening.pk)


def test_screenings_of_a_person(cast, screen, register):
    person = register()
    mine = screen(person=person)
    screen()
    assert list(screenings_for_person(cast.users["gina"], person)) == [mine]
    assert list(screenings_for_person(cast.users["dan"], person)) == []


def test_the_result_codes_are_the_engines() -> None:
    from migra.screening.models import ResultCode
    from migra.screening.rules import Result

    assert ResultCode.values == [r.value for r in Result]


def test_without_a_published_catalogue_screening_waits(cast, catalogue, as_user):
    from migra.screening.models import CatalogueVersion

    CatalogueVersion.objects.all().delete()
    client = as_user(cast.users["gina"])
    response = client.get("/app/screening/new/?mode=guided")
    assert response.status_code == 503
    assert "No indicator catalogue is published yet" in response.content.decode()
