"""A programme admin corrects the catalogue: a new version from the current one, rows
corrected, published. Old screenings keep the version they used."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from migra.audit.models import AuditAction, AuditEvent
from migra.screening.models import CatalogueVersion, Indicator, Screening
from migra.screening.selectors import catalogue_current
from migra.screening.services import (
    ScreeningConflict,
    catalogue_draft_create,
    catalogue_publish,
    indicator_update,
)
from migra.screening.tests.conftest import TRAFFICKED, form_data

# Recruitment by abuse of vulnerability: two medium and AL-3.13 ("past hardships").
VULNERABLE = {
    **{k: v for k, v in TRAFFICKED.items() if not k.startswith("recruit")},
    "recruit_economic_hardship": "yes",
    "recruit_family_situation": "yes",
    "recruit_past_hardships": "yes",
}


def _edit_data(row: Indicator, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "strength": row.strength,
        "source": row.source,
        "disputed": "on" if row.disputed else "",
        "confidence": row.confidence,
        "question_km": row.question_km,
        "question_en": row.question_en,
        "question_th": row.question_th,
        "guided_order": row.guided_order or "",
        "version": row.version,
    }
    data.update(changes)
    return data


def test_correcting_a_disputed_row_and_publishing(cast, catalogue, as_user, screen):
    before = screen(VULNERABLE, mode="full", actor=cast.users["carol"])
    # With AL-3.13 medium, three medium: recruitment by abuse of vulnerability is met.
    assert before.result == "trafficking_labour"
    alice = as_user(cast.users["alice"])
    response = alice.post("/app/screening/catalogue/new/", {"note": "Check AL-3.13"})
    assert response.status_code == 302
    draft = CatalogueVersion.objects.get(number=2)
    assert response["Location"] == "/app/screening/catalogue/2/"
    assert draft.indicators.count() == 143 and draft.based_on == catalogue
    assert not draft.is_published
    # Asking again returns the same draft.
    assert alice.post("/app/screening/catalogue/new/").status_code == 302
    assert CatalogueVersion.objects.count() == 2

    row = draft.indicators.get(key="AL-3.13")
    url = "/app/screening/catalogue/2/rows/AL-3.13/"
    assert alice.get(url).status_code == 200
    response = alice.post(
        url,
        _edit_data(
            row,
            strength="weak",
            source="P",
            disputed="",
            confidence="Checked against WCMS_105023, adult labour table.",
            question_en="Had hard things happened to you before you left?",
        ),
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.strength, row.source, row.disputed, row.version) == ("weak", "P", False, 2)
    assert row.question_en == "Had hard things happened to you before you left?"
    # The published version did not change.
    original = catalogue.indicators.get(key="AL-3.13")
    assert (original.strength, original.source, original.disputed) == ("medium", "S2", True)

    # Not published yet: screenings still use version 1.
    assert catalogue_current() == catalogue
    response = alice.post("/app/screening/catalogue/2/publish/", {"note": "", "version": 1})
    assert not CatalogueVersion.objects.get(number=2).is_published
    response = alice.post(
        "/app/screening/catalogue/2/publish/",
        {"note": "AL-3.13 is weak (checked against the PDF).", "version": draft.version},
    )
    assert response.status_code == 302
    assert catalogue_current().number == 2

    # The same answers now: two medium and one weak is pattern (d): still met — but the
    # result names version 2 and shows the corrected row.
    after = screen(VULNERABLE, mode="full", actor=cast.users["carol"])
    assert after.catalogue.number == 2
    carol = as_user(cast.users["carol"])
    html = carol.get(f"/app/screening/{after.pk}/").content.decode()
    assert "Catalogue version 2" in html
    assert "Had hard things happened to you before you left?" in html
    assert "two medium indicators and one weak" in html
    # The old screening keeps version 1 and its wording.
    before.refresh_from_db()
    assert before.catalogue == catalogue
    html = carol.get(f"/app/screening/{before.pk}/").content.decode()
    assert "Catalogue version 1" in html
    assert "Had lived through hard things before" not in html  # never reworded
    assert "Had you lived through hard things before" in html
    events = AuditEvent.objects.filter(object_type="screening.catalogueversion")
    assert {e.action for e in events} >= {AuditAction.CREATE, AuditAction.UPDATE}


def test_a_published_version_never_changes(cast, catalogue, as_user):
    row = catalogue.indicators.get(key="AL-1.01")
    with pytest.raises(ValidationError, match="never changes"):
        indicator_update(
            actor=cast.users["alice"],
            indicator=row,
            expected_version=1,
            changes={"strength": "weak"},
        )
    alice = as_user(cast.users["alice"])
    response = alice.post(
        "/app/screening/catalogue/1/rows/AL-1.01/", _edit_data(row, strength="weak")
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.strength == "strong"


def test_two_admins_correcting_one_row(cast, catalogue):
    alice = cast.users["alice"]
    draft = catalogue_draft_create(actor=alice)
    row = draft.indicators.get(key="AL-1.02")
    indicator_update(actor=alice, indicator=row, expected_version=1, changes={"strength": "strong"})
    with pytest.raises(ScreeningConflict):
        indicator_update(
            actor=alice, indicator=row, expected_version=1, changes={"strength": "weak"}
        )
    row.refresh_from_db()
    assert row.strength == "strong"


def test_publishing_twice_or_from_a_stale_page(cast, catalogue):
    alice = cast.users["alice"]
    draft = catalogue_draft_create(actor=alice)
    with pytest.raises(ScreeningConflict):
        catalogue_publish(actor=alice, catalogue=draft, expected_version=7, note="x")
    catalogue_publish(actor=alice, catalogue=draft, expected_version=1, note="x")
    with pytest.raises(ValidationError, match="already published"):
        catalogue_publish(actor=alice, catalogue=draft, expected_version=2, note="x")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"strength": "huge"}, "strength"),
        ({"source": "S9"}, "source"),
        ({"question_km": ""}, "question_km"),
        ({"question_th": "ก" * 401}, "question_th"),
        ({"guided_order": "0"}, "guided_order"),
        ({"guided_order": "abc"}, "guided_order"),
        ({"confidence": "x" * 601}, "confidence"),
        ({"version": "abc"}, "version"),
    ],
)
def test_bad_corrections_are_refused(cast, catalogue, as_user, changes, field):
    draft = catalogue_draft_create(actor=cast.users["alice"])
    row = draft.indicators.get(key="AL-2.01")
    response = as_user(cast.users["alice"]).post(
        "/app/screening/catalogue/2/rows/AL-2.01/", _edit_data(row, **changes)
    )
    assert response.status_code == 400
    fresh = Indicator.objects.get(pk=row.pk)
    assert (fresh.version, fresh.strength, fresh.question_km) == (1, row.strength, row.question_km)


def test_a_forced_labour_row_has_no_strength(cast, catalogue):
    draft = catalogue_draft_create(actor=cast.users["alice"])
    row = draft.indicators.get(key="FL-07")
    with pytest.raises(ValidationError):
        indicator_update(
            actor=cast.users["alice"],
            indicator=row,
            expected_version=1,
            changes={"strength": "strong"},
        )


def test_only_lead_ngo_programme_admins_manage_the_catalogue(cast, catalogue):
    for name in ("bob", "carol", "gina", "erin"):
        with pytest.raises(PermissionDenied):
            catalogue_draft_create(actor=cast.users[name])
    assert CatalogueVersion.objects.count() == 1


def test_unknown_rows_and_versions(cast, catalogue, as_user):
    catalogue_draft_create(actor=cast.users["alice"])
    alice = as_user(cast.users["alice"])
    assert alice.get("/app/screening/catalogue/2/rows/ZZ-9.99/").status_code == 404
    assert alice.get("/app/screening/catalogue/99/").status_code == 404
    assert alice.get("/app/screening/catalogue/").status_code == 200


def test_the_catalogue_page_shows_sources_and_gaps(cast, catalogue, as_user):
    html = as_user(cast.users["carol"]).get("/app/screening/catalogue/1/").content.decode()
    assert "AL-3.13" in html and "[S2] ?" in html
    assert "GAP: no source lists the adult sexual-exploitation indicators" in html
    assert "paraphrases, not ILO wording" in html
    assert "Programme rule" in html
    assert "Correct this row" not in html  # published, and carol is no admin


def test_a_screening_form_made_before_publication_is_sent_after(cast, catalogue, as_user):
    gina = as_user(cast.users["gina"])
    data = form_data(catalogue, TRAFFICKED)
    alice = cast.users["alice"]
    draft = catalogue_draft_create(actor=alice)
    catalogue_publish(actor=alice, catalogue=draft, expected_version=1, note="v2")
    assert gina.post("/app/screening/new/", data).status_code == 409
    assert not Screening.objects.exists()
