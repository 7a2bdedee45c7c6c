"""The staff pages, over HTTP: a peer educator writes with photos and submits, an editor
sends back, approves and publishes with the consent checklist, an admin withdraws;
collections are ordered with up/down buttons. Others get a logged 403."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from migra.audit.models import AuditAction, AuditEvent
from migra.media.tests.images import jpeg_with_gps
from migra.stories import services
from migra.stories.models import Collection, CollectionItem, Story, StoryPhoto, StoryState
from migra.stories.tests.conftest import BM_VILLAGE, advance, login_as, upload

FORM = {
    "kind": "testimony",
    "title_km": "ដំណើរទៅថៃ",
    "text_km": "ខ្ញុំបានទៅធ្វើការ\n\nហើយត្រឡប់មកវិញ",
    "place": BM_VILLAGE,
    "themes": ["debt", "wages"],
    "sector": "fishing",
    "name_shown": "ស្រីពៅ",
}


def _denied() -> int:
    return AuditEvent.objects.filter(action=AuditAction.DENIED).count()


def test_peer_educator_writes_adds_photos_and_submits(crew, client):
    login_as(client, crew.users["peter"])
    home = client.get("/app/stories/")
    assert home.status_code == 200 and "Write a story" in home.content.decode()
    assert client.get("/app/stories/new/").status_code == 200
    response = client.post("/app/stories/new/", FORM)
    assert response.status_code == 302
    story = Story.objects.get()
    assert story.text_km == "<p>ខ្ញុំបានទៅធ្វើការ</p><p>ហើយត្រឡប់មកវិញ</p>"
    assert story.themes == ["debt", "wages"] and story.author == crew.users["peter"]
    # Two photos at once, and a fake JPEG refused on its own.
    photos = [
        SimpleUploadedFile("a.jpg", jpeg_with_gps(), content_type="image/jpeg"),
        SimpleUploadedFile("b.jpg", jpeg_with_gps((500, 500)), content_type="image/jpeg"),
        SimpleUploadedFile("fake.jpg", b"not a photo", content_type="image/jpeg"),
    ]
    added = client.post(
        f"/app/stories/{story.pk}/photos/",
        {"photos": photos, "caption": "នៅភូមិ", "show_face": "on"},
        follow=True,
    )
    page = added.content.decode()
    assert "2 photos were added." in page and "Photo 3 (fake.jpg) was not added" in page
    assert StoryPhoto.objects.filter(story=story, show_face=True).count() == 2
    # The edit page gives the text back as typed.
    edit = client.get(f"/app/stories/{story.pk}/edit/").content.decode()
    assert "ខ្ញុំបានទៅធ្វើការ\n\nហើយត្រឡប់មកវិញ" in edit
    submitted = client.post(f"/app/stories/{story.pk}/submit/", {"version": story.version + 0})
    assert submitted.status_code == 302
    assert Story.objects.get(pk=story.pk).state == StoryState.SUBMITTED
    # Submitted: no more changes by the author.
    assert client.get(f"/app/stories/{story.pk}/edit/").status_code == 302


def test_editor_reviews_sends_back_approves_and_publishes(crew, client, story, person, consent):
    someone = person()
    consent(someone, "story")
    draft = story(name_shown="ស្រីពៅ")
    services.story_photo_add(
        actor=crew.users["peter"], story_id=draft.pk, upload=upload(), show_face=True
    )
    draft = services.story_person_link(
        actor=None, story_id=draft.pk, expected_version=draft.version, person_id=someone.pk
    )
    draft = advance(crew, draft, StoryState.SUBMITTED)
    login_as(client, crew.users["edna"])
    queue = client.get("/app/stories/?show=queue").content.decode()
    assert draft.title_km in queue
    assert (
        client.post(f"/app/stories/{draft.pk}/review/", {"version": draft.version}).status_code
        == 302
    )
    draft.refresh_from_db()
    empty = client.post(
        f"/app/stories/{draft.pk}/send-back/", {"version": draft.version, "comment": ""}
    )
    assert empty.status_code == 400
    assert (
        client.post(
            f"/app/stories/{draft.pk}/send-back/",
            {"version": draft.version, "comment": "សូមបន្ថែមរូបថត"},
        ).status_code
        == 302
    )
    draft.refresh_from_db()
    assert draft.state == StoryState.DRAFT
    draft = advance(crew, draft, StoryState.IN_REVIEW)
    assert (
        client.post(f"/app/stories/{draft.pk}/approve/", {"version": draft.version}).status_code
        == 302
    )
    draft.refresh_from_db()
    page = client.get(f"/app/stories/{draft.pk}/").content.decode()
    assert "Consent checklist" in page and "Missing" in page and "Given" in page
    refused = client.post(f"/app/stories/{draft.pk}/publish/", {"version": draft.version})
    assert refused.status_code == 400
    assert "cannot be published yet" in refused.content.decode()
    consent(someone, "photo")
    assert (
        client.post(f"/app/stories/{draft.pk}/publish/", {"version": draft.version}).status_code
        == 302
    )
    assert Story.objects.get(pk=draft.pk).state == StoryState.PUBLISHED
    login_as(client, crew.users["alice"])
    assert draft.title_km in client.get("/app/stories/?show=published").content.decode()
    fresh = Story.objects.get(pk=draft.pk)
    assert (
        client.post(f"/app/stories/{draft.pk}/withdraw/", {"version": fresh.version}).status_code
        == 302
    )
    assert Story.objects.get(pk=draft.pk).state == StoryState.WITHDRAWN


def test_consent_link_only_for_who_may_open_the_person(crew, client, story, person):
    from migra.accounts.models import Membership
    from migra.accounts.roles import Role

    someone = person()
    draft = story()
    draft = services.story_person_link(
        actor=None, story_id=draft.pk, expected_version=draft.version, person_id=someone.pk
    )
    approved = advance(crew, draft, StoryState.APPROVED)
    link = f"/app/people/{someone.pk}/#consent"
    login_as(client, crew.users["edna"])  # an editor: cannot open the person's record
    page = client.get(f"/app/stories/{approved.pk}/").content.decode()
    assert "Consent checklist" in page and link not in page
    membership = Membership.objects.create(
        user=crew.users["eric"],
        agency=crew.agencies["lead"],
        role=Role.SHG_FACILITATOR,
        all_places=False,
    )
    membership.places.set([crew.places["010201"]])
    login_as(client, crew.users["eric"])  # an editor who also works with these people
    assert link in client.get(f"/app/stories/{approved.pk}/").content.decode()


def test_strangers_are_refused_and_logged(crew, client, story):
    draft = advance(crew, story(), StoryState.SUBMITTED)
    for who in ("charlie", "gina", "sara"):
        login_as(client, crew.users[who])
        before = _denied()
        assert client.get(f"/app/stories/{draft.pk}/").status_code == 403
        assert _denied() == before + 1
    login_as(client, crew.users["charlie"])
    assert client.get("/app/stories/").status_code == 403
    assert client.get("/app/stories/new/").status_code == 403
    assert client.get("/app/stories/collections/").status_code == 403
    assert client.get("/app/stories/99999/").status_code == 404
    login_as(client, crew.users["sara"])
    assert (
        client.post(f"/app/stories/{draft.pk}/review/", {"version": draft.version}).status_code
        == 403
    )
    assert Story.objects.get(pk=draft.pk).state == StoryState.SUBMITTED


def test_opening_a_story_is_logged(crew, client, story):
    draft = story()
    login_as(client, crew.users["peter"])
    client.get(f"/app/stories/{draft.pk}/")
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="stories.story", object_id=str(draft.pk)
    ).exists()


def test_pages_in_khmer(crew, client, story):
    peter = crew.users["peter"]
    peter.language = "km"
    peter.save(update_fields=["language"])
    draft = story()
    login_as(client, peter)
    for url in ("/app/stories/", "/app/stories/new/", f"/app/stories/{draft.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert '<html lang="km">' in response.content.decode()


def test_menu_shows_stories_to_story_roles(crew, client):
    for who, shown in (("peter", True), ("edna", True), ("alice", True), ("gina", False)):
        login_as(client, crew.users[who])
        page = client.get("/app/").content.decode()
        assert ('href="/app/stories/"' in page) is shown, who


def test_comments(crew, client, story):
    draft = advance(crew, story(), StoryState.IN_REVIEW)
    login_as(client, crew.users["peter"])
    assert client.post(f"/app/stories/{draft.pk}/comments/", {"text": "អរគុណ"}).status_code == 302
    assert client.post(f"/app/stories/{draft.pk}/comments/", {"text": ""}).status_code == 400
    login_as(client, crew.users["edna"])
    assert "អរគុណ" in client.get(f"/app/stories/{draft.pk}/").content.decode()


def test_collections_are_ordered_with_buttons(crew, client, story):
    stories = [advance(crew, story(title_km=f"រឿង {n}"), StoryState.APPROVED) for n in range(3)]
    login_as(client, crew.users["edna"])
    response = client.post(
        "/app/stories/collections/", {"title_km": "លើសពីអ្វីដែលបានប្រាប់", "title_en": "Beyond"}
    )
    assert response.status_code == 302
    collection = Collection.objects.get()
    url = f"/app/stories/collections/{collection.pk}/"
    for made in stories:
        collection.refresh_from_db()
        added = client.post(url + "add/", {"version": collection.version, "story": made.pk})
        assert added.status_code == 302
    items = list(CollectionItem.objects.filter(collection=collection).order_by("position"))
    assert [i.story_id for i in items] == [s.pk for s in stories]
    collection.refresh_from_db()
    moved = client.post(
        url + f"items/{items[2].pk}/move/", {"version": collection.version, "direction": "up"}
    )
    assert moved.status_code == 302
    order = list(
        CollectionItem.objects.filter(collection=collection)
        .order_by("position")
        .values_list("story_id", flat=True)
    )
    assert order == [stories[0].pk, stories[2].pk, stories[1].pk]
    # A stale page cannot move things about.
    stale = client.post(
        url + f"items/{items[0].pk}/move/", {"version": collection.version, "direction": "down"}
    )
    assert stale.status_code == 400
    collection.refresh_from_db()
    assert (
        client.post(
            url + f"items/{items[0].pk}/move/", {"version": collection.version, "direction": "up"}
        ).status_code
        == 400
    )  # already first
    page = client.get(url).content.decode()
    assert "↑" in page and "↓" in page
    collection.refresh_from_db()
    assert (
        client.post(
            url + f"items/{items[1].pk}/remove/", {"version": collection.version}
        ).status_code
        == 302
    )
    assert CollectionItem.objects.filter(collection=collection).count() == 2


def test_collection_cover_is_a_photo_without_a_face(crew, client, story):
    draft = story()
    face = services.story_photo_add(
        actor=crew.users["peter"], story_id=draft.pk, upload=upload(), show_face=True
    )
    plain = services.story_photo_add(actor=crew.users["peter"], story_id=draft.pk, upload=upload())
    approved = advance(crew, Story.objects.get(pk=draft.pk), StoryState.APPROVED)
    collection = services.collection_create(actor=crew.users["edna"], title_km="ក")
    item = services.collection_story_add(
        actor=crew.users["edna"],
        collection_id=collection.pk,
        expected_version=collection.version,
        story_id=approved.pk,
    )
    collection.refresh_from_db()
    login_as(client, crew.users["edna"])
    url = f"/app/stories/collections/{collection.pk}/"
    form = {"title_km": "ក", "version": collection.version, "is_published": "on"}
    assert client.post(url, {**form, "cover": face.pk}).status_code == 400
    assert client.post(url, {**form, "cover": plain.pk}).status_code == 302
    collection.refresh_from_db()
    assert collection.cover == plain and collection.is_published
    # Marked as showing a face during the review: it is no longer the cover.
    services.story_photo_update(
        actor=crew.users["eric"],
        story_id=approved.pk,
        photo_id=plain.pk,
        caption="",
        show_face=True,
    )
    assert Collection.objects.get(pk=collection.pk).cover is None
    services.story_photo_update(
        actor=crew.users["eric"],
        story_id=approved.pk,
        photo_id=plain.pk,
        caption="",
        show_face=False,
    )
    collection.refresh_from_db()
    assert (
        client.post(url, {**form, "version": collection.version, "cover": plain.pk}).status_code
        == 302
    )
    collection.refresh_from_db()
    services.collection_story_remove(
        actor=crew.users["edna"],
        collection_id=collection.pk,
        expected_version=collection.version,
        item_id=item.pk,
    )
    assert Collection.objects.get(pk=collection.pk).cover is None


@pytest.mark.parametrize("who", ["peter", "alice", "charlie"])
def test_only_editors_manage_collections(crew, client, who):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.collection_create(actor=crew.users[who], title_km="ក")
    assert not Collection.objects.exists()
