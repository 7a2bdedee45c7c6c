"""The issue's "Done when": "Sok Chanta, about 24, from village X" finds the existing
"សុខ ចាន់ធា" born 2001 from village X."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from migra.people.identity import facts_for
from migra.people.selectors import person_candidates


def test_latin_spelling_and_age_find_the_khmer_record(cast, sr_village, register):
    existing = register("សុខ ចាន់ធា", dob=dt.date(2001, 3, 14))
    register("កែវ សុភា", age=30)  # someone else in the same village
    age = timezone.localdate().year - 2001 - 1  # "about 24" in 2026
    facts = facts_for(
        names=["Sok Chanta"],
        birth_year=timezone.localdate().year - age,
        birth_year_exact=False,
        village_code=sr_village.code,
        sex="female",
    )
    found = person_candidates(cast.users["dan"], facts)
    assert [c.person.pk for c in found.visible] == [existing.pk]
    best = found.visible[0]
    codes = {r.code for r in best.reasons}
    assert "same_village" in codes
    assert codes & {"name_variants", "same_name"}
    assert codes & {"age_close", "same_birth_year"}
    assert found.hidden_match is False


def test_candidates_json_shows_the_match_with_reasons(cast, sr_village, register, as_user):
    existing = register("សុខ ចាន់ធា", dob=dt.date(2001, 3, 14))
    client = as_user(cast.users["dan"])
    response = client.get(
        "/app/people/candidates.json",
        {"name_latin": "Sok Chanta", "age": "២៤", "village": sr_village.code},
    )
    assert response.status_code == 200
    data = response.json()
    assert [c["id"] for c in data["candidates"]] == [existing.pk]
    assert "សុខ ចាន់ធា" in data["candidates"][0]["names"]
    assert data["candidates"][0]["reasons"]
    assert data["hidden_match"] is False
