"""migra.lib.khmer.segment: Khmer words found by ICU's dictionary, offsets kept right."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migra.lib.khmer.normalize import normalize
from migra.lib.khmer.segment import (
    ICU_VERSION,
    PYICU_VERSION,
    Span,
    segment,
    segment_keys,
    segment_spans,
    word_boundaries,
)
from migra.lib.khmer.tests.test_normalize import PROPERTIES, any_text

MARKS = {chr(c) for c in (*range(0x17B6, 0x17D4), 0x17DD)}  # never start a word or a cut


def test_icu_and_pyicu_versions_are_reported() -> None:
    assert ICU_VERSION.split(".")[0].isdigit()
    assert PYICU_VERSION.split(".")[0].isdigit()


def test_trafficking_is_found_inside_the_compound() -> None:
    assert segment("ការជួញដូរមនុស្ស") == ["ការ", "ជួញដូរ", "មនុស្ស"]


def test_a_sentence_without_spaces_is_cut_into_its_words() -> None:
    words = segment("ខ្ញុំទៅធ្វើការនៅប្រទេសថៃ")
    assert "".join(words) == "ខ្ញុំទៅធ្វើការនៅប្រទេសថៃ"
    assert {"ខ្ញុំ", "ទៅ", "នៅ", "ប្រទេស", "ថៃ"} <= set(words)


@pytest.mark.parametrize("name", ["ចាន់ធា", "ស្រីពៅ", "សុខ", "វណ្ណា"])
def test_names_are_cut_only_between_syllables(name: str) -> None:
    # ICU's dictionary may cut a given name into syllables (ចាន់ ធា): the pieces always
    # join back into the name, and no piece starts inside a cluster.
    words = segment(name)
    assert "".join(words) == name
    assert all(word[0] not in MARKS for word in words)


def test_numbers_and_latin_words_pass_through() -> None:
    assert segment("ខ្ញុំមាន 3 នាក់ and ២០២៤") == ["ខ្ញុំ", "មាន", "3", "នាក់", "and", "២០២៤"]
    assert segment("ABC-123, 3.5 ១,០០០ x@y.org") == ["ABC", "123", "3.5", "១,០០០", "x@y.org"]


def test_digits_written_against_khmer_letters_are_a_word_of_their_own() -> None:
    assert segment("ឆ្នាំ២០២៤ មាន ៣៥ករណី") == ["ឆ្នាំ", "២០២៤", "មាន", "៣៥", "ករណី"]


def test_search_keys_fold_case_and_digits() -> None:
    assert segment_keys("Sok និង CHANTHA ឆ្នាំ២០២៤") == ["sok", "និង", "chantha", "ឆ្នាំ", "2024"]
    assert segment_keys("២០២៤") == segment_keys("2024") == ["2024"]


def test_punctuation_symbols_and_the_repetition_sign_are_not_words() -> None:
    assert segment("«សួស្តី»៖ ពួកគេ។ ក្មេងៗ៕") == ["សួស្តី", "ពួកគេ", "ក្មេង"]
    assert segment("។ ៕ ៖ « » ! ? ... ៛ ៗ") == []
    assert segment("") == []
    assert segment("   \n\t ") == []


def test_text_is_normalised_first() -> None:
    typed = "ការ\u200bជួញដូរ ខែ្មរ"
    assert segment(typed) == ["ការ", "ជួញដូរ", "ខ្មែរ"]
    assert segment(typed) == segment(normalize(typed))


def test_emoji_are_skipped_and_offsets_stay_right_after_them() -> None:
    text = "😀👍🏽 ខ្ញុំ😀ស្រឡាញ់ you 🇰🇭"
    spans = segment_spans(text)
    assert [span.word for span in spans] == ["ខ្ញុំ", "ស្រឡាញ់", "you"]
    # Characters outside the BMP are two UTF-16 units for ICU, one index for Python.
    for span in spans:
        assert text[span.start : span.end] == span.word


def test_spans_point_into_the_original_text() -> None:
    text = "  ការ\u200bជួញដូរ  ខែ្មរ\u00a0Sok "
    spans = segment_spans(text)
    assert spans == [
        Span(2, 5, "ការ"),
        Span(6, 12, "ជួញដូរ"),
        Span(14, 19, "ខ្មែរ"),
        Span(20, 23, "Sok"),
    ]
    # The misordered cluster is highlighted as it was typed.
    assert text[14:19] == "ខែ្មរ"


def test_word_boundaries_are_safe_places_to_cut() -> None:
    assert word_boundaries("ការជួញដូរមនុស្ស") == [0, 3, 9, 15]
    text = "ខ្ញុំ😀ស្រឡាញ់👍🏽 you"
    cuts = word_boundaries(text)
    assert cuts[0] == 0 and cuts[-1] == len(text)
    assert {5, 6, 13, 15, 16} <= set(cuts)
    for cut in cuts[1:-1]:
        assert text[cut] not in MARKS  # never inside a cluster
        assert not "\udc00" <= text[cut] <= "\udfff"


def test_unpaired_surrogates_do_not_break_segmentation() -> None:
    text = "\ud800ខ្ញុំ\udfffទៅ\ud83d"
    assert segment(text) == ["ខ្ញុំ", "ទៅ"]
    assert [text[s.start : s.end] for s in segment_spans(text)] == ["ខ្ញុំ", "ទៅ"]


def test_one_megabyte_of_text_is_segmented() -> None:
    sentence = "ការជួញដូរមនុស្ស "
    repeats = 1_000_000 // len(sentence)
    text = sentence * repeats
    assert len(segment(text)) == 3 * repeats
    spans = segment_spans(text)
    assert len(spans) == 3 * repeats
    assert spans[-1] == Span(len(text) - 7, len(text) - 1, "មនុស្ស")


def test_one_megabyte_of_junk_is_segmented_without_error() -> None:
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0x1780, 0x17FA)] + list("a1 ។\u200b😀\ud800")
    text = "".join(rng.choice(alphabet) for _ in range(1_000_000))
    words = segment(text)
    assert words and all(word and word[0].isalnum() for word in words)


def test_each_thread_gets_the_same_answer() -> None:
    texts = [f"ក្រុមទី{n} ប្រជុំនៅភូមិ ការជួញដូរមនុស្ស {n}" for n in range(200)]
    expected = [segment(text) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(segment, texts)) == expected


@settings(PROPERTIES, max_examples=300)
@given(any_text)
def test_spans_and_words_agree_on_any_text(text: str) -> None:
    words = segment(text)
    spans = segment_spans(text)
    assert [span.word for span in spans] == words
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.word[0].isalnum()
    # In order; two words cut from one reordered cluster may share its span.
    assert [span.start for span in spans] == sorted(span.start for span in spans)
    assert [span.end for span in spans] == sorted(span.end for span in spans)
    cuts = word_boundaries(text)
    assert cuts == sorted(set(cuts))
    assert cuts[0] == 0 and cuts[-1] == len(text)


@settings(PROPERTIES, max_examples=100)
@given(st.lists(st.sampled_from(["ការ", "ជួញដូរ", "មនុស្ស", "ខ្ញុំ", "ទៅ", "ថៃ"]), max_size=12))
def test_known_words_typed_without_spaces_come_back(words: list[str]) -> None:
    assert "".join(segment("".join(words))) == "".join(words)
