"""Write the four community XLSForms (meeting.xlsx, register_entry.xlsx,
register_update.xlsx, problem.xlsx) from the tables below.

The .xlsx files are what people open and edit; this script only makes them again the
same way, so that a change to a choice list or a screening question reaches every form:

    .venv/bin/python migra/collect/xlsforms/build_community.py

Labels are in Khmer (the default) and English. Words the web forms already use come
from the translation catalogue (`T("Departure date")`), so the phone and the web say
the same thing; the rest is written here in both languages (`K(km, en)`). Choice
lists come from the models' choices (the values the services accept), and the short
screening's questions from the shipped screening catalogue, asked by the topic the
service expects (`q_<topic>`).

Generated media the forms read (migra.collect.places_media): `places.csv` (the
gazetteer), `groups.csv` (the programme's active self-help groups), `topics.csv`
(meeting topics in use). The paths of the fields the mappers read are listed in
migra/collect/tests/test_forms_community.py (PATHS); keep them, or change
migra/collect/mapping/community.py with them. Raise VERSION when a form changes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE.parent.parent / "screening" / "catalogue" / "migra-ilo-2009-s2-1.json"
KM = "Khmer (km)"
EN = "English (en)"
VERSION = "2026112502"

Label = tuple[str, str]  # (Khmer, English)

SURVEY_COLUMNS = (
    "type",
    "name",
    f"label::{KM}",
    f"label::{EN}",
    f"hint::{KM}",
    f"hint::{EN}",
    "required",
    "relevant",
    "constraint",
    f"constraint_message::{KM}",
    f"constraint_message::{EN}",
    "appearance",
    "default",
    "choice_filter",
    "calculation",
    "trigger",
)
CHOICE_COLUMNS = ("list_name", "name", f"label::{KM}", f"label::{EN}")
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "default_language")

NOT_FUTURE = ". <= today()"
MAX_COUNT = 10_000
MAX_AGE = 120


def K(km: str, en: str) -> Label:
    return (km, en)


def T(msgid: str, context: str | None = None) -> Label:
    """A phrase of the web forms, in Khmer from the catalogue and in English."""
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    def say() -> str:
        return pgettext(context, msgid) if context else gettext(msgid)

    with translation.override("km"):
        km = say()
    with translation.override("en"):
        en = say()
    if km == msgid:
        raise SystemExit(f"no Khmer translation for {msgid!r}: write it with K()")
    return (km, en)


def both(*parts: Label, sep: str = " ") -> Label:
    return (sep.join(p[0] for p in parts), sep.join(p[1] for p in parts))


def row(
    kind: str,
    name: str = "",
    label: Label | None = None,
    *,
    hint: Label | None = None,
    required: bool | str = False,
    relevant: str = "",
    constraint: str = "",
    message: Label | None = None,
    appearance: str = "",
    default: str = "",
    choice_filter: str = "",
    calculation: str = "",
    trigger: str = "",
) -> dict[str, str]:
    out = {
        "type": kind,
        "name": name,
        # A condition ("${action} != ''") or yes.
        "required": required if isinstance(required, str) else ("yes" if required else ""),
        "relevant": relevant,
        "constraint": constraint,
        "appearance": appearance,
        "default": default,
        "choice_filter": choice_filter,
        "calculation": calculation,
        "trigger": trigger,
    }
    for column, value in (("label", label), ("hint", hint), ("constraint_message", message)):
        if value is not None:
            out[f"{column}::{KM}"], out[f"{column}::{EN}"] = value
    return out


# --------------------------------------------------------------------------- choices


def _choices(list_name: str, choices: Iterable[tuple[str, Any]]) -> list[dict[str, str]]:
    """A list from a model's choices: the value the service takes, its labels."""
    from django.utils import translation

    rows = []
    for value, label in choices:
        with translation.override("km"):
            km = str(label)
        with translation.override("en"):
            en = str(label)
        rows.append({"list_name": list_name, "name": value, f"label::{KM}": km, f"label::{EN}": en})
    return rows


def _yes_no() -> list[dict[str, str]]:
    return [
        {"list_name": "yes_no", "name": "yes", f"label::{KM}": "បាទ/ចាស", f"label::{EN}": "Yes"},
        {"list_name": "yes_no", "name": "no", f"label::{KM}": "ទេ", f"label::{EN}": "No"},
    ]


def _sex() -> list[dict[str, str]]:
    from migra.people.models import Sex

    return _choices("sex", Sex.choices)


# --------------------------------------------------------------------------- pieces


def _count(name: str, label: Label, hint: Label | None = None) -> dict[str, str]:
    return row(
        "integer",
        name,
        label,
        hint=hint,
        constraint=f". >= 0 and . <= {MAX_COUNT}",
        message=K(f"សូមដាក់ចំនួនពី 0 ដល់ {MAX_COUNT}។", f"Give a number from 0 to {MAX_COUNT}."),
    )


def _age(name: str, *, required: bool, relevant: str) -> dict[str, str]:
    return row(
        "integer",
        name,
        T("Age"),
        hint=K("អាយុប្រហែល គិតជាឆ្នាំ។", "About how old, in years."),
        required=required,
        relevant=relevant,
        constraint=f". >= 0 and . <= {MAX_AGE}",
        message=K(f"សូមដាក់អាយុពី 0 ដល់ {MAX_AGE} ឆ្នាំ។", f"Give an age from 0 to {MAX_AGE} years."),
    )


def _person_number(label: Label) -> dict[str, str]:
    return row(
        "integer",
        "person_number",
        label,
        hint=both(
            T("The number shown on the person's record in the registry."),
            K("ទុកឱ្យទំនេរ បើមិនដឹង។", "Leave it empty if you do not know it."),
        ),
        constraint=". >= 1",
        message=K("លេខនេះមិនត្រឹមត្រូវ។", "This number is not right."),
    )


UNKNOWN_NUMBER = "${person_number} = ''"


def _who() -> list[dict[str, str]]:
    """A registered person: their number, or their name, sex and age (matched on the
    server through the registry's matching)."""
    return [
        row(
            "note",
            "who_note",
            K(
                "តើជានរណា? ដាក់លេខបុគ្គល ឬដាក់ឈ្មោះ ភេទ និងអាយុ។",
                "Who is it? Give the person number, or the name, sex and age.",
            ),
        ),
        _person_number(T("Person number")),
        row("text", "person_name", T("Name"), required=True, relevant=UNKNOWN_NUMBER),
        row("select_one sex", "person_sex", T("Sex"), required=True, relevant=UNKNOWN_NUMBER),
        _age("person_age", required=True, relevant=UNKNOWN_NUMBER),
    ]


def _date(name: str, label: Label, **kwargs: Any) -> dict[str, str]:
    kwargs.setdefault("constraint", NOT_FUTURE)
    kwargs.setdefault("message", T("This date is in the future."))
    return row("date", name, label, **kwargs)


def _places(name: str, label: Label, choice_filter: str, **kwargs: Any) -> dict[str, str]:
    return row(
        "select_one_from_file places.csv", name, label, choice_filter=choice_filter, **kwargs
    )


def _commune_cascade(hint: Label) -> list[dict[str, str]]:
    return [
        _places("province", T("Province"), "kind='province'", required=True),
        _places("district", T("District"), "kind='district' and parent=${province}", required=True),
        _places(
            "commune",
            T("Commune"),
            "kind='commune' and parent=${district}",
            required=True,
            hint=hint,
        ),
    ]


def _destination(country_label: Label, *, relevant: str = "") -> list[dict[str, str]]:
    area_relevant = "${destination_country} != ''"
    if relevant:
        area_relevant = f"({relevant}) and {area_relevant}"
    return [
        _places(
            "destination_country",
            country_label,
            "kind='country'",
            appearance="autocomplete",
            relevant=relevant,
        ),
        _places(
            "destination_area",
            K("ខេត្ត ឬក្រុង (បើដឹង)", "Province or city (if known)"),
            "parent=${destination_country} and (kind='province' or kind='region')",
            relevant=area_relevant,
        ),
    ]


def _debt(*, hint: Label | None = None) -> list[dict[str, str]]:
    return [
        row(
            "decimal",
            "debt_amount",
            T("Debt taken to migrate"),
            hint=hint,
            constraint=". >= 0 and . < 1000000000000",
            message=K("សូមដាក់ចំនួនទឹកប្រាក់។", "Give an amount."),
        ),
        row(
            "select_one currency",
            "debt_currency",
            T("Currency"),
            required=True,
            relevant="${debt_amount} != ''",
        ),
    ]


# --------------------------------------------------------------------------- forms


def meeting() -> dict[str, Any]:
    from migra.community.models import GuestAgeBand, GuestSex

    guests = []
    for sex, sex_label in GuestSex.choices:
        for band, band_label in GuestAgeBand.choices:
            sex_pair = _choices("x", [(sex, sex_label)])[0]
            band_pair = _choices("x", [(band, band_label)])[0]
            guests.append(
                _count(
                    f"guests_{sex}_{band}",
                    (
                        f"{sex_pair[f'label::{KM}']} · {band_pair[f'label::{KM}']}",
                        f"{sex_pair[f'label::{EN}']} · {band_pair[f'label::{EN}']}",
                    ),
                )
            )
    survey = [
        row(
            "select_one_from_file groups.csv",
            "group",
            T("Self-help group"),
            hint=K("វាយឈ្មោះក្រុមខ្លះៗ ដើម្បីស្វែងរក។", "Type part of the group's name to find it."),
            required=True,
            appearance="autocomplete",
        ),
        _date(
            "held_on",
            T("Date of the meeting"),
            required=True,
            default="today()",
            message=T("The meeting date is in the future: record a meeting once it is held."),
        ),
        row("text", "venue", T("Place")),
        row("select_multiple_from_file topics.csv", "topics", T("Topics"), required=True),
        row(
            "begin_repeat",
            "present",
            T("Members present"),
            hint=K(
                "បន្ថែមសមាជិកម្នាក់ៗដែលបានមក៖ លេខបុគ្គល ឬឈ្មោះ ភេទ និងអាយុ។",
                "Add each member who came: their person number, or their name, sex and age.",
            ),
        ),
        _person_number(T("Person number")),
        # Nothing is required in a row left empty: the phone starts the list with one
        # row, and a meeting where no member came must still be sent (the server skips
        # empty rows). A name needs its sex.
        row("text", "person_name", T("Name"), relevant=UNKNOWN_NUMBER),
        row(
            "select_one sex",
            "person_sex",
            T("Sex"),
            required="${person_name} != ''",
            relevant=UNKNOWN_NUMBER,
        ),
        _age("person_age", required=False, relevant=UNKNOWN_NUMBER),
        row("end_repeat"),
        _count(
            "attendance_total",
            T("How many people came in all (if counted)"),
            K(
                "សមាជិក និងភ្ញៀវរួមគ្នា។ ទុកឱ្យទំនេរ បើអ្នកបានដាក់ឈ្មោះគ្រប់គ្នាខាងលើ។",
                "Members and guests together. Leave it empty if you listed everybody above.",
            ),
        ),
        row(
            "begin_group",
            "guests",
            T("Guests"),
            hint=K(
                "អ្នកដែលមកចូលរួម តែមិនមែនជាសមាជិក។ រាប់តែចំនួន មិនបាច់សរសេរឈ្មោះ។",
                "People who came but are not members. Count them; no names.",
            ),
            appearance="field-list",
        ),
        *guests,
        row("end_group"),
        row("text", "decisions", T("Decisions"), appearance="multiline"),
        row("begin_repeat", "follow_up", T("Follow-up action")),
        row(
            "text",
            "action",
            T("Follow-up action"),
            hint=K(
                "កិច្ចការនេះជារបស់អ្នក៖ អ្នកនឹងឃើញវានៅលើទំព័រដើមរបស់អ្នក។",
                "It will be yours: you will see it on your home page.",
            ),
            appearance="multiline",
        ),
        row(
            "date",
            "due_on",
            T("Due"),
            # The list starts with one row: a meeting without follow-ups leaves it empty.
            required="${action} != ''",
            constraint=". >= ${held_on}",
            message=T("A follow-up cannot be due before the meeting."),
        ),
        row("end_repeat"),
    ]
    return {
        "survey": survey,
        "choices": _sex(),
        "settings": {
            "form_title": "កិច្ចប្រជុំក្រុមជួយខ្លួនឯង (SHG meeting)",
            "form_id": "migra_meeting",
        },
    }


def _register_choices() -> list[dict[str, str]]:
    from migra.community.models import Channel, DebtCurrency, ReturnReason, Sector
    from migra.people.models import DocumentKind

    return [
        *_sex(),
        *_choices("sector", Sector.choices),
        *_choices("channel", Channel.choices),
        *_choices("document", DocumentKind.choices),
        *_choices("currency", DebtCurrency.choices),
        *_choices("return_reason", ReturnReason.choices),
        *_yes_no(),
    ]


def register_entry() -> dict[str, Any]:
    survey = [
        *_commune_cascade(
            K("ឃុំដែលកត់ត្រាបញ្ជីចំណាកស្រុកនេះ។", "The commune whose migration register this is.")
        ),
        row(
            "select_one_from_file groups.csv",
            "group",
            T("Self-help group"),
            choice_filter="commune=${commune}",
        ),
        _person_number(T("Person number (if already registered)")),
        row(
            "text", "person_name", T("Name of a new person"), required=True, relevant=UNKNOWN_NUMBER
        ),
        row("select_one sex", "person_sex", T("Sex"), required=True, relevant=UNKNOWN_NUMBER),
        _age("person_age", required=True, relevant=UNKNOWN_NUMBER),
        _places(
            "person_village",
            T("Home village"),
            "kind='village' and parent=${commune}",
            hint=K("ភូមិមួយក្នុងឃុំខាងលើ។", "A village of the commune above."),
            required=True,
            relevant=UNKNOWN_NUMBER,
        ),
        row(
            "text",
            "person_phone",
            T("Phone number"),
            relevant=UNKNOWN_NUMBER,
            appearance="numbers",
        ),
        # Set to "yes" only by the person who fixes a submission the registry's
        # duplicate matching stopped, once they checked it is someone else.
        row("calculate", "confirm_new", calculation="'no'"),
        _date("departed_on", T("Departure date")),
        *_destination(K("ប្រទេសដែលគាត់បានទៅ", "Country they went to")),
        row("select_one sector", "sector", T("Sector")),
        row("select_one channel", "channel", T("How they went")),
        row("select_multiple document", "documents_held", T("Documents held")),
        *_debt(),
        _date("last_contact_on", T("Last contact")),
        _date(
            "returned_on",
            T("Return date"),
            constraint=f"{NOT_FUTURE} and (${{departed_on}} = '' or . >= ${{departed_on}})",
            message=T("The return date is before the departure date."),
        ),
        row(
            "select_one return_reason",
            "return_reason",
            T("Reason for return"),
            relevant="${returned_on} != ''",
        ),
    ]
    return {
        "survey": survey,
        "choices": _register_choices(),
        "settings": {
            "form_title": "បញ្ជីចំណាកស្រុក៖ អ្នកចាកចេញ (Migration register: someone left)",
            "form_id": "migra_register_entry",
        },
    }


def register_update() -> dict[str, Any]:
    returned = "${returned} = 'yes'"
    survey = [
        *_who(),
        _date(
            "last_contact_on",
            K(
                "តើអ្នកបានឮដំណឹងពីគាត់ចុងក្រោយនៅថ្ងៃណា?",
                "When did you last hear from them?",
            ),
            required=True,
            default="today()",
        ),
        row(
            "select_one yes_no",
            "returned",
            K("តើគាត់បានត្រឡប់មកវិញហើយឬនៅ?", "Have they come back?"),
            required=True,
        ),
        _date("returned_on", T("Return date"), required=True, relevant=returned),
        row(
            "select_one return_reason",
            "return_reason",
            T("Reason for return"),
            relevant=returned,
        ),
        *_destination(
            K(
                "តើពេលនេះគាត់នៅប្រទេសណា? (បើបានប្ដូរ)",
                "Which country are they in now (if it changed)?",
            ),
            relevant="${returned} != 'yes'",
        ),
        row(
            "select_one sector",
            "sector",
            K("ការងាររបស់គាត់ពេលនេះ (បើបានប្ដូរ)", "Their work now (if it changed)"),
        ),
        row(
            "select_multiple document",
            "documents_held",
            T("Documents held"),
            hint=K("ទុកឱ្យទំនេរ បើគ្មានអ្វីប្ដូរ។", "Leave it empty if nothing changed."),
        ),
        *_debt(hint=K("ទុកឱ្យទំនេរ បើគ្មានអ្វីប្ដូរ។", "Leave it empty if nothing changed.")),
    ]
    return {
        "survey": survey,
        "choices": _register_choices(),
        "settings": {
            "form_title": "បញ្ជីចំណាកស្រុក៖ ដំណឹងពីអ្នកចំណាកស្រុក (Migration register: news)",
            "form_id": "migra_register_update",
        },
    }


def guided_questions() -> list[dict[str, Any]]:
    """The short screening's questions of the shipped catalogue, in the order the web
    form asks them (migra.screening.selectors.question_set): by position in the short
    screening, then by where the topic first comes in the catalogue; each with its
    texts and the age groups (adult, child) asked it."""
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    child_lists = {"CL", "CS"}
    first: dict[str, int] = {}
    found: dict[str, dict[str, Any]] = {}
    for list_code, rows in data["indicators"].items():
        for item in rows:
            topic = item["topic"]
            first.setdefault(topic, len(first))
            if item.get("guided") is None:
                continue
            entry = found.setdefault(
                topic, {"topic": topic, "order": item["guided"], "groups": set()}
            )
            entry["order"] = min(entry["order"], item["guided"])
            entry["groups"].add("child" if list_code in child_lists else "adult")
    out = []
    for entry in sorted(found.values(), key=lambda e: (e["order"], first[e["topic"]])):
        texts = data["questions"][entry["topic"]]
        out.append({**entry, "km": texts["km"], "en": texts["en"]})
    return out


def problem() -> dict[str, Any]:
    from migra.community.models import ProblemKind
    from migra.community.prefill import PROBLEM_SCREENING_TOPICS
    from migra.screening.models import CHILD_BANDS, AgeBand

    child = " or ".join(f"${{age_band}} = '{band}'" for band in sorted(CHILD_BANDS))
    relevant_for = {
        frozenset({"adult", "child"}): "${age_band} != ''",
        frozenset({"child"}): f"({child})",
        frozenset({"adult"}): f"${{age_band}} != '' and not({child})",
    }
    questions = []
    for question in guided_questions():
        codes = sorted(
            c for c, topics in PROBLEM_SCREENING_TOPICS.items() if question["topic"] in topics
        )
        calculation = trigger = ""
        if codes:
            # A problem just ticked answers its questions "yes" (changeable), as the
            # web screening opened from a problem does.
            picked = " or ".join(f"selected(${{problems}}, '{c}')" for c in codes)
            calculation = f"if({picked}, 'yes', '')"
            trigger = "${problems}"
        questions.append(
            row(
                "select_one answer",
                f"q_{question['topic']}",
                (question["km"], question["en"]),
                relevant=relevant_for[frozenset(question["groups"])],
                calculation=calculation,
                trigger=trigger,
            )
        )
    answers = [
        {"list_name": "answer", "name": value, f"label::{KM}": km, f"label::{EN}": en}
        for value, (km, en) in (
            ("yes", T("Yes", "screening answer")),
            ("no", T("No", "screening answer")),
            ("unknown", T("Don't know", "screening answer")),
        )
    ]
    survey = [
        *_who(),
        row("select_multiple problem", "problems", T("Problems reported"), required=True),
        _date("noted_on", T("Date"), required=True, default="today()"),
        row("text", "note", T("Note"), appearance="multiline"),
        row(
            "select_one yes_no",
            "screen_now",
            K("តើសួរសំណួរពិនិត្យខ្លីឥឡូវនេះទេ?", "Ask the short screening questions now?"),
            required=True,
            default="yes",
        ),
        row("begin_group", "screening", T("Short screening"), relevant="${screen_now} = 'yes'"),
        row(
            "note",
            "screening_note",
            T(
                "Ask about the last time the person went away to work: from when they "
                "were recruited until they came back. There are about 16 questions."
            ),
        ),
        row(
            "select_one age_band",
            "age_band",
            T("Age"),
            hint=T("Under 18 or maybe under 18: the child lists are used."),
            required=True,
        ),
        *questions,
        row("end_group"),
    ]
    return {
        "survey": survey,
        "choices": [
            *_sex(),
            *_yes_no(),
            *_choices("problem", ProblemKind.choices),
            *_choices("age_band", AgeBand.choices),
            *answers,
        ],
        "settings": {
            "form_title": "រាយការណ៍បញ្ហា និងការពិនិត្យខ្លី (Problem report and short screening)",
            "form_id": "migra_problem",
        },
    }


FORMS = {
    "meeting": meeting,
    "register_entry": register_entry,
    "register_update": register_update,
    "problem": problem,
}


# --------------------------------------------------------------------------- writing


def _sheet(book: Any, title: str, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    sheet = book.create_sheet(title)
    used = [c for c in columns if any(r.get(c) for r in rows) or c in ("type", "name")]
    if title != "survey":
        used = list(columns)
    sheet.append(used)
    for item in rows:
        sheet.append([item.get(c, "") or None for c in used])


def workbook(form: dict[str, Any]) -> Any:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    _sheet(book, "survey", SURVEY_COLUMNS, form["survey"])
    _sheet(book, "choices", CHOICE_COLUMNS, form["choices"])
    settings = {**form["settings"], "version": VERSION, "default_language": KM}
    _sheet(book, "settings", SETTINGS_COLUMNS, [settings])
    return book


def build(directory: Path = HERE) -> list[Path]:
    written = []
    for name, make in FORMS.items():
        path = directory / f"{name}.xlsx"
        workbook(make()).save(path)
        written.append(path)
    return written


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.test")
    import django

    django.setup()
    for path in build():
        print(path)


if __name__ == "__main__":
    main()
