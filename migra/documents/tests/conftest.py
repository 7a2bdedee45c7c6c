"""Documents tests reuse the permission cast (migra/accounts/tests/conftest.py) and add:

- edna: editor of the media partner — edits the public site (Perm.EDIT_SITE)
- alice: programme admin of the lead NGO — also holds EDIT_SITE (cast)
- peter: peer educator — writes stories, may not touch documents
- carol: caseworker (cast), charlie: no role (cast) — may not either

Files land in a fresh MEDIA_ROOT per test, so a test can see exactly what was stored.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
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
from migra.documents import services
from migra.documents.models import Document
from migra.documents.tests.samples import pdf, upload
from migra.people.tests.conftest import _pages_in_english  # noqa: F401

KHMER_TITLE = "របាយការណ៍ស្តីពីការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព"


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
    _user(cast, "edna", media, Role.EDITOR, None)
    _user(cast, "eric", media, Role.EDITOR, None)
    _user(cast, "peter", cast.agencies["lead"], Role.PEER_EDUCATOR, ["01"])
    return cast


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root: Path) -> list[Path]:
    folder = root / "documents"
    return sorted(folder.iterdir()) if folder.exists() else []


def fields(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title_km": KHMER_TITLE,
        "category": "report",
        "languages": ["km"],
        "published_on": datetime.date(2025, 6, 30),
    }
    values.update(overrides)
    return values


@pytest.fixture
def document(crew: Cast) -> Callable[..., Document]:
    """A document by edna: with a PDF (`with_file`), published (`publish`)."""

    def _document(*, with_file: bool = True, publish: bool = False, **overrides: Any) -> Document:
        made = services.document_create(
            actor=crew.users["edna"],
            upload=upload(pdf()) if with_file else None,
            **fields(**overrides),
        )
        if publish:
            made = services.document_publish(
                actor=crew.users["edna"], document_id=made.pk, expected_version=made.version
            )
        return made

    return _document
