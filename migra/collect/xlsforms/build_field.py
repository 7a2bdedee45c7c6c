"""Write the field forms event.xlsx, story.xlsx and tip.xlsx from the tables below.

The .xlsx files are the source people edit (in Excel or LibreOffice, as any XLSForm);
this script is how they were first made and how they can be made again after a change
here: `python migra/collect/xlsforms/build_field.py` (it writes next to itself; it needs
openpyxl, not Django). Raise
VERSION when a form changes, or phones keep the old one.

Field names are what the mappers read (migra/collect/mapping/outreach.py, stories.py,
cases.py). Each name is unique in its form, so a mapper finds a field wherever a group
puts it; keep them unique and keep the names, or change the mapper with them.

Places come from the generated form media file places.csv (migra/collect/places_media.py):
one row per place, `name` its gazetteer code, `label` its names, `kind` what it is,
`parent` the code of the place it lies in. A phone filters it offline: provinces,
then the districts of the province chosen, and so on down to the village; countries
abroad, then their provinces or regions.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

import openpyxl

VERSION = "2026112503"
KM = "Khmer (km)"
EN = "English (en)"
FORMS_DIR = Path(__file__).resolve().parent

COLUMNS = [
    "type",
    "name",
    f"label::{KM}",
    f"label::{EN}",
    f"hint::{KM}",
    f"hint::{EN}",
    "required",
    f"required_message::{KM}",
    f"required_message::{EN}",
    "relevant",
    "constraint",
    f"constraint_message::{KM}",
    f"constraint_message::{EN}",
    "choice_filter",
    "appearance",
    "default",
    "parameters",
]
CHOICE_COLUMNS = ["list_name", "name", f"label::{KM}", f"label::{EN}"]

Row = dict[str, str]
Text = tuple[str, str]  # (Khmer, English)

REQUIRED: Text = ("ត្រូវតែបំពេញចំណុចនេះ។", "This is required.")


def q(
    kind: str,
    name: str,
    label: Text = ("", ""),
    *,
    hint: Text = ("", ""),
    required: bool = False,
    relevant: str = "",
    constraint: str = "",
    message: Text = ("", ""),
    choice_filter: str = "",
    appearance: str = "",
    default: str = "",
    parameters: str = "",
) -> Row:
    """One row of the survey sheet."""
    row: Row = {
        "type": kind,
        "name": name,
        f"label::{KM}": label[0],
        f"label::{EN}": label[1],
        f"hint::{KM}": hint[0],
        f"hint::{EN}": hint[1],
        "relevant": relevant,
        "constraint": constraint,
        f"constraint_message::{KM}": message[0],
        f"constraint_message::{EN}": message[1],
        "choice_filter": choice_filter,
        "appearance": appearance,
        "default": default,
        "parameters": parameters,
    }
    if required:
        row.update(
            {
                "required": "yes",
                f"required_message::{KM}": REQUIRED[0],
                f"required_message::{EN}": REQUIRED[1],
            }
        )
    return row


def end(kind: str) -> Row:
    return {"type": f"end {kind}"}


def choices(list_name: str, items: Sequence[tuple[str, str, str]]) -> list[Row]:
    """Rows of the choices sheet: (value, Khmer, English) each."""
    return [
        {"list_name": list_name, "name": value, f"label::{KM}": km, f"label::{EN}": en}
        for value, km, en in items
    ]


# --------------------------------------------------------------------------- places

PLACES_FILE = "places.csv"


def place_questions(
    *, required: str = "commune", relevant: str = "", hint_village: Text = ("", "")
) -> list[Row]:
    """Province → district → commune → village from places.csv, each filtered by the
    one before. Levels down to `required` must be answered; the others may be left."""
    levels = ["province", "district", "commune", "village"]
    labels: dict[str, Text] = {
        "province": ("ខេត្ត", "Province"),
        "district": ("ស្រុក", "District"),
        "commune": ("ឃុំ", "Commune"),
        "village": ("ភូមិ", "Village"),
    }
    rows: list[Row] = []
    for depth, level in enumerate(levels):
        above = levels[depth - 1] if depth else ""
        conditions = [relevant] if relevant else []
        if above:
            conditions.append(f"${{{above}}} != ''")
        rows.append(
            q(
                f"select_one_from_file {PLACES_FILE}",
                level,
                labels[level],
                hint=hint_village if level == "village" else ("", ""),
                required=depth <= levels.index(required) if required else False,
                relevant=" and ".join(conditions),
                choice_filter=(
                    f"kind = '{level}' and parent = ${{{above}}}" if above else f"kind = '{level}'"
                ),
                appearance="minimal",
            )
        )
    return rows


# Countries other than Cambodia (the usual destinations first, as places.csv lists them).
ABROAD = "kind = 'country' and name != 'KH'"


def destination_questions() -> list[Row]:
    """Where someone went to work: a country, then a province or region there."""
    return [
        q(
            f"select_one_from_file {PLACES_FILE}",
            "destination_country",
            ("ប្រទេសដែលគាត់បានទៅធ្វើការ", "Country where they went to work"),
            choice_filter=ABROAD,
            appearance="autocomplete",
        ),
        q(
            f"select_one_from_file {PLACES_FILE}",
            "destination_area",
            ("ខេត្ត ឬក្រុង (បើដឹង)", "Province or city (if known)"),
            relevant="${destination_country} != ''",
            choice_filter="kind = 'region' and parent = ${destination_country}",
            appearance="autocomplete",
        ),
    ]


# --------------------------------------------------------------------------- shared lists

YES_NO = choices("yes_no", [("yes", "បាទ/ចាស", "Yes"), ("no", "ទេ", "No")])

SEX = choices(
    "sex",
    [
        ("female", "ស្រី", "Female"),
        ("male", "ប្រុស", "Male"),
        ("other", "ផ្សេងទៀត ឬមិនបានប្រាប់", "Other or not said"),
    ],
)

AGE_BAND = choices(
    "age_band",
    [
        ("0-14", "ក្រោម 15 ឆ្នាំ", "Under 15"),
        ("15-17", "15 ដល់ 17 ឆ្នាំ", "15 to 17"),
        ("18-24", "18 ដល់ 24 ឆ្នាំ", "18 to 24"),
        ("25-34", "25 ដល់ 34 ឆ្នាំ", "25 to 34"),
        ("35-44", "35 ដល់ 44 ឆ្នាំ", "35 to 44"),
        ("45-59", "45 ដល់ 59 ឆ្នាំ", "45 to 59"),
        ("60+", "60 ឆ្នាំឡើងទៅ", "60 or older"),
    ],
)

AUDIENCE = choices(
    "audience_category",
    [
        ("general_public", "សាធារណជនទូទៅ", "General public"),
        ("youth", "យុវជន", "Youth"),
        ("potential_migrants", "អ្នកដែលអាចនឹងទៅធ្វើការឆ្ងាយ", "Potential migrants"),
        ("returned_migrants", "ពលករចំណាកស្រុកដែលបានត្រឡប់មកវិញ", "Returned migrants"),
        ("families", "គ្រួសាររបស់ពលករចំណាកស្រុក", "Families of migrants"),
        ("local_authorities", "អាជ្ញាធរមូលដ្ឋាន", "Local authorities"),
        ("civil_society", "សង្គមស៊ីវិល", "Civil society"),
    ],
)

# Phones shrink photos before sending (the server keeps at most 1600 px anyway).
PHOTO_SIZE = "max-pixels=1600"
WHOLE_NUMBER: Text = ("សូមវាយចំនួនគត់ ចាប់ពី 1 ឡើងទៅ។", "Give a whole number, 1 or more.")
NOT_FUTURE: Text = (
    "សកម្មភាពមិនអាចនៅក្រោយថ្ងៃនេះបានទេ៖ សូមកត់ត្រាវា បន្ទាប់ពីបានធ្វើរួច។",
    "The activity cannot be in the future: record it once it took place.",
)
REGISTRY_NUMBER_HINT: Text = (
    "លេខដែលនៅលើកំណត់ត្រារបស់គាត់ ក្នុងបញ្ជីឈ្មោះមនុស្ស។",
    "The number on their record in the people registry.",
)

# --------------------------------------------------------------------------- event

EVENT_SURVEY: list[Row] = [
    q(
        "select_one event_kind",
        "kind",
        ("ប្រភេទសកម្មភាព", "Kind of activity"),
        required=True,
    ),
    q(
        "text",
        "title",
        ("ចំណងជើង", "Title"),
        hint=(
            "ពាក្យពីរបី ឧទាហរណ៍៖ ការផ្សព្វផ្សាយពីការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព នៅភូមិ",
            "A few words, for example: Safe migration evening in the village",
        ),
        required=True,
        constraint="string-length(.) <= 200",
        message=("យ៉ាងច្រើន 200 តួអក្សរ។", "At most 200 characters."),
    ),
    q(
        "date",
        "date",
        ("ថ្ងៃដែលបានធ្វើ", "Date it took place"),
        required=True,
        constraint=". <= today() and . >= date('2000-01-01')",
        message=NOT_FUTURE,
        default="today()",
    ),
    q("begin group", "where", ("នៅឯណា", "Where")),
    *place_questions(
        required="commune",
        hint_village=(
            "ទុកឱ្យនៅទំនេរ បើសកម្មភាពនេះសម្រាប់ឃុំទាំងមូល។",
            "Leave empty if it was for the whole commune.",
        ),
    ),
    end("group"),
    q(
        "begin repeat",
        "audience",
        ("អ្នកចូលរួមដែលមិនបានចុះឈ្មោះ", "People who came and are not registered"),
        hint=(
            "មួយជួរ សម្រាប់មនុស្សមួយក្រុម៖ ប្រភេទ ភេទ និងអាយុដូចគ្នា។",
            "One row for each group of people of the same kind, sex and age.",
        ),
    ),
    q(
        "select_one audience_category",
        "category",
        ("ប្រភេទ", "Category"),
        required=True,
    ),
    q("select_one sex", "sex", ("ភេទ", "Sex"), required=True),
    q("select_one age_band", "age_band", ("អាយុ", "Age"), required=True),
    q(
        "integer",
        "count",
        ("ចំនួនមនុស្ស", "Number of people"),
        required=True,
        constraint=". >= 1 and . <= 5000",
        message=("សូមវាយចំនួនពី 1 ដល់ 5000។", "Give a number from 1 to 5000."),
    ),
    end("repeat"),
    q(
        "begin repeat",
        "attendee",
        ("អ្នកចូលរួមដែលបានចុះឈ្មោះ", "Registered people who came"),
    ),
    q(
        "integer",
        "person",
        ("លេខរបស់បុគ្គលក្នុងបញ្ជីឈ្មោះ", "Their number in the registry"),
        hint=REGISTRY_NUMBER_HINT,
        required=True,
        constraint=". >= 1",
        message=WHOLE_NUMBER,
    ),
    q(
        "select_one audience_category",
        "person_category",
        ("ប្រភេទ", "Category"),
        required=True,
        default="general_public",
    ),
    end("repeat"),
    q("text", "materials", ("សម្ភារៈដែលបានប្រើ", "Materials used"), appearance="multiline"),
    q(
        "text",
        "notes",
        ("កំណត់ចំណាំ", "Notes"),
        hint=(
            "មានតែបុគ្គលិកប៉ុណ្ណោះដែលឃើញ។ កុំសរសេររឿងផ្ទាល់ខ្លួនរបស់នរណាម្នាក់។",
            "Only staff see them. Do not write anyone's private matters.",
        ),
        appearance="multiline",
    ),
    q("begin group", "test", ("តេស្តចំណេះដឹង", "Knowledge test")),
    q(
        "select_one yes_no",
        "test_given",
        (
            "តើអ្នកបានធ្វើតេស្តខ្លីមួយ មុន និងក្រោយសកម្មភាពទេ?",
            "Did you give a short test before and after?",
        ),
        default="no",
    ),
    q(
        "begin repeat",
        "question",
        ("សំណួរនៃតេស្ត", "Questions of the test"),
        hint=("សំណួរនីមួយៗមានមួយពិន្ទុ។", "One point each."),
        relevant="${test_given} = 'yes'",
    ),
    q(
        "text",
        "question_text",
        ("សំណួរ", "Question"),
        required=True,
        constraint="string-length(.) <= 300",
        message=("យ៉ាងច្រើន 300 តួអក្សរ។", "At most 300 characters."),
    ),
    end("repeat"),
    q(
        "begin repeat",
        "score",
        ("ពិន្ទុរបស់អ្នកចូលរួម", "Participants' scores"),
        relevant="${test_given} = 'yes'",
    ),
    q(
        "integer",
        "score_person",
        ("លេខក្នុងបញ្ជីឈ្មោះ (បើបានចុះឈ្មោះ)", "Registry number (if registered)"),
        hint=(
            "ត្រូវតែជាអ្នកដែលមាននៅក្នុងបញ្ជីអ្នកចូលរួមដែលបានចុះឈ្មោះខាងលើ។",
            "They must be on the list of registered people above.",
        ),
        constraint=". >= 1",
        message=WHOLE_NUMBER,
    ),
    q(
        "text",
        "score_label",
        ("សញ្ញាសម្គាល់អ្នកចូលរួម", "Participant label"),
        hint=(
            "សម្រាប់អ្នកដែលមិនបានចុះឈ្មោះ ឧទាហរណ៍ P3។",
            "For someone not registered, e.g. P3.",
        ),
        required=True,
        relevant="${score_person} = ''",
        constraint="string-length(.) <= 20",
        message=("យ៉ាងច្រើន 20 តួអក្សរ។", "At most 20 characters."),
    ),
    q(
        "integer",
        "score_before",
        ("ពិន្ទុមុន", "Score before"),
        required=True,
        constraint=". >= 0 and . <= count(${question})",
        message=(
            "ពិន្ទុត្រូវនៅចន្លោះ 0 និងចំនួនសំណួរ។",
            "The score is between 0 and the number of questions.",
        ),
    ),
    q(
        "integer",
        "score_after",
        ("ពិន្ទុក្រោយ", "Score after"),
        constraint=". >= 0 and . <= count(${question})",
        message=(
            "ពិន្ទុត្រូវនៅចន្លោះ 0 និងចំនួនសំណួរ។",
            "The score is between 0 and the number of questions.",
        ),
    ),
    end("repeat"),
    end("group"),
    q(
        "begin repeat",
        "photos",
        ("រូបថត", "Photos"),
        hint=(
            "ទីតាំង និងព័ត៌មានកាមេរ៉ា ត្រូវលុបចេញពីរូបថតនីមួយៗ។",
            "Location and camera details are removed from every photo.",
        ),
    ),
    q("image", "photo", ("រូបថត", "Photo"), required=True, parameters=PHOTO_SIZE),
    q(
        "text",
        "photo_caption",
        ("ពាក្យពន្យល់រូបថត (មិនបំពេញក៏បាន)", "Caption (optional)"),
        hint=(
            "កុំដាក់ឈ្មោះមនុស្សដែលមិនគួរបញ្ចេញឈ្មោះ។",
            "Do not name people who should not be named.",
        ),
        constraint="string-length(.) <= 300",
        message=("យ៉ាងច្រើន 300 តួអក្សរ។", "At most 300 characters."),
    ),
    end("repeat"),
]

EVENT_CHOICES: list[Row] = [
    *choices(
        "event_kind",
        [
            ("awareness", "វគ្គផ្សព្វផ្សាយ", "Awareness session"),
            (
                "testimony",
                "ការចែករំលែកបទពិសោធន៍ដោយទូតសង្គម",
                "Social ambassador testimony talk",
            ),
            ("peer_session", "វគ្គអប់រំដោយអ្នកអប់រំមិត្តភក្តិ", "Peer educator session"),
            (
                "training_authorities",
                "វគ្គបណ្តុះបណ្តាលអាជ្ញាធរមូលដ្ឋាន",
                "Training of local authorities",
            ),
            (
                "training_civil_society",
                "វគ្គបណ្តុះបណ្តាលក្រុមសង្គមស៊ីវិល",
                "Training of civil-society groups",
            ),
            ("campaign_screening", "ការចាក់បញ្ចាំងខ្សែភាពយន្តយុទ្ធនាការ", "Campaign screening"),
        ],
    ),
    *AUDIENCE,
    *SEX,
    *AGE_BAND,
    *YES_NO,
]

# --------------------------------------------------------------------------- story

CONSENT_METHOD = choices(
    "consent_method",
    [
        ("signature", "ហត្ថលេខា", "Signature"),
        ("thumbprint", "ស្នាមមេដៃ", "Thumbprint"),
        ("verbal", "ដោយផ្ទាល់មាត់ មានសាក្សី", "Verbal, with a witness"),
    ],
)

STORY_SURVEY: list[Row] = [
    q("select_one story_kind", "kind", ("ប្រភេទរឿង", "Kind of story"), required=True),
    q(
        "text",
        "title_km",
        ("ចំណងជើងជាភាសាខ្មែរ", "Title in Khmer"),
        required=True,
        constraint="string-length(.) <= 200",
        message=("យ៉ាងច្រើន 200 តួអក្សរ។", "At most 200 characters."),
    ),
    q(
        "text",
        "text_km",
        ("រឿងជាភាសាខ្មែរ", "Story in Khmer"),
        hint=(
            "សូមទុកបន្ទាត់ទំនេរមួយនៅចន្លោះកថាខណ្ឌ។ កុំសរសេរអ្វីដែលប្រាប់ថា បុគ្គលនោះជានរណា ឬរស់នៅកន្លែងណាច្បាស់លាស់។",
            "Leave an empty line between paragraphs. Do not write anything that tells who "
            "the person is or exactly where they live.",
        ),
        required=True,
        appearance="multiline",
    ),
    q(
        "begin group",
        "where",
        ("រឿងនេះមកពីកន្លែងណា", "Where the story comes from"),
        hint=(
            "សាធារណជនឃើញតែឈ្មោះខេត្តប៉ុណ្ណោះ។",
            "Only the province is ever shown to the public.",
        ),
    ),
    *place_questions(required="province"),
    end("group"),
    *destination_questions(),
    q(
        "select_one sector",
        "sector",
        ("វិស័យការងារ", "Sector of work"),
        appearance="minimal",
    ),
    q("select_multiple theme", "themes", ("ប្រធានបទ", "Themes")),
    q("begin group", "naming", ("ឈ្មោះដែលបង្ហាញជាមួយរឿង", "Name shown with the story")),
    q(
        "select_one name_kind",
        "name_kind",
        ("ឈ្មោះអ្វីដែលត្រូវបង្ហាញ?", "Which name is shown?"),
        required=True,
        default="pseudonym",
    ),
    q(
        "text",
        "name_shown",
        ("ឈ្មោះ", "Name"),
        hint=(
            "ប្រើឈ្មោះពិតបាន លុះត្រាតែបុគ្គលនោះយល់ព្រមឱ្យបង្ហាញឈ្មោះពិត។",
            "The real name only with the person's consent to show it.",
        ),
        required=True,
        relevant="${name_kind} != 'none'",
        constraint="string-length(.) <= 100",
        message=("យ៉ាងច្រើន 100 តួអក្សរ។", "At most 100 characters."),
    ),
    end("group"),
    q(
        "begin repeat",
        "photos",
        ("រូបថត", "Photos"),
        hint=(
            "ទីតាំង និងព័ត៌មានកាមេរ៉ា ត្រូវលុបចេញពីរូបថតនីមួយៗ។",
            "Location and camera details are removed from every photo.",
        ),
    ),
    q("image", "photo", ("រូបថត", "Photo"), required=True, parameters=PHOTO_SIZE),
    q(
        "text",
        "photo_caption",
        ("ពាក្យពន្យល់រូបថត (មិនបំពេញក៏បាន)", "Caption (optional)"),
        constraint="string-length(.) <= 300",
        message=("យ៉ាងច្រើន 300 តួអក្សរ។", "At most 300 characters."),
    ),
    q(
        "select_one yes_no",
        "photo_face",
        ("តើរូបថតនេះបង្ហាញមុខមនុស្សទេ?", "Does this photo show someone's face?"),
        hint=(
            "មុខរបស់នរណាម្នាក់ អាចផ្សាយបាន លុះត្រាតែបុគ្គលនោះយល់ព្រម។",
            "A face is published only with that person's consent.",
        ),
        required=True,
    ),
    end("repeat"),
    q(
        "audio",
        "audio",
        ("ការថតសំឡេង (មិនថតក៏បាន)", "Sound recording (optional)"),
    ),
    q(
        "text",
        "audio_caption",
        ("ពាក្យពន្យល់សំឡេង (មិនបំពេញក៏បាន)", "About the recording (optional)"),
        relevant="${audio} != ''",
        constraint="string-length(.) <= 300",
        message=("យ៉ាងច្រើន 300 តួអក្សរ។", "At most 300 characters."),
    ),
    q(
        "begin group",
        "consent",
        ("ការយល់ព្រមរបស់បុគ្គលនោះ", "The person's consent"),
        hint=(
            "សួរបុគ្គលដែលរឿងនេះនិយាយអំពីគាត់។",
            "Ask the person the story is about.",
        ),
    ),
    q(
        "integer",
        "person",
        (
            "លេខរបស់គាត់ក្នុងបញ្ជីឈ្មោះ (បើអ្នកមើលបញ្ជីឈ្មោះបាន)",
            "Their registry number (if you can see the registry)",
        ),
        hint=(
            "បើអ្នកមិនដឹង ទុកឱ្យនៅទំនេរ ហើយប្រាប់លេខរឿងទៅអ្នកសម្របសម្រួលក្រុម ដើម្បីភ្ជាប់រឿងនេះទៅនឹងគាត់។",
            "If you do not know it, leave it empty and give the story's number to the "
            "facilitator, who links the story to them.",
        ),
        constraint=". >= 1",
        message=WHOLE_NUMBER,
    ),
    q(
        "select_one yes_no",
        "consent_story",
        ("តើគាត់យល់ព្រមឱ្យផ្សាយរឿងរបស់គាត់ទេ?", "Do they agree that their story is published?"),
        required=True,
    ),
    q(
        "select_one yes_no",
        "consent_face",
        (
            "តើគាត់យល់ព្រមឱ្យផ្សាយរូបថតដែលបង្ហាញមុខគាត់ទេ?",
            "Do they agree that photos showing their face are published?",
        ),
        required=True,
        # Only when a photo was taken: the photo list starts with one empty row.
        relevant="count(${photos}[string-length(photo) > 0]) > 0",
    ),
    q(
        "select_one yes_no",
        "consent_voice",
        ("តើគាត់យល់ព្រមឱ្យប្រើសំឡេងរបស់គាត់ទេ?", "Do they agree that their voice is used?"),
        required=True,
        relevant="${audio} != '' or ${kind} = 'audio_story' or ${kind} = 'video'",
    ),
    q(
        "select_one yes_no",
        "consent_real_name",
        ("តើគាត់យល់ព្រមឱ្យបង្ហាញឈ្មោះពិតរបស់គាត់ទេ?", "Do they agree that their real name is shown?"),
        required=True,
        relevant="${name_kind} = 'real'",
        constraint=". = 'yes'",
        message=(
            "បើគាត់មិនយល់ព្រម សូមជ្រើសឈ្មោះប្រឌិតវិញ។",
            "If they do not agree, choose a made-up name instead.",
        ),
    ),
    q(
        "select_one consent_method",
        "consent_method",
        ("តើគាត់បានយល់ព្រមដោយរបៀបណា?", "How did they answer?"),
        required=True,
    ),
    q(
        "text",
        "consent_witness",
        ("ឈ្មោះសាក្សី", "Witness's name"),
        hint=(
            "ការយល់ព្រមដោយផ្ទាល់មាត់ត្រូវមានសាក្សី។",
            "Verbal consent needs a witness.",
        ),
        required=True,
        relevant="${consent_method} = 'verbal'",
        constraint="string-length(.) <= 200",
        message=("យ៉ាងច្រើន 200 តួអក្សរ។", "At most 200 characters."),
    ),
    end("group"),
    q(
        "select_one yes_no",
        "send_now",
        ("ផ្ញើរឿងទៅអ្នកកែសម្រួលឥឡូវនេះ?", "Send the story to the editors now?"),
        hint=(
            "ជ្រើស ទេ ដើម្បីកែវានៅលើគេហទំព័រសិន។",
            "Choose No to change it on the website first.",
        ),
        required=True,
        relevant="${audio} = ''",
        default="yes",
    ),
]

STORY_CHOICES: list[Row] = [
    *choices(
        "story_kind",
        [
            ("testimony", "ការចែករំលែកបទពិសោធន៍របស់អ្នកដែលបានត្រឡប់មកវិញ", "Returnee testimony"),
            ("ambassador_talk", "ការចែករំលែករបស់ទូតសង្គម", "Social ambassador talk"),
            ("peer_report", "របាយការណ៍របស់អ្នកអប់រំមិត្តភក្តិ", "Peer educator report"),
            ("photo_story", "រឿងជារូបថត", "Photo story"),
            ("audio_story", "រឿងជាសំឡេង", "Audio story"),
        ],
    ),
    *choices(
        "sector",
        [
            ("construction", "សំណង់", "Construction"),
            ("agriculture", "កសិកម្ម", "Agriculture"),
            ("fishing", "នេសាទ", "Fishing"),
            ("factory", "រោងចក្រ", "Factory"),
            ("domestic_work", "ការងារមេផ្ទះ", "Domestic work"),
            ("entertainment", "កន្លែងកម្សាន្ត", "Entertainment"),
            ("other", "ផ្សេងទៀត", "Other"),
        ],
    ),
    *choices(
        "theme",
        [
            ("safe_migration", "ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព", "Safe migration"),
            ("recruitment", "មេខ្យល់ និងការជ្រើសរើសពលករ", "Brokers and recruitment"),
            ("debt", "បំណុល", "Debt"),
            ("wages", "មិនបានបើកប្រាក់ឈ្នួល", "Unpaid wages"),
            ("working_conditions", "លក្ខខណ្ឌការងារ", "Working conditions"),
            ("documents", "ឯកសារ និងលិខិតស្នាម", "Papers and documents"),
            ("return", "ការត្រឡប់មកផ្ទះវិញ", "Coming home"),
            ("family", "គ្រួសារ", "Family"),
            ("getting_help", "ការស្វែងរកជំនួយ", "Getting help"),
        ],
    ),
    *choices(
        "name_kind",
        [
            ("pseudonym", "ឈ្មោះប្រឌិត", "A made-up name"),
            ("real", "ឈ្មោះពិត", "The real name"),
            ("none", "មិនបង្ហាញឈ្មោះទេ", "No name"),
        ],
    ),
    *CONSENT_METHOD,
    *YES_NO,
]

# --------------------------------------------------------------------------- tip

TIP_SURVEY: list[Row] = [
    q(
        "text",
        "text",
        ("តើមានរឿងអ្វីកើតឡើង?", "What happened?"),
        hint=(
            "តើនរណាកំពុងមានបញ្ហា នៅឯណា តាំងពីពេលណា ហើយអ្នកបានឃើញ ឬឮអ្វីខ្លះ។",
            "Who is in trouble, where, since when, and what you saw or heard.",
        ),
        required=True,
        appearance="multiline",
        constraint="string-length(.) <= 5000",
        message=("យ៉ាងច្រើន 5000 តួអក្សរ។", "At most 5000 characters."),
    ),
    q(
        "select_one where",
        "where",
        ("តើរឿងនេះកំពុងកើតឡើងនៅឯណា?", "Where is this happening?"),
        required=True,
    ),
    q("begin group", "in_cambodia", ("នៅកម្ពុជា", "In Cambodia"), relevant="${where} = 'kh'"),
    *place_questions(required=""),
    end("group"),
    q(
        f"select_one_from_file {PLACES_FILE}",
        "country",
        ("ប្រទេស", "Country"),
        hint=("បើមិនមាននៅក្នុងបញ្ជី សូមសរសេរវាខាងក្រោម។", "If it is not in the list, write it below."),
        relevant="${where} = 'abroad'",
        choice_filter=ABROAD,
        appearance="autocomplete",
    ),
    q(
        "text",
        "place_note",
        ("ភូមិ ទីប្រជុំជន ឬទីក្រុង", "Village, town or city"),
        hint=(
            "ឧទាហរណ៍ ឈ្មោះភូមិ ឬឈ្មោះទីក្រុង និងកន្លែងធ្វើការនៅបរទេស។",
            "For example the village, or the city and the workplace abroad.",
        ),
        constraint="string-length(.) <= 200",
        message=("យ៉ាងច្រើន 200 តួអក្សរ។", "At most 200 characters."),
    ),
    q(
        "text",
        "contact",
        ("តើអាចទាក់ទងអ្នកដែលប្រាប់រឿងនេះតាមរបៀបណា?", "How to reach the person who told you"),
        hint=(
            "លុះត្រាតែគាត់យល់ព្រម។ លេខទូរស័ព្ទ Telegram ឬមធ្យោបាយផ្សេងទៀត។",
            "Only if they agree. A phone number, Telegram or another way.",
        ),
        constraint="string-length(.) <= 200",
        message=("យ៉ាងច្រើន 200 តួអក្សរ។", "At most 200 characters."),
    ),
    q(
        "select_one heard_from",
        "heard_from",
        ("តើអ្នកបានដឹងរឿងនេះតាមរយៈអ្វី?", "How did you hear about it?"),
        required=True,
    ),
]

TIP_CHOICES: list[Row] = [
    *choices(
        "where",
        [
            ("kh", "នៅកម្ពុជា", "In Cambodia"),
            ("abroad", "នៅប្រទេសផ្សេង", "In another country"),
            ("unknown", "ខ្ញុំមិនដឹងទេ", "I do not know"),
        ],
    ),
    *choices(
        "heard_from",
        [
            (
                "shg",
                "នៅក្រុមជួយខ្លួនឯង ឬពីសមាជិកក្រុម",
                "At a self-help group, or from a member",
            ),
            (
                "other",
                "តាមរបៀបផ្សេង (អ្នកជិតខាង គ្រួសារ ការហៅទូរស័ព្ទ …)",
                "Another way (a neighbour, family, a phone call …)",
            ),
        ],
    ),
]

# --------------------------------------------------------------------------- the forms

FORMS: dict[str, tuple[str, list[Row], list[Row]]] = {
    "event": ("សកម្មភាពផ្សព្វផ្សាយ · Outreach event", EVENT_SURVEY, EVENT_CHOICES),
    "story": ("រឿង ឬការចែករំលែកបទពិសោធន៍ · Story or testimony", STORY_SURVEY, STORY_CHOICES),
    "tip": ("រាយការណ៍ពីការព្រួយបារម្ភ · Report a concern", TIP_SURVEY, TIP_CHOICES),
}


def optional_repeat_rows(rows: Sequence[Row]) -> list[Row]:
    """Rows of repeats that may be left empty.

    The phone starts every repeat with one row. A row whose questions are required
    would then force an answer (a photo, a registered person) even when there is none,
    and a villager does not know how to delete a row. So the first question of each
    repeat is never required, and the repeat's other required questions are required
    only once that first one is answered; the server skips rows left empty."""
    out: list[Row] = []
    keys: list[str | None] = []
    for row in rows:
        kind = row.get("type", "")
        if kind == "begin repeat":
            keys.append(None)
            out.append(row)
            continue
        if kind == "end repeat":
            keys.pop()
            out.append(row)
            continue
        if not keys or kind.startswith(("begin ", "end ")) or kind in {"note", "calculate"}:
            out.append(row)
            continue
        changed = dict(row)
        if keys[-1] is None:
            keys[-1] = row["name"]
            for column in ("required", f"required_message::{KM}", f"required_message::{EN}"):
                changed.pop(column, None)
        elif row.get("required") == "yes":
            changed["required"] = f"${{{keys[-1]}}} != ''"
        out.append(changed)
    return out


def workbook_bytes(builtin: str) -> bytes:
    """The XLSForm of a built-in form, as .xlsx bytes (the same bytes each time)."""
    import io

    title, survey_rows, choice_rows = FORMS[builtin]
    book = openpyxl.Workbook()
    # Fixed dates: the same tables give the same file.
    fixed = dt.datetime(2026, 11, 25, 0, 0, 0)  # noqa: DTZ001  (a file property, no zone)
    book.properties.created = fixed
    book.properties.modified = fixed
    book.properties.creator = "Migra"
    survey = book.active
    assert survey is not None  # noqa: S101  (a new workbook has a sheet)
    survey.title = "survey"
    survey.append(COLUMNS)
    for row in optional_repeat_rows(survey_rows):
        survey.append([row.get(column, "") or None for column in COLUMNS])
    sheet = book.create_sheet("choices")
    sheet.append(CHOICE_COLUMNS)
    for row in choice_rows:
        sheet.append([row.get(column, "") for column in CHOICE_COLUMNS])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([title, f"migra_{builtin}", VERSION, KM])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main(argv: Sequence[str] = ()) -> None:
    target = Path(argv[0]) if argv else FORMS_DIR
    for builtin in FORMS:
        path = target / f"{builtin}.xlsx"
        path.write_bytes(workbook_bytes(builtin))
        sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
