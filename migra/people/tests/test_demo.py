"""The demo persons: created once, where the demo users can see them."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from migra.accounts.models import User
from migra.people.identity import facts_for
from migra.people.models import Person
from migra.people.selectors import person_candidates, persons_visible_to


@pytest.mark.django_db
def test_demo_persons_once_and_visible(capsys):  # type: ignore[no-untyped-def]
    call_command("demo", "--allow-production")
    call_command("demo", "--allow-production")
    assert Person.objects.count() == 3
    supervisor = User.objects.get(email="supervisor@demo.migra.local")
    caseworker = User.objects.get(email="caseworker@demo.migra.local")
    assert persons_visible_to(supervisor).count() == 2
    assert persons_visible_to(caseworker).count() == 1
    sok = next(p for p in Person.objects.all() if p.birth_year == 2001)
    facts = facts_for(
        names=["Sok Chanta"],
        birth_year=2002,
        birth_year_exact=False,
        village_code=sok.home_village.code,
    )
    assert [c.person for c in person_candidates(supervisor, facts).visible] == [sok]
    hidden = person_candidates(caseworker, facts)
    assert hidden.visible == [] and hidden.hidden_match
