"""Demo persons (called by `migra demo`). Idempotent: each is found again by the blind
index of its demo document number.

- សុខ ចាន់ធា (Sok Chanta), born 2001, from a Siem Reap village, registered by the
  women's crisis centre: supervisor@demo sees her; caseworker@demo (Banteay Meanchey
  only) typing "Sok Chanta" sees "possible existing record — ask your supervisor".
- ចាន់ សុភាព (Chan Sopheap), about 31, from a Banteay Meanchey village, registered by the
  crisis centre: caseworker@demo and supervisor@demo see him.
- ហេង ស្រីនិច (Heng Sreynich), about 19, from a Banteay Meanchey village, registered by
  the lead NGO: the SHG facilitator sees her.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from migra.accounts.models import Agency
from migra.people.identity import document_index, document_normal
from migra.people.models import IdentityDocument
from migra.people.services import DocumentInput, NameInput, person_register
from migra.places.models import Place, PlaceKind


@dataclass(frozen=True)
class DemoPerson:
    agency_name_en: str
    province: str
    names: tuple[str, ...]
    sex: str
    document: str
    date_of_birth: dt.date | None = None
    age: int | None = None
    phone: str = ""


DEMO_PERSONS = [
    DemoPerson(
        "Women's Crisis Centre (demo)",
        "17",
        ("សុខ ចាន់ធា",),
        "female",
        "DEMO000001",
        date_of_birth=dt.date(2001, 3, 14),
        phone="+85512999001",
    ),
    DemoPerson(
        "Women's Crisis Centre (demo)",
        "01",
        ("ចាន់ សុភាព", "Chan Sopheap"),
        "male",
        "DEMO000002",
        age=31,
    ),
    DemoPerson(
        "Safe Migration Cambodia (demo)", "01", ("ហេង ស្រីនិច",), "female", "DEMO000003", age=19
    ),
]


def _first_village(province: str) -> Place | None:
    return (
        Place.objects.filter(kind=PlaceKind.VILLAGE, path__startswith=f"KH/{province}/")
        .order_by("path")
        .first()
    )


def demo_people_ensure() -> int:
    """Create the demo persons that are missing; return how many were created."""
    created = 0
    for spec in DEMO_PERSONS:
        index = document_index(document_normal(spec.document))
        if IdentityDocument.objects.filter(number_index=index).exists():
            continue
        agency = Agency.objects.filter(name_en=spec.agency_name_en).first()
        village = _first_village(spec.province)
        if agency is None or village is None:
            continue
        person_register(
            actor=None,
            agency=agency,
            names=[NameInput(value=n) for n in spec.names],
            sex=spec.sex,
            home_village=village,
            date_of_birth=spec.date_of_birth,
            approximate_age=spec.age,
            phones=[spec.phone] if spec.phone else [],
            documents=[DocumentInput(kind="other", number=spec.document)],
        )
        created += 1
    return created
