"""The four community XLSForms (migra/collect/xlsforms/meeting.xlsx, register_entry.xlsx,
register_update.xlsx, problem.xlsx): they compile with pyxform and pass ODK Validate
(JavaRosa), speak Khmer first and English, carry the fields their mappers read, and
offer exactly the values the services accept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import openpyxl
import pytest
from defusedxml import ElementTree as SafeET

from migra.collect import places_media, services
from migra.collect.models import BuiltinForm, FormState, XForm
from migra.collect.xlsform import compile_xlsform
from migra.community.models import (
    Channel,
    DebtCurrency,
    GuestAgeBand,
    GuestSex,
    ProblemKind,
    ReturnReason,
    Sector,
)
from migra.community.prefill import PROBLEM_SCREENING_TOPICS
from migra.people.models import DocumentKind, Sex
from migra.screening.models import CHILD_BANDS, AgeBand, Mode
from migra.screening.selectors import catalogue_current, question_set

FORMS_DIR = Path(services.__file__).resolve().parent / "xlsforms"
XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
ODK = "{http://www.opendatakit.org/xforms}"
COMMUNITY = [
    BuiltinForm.MEETING,
    BuiltinForm.REGISTER_ENTRY,
    BuiltinForm.REGISTER_UPDATE,
    BuiltinForm.PROBLEM,
]
WHO = ["who_note", "person_number", "person_name", "person_sex", "person_age"]
GUESTS = [f"guests/guests_{s}_{b}" for s in GuestSex.values for b in GuestAgeBand.values]
SCREENING_TOPICS = [
    "recruit_misled_work",
    "recruit_misled_pay",
    "recruit_misled_education",
    "recruit_misled_conditions",
    "recruit_misled_papers",
    "work_excessive_hours",
    "work_low_no_pay",
    "work_pay_cut",
    "work_poor_living",
    "work_dangerous",
    "work_no_education",
    "dest_dependent",
    "dest_wages_withheld",
    "dest_documents",
    "dest_debt_bondage",
    "dest_confined",
    "dest_threats",
    "dest_violence",
]

# The paths under the instance root (<data>) that the mappers read: the contract with
# migra/collect/mapping/community.py, the JavaRosa tests and docs/collect.md.
PATHS: dict[str, list[str]] = {
    BuiltinForm.MEETING: [
        "group",
        "held_on",
        "venue",
        "topics",
        "present/person_number",
        "present/person_name",
        "present/person_sex",
        "present/person_age",
        "attendance_total",
        *GUESTS,
        "decisions",
        "follow_up/action",
        "follow_up/due_on",
        "meta/instanceID",
    ],
    BuiltinForm.REGISTER_ENTRY: [
        "province",
        "district",
        "commune",
        "group",
        "person_number",
        "person_name",
        "person_sex",
        "person_age",
        "person_village",
        "person_phone",
        "confirm_new",
        "departed_on",
        "destination_country",
        "destination_area",
        "sector",
        "channel",
        "documents_held",
        "debt_amount",
        "debt_currency",
        "last_contact_on",
        "returned_on",
        "return_reason",
        "meta/instanceID",
    ],
    BuiltinForm.REGISTER_UPDATE: [
        *WHO,
        "last_contact_on",
        "returned",
        "returned_on",
        "return_reason",
        "destination_country",
        "destination_area",
        "sector",
        "documents_held",
        "debt_amount",
        "debt_currency",
        "meta/instanceID",
    ],
    BuiltinForm.PROBLEM: [
        *WHO,
        "problems",
        "noted_on",
        "note",
        "screen_now",
        "screening/screening_note",
        "screening/age_band",
        *[f"screening/q_{topic}" for topic in SCREENING_TOPICS],
        "meta/instanceID",
    ],
}
MEDIA: dict[str, list[str]] = {
    BuiltinForm.MEETING: ["groups.csv", "topics.csv"],
    BuiltinForm.REGISTER_ENTRY: ["groups.csv", "places.csv"],
    BuiltinForm.REGISTER_UPDATE: ["places.csv"],
    BuiltinForm.PROBLEM: [],
}


def xlsx(builtin: str) -> bytes:
    return (FORMS_DIR / f"{builtin}.xlsx").read_bytes()


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    """Each form compiled once, ODK Validate included (Java runs JavaRosa)."""
    return {builtin: compile_xlsform(xlsx(builtin), validate=True) for builtin in COMMUNITY}


def leaf_paths(xml: str) -> list[str]:
    root: Element = SafeET.fromstring(xml.encode())
    data = root.find(f"{H}head/{XF}model/{XF}instance")[0]  # type: ignore[index]
    paths: list[str] = []

    def walk(node: Element, path: str) -> None:
        children = list(node)
        if not children:
            if path not in paths:
                paths.append(path)
            return
        for child in children:
            name = child.tag.rsplit("}", 1)[-1]
            walk(child, f"{path}/{name}" if path else name)

    walk(data, "")
    return paths


def choices(builtin: str) -> dict[str, list[str]]:
    book = openpyxl.load_workbook(FORMS_DIR / f"{builtin}.xlsx", read_only=True)
    lists: dict[str, list[str]] = {}
    for list_name, name, *_labels in book["choices"].iter_rows(min_row=2, values_only=True):
        lists.setdefault(str(list_name), []).append(str(name))
    book.close()
    return lists


# --------------------------------------------------------------------------- compiling


@pytest.mark.parametrize("builtin", COMMUNITY)
def test_each_form_compiles_and_passes_odk_validate(builtin: str, compiled: Any) -> None:
    form = compiled[builtin]
    assert form.form_id == f"migra_{builtin}"
    assert re.fullmatch(r"\d{10}", form.version)
    assert any("\u1780" <= ch <= "\u17ff" for ch in form.title)  # a Khmer title
    assert form.media == MEDIA[builtin]
    assert form.binary_paths == []  # no photos, no sound: nothing to wait for


@pytest.mark.parametrize("builtin", COMMUNITY)
def test_each_form_has_the_fields_its_mapper_reads(builtin: str, compiled: Any) -> None:
    assert leaf_paths(compiled[builtin].xml) == PATHS[builtin]


@pytest.mark.parametrize("builtin", COMMUNITY)
def test_every_label_is_in_khmer_first_and_in_english(builtin: str, compiled: Any) -> None:
    root: Element = SafeET.fromstring(compiled[builtin].xml.encode())
    translations = list(root.iter(f"{XF}translation"))
    assert [t.get("lang") for t in translations] == ["Khmer (km)", "English (en)"]
    assert translations[0].get("default") == "true()"
    texts = [
        {text.get("id"): "".join(text.itertext()).strip() for text in t.iter(f"{XF}text")}
        for t in translations
    ]
    khmer, english = texts
    assert set(khmer) == set(english)
    assert all(khmer.values()) and all(english.values())
    assert all(any("\u1780" <= ch <= "\u17ff" for ch in value) for value in khmer.values())
    # Every question shown has a label in both (notes, selects, groups …).
    body = root.find(f"{H}body")
    assert body is not None
    for control in body.iter():
        label = control.find(f"{XF}label")
        if control.get("ref") and label is not None and label.get("ref", "").startswith("jr:"):
            assert label.get("ref", "").split("'")[1] in khmer


def test_choice_lists_offer_exactly_what_the_services_take() -> None:
    for builtin in (BuiltinForm.REGISTER_ENTRY, BuiltinForm.REGISTER_UPDATE):
        lists = choices(builtin)
        assert lists["sector"] == list(Sector.values)
        assert lists["channel"] == list(Channel.values)
        assert lists["document"] == list(DocumentKind.values)
        assert lists["currency"] == list(DebtCurrency.values)
        assert lists["return_reason"] == list(ReturnReason.values)
        assert lists["sex"] == list(Sex.values)
    problem = choices(BuiltinForm.PROBLEM)
    assert problem["problem"] == list(ProblemKind.values)
    assert problem["age_band"] == list(AgeBand.values)
    assert problem["answer"] == ["yes", "no", "unknown"]
    assert choices(BuiltinForm.MEETING)["sex"] == list(Sex.values)


# --------------------------------------------------------------------------- the screening


def _relevant_bands(expression: str) -> set[str]:
    """The age bands for which a question's relevance (as pyxform wrote it) holds."""
    bands = set()
    for band in AgeBand.values:
        python = re.sub(r"\s*/data/screening/age_band\s*", f" {band!r} ", expression)
        python = re.sub(r"(?<![!<>=])=(?!=)", "==", python)
        # Our own generated expression (only comparisons of quoted bands, and/or/not).
        if eval(python, {"__builtins__": {}, "not": lambda x: not x}):  # noqa: S307
            bands.add(band)
    return bands


@pytest.mark.django_db
def test_problem_form_asks_the_current_short_screening_by_age(compiled: Any) -> None:
    catalogue = catalogue_current()
    assert catalogue is not None
    questions = question_set(catalogue, Mode.GUIDED).questions
    assert [q.topic for q in questions] == SCREENING_TOPICS
    root: Element = SafeET.fromstring(compiled[BuiltinForm.PROBLEM].xml.encode())
    binds = {b.get("nodeset"): b for b in root.iter(f"{XF}bind")}
    adult_bands = set(AgeBand.values) - set(CHILD_BANDS)
    for question in questions:
        bind = binds[f"/data/screening/q_{question.topic}"]
        expected: set[str] = set()
        if "AL" in question.guided_in:
            expected |= adult_bands
        if "CL" in question.guided_in:
            expected |= set(CHILD_BANDS)
        assert _relevant_bands(bind.get("relevant", "")) == expected, question.topic
    # The whole screening is asked only when the person filling the form chooses to.
    assert binds["/data/screening"].get("relevant") == " /data/screen_now  = 'yes'"


def test_a_problem_ticked_answers_its_screening_questions_yes(compiled: Any) -> None:
    root: Element = SafeET.fromstring(compiled[BuiltinForm.PROBLEM].xml.encode())
    problems = next(c for c in root.iter(f"{XF}select") if c.get("ref") == "/data/problems")
    prefilled = {
        s.get("ref", "").rsplit("/q_", 1)[-1]: s.get("value", "")
        for s in problems.iter(f"{XF}setvalue")
        if s.get("event") == "xforms-value-changed"
    }
    expected = {
        topic
        for topics in PROBLEM_SCREENING_TOPICS.values()
        for topic in topics
        if topic in SCREENING_TOPICS
    }
    assert set(prefilled) == expected
    assert "selected( /data/problems , 'unpaid_wages')" in prefilled["dest_wages_withheld"]


# --------------------------------------------------------------------------- installing


@pytest.mark.django_db
def test_install_loads_the_forms_open_with_their_generated_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only these four (the field forms are another test's): a folder with copies.
    for builtin in COMMUNITY:
        (tmp_path / f"{builtin}.xlsx").write_bytes(xlsx(builtin))
    monkeypatch.setattr(services, "BUILTIN_FORMS_DIR", tmp_path)
    monkeypatch.setattr(places_media, "FORMS_DIR", tmp_path)
    report = services.builtin_forms_install()
    assert sorted(report.installed) == sorted(f"migra_{b}" for b in COMMUNITY)
    for builtin in COMMUNITY:
        form = XForm.objects.get(form_id=f"migra_{builtin}")
        assert (form.builtin, form.state) == (builtin, FormState.OPEN)
        assert sorted(form.media.values_list("filename", flat=True)) == MEDIA[builtin]
        assert all(form.media.values_list("generated", flat=True))
        assert form.has_media == bool(MEDIA[builtin])
    again = services.builtin_forms_install()
    assert again.installed == [] and len(again.unchanged) == len(COMMUNITY)
