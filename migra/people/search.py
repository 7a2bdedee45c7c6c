"""Persons in the search index: by name keys only (keyed hashes), never by plaintext.

The index row holds no title and no text; the name shown in results is decrypted from
the record when a permitted user's results are shown.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from migra.accounts.roles import Perm
from migra.search.registry import register


def _names(person: Any) -> list[str]:
    return [name.value for name in person.names.all()]


def _display(person: Any) -> str:
    names = list(person.names.all())
    if not names:
        return str(person)
    primary = next((n for n in names if n.is_primary), names[0])
    return str(primary.value)


def _queryset() -> QuerySet[Any]:
    from migra.people.models import Person

    return (
        Person.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
        .select_related("home_village")
        .prefetch_related("names")
        .order_by("pk")
    )


register(
    "person",
    model="people.Person",
    label=_("People"),
    permission=Perm.VIEW_PEOPLE,
    agency_field="agency_id",
    place_field="home_village",
    name_fields=[_names],
    display=_display,
    url=lambda person: reverse("people:detail", args=[person.pk]),
    queryset=_queryset,
    indexable=lambda person: person.merged_into_id is None and person.erased_at is None,
)
