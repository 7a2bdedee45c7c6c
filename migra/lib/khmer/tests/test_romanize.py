"""Khmer personal names → popular Latin spellings, and phonetic name keys.

Pure Python: no database, no network.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from migra.lib.khmer.names import KINDS, TABLE_RESOURCE, NameEntry, name_entries, name_table
from migra.lib.khmer.normalize import normalize
from migra.lib.khmer.romanize import (
    MAX_CHARS,
    fold_latin,
    name_keys,
    romanize,
    romanize_variants,
)

NAME_WORD = re.compile(r"[A-Z][a-z]*")


def meet(a: str, b: str) -> bool:
    return bool(name_keys(a) & name_keys(b))


# --------------------------------------------------------------------------- romanize

# The spellings Cambodians use in passports and NGO lists (issue 3 and its brief).
EXAMPLES = [
    ("សុខ", "Sok"),
    ("ចាន់ធា", "Chantha"),
    ("ស្រីពៅ", "Sreypov"),
    ("សុភា", "Sophea"),
    ("ចាន់", "Chan"),
    ("វណ្ណា", "Vanna"),
    ("ដារ៉ា", "Dara"),
    ("សុផល", "Sophal"),
    ("វិចិត្រ", "Vichet"),
    ("ពិសិដ្ឋ", "Piseth"),
    ("សំណាង", "Samnang"),
    ("ហេង", "Heng"),
    ("លី", "Ly"),
    ("កែវ", "Keo"),
    ("ម៉ៅ", "Mao"),
    ("ញឹម", "Nhem"),
    ("ឈឹម", "Chhim"),
    ("សំ", "Sam"),
    ("ស្រីនិច", "Sreynich"),
    ("សុខា", "Sokha"),
    ("រតនា", "Ratana"),
    ("បុប្ផា", "Bopha"),
    ("ធារី", "Theary"),
    ("ចន្ធូ", "Chanthou"),
    ("ស្រីល័ក្ខ", "Sreyleak"),
    ("ពេជ្រ", "Pich"),
    ("ខៀវ", "Khiev"),
    ("ហ៊ុន", "Hun"),
    ("ស៊ុន", "Sun"),
    ("យឹម", "Yim"),
    ("ទេព", "Tep"),
    ("មាស", "Meas"),
    ("នួន", "Nuon"),
    ("ប៉ែន", "Pen"),
    ("អ៊ុំ", "Um"),
    ("ឡាយ", "Lay"),
    ("ណា", "Na"),
    ("ម៉ាលី", "Maly"),
    ("រស្មី", "Raksmey"),
    ("ធីតា", "Thida"),
    ("ពិសី", "Pisey"),
    ("ចិន្តា", "Chenda"),
]


@pytest.mark.parametrize(("khmer", "latin"), EXAMPLES)
def test_romanize_gives_the_popular_spelling(khmer: str, latin: str) -> None:
    assert romanize(khmer) == latin


@pytest.mark.parametrize(
    ("khmer", "expected"),
    [
        ("ចាន់ធា", ["Chantha", "Chanta", "Chanthea"]),
        ("សុភា", ["Sophea", "Sophia"]),
        ("ស្រីពៅ", ["Sreypov", "Srey Pov", "Sreypeou"]),
        ("វិចិត្រ", ["Vichet", "Vicheth", "Vichith"]),
        ("រតនា", ["Ratana", "Rathana"]),
    ],
)
def test_variants_list_the_common_spellings_most_common_first(
    khmer: str, expected: list[str]
) -> None:
    variants = romanize_variants(khmer)
    assert variants[0] == expected[0]
    assert variants[: len(expected)] == expected


def test_a_name_of_several_words_is_romanised_word_by_word() -> None:
    assert romanize("សុខ ចាន់ធា") == "Sok Chantha"
    assert romanize("ហេង  ស្រីពៅ") == "Heng Sreypov"
    variants = romanize_variants("សុខ ចាន់ធា")
    assert variants[0] == "Sok Chantha"
    assert "Sok Chanta" in variants


def test_a_name_made_of_table_syllables_is_composed() -> None:
    # not whole names in the table: built from its syllables (and the rules between)
    assert "ស្រីមុំពៅ" not in name_table()
    assert romanize("ស្រីមុំពៅ") == "Sreymompov"
    assert romanize("សុខលី") == "Sokly"
    assert romanize("ចាន់ណារិទ្ធ") == "Channarith"


# Names that are not in the table: the rule-based fallback spells them.
FALLBACK = [
    ("គង្គា", "Kongkea"),
    ("សុគុណ", "Sokun"),
    ("ដាវុធ", "Davuth"),
    ("ធារិកា", "Tharika"),
    ("ចន្ធី", "Chanthy"),
    ("សុភ័ក្ត្រា", "Sopheaktra"),
    ("ខឿន", "Khoeun"),
    ("ប៊ុនធី", "Bunthy"),
    ("ពុទ្ធិ", "Puth"),
    ("មនោរម្យ", "Manorom"),
    ("ឈុនលី", "Chhunly"),
    ("ធីតាវី", "Thidavy"),
    ("សំអុល", "Samol"),
    ("អម្រឹត", "Amrit"),
    ("ម៉ុងឃុន", "Mongkhun"),
]


@pytest.mark.parametrize(("khmer", "latin"), FALLBACK)
def test_the_fallback_spells_names_missing_from_the_table(khmer: str, latin: str) -> None:
    assert khmer not in name_table()
    assert romanize(khmer) == latin


@pytest.mark.parametrize(
    "khmer",
    ["ភ្នំពេញ", "អង្គរវត្ត", "ព្រះរាជាណាចក្រកម្ពុជា", "ស្រស់", "ឯកឧត្តម", "ក្រសាំង", "ញ៉ុំ", "ស្ត្រី"],
)
def test_the_fallback_gives_a_plausible_capitalised_ascii_word(khmer: str) -> None:
    assert khmer not in name_table()
    latin = romanize(khmer)
    assert NAME_WORD.fullmatch(latin), latin
    assert 2 <= len(latin) <= 4 * len(khmer)
    assert latin.lower()[0] in "abcdefghijklmnopqrstuvwxyz"


def test_latin_input_passes_through_capitalised() -> None:
    assert romanize("sok  CHANTHA") == "Sok Chantha"
    assert romanize("Ðặng Thị Lựu") == "Dang Thi Luu"
    assert romanize_variants("Sreypov") == ["Sreypov"]


def test_mixed_script_word() -> None:
    assert romanize("Sok ចាន់ធា") == "Sok Chantha"
    assert romanize("Sokចាន់ធា") == "Sokchantha"


# --------------------------------------------------------------------------- name keys


def test_keys_of_the_issue() -> None:
    assert meet("ចាន់ធា", "Chanta")
    assert meet("Chantha", "Chanthea")
    assert meet("សុខ", "Sok")
    assert not meet("Sok", "Chantha")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Srey Pov", "Sreypov"),
        ("Srey Pov", "ស្រីពៅ"),
        ("Sreypov", "ស្រីពៅ"),
        ("Sreypeou", "Srey Pov"),
        ("Sophea", "Sophia"),
        ("Sophea", "Sopheah"),
        ("Vichet", "Vicheth"),
        ("សុខ ចាន់ធា", "Sok Chanta"),
        ("សុខ ចាន់ធា", "Chanta"),
        ("Chan Heng", "Chanheng"),
        ("Kanha", "Kagna"),
        ("Kanya", "កញ្ញា"),
        ("Nuon", "Noun"),
        ("ខៀវ", "Khieu"),
        ("Khiev", "Khiew"),
        ("Keo", "Kaev"),
        ("Chhorn", "Chhon"),
        ("Cheurn", "Choeun"),
        ("Sokhar", "Sokha"),
        ("Vutthy", "វុទ្ធី"),
        ("Nyem", "ញឹម"),
        ("SOK", "sok"),
        ("Tep", "Teb"),
        ("Sâmnang", "Samnang"),
    ],
)
def test_spellings_of_one_name_meet(a: str, b: str) -> None:
    assert meet(a, b)


# Each row: two different names. Their keys must not meet.
DIFFERENT = [
    ("Sok", "Chantha"),
    ("សុខ", "ចាន់"),
    ("Sok", "Sokha"),
    ("Chan", "Chea"),
    ("Dara", "Dalin"),
    ("Heng", "Hun"),
    ("Ly", "Lay"),
    ("Keo", "Kim"),
    ("Mao", "Meas"),
    ("Nhem", "Nuon"),
    ("Chhim", "Chhay"),
    ("Sophea", "Sophal"),
    ("Vichet", "Vanna"),
    ("Piseth", "Pisey"),
    ("Samnang", "Sambath"),
    ("Bopha", "Sophea"),
    ("Theary", "Thida"),
    ("Chanthou", "Chantha"),
    ("Sreypov", "Sreyleak"),
    ("Sreynich", "Sreymom"),
    ("Ratana", "Ratanak"),
    ("Chenda", "Chantha"),
    ("Sovann", "Sophal"),
    ("Pich", "Pov"),
    ("Tep", "Teav"),
    ("Khiev", "Keo"),
    ("Um", "Ouk"),
    ("Hun", "Sun"),
    ("Prak", "Pich"),
    ("Sokha", "Sokhom"),
    ("Sopheap", "Sophea"),
    ("Dara", "Davy"),
    ("Vanna", "Vann"),
    ("Chantrea", "Chantha"),
    ("Leakhena", "Lina"),
    ("Kanha", "Kosal"),
    ("Heng", "Hong"),
    ("Seng", "Sen"),
    ("ស្រីពៅ", "ស្រីល័ក្ខ"),
    ("សុភា", "សុភាព"),
    ("ចាន់ធា", "ចិន្តា"),
    ("វណ្ណា", "វណ្ណ"),
    ("ហេង", "ហុង"),
    ("ដារ៉ា", "Dalin"),
    ("មាស", "Mao"),
    ("ចាន់ធា", "Sok"),
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_do_not_meet(a: str, b: str) -> None:
    assert not meet(a, b), name_keys(a) & name_keys(b)


def test_there_are_enough_different_pairs() -> None:
    assert len(DIFFERENT) >= 30


def test_keys_per_word_and_for_the_whole_name() -> None:
    keys = name_keys("Srey Pov")
    assert fold_latin("Srey") in keys
    assert fold_latin("Pov") in keys
    assert fold_latin("Sreypov") in keys


def test_fold_latin() -> None:
    assert fold_latin("Chantha") == fold_latin("Chanta") == fold_latin("Chanthea")
    assert fold_latin("Sok") == fold_latin("SOKH")
    assert fold_latin("Sorn") == fold_latin("Son")
    assert fold_latin("Pov") == fold_latin("Pou") == fold_latin("Peou")
    assert fold_latin("Srey") == fold_latin("Srei") == fold_latin("Sray")
    assert fold_latin("Heng") != fold_latin("Eng")  # a word-initial h is a consonant
    assert fold_latin("") == fold_latin("123") == fold_latin("!?") == ""


# --------------------------------------------------------------------------- the table


def test_the_table_is_large_and_well_formed() -> None:
    entries = name_entries()
    assert len(entries) >= 500
    assert len(name_table()) == len(entries)  # no Khmer spelling listed twice
    for entry in entries:
        assert entry.kind in KINDS
        assert entry.sources
        assert entry.khmer and all("\u1780" <= ch <= "\u17ff" for ch in entry.khmer), entry
        for spelling in entry.spellings:
            assert spelling.isascii()
            assert all(NAME_WORD.fullmatch(word) for word in spelling.split(" ")), spelling
    kinds = {entry.kind for entry in entries}
    assert kinds == set(KINDS)


def test_the_table_file_is_written_in_normal_form() -> None:
    raw = resources.files("migra.lib.khmer").joinpath(TABLE_RESOURCE).read_text(encoding="utf-8")
    rows = [line for line in raw.splitlines() if line and not line.startswith("#")]
    assert rows[0] == "khmer\tspellings\tkind\tsource"
    for row in rows[1:]:
        khmer = row.split("\t")[0]
        assert normalize(khmer) == khmer, row


ROUND_TRIP = [entry for entry in name_entries() if entry.kind in ("family", "given")]


def test_there_are_enough_round_trip_names() -> None:
    assert len(ROUND_TRIP) >= 60


@pytest.mark.parametrize("entry", ROUND_TRIP, ids=lambda entry: entry.spellings[0])
def test_every_listed_spelling_meets_the_khmer_name(entry: NameEntry) -> None:
    khmer_keys = name_keys(entry.khmer)
    assert romanize(entry.khmer) == entry.spellings[0]
    for spelling in entry.spellings:
        assert khmer_keys & name_keys(spelling), (entry.khmer, spelling)


# --------------------------------------------------------------------------- bad input

HOSTILE = [
    "",
    " ",
    "\t\n  \u3000",
    "😀",
    "👩‍👩‍👧 🇰🇭",
    "123",
    "០១២៣",
    "Sok",
    "\ud800",
    "Sok\udc00Chan",
    "សុ\u200bខ",
    "ចាន់\u200cធា",
    "ស្រី\u200dពៅ",
    "\ufeffសុខ",
    "\u17d2\u17d2\u17d2",
    "ាំុ",  # dependent vowels without a consonant
    "៉៊់៍",
    "។៕ៗ",
    "ก้องเกียรติ",
    "王小明",
    "Пётр",
    "a\x00b",
    "ស" * 1000,
    "x" * 1_000_000,
    "ចាន់ធា " * 200_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_answered_in_ascii(text: str) -> None:
    spelling = romanize(text)
    variants = romanize_variants(text)
    keys = name_keys(text)
    assert spelling.isascii()
    assert all(v.isascii() for v in variants)
    assert all(k.isascii() and k for k in keys)
    assert spelling == (variants[0] if variants else "")


def test_zero_width_characters_inside_a_name_are_ignored() -> None:
    assert romanize("សុ\u200bខ") == "Sok"
    assert romanize("ចាន់\u200cធា") == "Chantha"
    assert name_keys("ស្រី\u200dពៅ") == name_keys("ស្រីពៅ")


def test_nothing_to_spell_gives_nothing() -> None:
    for text in ("", "   ", "😀", "។", "\ud800", "王小明"):
        assert romanize(text) == ""
        assert romanize_variants(text) == []
        assert name_keys(text) == set()


def test_only_the_first_characters_matter() -> None:
    name = "សុខ " * 10
    assert name_keys(name + "ចាន់ធា" * 100_000) == name_keys((name + "ចាន់ធា" * 100_000)[:MAX_CHARS])
    assert len(romanize("ស" * 1_000_000)) <= 4 * MAX_CHARS


def test_output_is_ascii_for_every_table_entry() -> None:
    for entry in name_entries():
        assert romanize(entry.khmer).isascii()
        assert all(key.isascii() for key in name_keys(entry.khmer))


def test_non_str_input_is_refused_gently() -> None:
    assert romanize(None) == ""  # type: ignore[arg-type]
    assert name_keys(b"Sok") == set()  # type: ignore[arg-type]
