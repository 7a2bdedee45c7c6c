"""The built-in field forms event, story and tip: real XLSForms that compile with pyxform
and pass ODK Validate (JavaRosa), in Khmer first and English, with the field names the
mappers read and choice values the services take."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from xml.etree.ElementTree import Element

import openpyxl
import pytest
from defusedxml import ElementTree as SafeET

from migra.accounts.roles import Role
from migra.collect import services
from migra.collect.models import BuiltinForm, XForm
from migra.collect.places_media import PLACES_FILE, files_read_by
from migra.collect.tests.conftest import Cast
from migra.collect.xlsform import CompiledForm, compile_xlsform
from migra.outreach.models import AgeBand, AudienceCategory, EventKind
from migra.people.models import ConsentMethod, Sex
from migra.stories.models import StoryKind, Theme

FORMS_DIR = Path(__file__).resolve().parent.parent / "xlsforms"
FIELD_FORMS = ("event", "story", "tip")
KM = "Khmer (km)"
EN = "English (en)"
XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"

# Every field of each form, by its path in the submitted instance (what the mappers
# read, what the JavaRosa tests fill and what docs/collect.md lists), with its type.
FIELDS: dict[str, dict[str, str]] = {
    "event": {
        "/data/kind": "string",
        "/data/title": "string",
        "/data/date": "date",
        "/data/where/province": "string",
        "/data/where/district": "string",
        "/data/where/commune": "string",
        "/data/where/village": "string",
        "/data/audience/category": "string",
        "/data/audience/sex": "string",
        "/data/audience/age_band": "string",
        "/data/audience/count": "int",
        "/data/attendee/person": "int",
        "/data/attendee/person_category": "string",
        "/data/materials": "string",
        "/data/notes": "string",
        "/data/test/test_given": "string",
        "/data/test/question/question_text": "string",
        "/data/test/score/score_person": "int",
        "/data/test/score/score_label": "string",
        "/data/test/score/score_before": "int",
        "/data/test/score/score_after": "int",
        "/data/photos/photo": "binary",
        "/data/photos/photo_caption": "string",
        "/data/meta/instanceID": "string",
    },
    "story": {
        "/data/kind": "string",
        "/data/title_km": "string",
        "/data/text_km": "string",
        "/data/where/province": "string",
        "/data/where/district": "string",
        "/data/where/commune": "string",
        "/data/where/village": "string",
        "/data/destination_country": "string",
        "/data/destination_area": "string",
        "/data/sector": "string",
        "/data/themes": "string",
        "/data/naming/name_kind": "string",
        "/data/naming/name_shown": "string",
        "/data/photos/photo": "binary",
        "/data/photos/photo_caption": "string",
        "/data/photos/photo_face": "string",
        "/data/audio": "binary",
        "/data/audio_caption": "string",
        "/data/consent/person": "int",
        "/data/consent/consent_story": "string",
        "/data/consent/consent_face": "string",
        "/data/consent/consent_voice": "string",
        "/data/consent/consent_real_name": "string",
        "/data/consent/consent_method": "string",
        "/data/consent/consent_witness": "string",
        "/data/send_now": "string",
        "/data/meta/instanceID": "string",
    },
    "tip": {
        "/data/text": "string",
        "/data/where": "string",
        "/data/in_cambodia/province": "string",
        "/data/in_cambodia/district": "string",
        "/data/in_cambodia/commune": "string",
        "/data/in_cambodia/village": "string",
        "/data/country": "string",
        "/data/place_note": "string",
        "/data/contact": "string",
        "/data/heard_from": "string",
        "/data/meta/instanceID": "string",
    },
}
REPEATS = {
    "event": {"/data/audience", "/data/attendee", "/data/test/question", "/data/test/score"}
    | {"/data/photos"},
    "story": {"/data/photos"},
    "tip": set(),
}


def xlsx(builtin: str) -> bytes:
    return (FORMS_DIR / f"{builtin}.xlsx").read_bytes()


@cache
def compiled(builtin: str) -> CompiledForm:
    """Compiled and checked with ODK Validate once per test run (Java is slow to start)."""
    return compile_xlsform(xlsx(builtin))


def model(builtin: str) -> Element:
    root = SafeET.fromstring(compiled(builtin).xml.encode("utf-8"))
    found = root.find(f"{H}head/{XF}model")
    assert found is not None
    return found


def sheet_rows(builtin: str, sheet: str) -> list[dict[str, str]]:
    book = openpyxl.load_workbook(FORMS_DIR / f"{builtin}.xlsx", read_only=True)
    try:
        rows = book[sheet].iter_rows(values_only=True)
        header = [str(cell or "") for cell in next(rows)]
        return [
            {header[i]: str(cell or "").strip() for i, cell in enumerate(row) if i < len(header)}
            for row in rows
            if any(row)
        ]
    finally:
        book.close()


def choice_values(builtin: str, list_name: str) -> set[str]:
    return {row["name"] for row in sheet_rows(builtin, "choices") if row["list_name"] == list_name}


# --------------------------------------------------------------------------- compile


@pytest.mark.parametrize("builtin", FIELD_FORMS)
def test_each_form_compiles_and_passes_odk_validate(builtin: str) -> None:
    form = compiled(builtin)  # ValidationError (pyxform's or JavaRosa's words) otherwise
    assert form.form_id == f"migra_{builtin}"
    assert re.fullmatch(r"20[0-9]{8}", form.version)
    assert form.title
    assert form.media == [PLACES_FILE]  # the gazetteer list, nothing else to upload


@pytest.mark.parametrize("builtin", FIELD_FORMS)
def test_the_fields_are_where_the_mappers_read_them(builtin: str) -> None:
    binds = {
        bind.get("nodeset", ""): bind.get("type", "")
        for bind in model(builtin).iter(f"{XF}bind")
        if bind.get("type")  # a group's bind (its relevance) has no type
    }
    assert binds == FIELDS[builtin]
    assert sorted(compiled(builtin).binary_paths) == sorted(
        path.removeprefix("/data/") for path, kind in FIELDS[builtin].items() if kind == "binary"
    )
    primary = model(builtin).find(f"{XF}instance")
    assert primary is not None
    data = primary[0]
    repeats = {
        "/data/" + "/".join(_path_to(data, node))
        for node in data.iter()
        if any(key.endswith("template") for key in node.attrib)
    }
    assert repeats == REPEATS[builtin]


def _path_to(root: Element, target: Element) -> list[str]:
    def walk(node: Element, trail: list[str]) -> list[str] | None:
        for child in node:
            here = [*trail, child.tag.rsplit("}", 1)[-1]]
            if child is target:
                return here
            found = walk(child, here)
            if found is not None:
                return found
        return None

    return walk(root, []) or []


@pytest.mark.parametrize("builtin", FIELD_FORMS)
def test_names_are_unique_so_a_mapper_finds_each_field_by_name(builtin: str) -> None:
    names = [row["name"] for row in sheet_rows(builtin, "survey") if row.get("name")]
    assert len(names) == len(set(names))


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize("builtin", FIELD_FORMS)
def test_khmer_is_the_default_language_and_every_label_has_both(builtin: str) -> None:
    settings = sheet_rows(builtin, "settings")[0]
    assert settings["default_language"] == KM
    assert settings["form_id"] == f"migra_{builtin}"
    for row in sheet_rows(builtin, "survey"):
        if row["type"].startswith("end ") or not row.get(f"label::{EN}"):
            continue
        assert row[f"label::{KM}"], row["name"]
        for column in ("hint", "constraint_message", "required_message"):
            assert bool(row.get(f"{column}::{KM}")) == bool(row.get(f"{column}::{EN}")), (
                row["name"],
                column,
            )
    for row in sheet_rows(builtin, "choices"):
        assert row[f"label::{KM}"] and row[f"label::{EN}"], row
    itext = model(builtin).find(f"{XF}itext")
    assert itext is not None
    languages = {t.get("lang"): t.get("default") for t in itext.iter(f"{XF}translation")}
    assert languages == {KM: "true()", EN: None}


def _has_khmer(text: str) -> bool:
    return any("\u1780" <= ch <= "\u17ff" for ch in text)


@pytest.mark.parametrize("builtin", FIELD_FORMS)
def test_khmer_labels_are_written_in_khmer(builtin: str) -> None:
    for row in sheet_rows(builtin, "survey"):
        if row.get(f"label::{KM}"):
            assert _has_khmer(row[f"label::{KM}"]), row["name"]
    for row in sheet_rows(builtin, "choices"):
        assert _has_khmer(row[f"label::{KM}"]), row


# --------------------------------------------------------------------------- choices


def test_event_choices_are_the_values_the_outreach_services_take() -> None:
    assert choice_values("event", "event_kind") == set(EventKind.values)
    assert choice_values("event", "audience_category") == set(AudienceCategory.values)
    assert choice_values("event", "age_band") == set(AgeBand.values)
    assert choice_values("event", "sex") == set(Sex.values)


def test_story_choices_are_the_values_the_story_services_take() -> None:
    from migra.community.models import Sector

    # Video needs a video file, which this form does not take.
    assert choice_values("story", "story_kind") == set(StoryKind.values) - {"video"}
    assert choice_values("story", "theme") == set(Theme.values)
    assert choice_values("story", "sector") == set(Sector.values)
    assert choice_values("story", "consent_method") == set(ConsentMethod.values)
    assert choice_values("story", "name_kind") == {"pseudonym", "real", "none"}


def test_tip_choices_are_the_ones_the_mapper_reads() -> None:
    from migra.collect.mapping.cases import SOURCES

    assert choice_values("tip", "where") == {"kh", "abroad", "unknown"}
    assert choice_values("tip", "heard_from") == set(SOURCES)


@pytest.mark.parametrize("builtin", FIELD_FORMS)
def test_places_come_from_the_generated_gazetteer_list(builtin: str) -> None:
    assert files_read_by(FORMS_DIR / f"{builtin}.xlsx") == [PLACES_FILE]
    filters = {
        row["name"]: row["choice_filter"]
        for row in sheet_rows(builtin, "survey")
        if row["type"] == f"select_one_from_file {PLACES_FILE}"
    }
    assert filters["province"] == "kind = 'province'"
    assert filters["district"] == "kind = 'district' and parent = ${province}"
    assert filters["commune"] == "kind = 'commune' and parent = ${district}"
    assert filters["village"] == "kind = 'village' and parent = ${commune}"


# --------------------------------------------------------------------------- install


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("builtin", "roles"),
    [
        ("event", {Role.SHG_FACILITATOR, Role.PEER_EDUCATOR, Role.SOCIAL_AMBASSADOR}),
        ("story", {Role.PEER_EDUCATOR, Role.SOCIAL_AMBASSADOR}),
        ("tip", {Role.SHG_FACILITATOR, Role.PEER_EDUCATOR, Role.CASEWORKER}),
    ],
)
def test_an_admin_uploads_the_built_in_form(
    crew: Cast, builtin: str, roles: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "compile_xlsform", lambda data, **kwargs: compiled(builtin))
    form = services.form_upload(
        actor=crew.users["alice"], data=xlsx(builtin), filename=f"{builtin}.xlsx", builtin=builtin
    )
    assert XForm.objects.get(form_id=f"migra_{builtin}") == form
    assert form.builtin == BuiltinForm(builtin)
    assert roles <= set(form.roles)


@pytest.mark.django_db
def test_a_story_without_photos_does_not_ask_about_faces(crew: Cast) -> None:
    """Filled with JavaRosa: the photo list starts with one empty row, which must not
    make the face question appear; a photo taken does."""
    from migra.collect.places_media import places_csv
    from migra.collect.tests import javarosa

    xml = compile_xlsform((FORMS_DIR / "story.xlsx").read_bytes(), validate=False).xml
    media = {PLACES_FILE: places_csv()}
    answers: dict[str, str | list[str]] = {
        "kind": "testimony",
        "title_km": "ខ្ញុំត្រឡប់មកផ្ទះវិញ",
        "text_km": "ខ្ញុំបានទៅធ្វើការនៅថៃ។",
        "where/province": "01",
        "naming/name_kind": "pseudonym",
        "naming/name_shown": "ស្រីពៅ",
        "consent/consent_story": "yes",
        "consent/consent_method": "thumbprint",
    }
    without = SafeET.fromstring(javarosa.fill(xml, answers, media=media))
    assert without.find(".//consent_face") is None  # not relevant: left out, as Collect does
    with pytest.raises(javarosa.AnswerRefused):
        javarosa.fill(xml, {**answers, "consent/consent_face": "no"}, media=media)
    with pytest.raises(javarosa.RequiredMissing):
        javarosa.fill(
            xml, {**answers, "photos[1]/photo": "p.jpg", "photos[1]/photo_face": "no"}, media=media
        )
    taken = javarosa.fill(
        xml,
        {
            **answers,
            "photos[1]/photo": "p.jpg",
            "photos[1]/photo_face": "no",
            "consent/consent_face": "no",
        },
        media=media,
    )
    assert SafeET.fromstring(taken).findtext(".//consent_face") == "no"
