"""The person page lists the person's self-help groups and register entries, through
the community selectors (the same need-to-know rules as their own pages)."""

from __future__ import annotations

import pytest

from migra.community import services

pytestmark = pytest.mark.django_db


def test_the_person_page_shows_groups_and_register_entries(world, group, members, as_user):
    member = members[0]
    services.register_entry_add(
        actor=world.users["gina"],
        commune=world.places["010201"],
        person=member.person,
        destination=world.places["TH-27"],
        confirm_possible_duplicate=True,
    )
    page = as_user(world.users["gina"]).get(f"/app/people/{member.person_id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Banteay Neang SHG" in html and "Family of a migrant" in html
    assert "Migration register" in html and "Sa Kaeo" in html
    assert "No events you may see." in html and "No stories you may see." in html
    assert "Later parts of Migra" not in html


def test_a_person_without_links_says_so(world, register, as_user):
    person = register("ស្រី មាស")
    html = as_user(world.users["gina"]).get(f"/app/people/{person.pk}/").content.decode()
    assert "No group membership or register entry you may see." in html
