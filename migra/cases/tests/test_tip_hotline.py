"""Staff who manage cases record a tip taken on the hotline."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from migra.audit.models import AuditAction, AuditEvent
from migra.cases.models import Notification, Tip, TipSource
from migra.cases.tip_services import tip_parts, tip_submit

pytestmark = pytest.mark.django_db

URL = "/app/cases/tips/new/"
TEXT = "A mother called: her son (17) left for Malaysia with a broker in March."


def test_the_form(client: Client, cast: Any, as_user: Any) -> None:
    response = as_user(cast.users["carol"]).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="text"' in html and 'name="contact"' in html
    assert "places/picker.js" in html  # the place picker searches the gazetteer


def test_record_a_call_in_the_users_places(
    client: Client, cast: Any, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = as_user(cast.users["carol"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {
                "text": TEXT,
                "place": "010201",
                "place_note": "near the pagoda",
                "contact": "០៩៧ ២២២ ៣៣៣",
            },
        )
    tip = Tip.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/app/cases/tips/{tip.pk}/"
    assert (tip.source, tip.place, tip.recorded_by) == (
        TipSource.HOTLINE,
        cast.places["010201"],
        cast.users["carol"],
    )
    assert tip.contact == "+85597222333"
    assert tip_parts(tip) == ("near the pagoda", TEXT)
    event = AuditEvent.objects.get(object_type="cases.tip", action=AuditAction.CREATE)
    assert event.actor_id == cast.users["carol"].pk
    assert event.path == URL  # staff actions keep where they came from
    assert [n.user for n in Notification.objects.filter(kind="tip_new")] == [cast.users["carol"]]


def test_a_call_about_another_place_goes_to_colleagues_there(
    client: Client, cast: Any, as_user: Any
) -> None:
    client = as_user(cast.users["carol"])
    response = client.post(URL, {"text": TEXT, "place": "170101"}, follow=True)
    assert response.redirect_chain[-1][0] == "/app/cases/tips/"
    assert "outside the places you work in" in response.content.decode()
    tip = Tip.objects.get()
    assert tip.recorded_by == cast.users["carol"]
    assert client.get(f"/app/cases/tips/{tip.pk}/").status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 5001},
        {"text": TEXT, "contact": "1" * 201},
        {"text": TEXT, "place_note": "p" * 201},
        {"text": TEXT, "place": "no such place"},
        {"text": TEXT, "place": "<script>alert(1)</script>"},
    ],
)
def test_bad_input_records_nothing(client: Client, cast: Any, as_user: Any, data: dict) -> None:
    response = as_user(cast.users["carol"]).post(URL, data)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Tip.objects.exists()


def test_the_service_refuses_staff_without_case_management(cast: Any) -> None:
    from django.core.exceptions import PermissionDenied

    for name in ("alice", "gina", "frank"):
        with pytest.raises(PermissionDenied):
            tip_submit(source=TipSource.HOTLINE, text=TEXT, actor=cast.users[name])
    with pytest.raises(PermissionDenied):
        tip_submit(source=TipSource.HOTLINE, text=TEXT)
    assert not Tip.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 4


def test_the_service_refuses_an_unknown_source_and_staff_posing_as_the_public(cast: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        tip_submit(source="facebook", text=TEXT)
    with pytest.raises(ValidationError):
        tip_submit(source=TipSource.PUBLIC_FORM, text=TEXT, actor=cast.users["carol"])
    with pytest.raises(ValidationError):
        tip_submit(source=TipSource.PUBLIC_FORM, text=12345)  # type: ignore[arg-type]
    assert not Tip.objects.exists()
