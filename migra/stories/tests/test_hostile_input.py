"""Bad input in every field: a clear error and nothing changed; script and HTML are
stored as text (or sanitised, in the story text) and never run on a page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from migra.stories import services
from migra.stories.models import Collection, Story, StoryComment, StoryState
from migra.stories.tests.conftest import BM_VILLAGE, advance, login_as, upload

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
LINE_FIELDS = ["title_km", "title_en", "title_th", "name_shown"]
TEXT_FIELDS = ["text_km", "text_en", "text_th"]


def _create(crew, **changes):  # type: ignore[no-untyped-def]
    values = {
        "actor": crew.users["peter"],
        "kind": "testimony",
        "title_km": "ចំណងជើង",
        "text_km": "អត្ថបទ",
        "place_code": BM_VILLAGE,
    }
    values.update(changes)
    if values.get("title_en") and "text_en" not in changes:
        values["text_en"] = "text"
    if values.get("text_en") and "title_en" not in changes:
        values["title_en"] = "title"
    if values.get("title_th") and "text_th" not in changes:
        values["text_th"] = "ข้อความ"
    if values.get("text_th") and "title_th" not in changes:
        values["title_th"] = "ชื่อ"
    return services.story_create(**values)


def _refused(crew, field: str, **changes) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        _create(crew, **changes)
    assert not Story.objects.exists()
    return caught.value.error_dict[field][0].code


@pytest.mark.parametrize("field", LINE_FIELDS)
def test_script_in_a_line_field_is_kept_as_text_and_shown_escaped(crew, client, field):
    made = _create(crew, **{field: HOSTILE})
    assert getattr(Story.objects.get(pk=made.pk), field) == HOSTILE
    login_as(client, crew.users["peter"])
    page = client.get(f"/app/stories/{made.pk}/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_script_in_the_story_text_is_removed(crew, client, field):
    made = _create(crew, **{field: "<p>ក</p>" + HOSTILE})
    assert getattr(Story.objects.get(pk=made.pk), field) == "<p>ក</p>"
    login_as(client, crew.users["peter"])
    page = client.get(f"/app/stories/{made.pk}/").content.decode()
    assert "alert" not in page


@pytest.mark.parametrize("field", LINE_FIELDS + TEXT_FIELDS)
def test_oversized_text_is_refused(crew, field):
    limit = services.MAX_TEXT if field.startswith("text") else services.MAX_TITLE
    if field == "name_shown":
        limit = services.MAX_NAME
    assert _refused(crew, field, **{field: "ក" * (limit + 1)}) == "too_long"


def test_a_huge_text_is_refused_before_any_work(crew):
    assert _refused(crew, "text_km", text_km="<p>" * 5_000_000) == "too_long"


@pytest.mark.parametrize("value", [None, 42, ["a"], {"a": 1}, b"bytes"])
def test_non_text_is_refused(crew, value):
    if value is None:  # None is "nothing given": the Khmer title is required
        assert _refused(crew, "title_km", title_km=value) == "required"
        return
    assert _refused(crew, "title_km", title_km=value) == "invalid"


@pytest.mark.parametrize(
    ("field", "changes", "code"),
    [
        ("title_km", {"title_km": "   \x00\x07  "}, "required"),
        ("text_km", {"text_km": "<script>only</script>"}, "required"),
        ("kind", {"kind": "novel"}, "kind"),
        ("place", {"place_code": "99999999"}, "place"),
        ("place", {"place_code": "KH"}, "place"),
        ("place", {"place_code": ["01"]}, "place"),
        ("destination", {"destination_code": "01"}, "destination"),
        ("sector", {"sector": "piracy"}, "sector"),
        ("themes", {"themes": ["debt", "nonsense"]}, "theme"),
        ("themes", {"themes": "debt"}, "theme"),
        ("name_is_real", {"name_is_real": "yes"}, "invalid"),
        ("name_shown", {"name_is_real": True, "name_shown": ""}, "required"),
        ("person", {"person_id": "1"}, "invalid"),
        ("person", {"person_id": 10**30}, "invalid"),
        ("person", {"person_id": 999999}, "person"),
        ("text_en", {"title_en": "Only a title", "text_en": ""}, "half_translation"),
    ],
)
def test_bad_values_are_refused(crew, field, changes, code):
    assert _refused(crew, field, **changes) == code


def test_comments_are_plain_text_and_limited(crew, story, client):
    draft = advance(crew, story(), StoryState.IN_REVIEW)
    comment = services.story_comment(actor=crew.users["edna"], story_id=draft.pk, text=HOSTILE)
    assert StoryComment.objects.get(pk=comment.pk).text == HOSTILE
    for bad, code in (
        ("", "required"),
        ("ក" * (services.MAX_COMMENT + 1), "too_long"),
        (7, "invalid"),
    ):
        with pytest.raises(ValidationError) as caught:
            services.story_comment(actor=crew.users["edna"], story_id=draft.pk, text=bad)
        assert caught.value.error_dict["text"][0].code == code
    with pytest.raises(ValidationError):
        services.story_send_back(
            actor=crew.users["edna"], story_id=draft.pk, expected_version=draft.version, comment=" "
        )
    assert Story.objects.get(pk=draft.pk).state == StoryState.IN_REVIEW
    login_as(client, crew.users["peter"])
    page = client.get(f"/app/stories/{draft.pk}/").content.decode()
    assert "<script>alert" not in page


def test_captions_are_text(crew, story, client):
    draft = story()
    photo = services.story_photo_add(
        actor=crew.users["peter"], story_id=draft.pk, upload=upload(), caption=HOSTILE
    )
    login_as(client, crew.users["peter"])
    page = client.get(f"/app/stories/{draft.pk}/").content.decode()
    assert "<script>alert" not in page
    with pytest.raises(ValidationError):
        services.story_photo_update(
            actor=crew.users["peter"],
            story_id=draft.pk,
            photo_id=photo.pk,
            caption="ក" * (services.MAX_CAPTION + 1),
            show_face=False,
        )


def test_collection_fields(crew, client):
    made = services.collection_create(
        actor=crew.users["edna"], title_km=HOSTILE, intro_km="<p>ក</p>" + HOSTILE
    )
    fresh = Collection.objects.get(pk=made.pk)
    assert fresh.title_km == HOSTILE and fresh.intro_km == "<p>ក</p>"
    login_as(client, crew.users["edna"])
    page = client.get(f"/app/stories/collections/{made.pk}/").content.decode()
    assert "<script>alert" not in page
    with pytest.raises(ValidationError):
        services.collection_create(actor=crew.users["edna"], title_km="ក" * 201)
    with pytest.raises(ValidationError):
        services.collection_create(actor=crew.users["edna"], title_km="ក", intro_km="x" * 10_001)
    assert Collection.objects.count() == 1
