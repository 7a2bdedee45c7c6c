"""Stories tests reuse the permission cast (migra/accounts/tests/conftest.py) and add the
story roles:

- peter: peer educator of the lead NGO in Banteay Meanchey (01) — writes stories
- sara: social ambassador of the crisis centre in commune 010201 — writes stories
- edna, eric: editors of the media partner, all places — review and publish
- nora: editor of the crisis centre in Siem Reap (17) only
- alice: programme admin of the lead NGO, all places — withdraws (cast)
- gina: SHG facilitator of the lead NGO in 010201 — registers people and consents (cast)
- charlie: no role (cast)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import AgencyKind, Role
from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    PASSWORD,
    Cast,
    as_user,
    cast,
    login_as,
)
from migra.people.models import ConsentMethod, Person
from migra.people.services import NameInput, consent_give, person_register
from migra.people.tests.conftest import _pages_in_english  # noqa: F401
from migra.stories import services
from migra.stories.models import Story, StoryState

BM_VILLAGE = "01020101"

STORY_TEXT = "<p>ខ្ញុំបានទៅធ្វើការនៅប្រទេសថៃ ហើយមិនបានប្រាក់ឈ្នួលទេ។</p>"


def _user(crew: Cast, name: str, agency: Agency, role: str, places: list[str] | None) -> User:
    user = User.objects.create_user(
        email=f"{name}@example.org", password=PASSWORD, full_name=name.title()
    )
    membership = Membership.objects.create(
        user=user, agency=agency, role=role, all_places=places is None
    )
    if places:
        membership.places.set([crew.places[code] for code in places])
    crew.users[name] = user
    return user


@pytest.fixture
def crew(cast: Cast) -> Cast:  # noqa: F811
    media = Agency.objects.create(
        name_km="ប្រព័ន្ធផ្សព្វផ្សាយ", name_en="Media", kind=AgencyKind.MEDIA_PARTNER
    )
    cast.agencies["media"] = media
    _user(cast, "peter", cast.agencies["lead"], Role.PEER_EDUCATOR, ["01"])
    _user(cast, "sara", cast.agencies["crisis"], Role.SOCIAL_AMBASSADOR, ["010201"])
    _user(cast, "edna", media, Role.EDITOR, None)
    _user(cast, "eric", media, Role.EDITOR, None)
    _user(cast, "nora", cast.agencies["crisis"], Role.EDITOR, ["17"])
    return cast


@pytest.fixture
def person(crew: Cast) -> Callable[..., Person]:
    """Register a person in gina's village (as gina)."""

    def _person(name: str = "សុខ ដារ៉ា", **extra: Any) -> Person:
        return person_register(
            actor=crew.users["gina"],
            names=[NameInput(value=name)],
            sex="female",
            home_village=crew.places[BM_VILLAGE],
            approximate_age=28,
            **extra,
        )

    return _person


@pytest.fixture
def consent(crew: Cast) -> Callable[..., Any]:
    """Record a person's answer for a purpose (as gina)."""

    def _consent(person: Person, purpose: str, *, given: bool = True) -> Any:
        return consent_give(
            actor=crew.users["gina"],
            person=person,
            purpose=purpose,
            method=ConsentMethod.SIGNATURE,
            given=given,
        )

    return _consent


@pytest.fixture
def story(crew: Cast) -> Callable[..., Story]:
    """A draft by peter in gina's village."""

    def _story(**kwargs: Any) -> Story:
        values: dict[str, Any] = {
            "actor": crew.users["peter"],
            "kind": "testimony",
            "title_km": "ការធ្វើដំណើរទៅប្រទេសថៃ",
            "text_km": STORY_TEXT,
            "place_code": BM_VILLAGE,
        }
        values.update(kwargs)
        return services.story_create(**values)

    return _story


def advance(crew: Cast, story: Story, state: str) -> Story:
    """Drive a story through the workflow (peter writes, edna edits) up to `state`."""
    order = [StoryState.SUBMITTED, StoryState.IN_REVIEW, StoryState.APPROVED]
    steps = {
        StoryState.SUBMITTED: (services.story_submit, "peter"),
        StoryState.IN_REVIEW: (services.story_review_start, "edna"),
        StoryState.APPROVED: (services.story_approve, "edna"),
    }
    targets = order[: order.index(state) + 1] if state in order else order
    for target in targets:
        service, who = steps[target]
        story = service(actor=crew.users[who], story_id=story.pk, expected_version=story.version)
    if state == StoryState.PUBLISHED:
        story = services.story_publish(
            actor=crew.users["edna"],
            story_id=story.pk,
            expected_version=story.version,
            confirm_no_person=story.person_id is None,
        )
    return story


def upload(data: bytes | None = None, name: str = "IMG_0001.jpg") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from migra.media.tests.images import jpeg_with_gps

    return SimpleUploadedFile(name, data or jpeg_with_gps((800, 600)), content_type="image/jpeg")


@pytest.fixture
def published(crew: Cast, person, consent) -> Callable[..., Story]:  # type: ignore[no-untyped-def]
    """A published story about a registered person who gave STORY consent (and the
    `consents` given), with `faces` photos showing a face and `photos` without."""

    def _published(*, consents: tuple[str, ...] = (), faces: int = 0, photos: int = 0, **kw: Any):  # type: ignore[no-untyped-def]
        someone = kw.pop("person_obj", None) or person()
        consent(someone, "story")
        for purpose in consents:
            consent(someone, purpose)
        values: dict[str, Any] = {
            "actor": crew.users["peter"],
            "kind": "testimony",
            "title_km": "ការធ្វើដំណើរទៅប្រទេសថៃ",
            "text_km": STORY_TEXT,
            "place_code": BM_VILLAGE,
        }
        values.update(kw)
        draft = services.story_create(**values)
        for number in range(faces + photos):
            services.story_photo_add(
                actor=crew.users["peter"],
                story_id=draft.pk,
                upload=upload(),
                show_face=number < faces,
            )
        draft = services.story_person_link(
            actor=None, story_id=draft.pk, expected_version=draft.version, person_id=someone.pk
        )
        return advance(crew, draft, StoryState.PUBLISHED)

    return _published
