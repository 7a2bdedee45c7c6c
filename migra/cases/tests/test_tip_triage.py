"""Triage of a tip: dismiss with a reason, add to a case, open a new case — once.

A second triage (a stale page, or two staff at the same moment) is refused with a
clear message and changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from migra.accounts.models import User
from migra.audit.models import AuditAction, AuditEvent
from migra.cases.models import Case, CaseEvent, CaseSource, CaseStatus, Tip, TipStatus
from migra.cases.services import case_transition
from migra.cases.tests.tip_fixtures import TIP_TEXT
from migra.cases.tip_services import TipConflict, tip_dismiss, tip_merge, tip_open_case
from migra.people.models import Person

pytestmark = pytest.mark.django_db


def _url(tip: Tip, action: str = "") -> str:
    return f"/app/cases/tips/{tip.pk}/" + (f"{action}/" if action else "")


def _audit(tip: Tip) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="cases.tip", object_id=str(tip.pk), action=AuditAction.UPDATE
        )
    )


# --------------------------------------------------------------------------- the tip page


def test_the_tip_page_shows_the_text_escaped(
    client: Client, cast: Any, make_tip: Callable[..., Tip], as_user: Any
) -> None:
    hostile = '<script>alert("x")</script>\nline two'
    tip = make_tip(
        cast.places["010201"], text=hostile, contact="<b>call</b>", place_note="<i>x</i>"
    )
    html = as_user(cast.users["carol"]).get(_url(tip)).content.decode()
    assert "<script>alert" not in html and "<b>call</b>" not in html and "<i>x</i>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>line two" in html
    assert "&lt;b&gt;call&lt;/b&gt;" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html
    assert "Banteay Neang, Mongkol Borei, Banteay Meanchey" in html
    assert "Public website form" in html


def test_an_anonymous_tip_says_so(
    client: Client, cast: Any, make_tip: Callable[..., Tip], as_user: Any
) -> None:
    tip = make_tip(cast.places["010201"])
    html = as_user(cast.users["carol"]).get(_url(tip)).content.decode()
    assert "Not given: the reporter stayed anonymous." in html


def test_the_queue_filters_by_status_newest_first(
    client: Client, cast: Any, make_tip: Callable[..., Tip], as_user: Any
) -> None:
    place = cast.places["010201"]
    first, second, third = (make_tip(place, text=f"tip {n}") for n in range(3))
    tip_dismiss(actor=cast.users["carol"], tip=second, expected_version=1, reason="spam")
    client = as_user(cast.users["carol"])
    waiting = client.get("/app/cases/tips/").content.decode()
    assert waiting.index(_url(third)) < waiting.index(_url(first))
    assert _url(second) not in waiting
    dismissed = client.get("/app/cases/tips/?status=dismissed").content.decode()
    assert _url(second) in dismissed and _url(first) not in dismissed
    every = client.get("/app/cases/tips/?status=all").content.decode()
    assert all(_url(t) in every for t in (first, second, third))
    # A status that does not exist falls back to the waiting tips.
    odd = client.get("/app/cases/tips/?status=<script>")
    assert odd.status_code == 200
    assert _url(third) in odd.content.decode() and "<script>" not in odd.content.decode()


# --------------------------------------------------------------------------- dismiss


def test_dismiss_with_a_reason(
    client: Client, cast: Any, tips: dict[str, Tip], as_user: Any
) -> None:
    tip = tips["bm"]
    client = as_user(cast.users["carol"])
    response = client.post(_url(tip, "dismiss"), {"version": 1, "reason": "not_enough"})
    assert response.status_code == 302
    assert response["Location"] == _url(tip)
    tip.refresh_from_db()
    assert (tip.status, tip.dismiss_reason, tip.version) == ("dismissed", "not_enough", 2)
    assert tip.handled_by == cast.users["carol"] and tip.handled_at is not None
    [event] = _audit(tip)
    assert event.changes == {"status": "dismissed", "reason": "not_enough"}
    html = client.get(_url(tip)).content.decode()
    assert "Too little information to act on" in html
    assert 'action="/app/cases/tips/' not in html  # no more triage forms


@pytest.mark.parametrize("reason", ["", "other", "<script>", "x" * 400])
def test_dismiss_needs_a_reason_from_the_list(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    as_user: Any,
    reason: str,
) -> None:
    tip = tips["bm"]
    response = as_user(cast.users["carol"]).post(
        _url(tip, "dismiss"), {"version": 1, "reason": reason}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose why this tip is dismissed." in html or "Select a valid choice" in html
    assert "<script>" not in html
    tip.refresh_from_db()
    assert (tip.status, tip.version) == ("new", 1)


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999999999999"])
def test_a_bad_version_changes_nothing(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    as_user: Any,
    version: str,
) -> None:
    tip = tips["bm"]
    response = as_user(cast.users["carol"]).post(
        _url(tip, "dismiss"), {"version": version, "reason": "spam"}
    )
    assert response.status_code == 400
    assert Tip.objects.get(pk=tip.pk).status == "new"


# --------------------------------------------------------------------------- triage twice


def test_triaging_twice_is_refused(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    bm_case: Case,
    as_user: Any,
) -> None:
    tip = tips["bm"]
    client = as_user(cast.users["carol"])
    assert client.post(_url(tip, "dismiss"), {"version": 1, "reason": "spam"}).status_code == 302
    # The same stale page again, or another action from it: refused, nothing changed.
    for action, data in (
        ("dismiss", {"version": 1, "reason": "duplicate"}),
        ("merge", {"version": 1, "case_number": bm_case.number}),
        ("dismiss", {"version": 2, "reason": "duplicate"}),
    ):
        response = client.post(_url(tip, action), data)
        assert response.status_code == 409, action
        html = response.content.decode()
        assert "This tip was already handled by someone else (now: Dismissed)" in html
        assert "nothing was changed" in html
    tip.refresh_from_db()
    assert (tip.status, tip.dismiss_reason, tip.case_id, tip.version) == (
        "dismissed",
        "spam",
        None,
        2,
    )
    assert len(_audit(tip)) == 1
    assert not CaseEvent.objects.filter(kind="tip_merged").exists()


def test_a_stale_version_of_a_waiting_tip_is_refused(cast: Any, tips: dict[str, Tip]) -> None:
    tip = tips["bm"]
    Tip.objects.filter(pk=tip.pk).update(version=5)
    with pytest.raises(TipConflict, match="changed while you were looking at it"):
        tip_dismiss(actor=cast.users["carol"], tip=tip, expected_version=4, reason="spam")
    assert Tip.objects.get(pk=tip.pk).status == "new"


def test_opening_a_case_from_an_already_handled_tip_goes_back(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    as_user: Any,
) -> None:
    tip = tips["bm"]
    tip_dismiss(actor=cast.users["carol"], tip=tip, expected_version=1, reason="spam")
    response = as_user(cast.users["carol"]).get(_url(tip, "open"))
    assert response.status_code == 302
    assert response["Location"] == _url(tip)


@pytest.mark.django_db(transaction=True)
def test_two_staff_at_the_same_moment_one_wins(
    cast: Any,
    tips: dict[str, Tip],
    bm_case: Case,
    supervisor: User,
) -> None:
    """carol dismisses while sam adds the tip to a case, and two more try too: exactly
    one triage happens; the others get TipConflict and change nothing."""
    tip = tips["bm"]
    carol, sam = cast.users["carol"], supervisor
    attempts: list[Callable[[], Any]] = [
        lambda: tip_dismiss(actor=carol, tip=tip, expected_version=1, reason="spam"),
        lambda: tip_merge(actor=sam, tip=tip, expected_version=1, case=bm_case),
        lambda: tip_dismiss(actor=sam, tip=tip, expected_version=1, reason="duplicate"),
        lambda: tip_merge(actor=carol, tip=tip, expected_version=1, case=bm_case),
    ]
    start = threading.Barrier(len(attempts))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(attempt: Callable[[], Any]) -> None:
        try:
            start.wait()
            results.append(attempt())
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 1, errors
    assert len(errors) == len(attempts) - 1
    assert all(isinstance(e, TipConflict) for e in errors), errors
    tip.refresh_from_db()
    assert tip.version == 2
    assert len(_audit(tip)) == 1
    merged_events = CaseEvent.objects.filter(kind="tip_merged").count()
    if tip.status == TipStatus.MERGED:
        assert tip.case_id == bm_case.pk and merged_events == 1
    else:
        assert tip.status == TipStatus.DISMISSED and tip.case_id is None and merged_events == 0


# --------------------------------------------------------------------------- merge


def test_merge_into_a_case(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    bm_case: Case,
    as_user: Any,
) -> None:
    tip = tips["bm"]
    client = as_user(cast.users["carol"])
    # Typed loosely: lower case, spaces, Khmer digits.
    typed = " " + bm_case.number.lower().replace("-", " - ", 1).translate(
        str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
    )
    response = client.post(_url(tip, "merge"), {"version": 1, "case_number": typed})
    assert response.status_code == 302, response.content.decode()[:2000]
    tip.refresh_from_db()
    assert (tip.status, tip.case_id, tip.handled_by) == ("merged", bm_case.pk, cast.users["carol"])
    event = CaseEvent.objects.get(case=bm_case, kind="tip_merged")
    assert event.detail == {"tip": tip.pk}
    assert event.actor == cast.users["carol"]
    [audit] = _audit(tip)
    assert audit.changes == {"status": "merged", "case": bm_case.number}
    html = client.get(_url(tip)).content.decode()
    assert f'<a href="/app/cases/{bm_case.pk}/">{bm_case.number}</a>' in html


@pytest.mark.parametrize("number", ["", "MG-1999-000001", "nonsense", "x" * 60])
def test_merge_into_a_case_that_does_not_exist(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    as_user: Any,
    number: str,
) -> None:
    tip = tips["bm"]
    response = as_user(cast.users["carol"]).post(
        _url(tip, "merge"), {"version": 1, "case_number": number}
    )
    assert response.status_code == 400
    tip.refresh_from_db()
    assert (tip.status, tip.case_id) == ("new", None)


def test_merge_into_a_case_outside_the_users_reach(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    sr_case: Case,
    lena: User,
    bm_case: Case,
    as_user: Any,
) -> None:
    """carol cannot add to dan's Siem Reap case; lena (legal aid) sees the Banteay Meanchey
    tip but not the crisis centre's case there. Same answer as a wrong number; logged."""
    tip = tips["bm"]
    for user, case in ((cast.users["carol"], sr_case), (lena, bm_case)):
        client = as_user(user)
        response = client.post(_url(tip, "merge"), {"version": 1, "case_number": case.number})
        assert response.status_code == 400
        assert "No case with this number among the cases you manage." in response.content.decode()
        assert AuditEvent.objects.filter(
            action=AuditAction.DENIED,
            actor_id=user.pk,
            object_type="cases.case",
            object_id=str(case.pk),
        ).exists()
    tip.refresh_from_db()
    assert (tip.status, tip.case_id) == ("new", None)
    assert not CaseEvent.objects.filter(kind="tip_merged").exists()


def test_merge_into_a_closed_case_is_refused(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    bm_case: Case,
    as_user: Any,
) -> None:
    case_transition(
        actor=None,
        case=bm_case,
        to_status=CaseStatus.CLOSED,
        expected_version=bm_case.version,
        closing_reason="no_exploitation",
    )
    tip = tips["bm"]
    response = as_user(cast.users["carol"]).post(
        _url(tip, "merge"), {"version": 1, "case_number": bm_case.number}
    )
    assert response.status_code == 400
    assert "is closed. Reopen it first" in response.content.decode()
    assert Tip.objects.get(pk=tip.pk).status == "new"


# --------------------------------------------------------------------------- open a case


def test_open_a_case_for_a_registered_person(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    bm_person: Person,
    as_user: Any,
) -> None:
    tip = tips["bm"]
    client = as_user(cast.users["carol"])
    page = client.get(_url(tip, "open"), {"q": "Sok Dara"})
    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="person" value="{bm_person.pk}"' in html and "Sok Dara" in html
    assert 'href="/app/people/new/"' in html
    response = client.post(
        _url(tip, "open") + "?q=Sok+Dara",
        {
            "version": 1,
            "person": bm_person.pk,
            "case_type": "labour_exploitation",
            "risk": "high",
            "origin": "",
            "destination": "",
            "copy_text": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert response["Location"] == f"/app/cases/{case.pk}/"
    assert (case.source, case.person, case.origin) == (
        CaseSource.TIP,
        bm_person,
        bm_person.home_village,
    )
    assert case.agency == cast.agencies["crisis"]
    assert case.summary == TIP_TEXT
    tip.refresh_from_db()
    assert (tip.status, tip.case, tip.handled_by) == ("opened", case, cast.users["carol"])
    [audit] = _audit(tip)
    assert audit.changes == {"status": "opened", "case": case.number}


def test_open_finds_people_by_phone_and_by_record_number(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    register: Callable[..., Person],
    as_user: Any,
) -> None:
    person = register(
        "Keo Srey",
        actor=cast.users["carol"],
        village=cast.places["01020101"],
        phones=("012 999 888",),
        age=40,
    )
    client = as_user(cast.users["carol"])
    for query in ("០១២ ៩៩៩ ៨៨៨", f"#{person.pk}"):
        html = client.get(_url(tips["bm"], "open"), {"q": query}).content.decode()
        assert f'name="person" value="{person.pk}"' in html, query


def test_open_offers_only_people_the_user_may_manage(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    sr_person: Person,
    as_user: Any,
) -> None:
    tip = tips["bm"]
    client = as_user(cast.users["carol"])
    html = client.get(_url(tip, "open"), {"q": f"#{sr_person.pk}"}).content.decode()
    assert f'name="person" value="{sr_person.pk}"' not in html
    assert "Nobody found among the people you may manage." in html
    # Posting the id anyway is refused and changes nothing.
    response = client.post(
        _url(tip, "open") + f"?q=%23{sr_person.pk}",
        {"version": 1, "person": sr_person.pk, "case_type": "trafficking", "risk": "low"},
    )
    assert response.status_code == 400
    assert not Case.objects.exists()
    assert Tip.objects.get(pk=tip.pk).status == "new"


def test_open_with_bad_input_changes_nothing(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    bm_person: Person,
    as_user: Any,
) -> None:
    tip = tips["bm"]
    client = as_user(cast.users["carol"])
    url = _url(tip, "open") + "?q=Sok+Dara"
    base = {"version": 1, "person": bm_person.pk, "case_type": "trafficking", "risk": "low"}
    for change in (
        {"person": ""},
        {"person": "abc"},
        {"case_type": "<script>"},
        {"risk": ""},
        {"origin": "17"},  # a province: the case's origin must be a village or commune
        {"destination": "01"},  # a destination is abroad
    ):
        response = client.post(url, {**base, **change})
        assert response.status_code == 400, change
        assert "<script>" not in response.content.decode()
    assert not Case.objects.exists()
    tip.refresh_from_db()
    assert (tip.status, tip.version) == ("new", 1)


def test_open_a_case_outside_the_users_places_is_refused(
    cast: Any,
    tips: dict[str, Tip],
    bm_person: Person,
    supervisor: User,
) -> None:
    """The service re-checks: an origin where the actor may not open cases rolls back the
    triage too."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        tip_open_case(
            actor=supervisor,
            tip=tips["bm"],
            expected_version=1,
            person=bm_person,
            case_type="trafficking",
            risk="low",
            origin=cast.places["1"],  # the decoy province "1": not a village or commune
        )
    tip = Tip.objects.get(pk=tips["bm"].pk)
    assert (tip.status, tip.version, tip.case_id) == ("new", 1, None)
    assert not Case.objects.exists()


def test_a_case_of_another_agency_is_not_named(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    bm_case: Case,
    lena: User,
    as_user: Any,
) -> None:
    """lena (legal aid) sees the Banteay Meanchey tip but not the crisis centre's case it
    was added to: the tip page does not name it."""
    tip = tips["bm"]
    tip_merge(actor=cast.users["carol"], tip=tip, expected_version=1, case=bm_case)
    html = as_user(lena).get(_url(tip)).content.decode()
    assert "A case you may not see" in html
    assert bm_case.number not in html
