"""The shared case services and selectors: opening, the timeline, due dates, services,
notes. (Transitions, attachments, pages and the list have their own files.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from migra.audit.models import AuditAction, AuditEvent
from migra.cases import services
from migra.cases.models import (
    Case,
    CaseEvent,
    CaseNote,
    CaseService,
    CaseSource,
    CaseStatus,
    Currency,
    Referral,
    ReferralStatus,
    RiskLevel,
    ServiceKind,
    ServiceStatus,
)
from migra.cases.selectors import (
    case_get_for_user,
    cases_manageable_by,
    cases_visible_to,
)

# --------------------------------------------------------------------------- opening


def test_open_numbers_the_case_and_writes_timeline_and_audit(cast, bm_person, abroad):
    carol = cast.users["carol"]
    case = services.case_open(
        actor=carol,
        person=bm_person,
        case_type="forced_labour",
        risk=RiskLevel.CRITICAL,
        origin=bm_person.home_village,
        source=CaseSource.MANUAL,
        destination=abroad["TH-27"],
        summary="Passport kept by the broker",
        assigned_to=carol,
    )
    year = timezone.localdate().year
    assert case.number == f"MG-{year}-000001"
    assert case.agency == cast.agencies["crisis"]  # carol's only case agency
    assert case.status == CaseStatus.NEW
    assert case.province == cast.places["01"]
    assert case.opened_by == carol and case.opened_at is not None
    kinds = list(case.events.values_list("kind", flat=True))
    assert set(kinds) == {"opened", "assigned"}
    event = AuditEvent.objects.get(object_type="cases.case", action=AuditAction.CREATE)
    assert event.object_label == case.number
    assert "Passport" not in str(event.changes) and "Sok" not in str(event.changes)
    assert event.changes["summary"] is True
    second = services.case_open(
        actor=carol,
        person=bm_person,
        case_type="other",
        risk="low",
        origin=bm_person.home_village,
        source="manual",
    )
    assert second.number == f"MG-{year}-000002"


def test_numbers_continue_after_the_highest_of_the_year(cast, bm_person, open_case):
    year = timezone.localdate().year
    first = open_case(bm_person, actor=cast.users["carol"])
    Case.objects.filter(pk=first.pk).update(number=f"MG-{year}-000041")
    assert open_case(bm_person, actor=cast.users["carol"]).number == f"MG-{year}-000042"


def test_summary_is_encrypted_in_the_database(bm_case):
    from django.db import connection

    services.case_update(
        actor=bm_case.opened_by,
        case=bm_case,
        expected_version=bm_case.version,
        case_type=bm_case.case_type,
        risk=bm_case.risk,
        origin=bm_case.origin,
        summary="Broker Mr X kept her passport",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT summary FROM cases_case WHERE id = %s", [bm_case.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("v1.") and "Broker" not in raw
    assert Case.objects.get(pk=bm_case.pk).summary == "Broker Mr X kept her passport"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("case_type", "murder", "Choose from the list."),
        ("risk", "", "Choose from the list."),
        ("source", "x" * 500, "Choose from the list."),
        ("summary", "x" * 5001, "at most 5000"),
    ],
)
def test_open_refuses_bad_values(cast, bm_person, field, value, message):
    fields = {
        "case_type": "trafficking",
        "risk": "high",
        "source": "manual",
        "summary": "",
    }
    fields[field] = value
    with pytest.raises(ValidationError) as error:
        services.case_open(
            actor=cast.users["carol"],
            person=bm_person,
            origin=bm_person.home_village,
            **fields,
        )
    assert message in str(error.value)
    assert not Case.objects.exists()


def test_origin_must_be_a_cambodian_village_or_commune(cast, bm_person, abroad):
    for origin in (cast.places["01"], abroad["TH-27"], None, "01020101"):
        with pytest.raises(ValidationError) as error:
            services.case_open(
                actor=cast.users["carol"],
                person=bm_person,
                case_type="trafficking",
                risk="high",
                origin=origin,
                source="manual",
            )
        assert "village or commune" in str(error.value)
    assert not Case.objects.exists()


def test_destination_must_be_abroad(cast, bm_person):
    with pytest.raises(ValidationError) as error:
        services.case_open(
            actor=cast.users["carol"],
            person=bm_person,
            case_type="trafficking",
            risk="high",
            origin=bm_person.home_village,
            destination=cast.places["17"],
            source="manual",
        )
    assert "abroad" in str(error.value)


def test_open_outside_the_actors_places_is_refused(cast, bm_person, sr_person):
    # dan works in commune 170101 only: the Banteay Meanchey person is not his
    with pytest.raises(PermissionDenied):
        services.case_open(
            actor=cast.users["dan"],
            person=bm_person,
            case_type="trafficking",
            risk="high",
            origin=bm_person.home_village,
            source="manual",
        )
    # carol cannot see the Siem Reap person either
    with pytest.raises(PermissionDenied):
        services.case_open(
            actor=cast.users["carol"],
            person=sr_person,
            case_type="trafficking",
            risk="high",
            origin=sr_person.home_village,
            source="manual",
        )
    assert not Case.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 2


def test_open_needs_manage_cases(cast, bm_person):
    # gina (SHG facilitator of the lead NGO) sees people but does not open cases
    for name in ("gina", "alice", "frank", "erin", "charlie"):
        with pytest.raises((PermissionDenied, ValidationError)):
            services.case_open(
                actor=cast.users[name],
                person=bm_person,
                case_type="trafficking",
                risk="high",
                origin=bm_person.home_village,
                source="manual",
            )
    assert not Case.objects.exists()


def test_open_for_another_agency_is_refused(cast, bm_person):
    with pytest.raises(PermissionDenied):
        services.case_open(
            actor=cast.users["carol"],
            person=bm_person,
            case_type="trafficking",
            risk="high",
            origin=bm_person.home_village,
            source="manual",
            agency=cast.agencies["legal"],
        )


def test_assignee_must_work_on_cases_there(cast, bm_person):
    for assignee in (cast.users["dan"], cast.users["bob"], cast.users["gina"]):
        with pytest.raises(ValidationError) as error:
            services.case_open(
                actor=cast.users["carol"],
                person=bm_person,
                case_type="trafficking",
                risk="high",
                origin=bm_person.home_village,
                source="manual",
                assigned_to=assignee,
            )
        assert "caseworker of the agency" in str(error.value)
    assert not Case.objects.exists()


def test_open_for_a_merged_person_is_refused(cast, bm_person):
    from migra.people.models import Person

    Person.objects.filter(pk=bm_person.pk).update(erased_at=timezone.now())
    bm_person.refresh_from_db()
    with pytest.raises(ValidationError):
        services.case_open(
            actor=cast.users["carol"],
            person=bm_person,
            case_type="trafficking",
            risk="high",
            origin=bm_person.home_village,
            source="manual",
        )


def test_system_may_open_for_a_named_agency(cast, bm_person, open_case):
    case = open_case(bm_person, actor=None, source=CaseSource.TIP)
    assert case.agency == cast.agencies["crisis"] and case.opened_by is None
    with pytest.raises(ValueError, match="given agency"):
        services.case_open(
            actor=None,
            person=bm_person,
            case_type="trafficking",
            risk="high",
            origin=bm_person.home_village,
            source="tip",
        )


# --------------------------------------------------------------------------- selectors


def test_visible_and_manageable(cast, bm_case, sr_case, supervisor):
    users = cast.users
    assert list(cases_visible_to(users["carol"])) == [bm_case]
    assert list(cases_visible_to(users["dan"])) == [sr_case]
    assert set(cases_visible_to(supervisor)) == {bm_case, sr_case}
    assert set(cases_visible_to(users["bob"])) == {bm_case, sr_case}  # crisis admin: reads
    assert set(cases_manageable_by(users["bob"])) == set()
    assert list(cases_manageable_by(users["carol"])) == [bm_case]
    for name in ("alice", "erin", "frank", "gina", "charlie"):
        assert not cases_visible_to(users[name]).exists(), name


def test_case_get_for_user_audits_the_view_and_denies_outsiders(cast, bm_case):
    factory = RequestFactory()
    request = factory.get("/")
    request.user = cast.users["carol"]
    assert case_get_for_user(request, bm_case.pk) == bm_case
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="cases.case", object_id=str(bm_case.pk)
    ).exists()
    request.user = cast.users["dan"]
    with pytest.raises(PermissionDenied):
        case_get_for_user(request, bm_case.pk)
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(bm_case.pk)).exists()


# --------------------------------------------------------------------------- timeline and due dates


def test_case_event_appends_codes(cast, bm_case):
    event = services.case_event(
        case=bm_case, actor=cast.users["carol"], kind="tip_merged", detail={"tip": 7}
    )
    assert event.at is not None and event.detail == {"tip": 7}
    assert bm_case.events.first() == event  # newest first
    with pytest.raises(ValueError):
        services.case_event(case=bm_case, actor=None, kind="x" * 33)


def test_refresh_due_takes_the_earliest_open_date(cast, bm_case):
    carol = cast.users["carol"]
    today = timezone.localdate()
    task = services.case_task_add(
        actor=carol, case=bm_case, title="Call", due_on=today + dt.timedelta(days=10)
    )
    bm_case.refresh_from_db()
    assert bm_case.next_due_on == today + dt.timedelta(days=10)
    services.case_service_add(
        actor=carol,
        case=bm_case,
        kind=ServiceKind.SHELTER,
        agency=cast.agencies["crisis"],
        due_on=today + dt.timedelta(days=3),
    )
    bm_case.refresh_from_db()
    assert bm_case.next_due_on == today + dt.timedelta(days=3)
    referral = Referral.objects.create(
        case=bm_case,
        from_agency=cast.agencies["crisis"],
        to_agency=cast.agencies["legal"],
        sent_at=timezone.now(),
        reason="r",
        urgency="routine",
        due_on=today - dt.timedelta(days=1),
    )
    services.case_refresh_due(case=bm_case)
    assert Case.objects.get(pk=bm_case.pk).next_due_on == today - dt.timedelta(days=1)
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.DECLINED)
    CaseService.objects.filter(case=bm_case).update(status=ServiceStatus.DELIVERED)
    services.case_refresh_due(case=bm_case)
    assert Case.objects.get(pk=bm_case.pk).next_due_on == task.due_on
    services.case_task_done(actor=carol, task=task)
    assert Case.objects.get(pk=bm_case.pk).next_due_on is None


# --------------------------------------------------------------------------- services


def test_service_add_and_update_with_amounts(cast, bm_case):
    carol = cast.users["carol"]
    service = services.case_service_add(
        actor=carol,
        case=bm_case,
        kind=ServiceKind.WAGE_CLAIM,
        agency=cast.agencies["legal"],
        currency=Currency.THB,
        amount_claimed="45000.50",
    )
    assert service.amount_claimed == Decimal("45000.50") and service.version == 1
    updated = services.case_service_update(
        actor=carol,
        service=service,
        expected_version=1,
        status=ServiceStatus.DELIVERED,
        amount_recovered=Decimal("30000"),
    )
    assert updated.status == ServiceStatus.DELIVERED
    assert updated.delivered_on == timezone.localdate()
    assert updated.amount_recovered == Decimal("30000.00") and updated.version == 2
    kinds = list(bm_case.events.values_list("kind", flat=True))
    assert "service_added" in kinds and "service_updated" in kinds


def test_service_update_stale_version_is_a_conflict(cast, bm_case):
    carol = cast.users["carol"]
    service = services.case_service_add(
        actor=carol, case=bm_case, kind=ServiceKind.SHELTER, agency=cast.agencies["crisis"]
    )
    services.case_service_update(
        actor=carol, service=service, expected_version=1, status=ServiceStatus.IN_PROGRESS
    )
    with pytest.raises(services.CaseConflict) as error:
        services.case_service_update(
            actor=carol, service=service, expected_version=1, status=ServiceStatus.CANCELLED
        )
    assert "Someone else changed this service" in str(error.value)
    fresh = CaseService.objects.get(pk=service.pk)
    assert fresh.status == ServiceStatus.IN_PROGRESS and fresh.version == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "massage"}, "Choose from the list."),
        ({"status": "done"}, "Choose from the list."),
        ({"kind": ServiceKind.SHELTER, "currency": "USD", "amount_claimed": "10"}, "wage"),
        ({"currency": "", "amount_claimed": "10"}, "currency"),
        ({"currency": "EUR", "amount_claimed": "10"}, "Choose from the list."),
        ({"currency": "USD", "amount_claimed": "-1"}, "between 0"),
        ({"currency": "USD", "amount_claimed": "1e40"}, "between 0"),
        ({"currency": "USD", "amount_claimed": "NaN"}, "between 0"),
        ({"currency": "USD", "amount_claimed": "1.234"}, "two decimal"),
        ({"currency": "USD", "amount_claimed": "ten"}, "amount"),
        ({"due_on": "2026-01-01"}, "real date"),
        ({"note": "x" * 2001}, "at most 2000"),
    ],
)
def test_service_add_refuses_bad_input(cast, bm_case, kwargs, message):
    fields = {"kind": ServiceKind.WAGE_CLAIM, "agency": cast.agencies["legal"]}
    fields.update(kwargs)
    with pytest.raises(ValidationError) as error:
        services.case_service_add(actor=cast.users["carol"], case=bm_case, **fields)
    assert message in str(error.value)
    assert not CaseService.objects.exists()


def test_finished_service_keeps_its_status(cast, bm_case):
    carol = cast.users["carol"]
    service = services.case_service_add(
        actor=carol,
        case=bm_case,
        kind=ServiceKind.WAGE_CLAIM,
        agency=cast.agencies["legal"],
        status=ServiceStatus.DELIVERED,
        currency="USD",
        amount_claimed="100",
    )
    with pytest.raises(ValidationError, match="cannot change"):
        services.case_service_update(
            actor=carol, service=service, expected_version=1, status=ServiceStatus.PLANNED
        )
    # the recovered amount may still come in later
    later = services.case_service_update(
        actor=carol, service=service, expected_version=1, amount_recovered="80"
    )
    assert later.amount_recovered == Decimal("80.00")


def test_services_need_manage_rights(cast, bm_case):
    with pytest.raises(PermissionDenied):
        services.case_service_add(
            actor=cast.users["dan"],
            case=bm_case,
            kind=ServiceKind.SHELTER,
            agency=cast.agencies["crisis"],
        )
    assert not CaseService.objects.exists()


# --------------------------------------------------------------------------- notes


def test_note_is_encrypted_and_audited_without_text(cast, bm_case):
    from django.db import connection

    note = services.case_note_add(
        actor=cast.users["carol"], case=bm_case, text="  She is afraid of the broker  "
    )
    assert note.text == "She is afraid of the broker"
    assert note.agency == cast.agencies["crisis"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM cases_casenote WHERE id = %s", [note.pk])
        assert "afraid" not in cursor.fetchone()[0]
    event = AuditEvent.objects.filter(object_type="cases.case").order_by("-seq").first()
    assert "afraid" not in str(event.changes)
    assert CaseEvent.objects.filter(case=bm_case, kind="note_added").exists()


@pytest.mark.parametrize("text", ["", "   ", "x" * 10001, None])
def test_note_refuses_empty_and_oversized(cast, bm_case, text):
    with pytest.raises(ValidationError):
        services.case_note_add(actor=cast.users["carol"], case=bm_case, text=text)
    assert not CaseNote.objects.exists()


def test_note_by_an_outsider_is_refused(cast, bm_case):
    with pytest.raises(PermissionDenied):
        services.case_note_add(actor=cast.users["dan"], case=bm_case, text="hello")
    assert not CaseNote.objects.exists()


# --------------------------------------------------------------------------- the receiving side


@pytest.fixture
def legal_worker(cast):
    """A caseworker of the legal-aid NGO, everywhere."""
    from migra.accounts.models import Membership, User
    from migra.accounts.roles import Role

    user = User.objects.create_user(
        email="legal_worker@example.org", password="correct horse battery staple", full_name="Lena"
    )
    Membership.objects.create(
        user=user, agency=cast.agencies["legal"], role=Role.CASEWORKER, all_places=True
    )
    return user


def _referral(cast, case, status=ReferralStatus.ACCEPTED):
    return Referral.objects.create(
        case=case,
        from_agency=cast.agencies["crisis"],
        to_agency=cast.agencies["legal"],
        sent_at=timezone.now(),
        reason="wage claim",
        urgency="routine",
        due_on=timezone.localdate() + dt.timedelta(days=7),
        status=status,
    )


def test_the_receiving_agency_records_its_services_through_the_referral(
    cast, bm_case, legal_worker
):
    referral = _referral(cast, bm_case)
    service = services.case_service_add(
        actor=legal_worker,
        case=bm_case,
        kind=ServiceKind.WAGE_CLAIM,
        agency=cast.agencies["legal"],
        referral=referral,
        currency="THB",
        amount_claimed="45000",
    )
    done = services.case_service_update(
        actor=legal_worker,
        service=service,
        expected_version=1,
        status=ServiceStatus.DELIVERED,
        amount_recovered="30000",
    )
    assert done.status == ServiceStatus.DELIVERED
    # but not in another agency's name, nor without the referral, nor read the case
    with pytest.raises(PermissionDenied):
        services.case_service_add(
            actor=legal_worker,
            case=bm_case,
            kind=ServiceKind.SHELTER,
            agency=cast.agencies["crisis"],
            referral=referral,
        )
    with pytest.raises(PermissionDenied):
        services.case_service_add(
            actor=legal_worker,
            case=bm_case,
            kind=ServiceKind.LEGAL_AID,
            agency=cast.agencies["legal"],
        )
    assert not cases_visible_to(legal_worker).exists()


def test_a_referral_of_another_case_is_refused(cast, bm_case, open_case, bm_person, legal_worker):
    other = open_case(bm_person, actor=cast.users["carol"])
    referral = _referral(cast, other)
    with pytest.raises(ValidationError, match="another case"):
        services.case_service_add(
            actor=legal_worker,
            case=bm_case,
            kind=ServiceKind.WAGE_CLAIM,
            agency=cast.agencies["legal"],
            referral=referral,
        )
