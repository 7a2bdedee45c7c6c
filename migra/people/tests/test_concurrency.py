"""Two workers edit one person: the second save is refused, nothing is overwritten."""

from __future__ import annotations

import pytest

from migra.people.models import Person
from migra.people.services import NameInput, PersonConflict, person_update


def _update(actor, person, version, name):  # type: ignore[no-untyped-def]
    return person_update(
        actor=actor,
        person=person,
        expected_version=version,
        names=[NameInput(value=name)],
        sex="female",
        home_village=person.home_village,
        approximate_age=25,
    )


def test_second_stale_save_is_refused(cast, register):
    person = register("សុខ ចាន់ធា", age=24)
    dan = cast.users["dan"]
    opened = person.version
    _update(dan, person, opened, "សុខ ចាន់ថា")
    with pytest.raises(PersonConflict):
        _update(dan, person, opened, "Sok Chanta")
    fresh = Person.objects.get(pk=person.pk)
    assert [n.value for n in fresh.names.all()] == ["សុខ ចាន់ថា"]
    assert fresh.version == opened + 1


def test_stale_form_shows_the_conflict(cast, register, as_user):
    person = register("សុខ ចាន់ធា", age=24)
    client = as_user(cast.users["dan"])
    form = {
        "name_km": "សុខ ចាន់ថា",
        "sex": "female",
        "home_village": person.home_village.code,
        "approximate_age": "24",
        "version": str(person.version),
    }
    assert client.post(f"/app/people/{person.pk}/edit/", form).status_code == 302
    form["name_km"] = "សុខ ចាន់ធី"
    response = client.post(f"/app/people/{person.pk}/edit/", form)
    assert response.status_code == 400
    assert "Someone else changed this person" in response.content.decode()
    fresh = Person.objects.get(pk=person.pk)
    assert [n.value for n in fresh.names.all()] == ["សុខ ចាន់ថា"]
