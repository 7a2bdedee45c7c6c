"""Migration register entries in the search index: a facilitator finds a migrant's
entry by typing the name in Khmer or Latin letters. Indexed by the person's name keys
(keyed hashes) and the destination's name, never by plaintext names; notes on problems
are encrypted and stay out of the index. Results show the destination and departure,
not the name (the entry page shows it to those who may see it)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from migra.accounts.roles import Perm
from migra.search.registry import register


def _person_names(entry: Any) -> list[str]:
    return [name.value for name in entry.person.names.all()]


def _destination(entry: Any) -> list[str]:
    return [entry.destination.name] if entry.destination_id else []


def _display(entry: Any) -> str:
    where = entry.destination.name if entry.destination_id else _("destination not recorded")
    if entry.departed_on:
        return _("Migration register: %(where)s, left %(date)s") % {
            "where": where,
            "date": entry.departed_on.isoformat(),
        }
    return _("Migration register: %(where)s") % {"where": where}


def _entries() -> QuerySet[Any]:
    from migra.community.models import RegisterEntry

    return RegisterEntry.objects.select_related(
        "commune", "destination", "person"
    ).prefetch_related("person__names")


def _entries_of(person: Any) -> QuerySet[Any]:
    return _entries().filter(person=person)


register(
    "register_entry",
    model="community.RegisterEntry",
    label=gettext_lazy("Migration register"),
    permission=Perm.MANAGE_GROUPS,
    agency_field="agency_id",
    place_field="commune",
    text_fields=[_destination],
    name_fields=[_person_names],
    display=_display,
    url=lambda entry: reverse("community:entry", args=[entry.pk]),
    queryset=lambda: _entries().order_by("pk"),
    follows=("people.Person", _entries_of),
)
