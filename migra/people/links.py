"""Records of other parts that point at a person (a case, a screening …).

They register here, so that a merge moves them to the surviving record with the
person's own names and phones, and undoing the merge moves them back. Each model has a
foreign key named `person` to `people.Person`.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Model

_LINKS: dict[str, str] = {}


def register_person_link(key: str, model_label: str) -> None:
    """`key` names the rows in a merge's record of what moved (e.g. "cases")."""
    existing = _LINKS.get(key)
    if existing is not None and existing != model_label:
        raise ValueError(f"person link {key!r} is already registered for {existing}")
    _LINKS[key] = model_label


def person_link_models() -> dict[str, type[Model]]:
    return {key: apps.get_model(label) for key, label in sorted(_LINKS.items())}
