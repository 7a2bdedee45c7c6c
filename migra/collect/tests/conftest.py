"""Field-collection tests reuse the permission cast (migra/accounts/tests/conftest.py):
alice (programme admin, lead NGO, manages forms), carol (caseworker), gina (SHG
facilitator in commune 010201), charlie (no role); and add:

- peter: peer educator of the lead NGO in Banteay Meanchey.

`xlsform(rows, ...)` builds a real .xlsx XLSForm from rows written as in the spreadsheet;
`open_form(...)` uploads one through the service as alice and opens it. Files land in
a fresh MEDIA_ROOT per test.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    PASSWORD,
    Cast,
    as_user,
    cast,
    login_as,
)
from migra.collect import services
from migra.collect.models import FormState, XForm

SURVEY_HEADER = ["type", "name", "label::Khmer (km)", "label::English (en)", "required"]


def xlsform(
    rows: Sequence[Sequence[Any]],
    *,
    form_id: str = "household_visit",
    version: str = "2026112501",
    title: str = "Household visit",
    choices: Sequence[Sequence[Any]] = (),
    header: Sequence[str] = SURVEY_HEADER,
    settings_extra: dict[str, str] | None = None,
) -> bytes:
    """A real XLSForm (.xlsx) with a survey, optional choices and settings sheet."""
    book = openpyxl.Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(list(header))
    for row in rows:
        survey.append(list(row))
    if choices:
        sheet = book.create_sheet("choices")
        sheet.append(["list_name", "name", "label::Khmer (km)", "label::English (en)"])
        for row in choices:
            sheet.append(list(row))
    settings = {"form_id": form_id, "version": version, "form_title": title}
    settings.update(settings_extra or {})
    sheet = book.create_sheet("settings")
    sheet.append(list(settings))
    sheet.append(list(settings.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SIMPLE_ROWS: list[list[Any]] = [
    ["text", "village_name", "ឈ្មោះភូមិ", "Village name", "yes"],
    ["integer", "households", "ចំនួនគ្រួសារ", "Households", ""],
    ["image", "photo", "រូបថត", "Photo", ""],
]


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def crew(cast: Cast) -> Cast:  # noqa: F811
    peter = User.objects.create_user(
        email="peter@example.org", password=PASSWORD, full_name="Peter"
    )
    membership = Membership.objects.create(
        user=peter, agency=cast.agencies["lead"], role=Role.PEER_EDUCATOR, all_places=False
    )
    membership.places.set([cast.places["01"]])
    cast.users["peter"] = peter
    return cast


@pytest.fixture
def open_form(crew: Cast) -> Callable[..., XForm]:
    """Upload an XLSForm as alice and open it for the given roles."""

    def _open(
        rows: Sequence[Sequence[Any]] = SIMPLE_ROWS,
        *,
        roles: Sequence[str] = (Role.SHG_FACILITATOR,),
        **kwargs: Any,
    ) -> XForm:
        alice = crew.users["alice"]
        form = services.form_upload(actor=alice, data=xlsform(rows, **kwargs), filename="f.xlsx")
        form = services.form_set_roles(
            actor=alice, form=form, roles=list(roles), row_version=form.row_version
        )
        return services.form_set_state(
            actor=alice, form=form, state=FormState.OPEN, row_version=form.row_version
        )

    return _open


def instance_xml(
    form_id: str = "household_visit",
    *,
    version: str = "2026112501",
    instance_id: str = "uuid:6b1c3f3e-2b1a-4c41-9a57-0f4f2d8f0001",
    body: str = "<village_name>ភូមិអូរធំ</village_name><households>12</households><photo/>",
) -> bytes:
    """A filled instance as ODK Collect sends it."""
    return (
        f'<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" '
        f'xmlns:orx="http://openrosa.org/xforms" id="{form_id}" version="{version}">'
        f"{body}<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()
