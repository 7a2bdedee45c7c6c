"""/app/programme/ and /app/programme/edit/ over HTTP."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from migra.audit.models import AuditAction, AuditEvent
from migra.places.tests.conftest import Tree
from migra.places.tests.test_views import assert_no_inline_code
from migra.programmes.models import Programme

pytestmark = pytest.mark.django_db

DETAIL = "/app/programme/"
EDIT = "/app/programme/edit/"


def form_data(**overrides: Any) -> dict[str, list[str]]:
    """POST data; lists become repeated fields."""
    values: dict[str, list[str]] = {
        "name_km": ["គម្រោងសាកល្បង"],
        "name_en": ["Test programme"],
        "donors": ["European Union"],
        "start_month": ["2016-01"],
        "end_month": ["2019-01"],
        "target_provinces": ["01", "17"],
        "target_communes": ["010201", "170101"],
        "version": ["2"],
    }
    values.update({k: v if isinstance(v, list) else [v] for k, v in overrides.items()})
    return values


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("url", [DETAIL, EDIT])
def test_anonymous_visitors_are_sent_to_log_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and "/app/login/" in response["Location"]


@pytest.mark.parametrize("url", [DETAIL, EDIT])
def test_a_user_without_a_role_is_refused(
    nobody_client: Client, programme: Programme, url: str
) -> None:
    assert nobody_client.get(url).status_code == 403


def test_a_viewer_may_read_but_not_edit(viewer_client: Client, programme: Programme) -> None:
    response = viewer_client.get(DETAIL)
    assert response.status_code == 200
    assert EDIT not in response.content.decode()  # no edit link
    assert viewer_client.get(EDIT).status_code == 403
    assert viewer_client.post(EDIT, form_data(name_en="Hacked")).status_code == 403
    programme.refresh_from_db()
    assert programme.name_en == "Test programme"


# --------------------------------------------------------------------------- detail


def test_detail_shows_the_programme(viewer_client: Client, programme: Programme) -> None:
    html = viewer_client.get(DETAIL).content.decode()
    assert "គម្រោងសាកល្បង" in html and "European Union" in html
    assert "ក្រុមជួយខ្លួនឯង" in html  # the target's Khmer label (Khmer is the default)
    assert 'href="/app/places/01/"' in html and 'href="/app/places/010201/"' in html
    assert_no_inline_code(html)


def test_detail_without_a_programme(admin_client: Client, small_tree: Tree) -> None:
    response = admin_client.get(DETAIL)
    assert response.status_code == 200
    assert EDIT in response.content.decode()  # "set up the programme"


# --------------------------------------------------------------------------- edit


def test_edit_form_shows_current_values(admin_client: Client, programme: Programme) -> None:
    response = admin_client.get(EDIT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="2016-01"' in html and 'value="2019-01"' in html
    assert re.search(r'name="version" value="2"', html)
    assert 'name="target_provinces" value="01" checked' in html
    assert "places/picker.js" in html
    assert_no_inline_code(html)


def test_edit_saves_and_audits(admin_client: Client, programme: Programme, people: Any) -> None:
    response = admin_client.post(EDIT, form_data(name_en="Renamed", end_month="២០២០-០៦"))
    assert response.status_code == 302 and response["Location"] == DETAIL
    programme.refresh_from_db()
    assert programme.name_en == "Renamed"
    assert programme.end_month == dt.date(2020, 6, 1)  # Khmer digits are fine
    assert programme.version == 3
    assert sorted(programme.target_communes.values_list("code", flat=True)) == ["010201", "170101"]
    event = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="programmes.programme"
    ).latest("seq")
    assert event.actor_id == people.admin.pk
    assert event.path == EDIT


def test_edit_with_a_stale_version_saves_nothing_and_says_why(
    admin_client: Client, programme: Programme, people: Any
) -> None:
    people.admin.language = "en"
    people.admin.save(update_fields=["language"])
    # Someone else saved since this form was opened at version 2.
    assert admin_client.post(EDIT, form_data(name_en="First")).status_code == 302
    response = admin_client.post(
        EDIT, form_data(name_en="Second", target_provinces="01", target_communes=[])
    )
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert any("Someone else changed this programme" in str(e) for e in errors)
    assert "form-errors" in response.content.decode()
    programme.refresh_from_db()
    assert programme.name_en == "First"
    assert programme.target_provinces.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_month": "2015-01"}, "end_month"),
        ({"start_month": "2016-13"}, "start_month"),
        ({"start_month": "January"}, "start_month"),
        ({"start_month": "9" * 5000}, "start_month"),
        ({"start_month": "２０１６-０１"}, "start_month"),  # full-width digits are not ASCII
        ({"target_provinces": ["01"], "target_communes": ["170101"]}, "target_communes"),
        ({"target_provinces": ["0102"]}, "target_provinces"),
        ({"target_provinces": ["TH-27"]}, "target_provinces"),
        ({"target_communes": ["' OR 1=1 --"]}, "target_communes"),
        ({"name_km": ""}, "name_km"),
        ({"name_km": "ក" * 201}, "name_km"),
        ({"version": "abc"}, "version"),
    ],
)
def test_edit_refuses_bad_input(
    admin_client: Client, programme: Programme, overrides: dict[str, Any], field: str
) -> None:
    response = admin_client.post(EDIT, form_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    programme.refresh_from_db()
    assert programme.version == 2 and programme.name_km == "គម្រោងសាកល្បង"


def test_first_save_creates_the_programme(admin_client: Client, small_tree: Tree) -> None:
    response = admin_client.post(EDIT, form_data(version=""))
    assert response.status_code == 302
    programme = Programme.objects.get()
    assert programme.name_en == "Test programme" and programme.version == 1
