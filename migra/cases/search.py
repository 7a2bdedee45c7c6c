"""Cases in the search index: by case number and by the person's name keys (keyed
hashes), never by plaintext. Summaries and notes are encrypted and stay out of the
index; a case's number and type are what results show."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from migra.accounts.roles import Perm
from migra.search.registry import register


def _person_names(case: Any) -> list[str]:
    return [name.value for name in case.person.names.all()]


def _display(case: Any) -> str:
    return f"{case.number} · {case.get_case_type_display()}"


def _cases() -> QuerySet[Any]:
    from migra.cases.models import Case

    return Case.objects.select_related("origin", "person").prefetch_related("person__names")


def _cases_of(person: Any) -> QuerySet[Any]:
    return _cases().filter(person=person)


register(
    "case",
    model="cases.Case",
    label=_("Cases"),
    permission=Perm.VIEW_CASES,
    agency_field="agency_id",
    place_field="origin",
    title="number",
    text_fields=["number"],
    name_fields=[_person_names],
    display=_display,
    url=lambda case: reverse("cases:detail", args=[case.pk]),
    queryset=lambda: _cases().order_by("pk"),
    follows=("people.Person", _cases_of),
)
