"""Two caseworkers edit one case at once, and the case page's query count.

The second save of a form opened before the first one's save is refused with a clear
message; the form comes back with what the second person typed; nothing of the first
person's save is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.cases import services
from migra.cases.models import Case, CaseEvent, CaseService


@pytest.fixture
def cora(cast):
    """A second caseworker of the crisis centre in Banteay Meanchey."""
    user = User.objects.create_user(
        email="cora@example.org", password="correct horse battery staple", full_name="Cora"
    )
    membership = Membership.objects.create(
        user=user, agency=cast.agencies["crisis"], role=Role.CASEWORKER, all_places=False
    )
    membership.places.set([cast.places["01"]])
    return user


def _form(case, **changes):
    data = {
        "case_type": case.case_type,
        "risk": case.risk,
        "origin": case.origin.code,
        "summary": case.summary,
        "version": case.version,
    }
    data.update(changes)
    return data


def test_second_editor_gets_a_conflict_and_keeps_their_input(cast, bm_case, cora, as_user):
    from django.test import Client

    carol_client = as_user(cast.users["carol"])
    cora_client = Client()
    from migra.accounts.tests.conftest import login_as

    login_as(cora_client, cora)
    # both open the form at version 1
    assert carol_client.get(f"/app/cases/{bm_case.pk}/edit/").status_code == 200
    assert cora_client.get(f"/app/cases/{bm_case.pk}/edit/").status_code == 200
    first = carol_client.post(
        f"/app/cases/{bm_case.pk}/edit/", _form(bm_case, risk="critical", summary="Carol's words")
    )
    assert first.status_code == 302
    second = cora_client.post(
        f"/app/cases/{bm_case.pk}/edit/",
        _form(bm_case, case_type="forced_labour", summary="Cora typed this carefully"),
    )
    assert second.status_code == 409
    html = second.content.decode()
    assert "Someone else changed this case" in html
    assert "Cora typed this carefully" in html  # her input is still in the form
    assert "Carol&#x27;s words" in html or "Carol's words" in html  # and the case as it is now
    case = Case.objects.get(pk=bm_case.pk)
    assert case.risk == "critical" and case.summary == "Carol's words"
    assert case.case_type == bm_case.case_type and case.version == bm_case.version + 1
    # with the fresh version, her save goes through
    third = cora_client.post(
        f"/app/cases/{bm_case.pk}/edit/",
        _form(case, case_type="forced_labour", summary="Cora typed this carefully"),
    )
    assert third.status_code == 302
    assert Case.objects.get(pk=bm_case.pk).case_type == "forced_labour"


def test_service_level_conflict_changes_nothing(cast, bm_case, cora):
    opened = bm_case.version
    services.case_update(
        actor=cast.users["carol"],
        case=bm_case,
        expected_version=opened,
        case_type="trafficking",
        risk="low",
        origin=bm_case.origin,
    )
    events = CaseEvent.objects.count()
    with pytest.raises(services.CaseConflict):
        services.case_update(
            actor=cora,
            case=bm_case,
            expected_version=opened,
            case_type="other",
            risk="critical",
            origin=bm_case.origin,
        )
    case = Case.objects.get(pk=bm_case.pk)
    assert (case.case_type, case.risk) == ("trafficking", "low")
    assert CaseEvent.objects.count() == events


@pytest.mark.parametrize("version", [None, "1", -1, 10**9])
def test_missing_or_forged_versions_are_conflicts(cast, bm_case, version):
    with pytest.raises(services.CaseConflict):
        services.case_update(
            actor=cast.users["carol"],
            case=bm_case,
            expected_version=version,
            case_type="other",
            risk="low",
            origin=bm_case.origin,
        )


def test_an_edit_without_version_in_the_form_is_a_conflict(cast, bm_case, as_user):
    data = _form(bm_case, risk="low")
    del data["version"]
    response = as_user(cast.users["carol"]).post(f"/app/cases/{bm_case.pk}/edit/", data)
    assert response.status_code == 409
    assert Case.objects.get(pk=bm_case.pk).risk == bm_case.risk


def test_two_people_saving_one_service(cast, bm_case, cora):
    service = services.case_service_add(
        actor=cast.users["carol"], case=bm_case, kind="wage_claim", agency=cast.agencies["legal"]
    )
    services.case_service_update(
        actor=cast.users["carol"],
        service=service,
        expected_version=1,
        currency="THB",
        amount_claimed="1000",
    )
    with pytest.raises(services.CaseConflict):
        services.case_service_update(
            actor=cora, service=service, expected_version=1, currency="USD", amount_claimed="5"
        )
    fresh = CaseService.objects.get(pk=service.pk)
    assert (fresh.currency, str(fresh.amount_claimed)) == ("THB", "1000.00")


# --------------------------------------------------------------------------- query counts


def _fill(case, actor, count):
    today = timezone.localdate()
    for i in range(count):
        services.case_note_add(actor=actor, case=case, text=f"note {i}")
        services.case_task_add(
            actor=actor,
            case=case,
            title=f"task {i}",
            due_on=today + dt.timedelta(days=i),
            assigned_to=actor,
        )
        services.case_service_add(
            actor=actor, case=case, kind="shelter", agency=actor.memberships.get().agency
        )


def _queries(client, case):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/app/cases/{case.pk}/")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_case_page_queries_do_not_grow(cast, bm_person, open_case, as_user):
    carol = cast.users["carol"]
    small = open_case(bm_person, actor=carol, assigned_to=carol)
    big = open_case(bm_person, actor=carol, assigned_to=carol)
    _fill(small, carol, 1)
    _fill(big, carol, 30)
    client = as_user(carol)
    _queries(client, small)  # warm up (session, memberships)
    assert _queries(client, small) == _queries(client, big)
    # 30 notes, tasks and services, 90+ timeline events: all shown or linked
    html = client.get(f"/app/cases/{big.pk}/").content.decode()
    assert "note 29" in html and "task 29" in html and "The whole timeline" in html


def test_case_page_queries_are_fixed(
    cast, bm_person, open_case, as_user, django_assert_max_num_queries
):
    carol = cast.users["carol"]
    case = open_case(bm_person, actor=carol, assigned_to=carol)
    _fill(case, carol, 30)
    client = as_user(carol)
    client.get(f"/app/cases/{case.pk}/")
    with django_assert_max_num_queries(40):
        client.get(f"/app/cases/{case.pk}/")
