"""Website tests reuse the permission cast (migra/accounts/tests/conftest.py) and add:

- edna: editor of the media partner, all places — edits the website (EDIT_SITE)
- peter: peer educator of the lead NGO in Banteay Meanchey — no EDIT_SITE
- alice: programme admin of the lead NGO — edits the website too (cast)
- carol (caseworker), gina (SHG facilitator), erin (donor), charlie (no role) — no
  EDIT_SITE (cast)

The fixed pages come from migration 0002; `fixed_pages` puts them back after a
transactional test emptied the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import AgencyKind, Role
from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    PASSWORD,
    Cast,
    as_user,
    cast,
    login_as,
)
from migra.site import services
from migra.site.migrations._seed_pages import PAGES
from migra.site.models import Event, NewsItem, Page, Partner

NEWS_KM = "<p>ព័ត៌មានថ្មីអំពីការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព។</p>"


def _user(crew: Cast, name: str, agency: Agency, role: str, places: list[str] | None) -> User:
    user = User.objects.create_user(
        email=f"{name}@example.org", password=PASSWORD, full_name=name.title(), language="en"
    )
    membership = Membership.objects.create(
        user=user, agency=agency, role=role, all_places=places is None
    )
    if places:
        membership.places.set([crew.places[code] for code in places])
    crew.users[name] = user
    return user


@pytest.fixture
def fixed_pages(db: None) -> dict[str, Page]:
    """The pages migration 0002 makes (again, if a transactional test flushed them)."""
    existing = set(Page.objects.values_list("key", flat=True))
    Page.objects.bulk_create(
        [
            Page(is_published=True, version=1, **values)  # type: ignore[arg-type]
            for values in PAGES
            if values["key"] not in existing
        ]
    )
    return {page.key: page for page in Page.objects.all()}


@pytest.fixture
def crew(cast: Cast, fixed_pages: dict[str, Page]) -> Cast:  # noqa: F811
    media = Agency.objects.create(
        name_km="ប្រព័ន្ធផ្សព្វផ្សាយ", name_en="Media", kind=AgencyKind.MEDIA_PARTNER
    )
    cast.agencies["media"] = media
    _user(cast, "edna", media, Role.EDITOR, None)
    _user(cast, "peter", cast.agencies["lead"], Role.PEER_EDUCATOR, ["01"])
    for name in ("alice", "carol", "gina", "erin", "charlie"):
        user = cast.users[name]
        user.language = "en"
        user.save(update_fields=["language"])
    return cast


@pytest.fixture
def editor(crew: Cast) -> User:
    return crew.users["edna"]


@pytest.fixture
def news(editor: User) -> Callable[..., NewsItem]:
    """A news item by edna, published unless publish=False."""

    def _news(*, publish: bool = True, **fields: Any) -> NewsItem:
        values: dict[str, Any] = {"title_km": "ព័ត៌មានថ្មី", "body_km": NEWS_KM}
        values.update(fields)
        item = services.news_create(actor=editor, **values)
        if publish:
            item = services.news_publish(
                actor=editor, news_id=item.pk, expected_version=item.version, publish=True
            )
        return item

    return _news


@pytest.fixture
def event(editor: User) -> Callable[..., Event]:
    """An event by edna in two weeks, published unless publish=False."""

    def _event(*, publish: bool = True, **fields: Any) -> Event:
        values: dict[str, Any] = {
            "title_km": "ថ្ងៃចំណាកស្រុកដោយសុវត្ថិភាព",
            "starts_at": timezone.now() + timedelta(days=14),
        }
        values.update(fields)
        created = services.event_create(actor=editor, **values)
        if publish:
            created = services.event_publish(
                actor=editor, event_id=created.pk, expected_version=created.version, publish=True
            )
        return created

    return _event


@pytest.fixture
def partner(editor: User) -> Callable[..., Partner]:
    def _partner(**fields: Any) -> Partner:
        values: dict[str, Any] = {"name_km": "អង្គការដៃគូ", "name_en": "Partner NGO"}
        values.update(fields)
        return services.partner_create(actor=editor, **values)

    return _partner


def jpeg_upload(name: str = "IMG_0001.jpg", size: tuple[int, int] = (800, 600)) -> Any:
    from migra.media.tests.images import jpeg_with_gps

    return SimpleUploadedFile(name, jpeg_with_gps(size), content_type="image/jpeg")


def html(response: Any) -> str:
    return str(response.content.decode())
