"""The household at home of a register entry's migrant: who each viewer sees in it,
adding a family member (a registered person or a new one, through the registry's
matching), the first addition making the household, and the badge of the register
list. Errors are compared by code."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.accounts.tests.conftest import Cast
from migra.audit.models import AuditAction, AuditEvent
from migra.community import services
from migra.community.models import RegisterEntry
from migra.community.tests.test_editing import run_together
from migra.people.models import Household, HouseholdMember, Person, Relationship
from migra.people.selectors import may_manage
from migra.people.services import NameInput, person_register

pytestmark = pytest.mark.django_db

VILLAGE = "01020101"


def _entry_of(world: Cast, person: Person) -> RegisterEntry:
    return services.register_entry_add(
        actor=world.users["gina"], commune=world.places["010201"], person=person
    )


@pytest.fixture
def migrant(register: Callable[..., Person]) -> Person:
    return register("ស្រី ពៅ")


@pytest.fixture
def entry(world: Cast, migrant: Person) -> RegisterEntry:
    return _entry_of(world, migrant)


@pytest.fixture
def sister(register: Callable[..., Person]) -> Person:
    """A registered person gina may see and manage."""
    return register("ម៉ៅ សុភា")


@pytest.fixture
def theirs(world: Cast) -> Person:
    """A person of gina's village registered by the crisis centre: gina may not see them."""
    return person_register(
        actor=world.users["carol"],
        names=[NameInput(value="ហេង ដារ៉ា")],
        sex="male",
        home_village=world.places[VILLAGE],
        approximate_age=50,
    )


def _new(name: str = "ចាន់ ស្រីមុំ", age: int = 52) -> services.NewPerson:
    """A new person of gina's village (`_add` puts the village in)."""
    return services.NewPerson(names=[name], sex="female", home_village=None, approximate_age=age)


def _add(world: Cast, entry: RegisterEntry, user: str = "gina", **kwargs: Any) -> HouseholdMember:
    kwargs.setdefault("relationship", Relationship.SIBLING)
    new = kwargs.get("new_person")
    if new is not None:
        kwargs["new_person"] = dataclasses.replace(new, home_village=world.places[VILLAGE])
    return services.register_household_member_add(actor=world.users[user], entry=entry, **kwargs)


def _code(error: ValidationError, field: str) -> str | None:
    return error.error_dict[field][0].code


def _household_of(person: Person) -> dict[int, str]:
    """person id → relationship, in the person's (only) household."""
    household = HouseholdMember.objects.get(person=person).household
    return dict(household.members.values_list("person_id", "relationship"))


def _hh(entry: RegisterEntry) -> str:
    return f"/app/community/register/{entry.pk}/household/"


# --------------------------------------------------------------------------- the service


def test_a_facilitator_may_change_the_people_of_their_commune(
    world: Cast, migrant: Person, register: Callable[..., Person]
) -> None:
    """household_add_member checks `may_manage` (MANAGE_PEOPLE): the facilitator role
    holds it over their agency's people in their communes, not beyond."""
    far = register("ហេង ដារ៉ា", actor=world.users["hana"], village=world.places["010202-v"])
    assert may_manage(world.users["gina"], migrant)
    assert not may_manage(world.users["gina"], far)


def test_the_first_addition_makes_the_household_with_both(
    world: Cast, entry: RegisterEntry, migrant: Person
) -> None:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    member = _add(
        world,
        entry,
        new_person=_new(),
        relationship=Relationship.PARENT,
        migrant_relationship=Relationship.CHILD,
        token=uuid.uuid4(),
    )
    mother = member.person
    assert Household.objects.count() == 1
    assert _household_of(migrant) == {migrant.pk: "child", mother.pk: "parent"}
    assert member.household.agency == entry.agency
    event = AuditEvent.objects.filter(
        object_type="community.registerentry", object_id=str(entry.pk), action="update"
    ).get()
    assert event.changes["household_made"] is True
    assert event.changes["migrant_relationship"] == "child"
    assert event.changes["person"] == mother.pk and event.changes["new_person"] is True
    # Codes and numbers only: no name anywhere in what the addition wrote to the trail.
    written = [str(e.changes) for e in AuditEvent.objects.filter(seq__gt=last)]
    assert len(written) >= 4  # the new person, the household, two memberships, the entry
    assert not any("ចាន់" in text or "ស្រី" in text for text in written)


def test_a_second_addition_joins_it(
    world: Cast, entry: RegisterEntry, migrant: Person, sister: Person
) -> None:
    first = _add(world, entry, new_person=_new(), migrant_relationship=Relationship.HEAD)
    # Asked only once: a migrant_relationship sent again is not used.
    second = _add(world, entry, person=sister, migrant_relationship=Relationship.CHILD)
    assert second.household_id == first.household_id and Household.objects.count() == 1
    assert _household_of(migrant) == {
        migrant.pk: "head",
        first.person_id: "sibling",
        sister.pk: "sibling",
    }


def test_the_first_addition_asks_who_the_migrant_is(
    world: Cast, entry: RegisterEntry, sister: Person
) -> None:
    persons = Person.objects.count()
    for kwargs in ({"person": sister}, {"new_person": _new()}):
        with pytest.raises(ValidationError) as caught:
            _add(world, entry, **kwargs)
        assert _code(caught.value, "migrant_relationship") == "required"
    assert not Household.objects.exists() and Person.objects.count() == persons


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"relationship": "king"}, "relationship", "invalid_choice"),
        ({"relationship": ""}, "relationship", "invalid_choice"),
        ({"migrant_relationship": "boss"}, "migrant_relationship", "invalid_choice"),
        ({"person": None}, "person", "required"),
    ],
)
def test_bad_choices_change_nothing(
    world: Cast, entry: RegisterEntry, sister: Person, kwargs: dict, field: str, code: str
) -> None:
    data = {"person": sister, "migrant_relationship": Relationship.HEAD, **kwargs}
    with pytest.raises(ValidationError) as caught:
        _add(world, entry, **data)
    assert field in caught.value.error_dict
    if field != "person":
        assert _code(caught.value, field) == code
    assert not Household.objects.exists() and not HouseholdMember.objects.exists()


def test_a_person_already_in_the_household_is_refused(
    world: Cast, entry: RegisterEntry, migrant: Person, sister: Person
) -> None:
    _add(world, entry, person=sister, migrant_relationship=Relationship.HEAD)
    for person, code in ((sister, "duplicate"), (migrant, "migrant")):
        with pytest.raises(ValidationError) as caught:
            _add(world, entry, person=person, token=uuid.uuid4())
        assert _code(caught.value, "person") == code
    assert HouseholdMember.objects.count() == 2


def test_a_household_holds_at_most_forty(
    world: Cast, entry: RegisterEntry, migrant: Person, sister: Person
) -> None:
    _add(world, entry, new_person=_new(), migrant_relationship=Relationship.HEAD)
    home = HouseholdMember.objects.get(person=migrant).household
    HouseholdMember.objects.bulk_create(
        HouseholdMember(household=home, person=p, relationship="other")
        for p in Person.objects.bulk_create(
            Person(agency=migrant.agency, home_village=migrant.home_village, sex="male")
            for _ in range(services.MAX_HOUSEHOLD - 2)
        )
    )
    with pytest.raises(ValidationError) as caught:
        _add(world, entry, person=sister)
    assert _code(caught.value, "person") == "too_many"
    assert home.members.count() == services.MAX_HOUSEHOLD


def test_the_migrant_is_not_their_own_family(
    world: Cast, entry: RegisterEntry, migrant: Person
) -> None:
    with pytest.raises(ValidationError) as caught:
        _add(world, entry, person=migrant, migrant_relationship=Relationship.HEAD)
    assert _code(caught.value, "person") == "migrant"
    assert not Household.objects.exists()


def test_the_same_form_twice_adds_once(world: Cast, entry: RegisterEntry) -> None:
    token = uuid.uuid4()
    first = _add(
        world, entry, new_person=_new(), migrant_relationship=Relationship.HEAD, token=token
    )
    again = _add(
        world, entry, new_person=_new(), migrant_relationship=Relationship.HEAD, token=token
    )
    assert again.pk == first.pk
    assert Person.objects.count() == 2 and HouseholdMember.objects.count() == 2


def test_a_new_person_who_looks_registered_warns_first(
    world: Cast, entry: RegisterEntry, sister: Person
) -> None:
    with pytest.raises(services.PossibleDuplicate) as caught:
        _add(
            world,
            entry,
            new_person=_new("ម៉ៅ សុភា", age=24),
            migrant_relationship=Relationship.HEAD,
        )
    assert caught.value.candidates == [sister.pk]
    assert Person.objects.count() == 2 and not Household.objects.exists()
    member = _add(
        world,
        entry,
        new_person=_new("ម៉ៅ សុភា", age=24),
        migrant_relationship=Relationship.HEAD,
        confirm_possible_duplicate=True,
    )
    assert member.person_id != sister.pk and Person.objects.count() == 3


def test_another_communes_facilitator_is_refused_and_logged(
    world: Cast, entry: RegisterEntry, sister: Person
) -> None:
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    with pytest.raises(PermissionDenied):
        _add(world, entry, "hana", person=sister, migrant_relationship=Relationship.HEAD)
    # The refusal is kept though the write was rolled back.
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED)
    assert denied.count() == before + 1
    assert not Household.objects.exists()


def test_a_person_the_user_sees_but_may_not_change_is_refused_and_logged(
    world: Cast, entry: RegisterEntry, theirs: Person
) -> None:
    """A facilitator who is also programme admin of another agency sees its people
    (VIEW_PEOPLE) but may not change them (no MANAGE_PEOPLE there)."""
    gina = world.users["gina"]
    Membership.objects.create(
        user=gina, agency=world.agencies["crisis"], role=Role.PROGRAMME_ADMIN, all_places=True
    )
    gina = User.objects.get(pk=gina.pk)  # memberships read afresh
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    with pytest.raises(PermissionDenied):
        services.register_household_member_add(
            actor=gina,
            entry=entry,
            person=theirs,
            relationship=Relationship.PARENT,
            migrant_relationship=Relationship.CHILD,
        )
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 1
    assert not Household.objects.exists()


def test_a_person_of_another_agency_cannot_join(
    world: Cast, entry: RegisterEntry, theirs: Person, django_user_model: Any
) -> None:
    """Even for someone who may change everyone: the registry keeps a household within
    its agency."""
    root = django_user_model.objects.create_superuser(
        email="root@example.org", password="correct horse battery staple"
    )
    with pytest.raises(ValidationError) as caught:
        services.register_household_member_add(
            actor=root,
            entry=entry,
            person=theirs,
            relationship=Relationship.PARENT,
            migrant_relationship=Relationship.CHILD,
        )
    assert _code(caught.value, "person") == "other_agency"
    assert not Household.objects.exists()


# --------------------------------------------------------------------------- at once


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_three_times_at_once_adds_once(
    world: Cast, register: Callable[..., Person]
) -> None:
    entry = _entry_of(world, register("ស្រី ពៅ"))
    token = uuid.uuid4()

    def add() -> HouseholdMember:
        return _add(
            world,
            entry,
            new_person=_new(),
            migrant_relationship=Relationship.HEAD,
            confirm_possible_duplicate=True,
            token=token,
        )

    results, errors = run_together([add, add, add])
    assert errors == [] and len({m.pk for m in results}) == 1
    assert Person.objects.count() == 2
    assert Household.objects.count() == 1 and HouseholdMember.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_first_additions_at_once_make_one_household(
    world: Cast, register: Callable[..., Person]
) -> None:
    migrant = register("ស្រី ពៅ")
    entry = _entry_of(world, migrant)
    father, mother = register("សុខ ចាន់"), register("ហេង ដារ៉ា")

    def add(user: str, person: Person, relationship: str) -> Callable[[], HouseholdMember]:
        return lambda: _add(
            world,
            entry,
            user,
            person=person,
            relationship=relationship,
            migrant_relationship=Relationship.CHILD,
            token=uuid.uuid4(),
        )

    # …and a third sending of the father's form that is not the same form (another token).
    results, errors = run_together(
        [add("gina", father, "head"), add("ivan", mother, "spouse"), add("gina", father, "head")]
    )
    assert len(results) == 2 and len(errors) == 1
    assert isinstance(errors[0], ValidationError) and _code(errors[0], "person") == "duplicate"
    assert Household.objects.count() == 1
    assert _household_of(migrant) == {migrant.pk: "child", father.pk: "head", mother.pk: "spouse"}


# --------------------------------------------------------------------------- who sees whom


@pytest.fixture
def household(
    world: Cast,
    entry: RegisterEntry,
    migrant: Person,
    sister: Person,
    theirs: Person,
    register: Any,
) -> dict[str, Person]:
    """The migrant's household: her sister (gina's agency, gina's commune); an uncle
    registered by the crisis centre (put there as a merge of records may do: the
    registry's own service keeps a household within one agency); a cousin of gina's
    agency living in the next commune; a record merged away into the sister."""
    _add(world, entry, person=sister, migrant_relationship=Relationship.HEAD)
    home = HouseholdMember.objects.get(person=migrant).household
    cousin = register("សុខ ចាន់", actor=world.users["hana"], village=world.places["010202-v"])
    gone = register("ម៉ៅ សុភាព")
    for person in (theirs, cousin, gone):
        HouseholdMember.objects.create(household=home, person=person, relationship="other")
    Person.objects.filter(pk=gone.pk).update(merged_into=sister)
    return {"sister": sister, "uncle": theirs, "cousin": cousin}


def _olga(world: Cast) -> User:
    """A facilitator of the lead NGO over the whole province."""
    olga = User.objects.create_user(
        email="olga@example.org", password="correct horse battery staple", full_name="Olga"
    )
    membership = Membership.objects.create(
        user=olga, agency=world.agencies["lead"], role=Role.SHG_FACILITATOR, all_places=False
    )
    membership.places.set([world.places["01"]])
    return olga


def _shown_members(html: str) -> list[str]:
    section = html.split('id="household"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="/app/people/(\d+)/"', section)


def test_each_viewer_sees_the_members_they_may_see(
    world: Cast, entry: RegisterEntry, household: dict[str, Person], as_user: Any
) -> None:
    sister, cousin = household["sister"], household["cousin"]
    expected = {
        "gina": ([sister.pk], 2),  # the uncle (crisis centre) and the cousin (next commune)
        "ivan": ([sister.pk], 2),
        "olga": ([sister.pk, cousin.pk], 1),  # the province: the cousin too
    }
    users = {"gina": world.users["gina"], "ivan": world.users["ivan"], "olga": _olga(world)}
    for name, (shown, hidden) in expected.items():
        before = AuditEvent.objects.order_by("-seq").first()
        html = as_user(users[name]).get(f"/app/community/register/{entry.pk}/").content.decode()
        assert _shown_members(html) == [str(pk) for pk in shown], name
        counted = re.search(r'id="household-hidden">(\d+) member', html)
        assert counted is not None and int(counted.group(1)) == hidden, name
        assert "The migrant in this household: Head of household" in html
        assert "ម៉ៅ សុភា" in html and "ហេង ដារ៉ា" not in html
        # Each name shown is a logged read of that person's record.
        logged = AuditEvent.objects.filter(
            seq__gt=before.seq if before else 0,
            action=AuditAction.VIEW,
            changes__via="community register household",
        )
        assert sorted(int(e.object_id) for e in logged) == sorted(shown), name
        assert {e.actor_id for e in logged} == {users[name].pk}


def test_an_entry_without_a_household_says_so(
    world: Cast, entry: RegisterEntry, as_user: Any
) -> None:
    html = as_user(world.users["gina"]).get(f"/app/community/register/{entry.pk}/").content
    page = html.decode()
    assert "No household recorded yet" in page
    assert f'action="{_hh(entry)}add/"' in page  # the picker's search box
    assert f'data-suggest-url="{_hh(entry)}find.json"' in page


def test_the_register_list_shows_household_sizes_in_a_fixed_number_of_queries(
    world: Cast,
    household: dict[str, Person],
    register: Callable[..., Person],
    as_user: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = as_user(world.users["gina"])
    client.get("/app/community/register/")  # the session, warmed up
    with CaptureQueriesContext(connection) as one_entry:
        html = client.get("/app/community/register/").content.decode()
    # The migrant, her sister, the uncle and the cousin: the merged-away record is no one.
    assert "household: 4" in html
    for i in range(6):
        entry = _entry_of(world, register(f"ស្រី ពៅ {i}"))
        _add(
            world,
            entry,
            new_person=_new(f"ចាន់ ស្រីមុំ {i}", age=40 + i),
            migrant_relationship=Relationship.CHILD,
            confirm_possible_duplicate=True,
        )
    with django_assert_max_num_queries(len(one_entry)):
        html = client.get("/app/community/register/").content.decode()
    assert html.count("household: 2") == 6 and "household: 4" in html


# --------------------------------------------------------------------------- the pages


def test_choose_a_registered_person_without_script(
    world: Cast, entry: RegisterEntry, migrant: Person, sister: Person, as_user: Any
) -> None:
    client = as_user(world.users["gina"])
    found = client.get(f"{_hh(entry)}add/", {"q": "ម៉ៅ សុភា"}).content.decode()
    choose = re.search(rf'href="({_hh(entry)}add/\?person={sister.pk})"', found)
    assert choose is not None
    # The migrant is there already: not offered.
    assert (
        "already in the household"
        in client.get(f"{_hh(entry)}add/", {"q": "ស្រី ពៅ"}).content.decode()
    )
    chosen = client.get(choose.group(1)).content.decode()
    assert 'id="add-chosen"' in chosen and "Who the migrant is in the household" in chosen
    token = re.search(r'name="token" value="([0-9a-f-]+)" id="chosen_token"', chosen)
    assert token is not None
    data = {
        "person": str(sister.pk),
        "relationship": "sibling",
        "migrant_relationship": "head",
        "token": token.group(1),
    }
    for _ in range(2):  # sent twice: added once
        response = client.post(_hh(entry), data)
        assert response.status_code == 302
        assert response["Location"] == f"/app/community/register/{entry.pk}/#household"
    assert _household_of(migrant) == {migrant.pk: "head", sister.pk: "sibling"}
    page = client.get(f"/app/community/register/{entry.pk}/").content.decode()
    assert _shown_members(page) == [str(sister.pk)]
    # Now she is in it: flagged, and the migrant's relationship is no longer asked.
    again = client.get(f"{_hh(entry)}add/", {"person": sister.pk}).content.decode()
    assert "This person is already in the household." in again
    assert 'id="add-chosen"' not in again
    assert (
        "Who the migrant is in the household"
        not in client.get(f"{_hh(entry)}add/").content.decode()
    )


def test_the_type_ahead_links_to_the_choose_step(
    world: Cast, entry: RegisterEntry, migrant: Person, sister: Person, as_user: Any
) -> None:
    client = as_user(world.users["gina"])
    answer = client.get(f"{_hh(entry)}find.json", {"q": "ម៉ៅ សុភា"}).json()
    assert answer["results"] == [
        {
            "title": "ម៉ៅ សុភា",
            "type_label": f"born about {sister.birth_year} · Ou Thum",
            "url": f"{_hh(entry)}add/?person={sister.pk}",
        }
    ]
    labels = client.get(f"{_hh(entry)}find.json", {"q": "ស្រី ពៅ"}).json()["results"]
    assert [r["type_label"].endswith("already in the household") for r in labels] == [True]
    for query in ("", "<script>", "x" * 5000, "\x00"):
        assert client.get(f"{_hh(entry)}find.json", {"q": query}).json() == {"results": []}


def _new_data(**extra: Any) -> dict[str, str]:
    data = {
        "token": str(uuid.uuid4()),
        "names": "ចាន់ ស្រីមុំ",
        "sex": "female",
        "approximate_age": "៥២",  # Khmer digits
        "home_village": VILLAGE,
        "phone": "",
        "relationship": "parent",
        "migrant_relationship": "child",
    }
    data.update(extra)
    return data


def test_register_a_new_family_member(
    world: Cast, entry: RegisterEntry, migrant: Person, as_user: Any
) -> None:
    client = as_user(world.users["gina"])
    assert 'id="new-person"' in client.get(f"{_hh(entry)}add/").content.decode()
    data = _new_data(phone="097 111 2222")
    for _ in range(2):  # the same form twice: one person, one member
        response = client.post(f"{_hh(entry)}new/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
    mother = Person.objects.exclude(pk=migrant.pk).get()
    assert mother.birth_year is not None and mother.phones.count() == 1
    assert _household_of(migrant) == {migrant.pk: "child", mother.pk: "parent"}


def test_a_new_family_member_who_looks_registered_is_shown_first(
    world: Cast, entry: RegisterEntry, sister: Person, as_user: Any
) -> None:
    client = as_user(world.users["ivan"])
    data = _new_data(names="ម៉ៅ សុភា", approximate_age="24")
    response = client.post(f"{_hh(entry)}new/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Is this person already registered?" in html
    assert f"{_hh(entry)}add/?person={sister.pk}" in html  # choose her instead …
    assert Person.objects.count() == 2 and not Household.objects.exists()
    data["confirm_possible_duplicate"] = "on"  # … or confirm that this is someone else
    assert client.post(f"{_hh(entry)}new/", data).status_code == 302
    assert Person.objects.count() == 3 and HouseholdMember.objects.count() == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"names": ""},
        {"names": "x" * 201},
        {"names": "ស" * 5000},
        {"names": "ចាន់\x00"},
        {"sex": "robot"},
        {"approximate_age": "old"},
        {"approximate_age": "999"},
        {"home_village": "01020201"},  # out of gina's reach
        {"home_village": "010201"},  # a commune, not a village
        {"phone": "not a phone"},
        {"relationship": "king"},
        {"relationship": ""},
        {"migrant_relationship": "boss"},
        {"migrant_relationship": ""},  # the first addition must say
        {"token": "not-a-uuid"},
    ],
)
def test_new_family_member_bad_input(
    world: Cast, entry: RegisterEntry, as_user: Any, bad: dict
) -> None:
    response = as_user(world.users["gina"]).post(f"{_hh(entry)}new/", _new_data(**bad))
    assert response.status_code == 400, bad
    assert Person.objects.count() == 1 and not HouseholdMember.objects.exists()


def test_hostile_names_are_shown_escaped(world: Cast, entry: RegisterEntry, as_user: Any) -> None:
    client = as_user(world.users["gina"])
    response = client.post(f"{_hh(entry)}new/", _new_data(names="<script>alert(1)</script>"))
    assert response.status_code == 302  # a name is a name: kept as typed, shown escaped
    page = client.get(f"/app/community/register/{entry.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize(
    "bad",
    [
        {"person": "abc"},
        {"person": "-1"},
        {"person": "9" * 40},
        {"person": "99999999"},
        {"relationship": "king"},
        {"token": "not-a-uuid"},
    ],
)
def test_choosing_bad_input(
    world: Cast, entry: RegisterEntry, sister: Person, as_user: Any, bad: dict
) -> None:
    data = {"person": str(sister.pk), "relationship": "sibling", "migrant_relationship": "head"}
    response = as_user(world.users["gina"]).post(_hh(entry), {**data, **bad}, follow=True)
    assert response.status_code == 200
    assert not HouseholdMember.objects.exists()


def test_a_person_already_there_is_refused_with_a_clear_message(
    world: Cast, entry: RegisterEntry, sister: Person, as_user: Any
) -> None:
    client = as_user(world.users["gina"])
    data = {"person": str(sister.pk), "relationship": "sibling", "migrant_relationship": "head"}
    client.post(_hh(entry), {**data, "token": str(uuid.uuid4())})
    response = client.post(_hh(entry), {**data, "token": str(uuid.uuid4())}, follow=True)
    assert "This person is already in the household." in response.content.decode()
    assert HouseholdMember.objects.count() == 2


def test_the_household_pages_of_another_commune_are_403_and_logged(
    world: Cast, entry: RegisterEntry, sister: Person, as_user: Any
) -> None:
    hana = as_user(world.users["hana"])
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    calls = (
        ("get", f"{_hh(entry)}add/", {"q": "mao"}),
        ("get", f"{_hh(entry)}find.json", {"q": "mao"}),
        ("post", f"{_hh(entry)}new/", _new_data()),
        ("post", _hh(entry), {"person": str(sister.pk), "relationship": "sibling"}),
    )
    for method, url, data in calls:
        assert getattr(hana, method)(url, data).status_code == 403, url
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 4
    assert Person.objects.count() == 2 and not HouseholdMember.objects.exists()
    assert as_user(world.users["alice"]).get(f"{_hh(entry)}add/").status_code == 403
