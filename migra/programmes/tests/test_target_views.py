"""/app/programme/targets/: change a target's number or names, add a target."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from migra.audit.models import AuditAction, AuditEvent
from migra.programmes.models import Programme, ProgrammeTarget

pytestmark = pytest.mark.django_db

TARGETS = "/app/programme/targets/"


def _existing(programme: Programme, **overrides: Any) -> dict[str, Any]:
    target = programme.targets.get(key="shgs_active")
    prefix = f"t{target.pk}"
    data = {
        "form": prefix,
        f"{prefix}-key": "shgs_active",
        f"{prefix}-label_km": "ក្រុមជួយខ្លួនឯង",
        f"{prefix}-label_en": "Self-help groups active",
        f"{prefix}-label_th": "",
        f"{prefix}-value": "30",
        f"{prefix}-version": str(programme.version),
    }
    data.update({f"{prefix}-{k}": v for k, v in overrides.items()})
    return data


def _new(programme: Programme, **overrides: Any) -> dict[str, Any]:
    data = {
        "form": "new",
        "new-key": "people_trained",
        "new-label_km": "មនុស្សដែលបានបណ្ដុះបណ្ដាល",
        "new-label_en": "People trained",
        "new-label_th": "ผู้ที่ผ่านการอบรม",
        "new-value": "1200",
        "new-version": str(programme.version),
    }
    data.update({f"new-{k}": v for k, v in overrides.items()})
    return data


def test_admin_changes_a_target_number(admin_client: Client, programme: Programme) -> None:
    assert admin_client.get(TARGETS).status_code == 200
    response = admin_client.post(TARGETS, _existing(programme))
    assert response.status_code == 302
    assert programme.targets.get(key="shgs_active").value == 30
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="programmes.programmetarget"
    ).exists()


def test_the_code_of_an_existing_target_cannot_be_changed(
    admin_client: Client, programme: Programme
) -> None:
    admin_client.post(TARGETS, _existing(programme, key="renamed"))
    assert set(programme.targets.values_list("key", flat=True)) == {"shgs_active"}


def test_admin_adds_a_target(admin_client: Client, programme: Programme) -> None:
    response = admin_client.post(TARGETS, _new(programme))
    assert response.status_code == 302
    target = programme.targets.get(key="people_trained")
    assert (target.value, target.label_th) == (1200, "ผู้ที่ผ่านการอบรม")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"key": "ចំនួន"}, "key"),
        ({"key": "a" * 60}, "key"),
        ({"key": "Has Space"}, "key"),
        ({"value": "0"}, "value"),
        ({"value": "-5"}, "value"),
        ({"value": "lots"}, "value"),
        ({"value": "9" * 30}, "value"),
        ({"label_km": ""}, "label_km"),
        ({"label_en": "x" * 201}, "label_en"),
    ],
)
def test_bad_targets_change_nothing(
    admin_client: Client, programme: Programme, overrides: dict[str, str], field: str
) -> None:
    before = list(ProgrammeTarget.objects.values_list("key", "value"))
    response = admin_client.post(TARGETS, _new(programme, **overrides))
    assert response.status_code == 400
    assert field in response.context["new_form"].errors
    assert list(ProgrammeTarget.objects.values_list("key", "value")) == before


def test_stale_version_is_refused(admin_client: Client, programme: Programme) -> None:
    stale = programme.version
    assert admin_client.post(TARGETS, _existing(programme)).status_code == 302
    response = admin_client.post(
        TARGETS,
        {**_existing(programme, value="99"), f"t{programme.targets.get().pk}-version": str(stale)},
    )
    assert response.status_code == 400
    assert programme.targets.get(key="shgs_active").value == 30


def test_unknown_form_name_is_refused(admin_client: Client, programme: Programme) -> None:
    assert admin_client.post(TARGETS, {"form": "t999999"}).status_code == 400


def test_viewer_may_not_change_targets(viewer_client: Client, programme: Programme) -> None:
    assert viewer_client.get(TARGETS).status_code == 403
    assert viewer_client.post(TARGETS, _new(programme)).status_code == 403
    assert not ProgrammeTarget.objects.filter(key="people_trained").exists()
