"""How the test app registers its types: what later apps will write."""

from migra.accounts.roles import Perm
from migra.search.registry import register

register(
    "test_story",
    model="searchable_app.Story",
    label="Stories",
    permission=Perm.EDIT_STORIES,
    agency_field="agency_id",
    text_fields=["title", "body"],
    title="title",
    public=lambda story: story.is_published,
    url=lambda story: f"/stories/{story.pk}/",
    snippet="body",
)

register(
    "test_person",
    model="searchable_app.Person",
    label="People",
    permission=Perm.VIEW_PEOPLE,
    agency_field="agency_id",
    place_field="place",
    text_fields=["note"],
    name_fields=["name_km", "name_latin"],
    display=lambda person: person.name_km or person.name_latin,
    url=lambda person: f"/people/{person.pk}/",
    snippet="note",
)
