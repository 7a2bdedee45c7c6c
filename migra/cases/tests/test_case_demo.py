"""The demo cases: opened once, seen by the right demo users."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from migra.accounts.models import User
from migra.cases.demo import demo_cases_ensure
from migra.cases.models import Case
from migra.cases.selectors import CaseFilters, case_list, cases_visible_to


@pytest.mark.django_db
def test_demo_cases_once_and_visible():
    call_command("demo", "--allow-production")  # opens the demo cases
    assert demo_cases_ensure() == 0  # and again: nothing more
    assert Case.objects.count() == 2
    caseworker = User.objects.get(email="caseworker@demo.migra.local")
    supervisor = User.objects.get(email="supervisor@demo.migra.local")
    donor = User.objects.get(email="donor@demo.migra.local")
    assert cases_visible_to(caseworker).count() == 1
    assert cases_visible_to(supervisor).count() == 2
    assert not cases_visible_to(donor).exists()
    mine = case_list(caseworker, CaseFilters(mine=True)).get()
    assert mine.status == "active" and mine.services.count() == 4
    assert mine.tasks.count() == 2 and mine.notes.count() == 1
    overdue = case_list(supervisor, CaseFilters(overdue=True, today=timezone.localdate()))
    assert list(overdue) == [mine]  # the family visit was due five days ago


@pytest.mark.django_db
def test_demo_directory_lists_the_partners_services_once():
    from migra.cases.demo import demo_directory_ensure
    from migra.cases.models import ServiceOffer

    call_command("demo", "--allow-production")
    assert demo_directory_ensure() == 0
    legal = ServiceOffer.objects.filter(agency__name_en="Legal Aid Organisation (demo)")
    assert set(legal.values_list("kind", flat=True)) == {"legal_aid", "wage_claim"}
    assert ServiceOffer.objects.count() == 8
