"""demo_programme_ensure on the real gazetteer: MIGRA ACTION, once.

(Without the gazetteer: see test_services.py, which runs without it.)
"""

from __future__ import annotations

import pytest

from migra.audit.models import AuditEvent
from migra.places.models import PlaceKind
from migra.programmes.models import Programme, ProgrammeTarget
from migra.programmes.services import demo_programme_ensure

DEMO_PROVINCES = {
    "01": "Banteay Meanchey",
    "03": "Kampong Cham",
    "06": "Kampong Thom",
    "17": "Siemreap",
    "22": "Otdar Meanchey",
}


@pytest.mark.usefixtures("gazetteer")
@pytest.mark.django_db
def test_demo_programme_is_created_once() -> None:
    programme, created = demo_programme_ensure()
    assert created
    assert (programme.name_en, programme.donors) == ("MIGRA ACTION", "European Union")
    assert programme.name_km
    assert (programme.start_month.isoformat(), programme.end_month.isoformat()) == (
        "2016-01-01",
        "2019-01-01",
    )
    provinces = {p.code: p.name_en for p in programme.target_provinces.all()}
    assert provinces == DEMO_PROVINCES
    communes = list(programme.target_communes.select_related("parent__parent"))
    assert len(communes) == 25
    assert all(c.kind == PlaceKind.COMMUNE for c in communes)
    per_province: dict[str, int] = {}
    for commune in communes:
        per_province[commune.parent.parent.code] = (
            per_province.get(commune.parent.parent.code, 0) + 1
        )
    assert per_province == dict.fromkeys(DEMO_PROVINCES, 5)
    targets = {t.key: t.value for t in programme.targets.all()}
    assert targets["beneficiaries_reached"] == 80_000
    assert targets["shgs_active"] == 25
    assert targets["communes_covered"] == 25
    assert len(targets) >= 5
    assert all(t.label_km and t.label_en and t.label_th for t in programme.targets.all())

    # Again: nothing new, nothing changed, nothing audited.
    events = AuditEvent.objects.count()
    again, created_again = demo_programme_ensure()
    assert not created_again
    assert again.pk == programme.pk and again.version == programme.version
    assert Programme.objects.count() == 1
    assert ProgrammeTarget.objects.count() == len(targets)
    assert AuditEvent.objects.count() == events


@pytest.mark.usefixtures("gazetteer")
@pytest.mark.django_db
def test_demo_communes_are_chosen_the_same_way_every_time() -> None:
    first, _ = demo_programme_ensure()
    codes = sorted(first.target_communes.values_list("code", flat=True))
    Programme.objects.all().delete()
    second, created = demo_programme_ensure()
    assert created
    assert sorted(second.target_communes.values_list("code", flat=True)) == codes


@pytest.mark.usefixtures("gazetteer")
@pytest.mark.django_db
def test_demo_adds_missing_targets_and_keeps_edits() -> None:
    programme, _ = demo_programme_ensure()
    ProgrammeTarget.objects.filter(key="shgs_active").delete()
    ProgrammeTarget.objects.filter(key="beneficiaries_reached").update(value=90_000)
    demo_programme_ensure()
    targets = {t.key: t.value for t in programme.targets.all()}
    assert targets["shgs_active"] == 25
    assert targets["beneficiaries_reached"] == 90_000
