"""Community tests reuse the permission cast (migra/accounts/tests/conftest.py): gina is
the SHG facilitator of the lead NGO in commune 010201. Added here: ivan, a second
facilitator of the lead NGO in the same commune; hana, facilitator in commune 010202;
Thailand with one province; the screening catalogue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    Cast,
    as_user,
    cast,
    login_as,
    make_place,
)
from migra.community import services
from migra.community.models import Group, GroupMember, MemberRole
from migra.people.models import Person
from migra.people.services import NameInput, person_register
from migra.places.models import Place, PlaceKind

BM_VILLAGE = "01020101"


@pytest.fixture(autouse=True)
def _pages_in_english(db: None) -> Iterator[None]:
    """These tests read messages on pages: everyone reads English here."""
    from django.db.models.signals import pre_save

    def english(sender: type, instance: User, **kwargs: Any) -> None:
        if instance._state.adding:
            instance.language = "en"

    pre_save.connect(english, sender=User, dispatch_uid="community-tests-english")
    yield
    pre_save.disconnect(sender=User, dispatch_uid="community-tests-english")


def _facilitator(cast: Cast, name: str, commune: str) -> User:  # noqa: F811
    user = User.objects.create_user(
        email=f"{name}@example.org", password="correct horse battery staple", full_name=name.title()
    )
    membership = Membership.objects.create(
        user=user, agency=cast.agencies["lead"], role=Role.SHG_FACILITATOR, all_places=False
    )
    membership.places.set([cast.places[commune]])
    cast.users[name] = user
    return user


@pytest.fixture
def world(cast: Cast) -> Cast:  # noqa: F811
    _facilitator(cast, "ivan", "010201")
    _facilitator(cast, "hana", "010202")
    cast.places["010202-v"] = make_place(
        "01020201", PlaceKind.VILLAGE, "Bat Trang Village", cast.places["010202"]
    )
    th = make_place("TH", PlaceKind.COUNTRY, "Thailand", None)
    cast.places["TH"] = th
    cast.places["TH-27"] = make_place("TH-27", PlaceKind.REGION, "Sa Kaeo", th)
    return cast


@pytest.fixture
def register(world: Cast) -> Callable[..., Person]:
    def _register(
        name: str = "ស្រី ពៅ", *, actor: User | None = None, village: Place | None = None
    ) -> Person:
        return person_register(
            actor=actor or world.users["gina"],
            names=[NameInput(value=name)],
            sex="female",
            home_village=village or world.places[BM_VILLAGE],
            approximate_age=24,
        )

    return _register


@pytest.fixture
def group(world: Cast) -> Group:
    return services.group_create(
        actor=world.users["gina"],
        name="Banteay Neang SHG",
        commune=world.places["010201"],
        villages=[world.places[BM_VILLAGE]],
        founded_on=dt.date(2024, 1, 10),
    )


@pytest.fixture
def other_group(world: Cast) -> Group:
    return services.group_create(
        actor=world.users["hana"], name="Bat Trang SHG", commune=world.places["010202"]
    )


@pytest.fixture
def members(group: Group, register: Callable[..., Person], world: Cast) -> list[GroupMember]:
    people = [register("សុខ ចាន់"), register("ម៉ៅ សុភា"), register("ហេង ដារ៉ា")]
    return [
        services.group_member_add(
            actor=world.users["gina"], group=group, person=p, role=MemberRole.MIGRANT_FAMILY
        )
        for p in people
    ]
