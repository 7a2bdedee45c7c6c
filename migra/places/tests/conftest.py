"""Fixtures for the gazetteer tests.

`gazetteer` loads the real gazetteer (~17,000 places) once per test module, inside
a transaction that is rolled back after the module, so tests elsewhere never see it.
The tests of a module that uses it run in savepoints inside that transaction.

`small_tree` builds a few places through the loader itself, for tests that need
only a handful.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import AgencyKind, Role
from migra.accounts.tests.conftest import login_as
from migra.places.models import Place, PlaceKind
from migra.places.services import gazetteer_load
from migra.places.sources import PlaceRecord


@pytest.fixture(scope="module")
def gazetteer(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            gazetteer_load()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def record(
    kind: str, code: str, path: str, name_km: str, name_en: str, name_th: str = ""
) -> PlaceRecord:
    parts = path.split("/")
    return PlaceRecord(
        kind=kind,
        code=code,
        parent_code=parts[-2] if len(parts) > 1 else None,
        path=path,
        name_km=name_km,
        name_en=name_en,
        name_th=name_th,
    )


SMALL_TREE = [
    record(PlaceKind.COUNTRY, "KH", "KH", "កម្ពុជា", "Cambodia", "กัมพูชา"),
    record(PlaceKind.COUNTRY, "TH", "TH", "ថៃ", "Thailand", "ไทย"),
    record(PlaceKind.REGION, "TH-27", "TH/TH-27", "ស្រះកែវ", "Sa Kaeo", "สระแก้ว"),
    record(PlaceKind.PROVINCE, "01", "KH/01", "បន្ទាយមានជ័យ", "Banteay Meanchey"),
    record(PlaceKind.DISTRICT, "0102", "KH/01/0102", "មង្គលបូរី", "Mangkul Bourei"),
    record(PlaceKind.COMMUNE, "010201", "KH/01/0102/010201", "បន្ទាយនាង", "Banteay Neang"),
    record(PlaceKind.VILLAGE, "01020101", "KH/01/0102/010201/01020101", "អូរធំ", "Ou Thum"),
    record(PlaceKind.COMMUNE, "010202", "KH/01/0102/010202", "បត់ត្រង់", "Bat Trang"),
    record(PlaceKind.PROVINCE, "17", "KH/17", "សៀមរាប", "Siemreap"),
    record(PlaceKind.DISTRICT, "1701", "KH/17/1701", "អង្គរជុំ", "Angkor Chum"),
    record(PlaceKind.COMMUNE, "170101", "KH/17/1701/170101", "ចារឈូក", "Char Chhuk"),
    # Same English name as a commune elsewhere: an ambiguous exact name.
    record(PlaceKind.COMMUNE, "170102", "KH/17/1701/170102", "បន្ទាយនាង", "Banteay Neang"),
]


@dataclass
class Tree:
    places: dict[str, Place]

    def __getitem__(self, code: str) -> Place:
        return self.places[code]


@pytest.fixture
def small_tree(db: Any) -> Tree:
    gazetteer_load(records=SMALL_TREE)
    return Tree({p.code: p for p in Place.objects.all()})


@dataclass
class People:
    viewer: User  # M&E officer: may look up places and see the programme
    admin: User  # programme admin at the lead NGO: may also manage the programme
    nobody: User  # logged in, no membership: may do nothing


@pytest.fixture
def people(db: Any) -> People:
    lead = Agency.objects.create(name_km="អង្គការនាំមុខ", name_en="Lead", kind=AgencyKind.LEAD_NGO)
    users = {}
    for name, role in (
        ("viewer", Role.ME_OFFICER),
        ("admin", Role.PROGRAMME_ADMIN),
        ("nobody", None),
    ):
        user = User.objects.create_user(
            email=f"{name}@example.org", password="correct horse battery", full_name=name.title()
        )
        if role is not None:
            Membership.objects.create(user=user, agency=lead, role=role, all_places=True)
        users[name] = user
    return People(**users)


@pytest.fixture
def viewer_client(client: Client, people: People) -> Client:
    return login_as(client, people.viewer)


@pytest.fixture
def admin_client(client: Client, people: People) -> Client:
    return login_as(client, people.admin)


@pytest.fixture
def nobody_client(client: Client, people: People) -> Client:
    return login_as(client, people.nobody)
