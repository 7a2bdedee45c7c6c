"""Khmer word segmentation throughput: migra.lib.khmer.segment on realistic text.

    .venv/bin/python bench/bench_segment.py          # standalone (needs no database)
    .venv/bin/python bench/run.py segment            # through the harness

Builds its own corpus: documents made of real Khmer sentences from the programme's
domain (migration, trafficking, self-help groups, referrals), with the mix of Latin
words, Arabic and Khmer digits, punctuation and paragraph breaks that stories and case
notes have. One document in ten was typed with zero-width spaces between words and one
sentence in fifty with a misordered cluster, as Khmer keyboards leave them, so that
normalisation does real work. Sizes: a query-sized text, a case note, a long story,
and a 1 MB paste.

Counts word tokens (what segment() returns: no spaces or punctuation) per second of
wall time, over several runs of the whole batch; reports the median run and the
slowest run. Also times the two halves, normalize() and ICU's BreakIterator alone,
to show where the time goes. Prints a Markdown table on stdout; progress on stderr.
Measures only: asserts nothing about speed.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from migra.lib.khmer.normalize import normalize  # noqa: E402 - after sys.path
from migra.lib.khmer.segment import (  # noqa: E402
    ICU_VERSION,
    PYICU_VERSION,
    _boundaries,
    segment,
)

RUNS = int(os.environ.get("BENCH_SEGMENT_RUNS", "7"))
SEED = 20261124

SENTENCES = """\
ខ្ញុំទៅធ្វើការនៅប្រទេសថៃ។
ការជួញដូរមនុស្សគឺជាបទឧក្រិដ្ឋធ្ងន់ធ្ងរ។
ក្រុមជួយខ្លួនឯងបានប្រជុំនៅភូមិរបស់យើងកាលពីសប្តាហ៍មុន។
គាត់បានចាកចេញពីស្រុកកំណើតដើម្បីរកការងារធ្វើ។
មេខ្យល់បានសន្យាថានឹងផ្តល់ការងារដែលមានប្រាក់ខែខ្ពស់។
នៅពេលមកដល់ ពួកគេត្រូវបានរឹបអូសលិខិតឆ្លងដែន។
ស្ត្រីនិងកុមារងាយរងគ្រោះដោយការកេងប្រវ័ញ្ចពលកម្ម។
សូមទាក់ទងមន្ត្រីសង្គមកិច្ចប្រសិនបើអ្នកត្រូវការជំនួយ។
អ្នកធ្វើចំណាកស្រុកត្រូវមានកិច្ចសន្យាការងារច្បាស់លាស់។
ប៉ូលិសបានជួយសង្គ្រោះជនរងគ្រោះចំនួន ១២ នាក់។
ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាពចាប់ផ្តើមពីការស្វែងយល់ព័ត៌មាន។
ខេត្តបន្ទាយមានជ័យនៅជាប់ព្រំដែនថៃ។
ឪពុកម្តាយរបស់នាងមិនដឹងថានាងនៅឯណាទេ។
យើងនឹងបញ្ជូនករណីនេះទៅគណៈកម្មាធិការជាតិប្រយុទ្ធប្រឆាំងការជួញដូរមនុស្ស។
គាត់ធ្វើការនៅលើទូកនេសាទអស់រយៈពេលពីរឆ្នាំ ដោយគ្មានប្រាក់ឈ្នួល។
បំណុលរបស់គ្រួសារបានជំរុញឱ្យពួកគេចាកចេញ។
សិក្ខាសាលានេះមានអ្នកចូលរួមចំនួន 45 នាក់ មកពីឃុំចំនួនប្រាំ។
កុំជឿលើការសន្យាដែលល្អពេកមិនគួរឱ្យជឿ។
ស្រីពៅ និង ចាន់ធា បានចែករំលែកបទពិសោធន៍របស់ពួកគេ។
អង្គការដៃគូផ្តល់សេវាប្រឹក្សាផ្លូវច្បាប់ដោយឥតគិតថ្លៃ។
ឆ្នាំ២០២៤ មានករណីថ្មីចំនួន ៣៥ ត្រូវបានកត់ត្រា។
Sok បានត្រឡប់មកផ្ទះវិញពីទីក្រុងបាងកក។
ព័ត៌មានផ្ទាល់ខ្លួនរបស់ជនរងគ្រោះត្រូវរក្សាជាការសម្ងាត់។
ក្មេងៗជាច្រើនបានឈប់រៀនដើម្បីជួយឪពុកម្តាយ។
តើអ្នកមានលិខិតអនុញ្ញាតធ្វើការដែរឬទេ?
យុវជនបានថតរូប និងវីដេអូ ដើម្បីប្រាប់រឿងរ៉ាវរបស់ពួកគេ។
ការងារសំណង់នៅម៉ាឡេស៊ីមានហានិភ័យខ្ពស់។
មន្ត្រីការងារខេត្តបានចុះពិនិត្យភ្នាក់ងារជ្រើសរើសពលករ។
នាងត្រូវបានគេបញ្ឆោតឱ្យរៀបការនៅប្រទេសចិន។
សមាជិកក្រុមបានកត់ត្រាអ្នកដែលចាកចេញពីភូមិក្នុងខែនេះ។
ឯកសារនេះអាចទាញយកបានពីគេហទំព័ររបស់កម្មវិធី។
យើងបានរៀបចំវេទិកាសហគមន៍ស្តីពីការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព។
ទូតសង្គមបានរៀបរាប់ពីបទពិសោធន៍ផ្ទាល់ខ្លួននៅសាលារៀន។
ក្រុមហ៊ុនបានកាត់ប្រាក់ខែរបស់កម្មករដើម្បីសងថ្លៃធ្វើដំណើរ។
ការបញ្ជូនករណីឆ្លងដែនត្រូវការការយល់ព្រមពីជនរងគ្រោះ។
Chantha works in Bangkok and sends money home every month.
The self-help group in Kampong Thom met on 12 March with 18 members.
Beyond what was told: stories of returned migrants.
គាត់បានទូរស័ព្ទទៅលេខ 1288 ដើម្បីសុំជំនួយ។
អ្នកស្រី Dara បានផ្តល់ប្រឹក្សាដល់គ្រួសារចំនួន ២០ គ្រួសារ។
ថ្ងៃទី ២៤ ខែវិច្ឆិកា ឆ្នាំ ២០២៦ ក្រុមការងារបានជួបជាមួយអាជ្ញាធរឃុំ។
""".splitlines()

ZWSP = "\u200b"


def _misordered(sentence: str) -> str:
    """Type the first vowel of the sentence before its subscript, as in ខែ្មរ."""
    for i in range(len(sentence) - 2):
        if sentence[i] == "\u17d2" and "\u17b6" <= sentence[i + 2] <= "\u17c5":
            return sentence[:i] + sentence[i + 2] + sentence[i : i + 2] + sentence[i + 3 :]
    return sentence


def build_documents(rng: random.Random, count: int, sentences_each: int) -> list[str]:
    documents = []
    for _ in range(count):
        parts = []
        zwsp = rng.random() < 0.1
        for n in range(sentences_each):
            sentence = rng.choice(SENTENCES)
            if rng.random() < 0.02:
                sentence = _misordered(sentence)
            if zwsp:
                sentence = sentence.replace("ការ", ZWSP + "ការ" + ZWSP)
            parts.append(sentence)
            if n % 8 == 7:
                parts.append("\n\n")  # a paragraph break
            else:
                parts.append(" ")
        documents.append("".join(parts).strip())
    return documents


def measure(function: Callable[[str], object], documents: list[str]) -> list[float]:
    for document in documents[:5]:  # warm up
        function(document)
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for document in documents:
            function(document)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    rng = random.Random(SEED)
    sizes = [
        ("query-sized text (1 sentence)", 20_000, 1),
        ("case note (10 sentences)", 2_000, 10),
        ("long story (300 sentences)", 60, 300),
        ("1 MB paste", 1, 0),
    ]
    rows = [
        "| measurement | size | median (tokens/s) | slowest run (tokens/s) | median (ms) |",
        "|---|---|---|---|---|",
    ]
    for label, count, sentences_each in sizes:
        if sentences_each:
            documents = build_documents(rng, count, sentences_each)
        else:
            one = build_documents(rng, 1, 22_000)[0]
            documents = [one[:1_000_000]]
        tokens = sum(len(segment(document)) for document in documents)
        characters = sum(len(document) for document in documents)
        print(f"{label}: {len(documents)} texts, {tokens:,} tokens", file=sys.stderr)
        size = f"{len(documents):,} × {characters // len(documents):,} chars, {tokens:,} tokens"
        for what, function in (
            ("segment()", segment),
            ("normalize() only", normalize),
            ("ICU boundaries only (no normalize, no word filter)", _boundaries),
        ):
            seconds = measure(function, documents)
            median = statistics.median(seconds)
            rows.append(
                f"| {what}, {label} | {size} | {tokens / median:,.0f} | "
                f"{tokens / max(seconds):,.0f} | {median * 1000:,.1f} |"
            )
    print("\n".join(rows))
    print(
        f"\nICU {ICU_VERSION}, PyICU {PYICU_VERSION}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; median of {RUNS} runs of each batch, one thread.",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
