"""Khmer personal names → the Latin spellings Cambodians actually use; phonetic name keys.

``romanize("ចាន់ធា") == "Chantha"``: the popular, French-influenced spellings found in
passports, ID cards and NGO lists (Sok, Chantha, Sreypov, Vichet …), not the UNGEGN or
ALA-LC transliterations (Sŏk, Chănthéa …).

Method, per name word:

1. longest match over the reviewed table (``data/names.tsv``: whole names and the
   syllables names are built from), at Khmer cluster boundaries only;
2. whatever the table does not cover goes to a rule-based fallback: split into
   orthographic clusters (consonant + subscripts + vowel + signs), group them into
   syllables (a bare consonant closes the syllable before it; a subscript cluster in the
   middle of a word closes the syllable before it with its base — Pali/Sanskrit
   gemination, as in វណ្ណា Van-na), and spell each syllable as onset + rime, the
   register (a-series / o-series) of the onset choosing the vowel's sound, following the
   conventions of popular romanisation (ា is "a" after a-series, "ea" after o-series …).

Every piece carries its ranked alternatives, so ``romanize_variants`` lists the common
spellings of a name, most common first. ``name_keys`` folds spellings (Khmer-script via
their variants, or typed Latin) to ASCII keys so that the spellings of one name share a
key and different names mostly don't.

Total: any ``str`` is accepted (emoji, digits, lone surrogates …); only the first
``MAX_CHARS`` characters are looked at, so time is bounded. Output is ASCII.
Pure Python: imports nothing from Django. Never uses ``\\w`` on Khmer.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from migra.lib.khmer.names import clean_name_text, longest_khmer_key, name_table

__all__ = ["MAX_CHARS", "fold_latin", "name_keys", "romanize", "romanize_variants"]

MAX_CHARS = 200  # only the first 200 characters of a name matter
WORD_VARIANTS = 12  # spellings kept per name word
NAME_VARIANTS = 16  # spellings kept for a whole multi-word name
_FALLBACK_VARIANTS = 6  # spellings kept per run the table did not cover

Ranked = list[tuple[int, str]]  # (rank, spelling); lower rank = more common

# --------------------------------------------------------------------------- Khmer letters

COENG = "\u17d2"
MUUSIKATOAN = "\u17c9"  # ៉ moves an o-series consonant to the a-series
TRIISAP = "\u17ca"  # ៊ moves an a-series consonant to the o-series
BANTOC = "\u17cb"  # ់ shortens the vowel; on a final consonant
TOANDAKHIAT = "\u17cd"  # ៍ the consonant it sits on is silent
NIKAHIT = "\u17c6"  # ំ
REAHMUK = "\u17c7"  # ះ
YUUKALEAPINTU = "\u17c8"  # ៈ
SAMYOK = "\u17d0"  # ័

_VOWEL_LIKE = frozenset(chr(c) for c in range(0x17B6, 0x17C6)) | {
    NIKAHIT,
    REAHMUK,
    YUUKALEAPINTU,
    SAMYOK,
}


def _is_consonant(ch: str) -> bool:
    return "\u1780" <= ch <= "\u17a2"


def _is_independent_vowel(ch: str) -> bool:
    return "\u17a3" <= ch <= "\u17b3"


def _is_khmer_letter(ch: str) -> bool:
    """A consonant, independent vowel, dependent vowel or sign (not digits, punctuation)."""
    return "\u1780" <= ch <= "\u17d3" or ch == "\u17dd"


def _is_khmer_mark(ch: str) -> bool:
    return "\u17b4" <= ch <= "\u17d3" or ch == "\u17dd"


# consonant → (onset spellings, register, final spellings); first spelling = most common
_CONSONANTS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "ក": (("k",), "a", ("k",)),
    "ខ": (("kh", "k"), "a", ("k", "kh")),
    "គ": (("k",), "o", ("k",)),
    "ឃ": (("kh", "k"), "o", ("k",)),
    "ង": (("ng",), "o", ("ng",)),
    "ច": (("ch",), "a", ("ch",)),
    "ឆ": (("chh", "ch"), "a", ("ch",)),
    "ជ": (("ch", "j"), "o", ("ch",)),
    "ឈ": (("chh", "ch"), "o", ("ch",)),
    "ញ": (("nh", "ny"), "o", ("nh", "n")),
    "ដ": (("d",), "a", ("th", "t")),
    "ឋ": (("th",), "a", ("th", "t")),
    "ឌ": (("d",), "o", ("th", "t")),
    "ឍ": (("th",), "o", ("th", "t")),
    "ណ": (("n",), "a", ("n",)),
    "ត": (("t", "d"), "a", ("t", "th")),  # Thida, Chenda: often "d" inside a word
    "ថ": (("th", "t"), "a", ("th", "t")),
    "ទ": (("t",), "o", ("th", "t")),
    "ធ": (("th", "t"), "o", ("th", "t")),
    "ន": (("n",), "o", ("n",)),
    "ប": (("b", "p"), "a", ("p", "b")),
    "ផ": (("ph", "p"), "a", ("p", "ph")),
    "ព": (("p",), "o", ("p", "b")),
    "ភ": (("ph", "p"), "o", ("p", "ph")),
    "ម": (("m",), "o", ("m",)),
    "យ": (("y",), "o", ("y", "i")),
    "រ": (("r",), "o", ("r", "")),
    "ល": (("l",), "o", ("l",)),
    "វ": (("v", "w"), "o", ("v", "u")),
    "ឝ": (("s",), "a", ("s",)),
    "ឞ": (("s",), "a", ("s",)),
    "ស": (("s",), "a", ("s",)),
    "ហ": (("h",), "a", ("h", "")),
    "ឡ": (("l",), "a", ("l",)),
    "អ": (("",), "a", ("",)),
}
# o-series stops and sibilants: as a subscript of an a-series consonant they give the
# cluster the o-series (ស្ព → o-series); sonorant subscripts (ស្រ, ខ្ម) do not.
_O_SERIES_STOPS = frozenset("គឃជឈឌឍទធពភ")
# A subscript ro is part of the onset (ចក្រា Cha-kra), not a reason to split the cluster.
_NO_SPLIT_SUBSCRIPTS = frozenset("រ")

_INDEPENDENT_VOWELS: dict[str, tuple[str, ...]] = {
    "ឣ": ("a",),
    "ឤ": ("a",),
    "ឥ": ("e", "i"),
    "ឦ": ("ei", "ey"),
    "ឧ": ("o", "u", "ou"),
    "ឨ": ("ou",),
    "ឩ": ("ou", "u"),
    "ឪ": ("ov", "au"),
    "ឫ": ("rue", "reu"),
    "ឬ": ("rue", "reu"),
    "ឭ": ("lue", "leu"),
    "ឮ": ("lue", "leu"),
    "ឯ": ("ae", "e"),
    "ឰ": ("ai", "ay"),
    "ឱ": ("ao", "o"),
    "ឲ": ("ao", "o"),
    "ឳ": ("au", "ao"),
}

# vowel (dependent vowel signs and nikahit/reahmuk/yuukaleapintu/samyok as typed) →
# spellings for (a-series open, a-series closed, o-series open, o-series closed)
_Four = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_VOWELS: dict[str, _Four] = {
    "": (("a", "o"), ("a", "o"), ("a", "o"), ("o", "a", "u")),
    "ា": (("a",), ("a",), ("ea", "a"), ("ea", "a")),
    "ិ": (("e", "i"), ("e", "i"), ("i", "e"), ("i", "e")),
    "ី": (("ey", "ei"), ("ei", "ey"), ("i", "y"), ("i", "ee")),
    "ឹ": (("oe", "eu"), ("oe", "eu", "i"), ("eu", "oe"), ("i", "eu", "oe")),
    "ឺ": (("eu", "oe"), ("eu", "oe"), ("eu", "ue"), ("eu", "ue")),
    "ុ": (("o", "u"), ("o", "u"), ("u", "o"), ("u", "o")),
    "ូ": (("ou", "o"), ("ou", "o"), ("ou", "u"), ("ou", "u")),
    "ួ": (("uo", "ua"), ("uo", "ou"), ("uo", "ua"), ("uo", "ou")),
    "ើ": (("ae", "aeu"), ("ae", "eu"), ("eu", "oeu"), ("eu", "oeu")),
    "ឿ": (("oeu", "eu"), ("oeu", "eu"), ("oeu", "eu"), ("oeu", "eu")),
    "ៀ": (("ie", "ea"), ("ie", "ea"), ("ie", "ea"), ("ie", "ea")),
    "េ": (("e",), ("e",), ("e",), ("e",)),
    "ែ": (("ae", "e"), ("e", "ae"), ("ae", "e"), ("e", "ae")),
    "ៃ": (("ai", "ay"), ("ai",), ("ey", "ei"), ("ey", "ei")),
    "ោ": (("o", "ao"), ("o", "ao"), ("o", "ou"), ("o", "ou")),
    "ៅ": (("ao", "au"), ("ao",), ("ov", "ou", "eou"), ("ov", "ou")),
    "ុំ": (("om", "um"), ("om",), ("um", "om"), ("um",)),
    "ំ": (("am", "om"), ("am",), ("um", "om"), ("um",)),
    "ាំ": (("am",), ("am",), ("oam", "eam", "am"), ("oam",)),
    "ះ": (("ah", "a"), ("ah",), ("eah", "ea"), ("eah",)),
    "ៈ": (("ak", "a"), ("ak",), ("eak", "ak"), ("eak",)),
    "ុះ": (("oh",), ("oh",), ("uh", "oh"), ("uh",)),
    "េះ": (("eh",), ("eh",), ("eh",), ("eh",)),
    "ោះ": (("aoh", "oh"), ("aoh",), ("uoh", "oh"), ("uoh",)),
    "ិះ": (("eh",), ("eh",), ("ih", "eh"), ("ih",)),
    "ែះ": (("aeh", "eh"), ("aeh",), ("aeh", "eh"), ("aeh",)),
    "ាះ": (("ah",), ("ah",), ("eah",), ("eah",)),
    "័": (("a",), ("a",), ("ea", "oa"), ("ea", "oa", "a")),
}
# These vowels already close their syllable: a following bare consonant starts a new one.
_CLOSING_VOWELS = frozenset(v for v in _VOWELS if NIKAHIT in v or REAHMUK in v) | {YUUKALEAPINTU}
# (vowel, final consonant, register) → whole rime, where the parts do not simply add up
_SPECIAL_RIMES: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("ែ", "វ", "a"): ("eo", "aev"),
    ("ែ", "វ", "o"): ("eo", "aev"),
    ("េ", "វ", "a"): ("ev", "eo"),
    ("េ", "វ", "o"): ("ev", "eo"),
    ("ៀ", "វ", "a"): ("iev", "ieu"),
    ("ៀ", "វ", "o"): ("iev", "ieu"),
    ("ា", "យ", "a"): ("ay", "ai"),
    ("ា", "យ", "o"): ("eay", "ay"),
    ("័", "យ", "a"): ("ai", "ay"),
    ("័", "យ", "o"): ("ey", "ai"),
    ("", "យ", "a"): ("ai", "ay"),
    ("", "យ", "o"): ("oy", "ey"),
    # o-series inherent vowel before a velar stop: ភក្តី Pheakdey, លក្ខណា Leakhana
    ("", "ក", "o"): ("eak", "ak", "ok"),
    ("", "ខ", "o"): ("eak", "ak", "ok"),
    ("", "គ", "o"): ("eak", "ak", "ok"),
    ("", "ឃ", "o"): ("eak", "ak", "ok"),
    ("ាំ", "ង", "a"): ("aing", "ang"),  # តាំង Taing
    ("ាំ", "ង", "o"): ("eang", "oang"),
}


@dataclass
class _Cluster:
    base: str
    subs: list[str] = field(default_factory=list)
    shifter: str = ""
    vowel: str = ""
    signs: str = ""


@dataclass
class _Syllable:
    consonant: str = ""  # the onset's first consonant
    onsets: tuple[str, ...] = ("",)
    series: str = "a"
    vowel: str = ""
    final: str = ""
    short: bool = False
    independent: tuple[str, ...] = ()
    stub: bool = False  # no nucleus: only closes the piece before it (after a table match)
    from_split: bool = False  # onset is the subscript of a split Pali/Sanskrit cluster
    geminate: bool = False  # its final is doubled by the next onset (ប្ផ, ត្ត): often written once


def _clusters(run: str) -> list[_Cluster]:
    out: list[_Cluster] = []
    current: _Cluster | None = None
    i = 0
    while i < len(run):
        ch = run[i]
        if _is_consonant(ch) or _is_independent_vowel(ch):
            current = _Cluster(ch)
            out.append(current)
        elif ch == COENG:
            if current is not None and i + 1 < len(run) and _is_consonant(run[i + 1]):
                current.subs.append(run[i + 1])
                i += 1
        elif current is not None:
            if ch in (MUUSIKATOAN, TRIISAP):
                current.shifter = ch
            elif ch in _VOWEL_LIKE:
                current.vowel += ch
            else:
                current.signs += ch
        i += 1
    return out


def _series(base: str, subs: Sequence[str], shifter: str) -> str:
    if shifter == MUUSIKATOAN:
        return "a"
    if shifter == TRIISAP:
        return "o"
    series = _CONSONANTS[base][1] if base in _CONSONANTS else "a"
    if series == "a" and any(s in _O_SERIES_STOPS for s in subs):
        return "o"
    return series


def _onsets(base: str, subs: Sequence[str], shifter: str) -> tuple[str, ...]:
    first = _CONSONANTS.get(base, (("",), "a", ("",)))[0]
    if base == "ប" and (subs or shifter == MUUSIKATOAN):
        first = ("p",)  # ប្រាក់ Prak, ប៉ែន Pen
    tail = "".join(_CONSONANTS.get(s, (("",), "a", ("",)))[0][0] for s in subs)
    return tuple(dict.fromkeys(f + tail for f in first))


def _new_syllable(base: str, subs: Sequence[str], shifter: str, vowel: str) -> _Syllable:
    return _Syllable(
        consonant=base,
        onsets=_onsets(base, subs, shifter),
        series=_series(base, subs, shifter),
        vowel=vowel,
    )


def _splittable(cluster: _Cluster) -> bool:
    return bool(cluster.subs) and cluster.subs[0] not in _NO_SPLIT_SUBSCRIPTS


def _starts_syllable(clusters: Sequence[_Cluster], index: int) -> bool:
    """Does the bare consonant at `index` (after a vowel) start a syllable, or close one?

    Bare consonants pair up as consonant-vowel-consonant syllables: count the run of
    them up to the next vowel or the end of the word (សុផល So-phal, ប៊ុនថន Bun-thon,
    សុខលី Sok-ly). A cluster that will be split (វណ្ណ) or a consonant with bantoc closes
    the consonant before it, which shifts the pairing by one (សុវណ្ណ So-vann).
    """
    run = 0
    j = index
    while j < len(clusters):
        cluster = clusters[j]
        if TOANDAKHIAT in cluster.signs:
            j += 1
            continue
        if (
            cluster.vowel
            or _is_independent_vowel(cluster.base)
            or BANTOC in cluster.signs
            or _splittable(cluster)
        ):
            break
        run += 1
        j += 1
    closes_next = j < len(clusters) and (_splittable(clusters[j]) or BANTOC in clusters[j].signs)
    return (run % 2 == 1) == closes_next


def _split(prev: _Syllable, cluster: _Cluster, vowel: str) -> _Syllable:
    """The base of `cluster` closes `prev`; its subscript opens the returned syllable."""
    prev.final = cluster.base
    onset = cluster.subs[0]
    base_final = _CONSONANTS.get(cluster.base, (("",), "a", ("",)))[2][0]
    sub_onset = _CONSONANTS.get(onset, (("",), "a", ("",)))[0][0]
    prev.geminate = base_final in ("k", "t", "th", "p", "ch") and sub_onset[:1] == base_final[:1]
    syllable = _new_syllable(onset, cluster.subs[1:], cluster.shifter if vowel else "", vowel)
    syllable.from_split = True
    return syllable


def _syllables(clusters: Sequence[_Cluster], word_initial: bool) -> list[_Syllable]:
    syllables: list[_Syllable] = []
    if not word_initial:
        syllables.append(_Syllable(stub=True))
    last_index = len(clusters) - 1
    for index, cluster in enumerate(clusters):
        if _is_independent_vowel(cluster.base):
            syllables.append(_Syllable(independent=_INDEPENDENT_VOWELS.get(cluster.base, ("",))))
            continue
        prev = syllables[-1] if syllables else None
        if TOANDAKHIAT in cluster.signs:
            # silent letter; an open syllable split off just before it is silent too
            # (លក្ខណ៍ Leak)
            if prev is not None and prev.from_split and not prev.vowel and not prev.final:
                syllables.pop()
            continue
        can_close = (
            prev is not None
            and not prev.final
            and (
                prev.vowel not in _CLOSING_VOWELS
                or (prev.vowel == "\u17b6\u17c6" and cluster.base == "ង")
            )
        )
        is_last = index == last_index
        if prev is not None and can_close and not cluster.vowel:
            if BANTOC in cluster.signs:
                prev.final, prev.short = cluster.base, True
                continue
            if is_last:
                prev.final = cluster.base  # any subscript of a final cluster is silent
                continue
            if (prev.vowel or prev.independent or prev.stub) and not _starts_syllable(
                clusters, index
            ):
                prev.final = cluster.base  # សុខលី Sok-ly
                if cluster.subs and cluster.subs[0] not in _NO_SPLIT_SUBSCRIPTS:
                    syllables.append(_split(prev, cluster, ""))
                continue
        if (
            prev is not None
            and can_close
            and cluster.subs
            and cluster.subs[0] not in _NO_SPLIT_SUBSCRIPTS
        ):
            # Pali/Sanskrit cluster inside a word: the base closes the syllable before it,
            # the subscript starts the next one (វណ្ណា Van-na, ចន្ធូ Chan-thou).
            syllables.append(_split(prev, cluster, cluster.vowel))
            continue
        syllables.append(_new_syllable(cluster.base, cluster.subs, cluster.shifter, cluster.vowel))
    if len(syllables) >= 2:
        last, before = syllables[-1], syllables[-2]
        if last.vowel in ("\u17b7", "\u17bb") and not last.final and not last.independent:
            if last.from_split:
                # a final short i/u after a split cluster is silent: វុទ្ធិ Vuth, សម្បត្តិ Sambath
                syllables.pop()
                before.geminate = False
            elif (
                not before.final
                and not before.stub
                and before.vowel not in _CLOSING_VOWELS
                and (before.vowel or before.independent)
            ):
                # consonant + short i/u at the end of a Pali/Sanskrit word is the final of
                # the syllable before it: សុជាតិ Socheat
                syllables.pop()
                before.final = last.consonant
    return [s for s in syllables if not (s.stub and not s.final)]


def _rank_product(*choices: Sequence[str], limit: int) -> Ranked:
    return _combine([list(enumerate(options)) for options in choices], limit)


def _rime(syllable: _Syllable, word_final: bool) -> tuple[str, ...]:
    series, vowel, final = syllable.series, syllable.vowel, syllable.final
    special = _SPECIAL_RIMES.get((vowel, final, series))
    if special:
        return special
    table = _VOWELS.get(vowel) or _VOWELS.get(vowel[:1]) or _VOWELS[""]
    closed = bool(final)
    nuclei = table[(0 if series == "a" else 2) + (1 if closed else 0)]
    if syllable.short and vowel == "ា" and series == "o":
        nuclei = ("oa", "ea", "a")
    if not closed and word_final:
        if vowel == "ី":
            # លី Ly, ធារី Theary, បុរី Borey; ពិសី Pisey, វណ្ណី Vanny
            nuclei = ("y", "i", "ey") if series == "o" else ("ey", "ei", "y")
        elif vowel == "ៃ" and series == "a":
            nuclei = ("ay", "ai")  # ឆៃ Chhay
    finals = _CONSONANTS[final][2] if final in _CONSONANTS else ("",)
    if syllable.geminate:
        finals = ("", *finals)  # បុប្ផា Bopha before Boppha
    return tuple(text for _rank, text in _rank_product(nuclei, finals, limit=4))


def _spell_syllable(syllable: _Syllable, word_final: bool) -> Ranked:
    if syllable.stub:
        finals = _CONSONANTS[syllable.final][2] if syllable.final in _CONSONANTS else ("",)
        return [(i, f) for i, f in enumerate(finals)]
    if syllable.independent:
        finals = _CONSONANTS[syllable.final][2] if syllable.final in _CONSONANTS else ("",)
        return _rank_product(syllable.independent, finals, limit=4)
    return _rank_product(syllable.onsets, _rime(syllable, word_final), limit=4)


def _fallback(run: str, word_initial: bool, word_final: bool) -> Ranked:
    """Rule-based spellings of a Khmer run the table did not cover."""
    syllables = _syllables(_clusters(run), word_initial)
    if not syllables:
        return [(0, "")]
    spelled = [
        _spell_syllable(s, word_final and i == len(syllables) - 1) for i, s in enumerate(syllables)
    ]
    return _combine(spelled, _FALLBACK_VARIANTS)


def _combine(parts: Sequence[Ranked], limit: int, sep: str = "") -> Ranked:
    """The `limit` best concatenations, one option from each part, by summed rank."""
    combos: Ranked = [(0, "")]
    for index, options in enumerate(parts):
        joiner = sep if index else ""
        merged = sorted(
            ((r1 + r2, t1 + joiner + t2) for r1, t1 in combos for r2, t2 in options),
            key=lambda item: item[0],
        )
        seen: set[str] = set()
        combos = []
        for rank, text in merged:
            if text not in seen:
                seen.add(text)
                combos.append((rank, text))
                if len(combos) == limit:
                    break
    return combos


# --------------------------------------------------------------------------- words


def _cluster_starts(run: str) -> list[int]:
    starts = []
    for i, ch in enumerate(run):
        if _is_khmer_mark(ch):
            continue
        if _is_consonant(ch) and i > 0 and run[i - 1] == COENG:
            continue
        starts.append(i)
    return starts


def _khmer_run_pieces(run: str) -> list[Ranked]:
    """Longest match over the table at cluster boundaries; the rest through the rules."""
    table = name_table()
    longest = longest_khmer_key()
    bounds = [*_cluster_starts(run), len(run)]
    pieces: list[Ranked] = []
    pending: int | None = None  # index into bounds where an uncovered stretch began
    k = 0
    whole = len(bounds) - 1

    def flush(upto: int) -> None:
        if pending is not None:
            start, end = bounds[pending], bounds[upto]
            pieces.append(_fallback(run[start:end], pending == 0, upto == whole))

    while k < whole:
        start = bounds[k]
        match = None
        j = whole
        while j > k:
            if bounds[j] - start <= longest:
                entry = table.get(run[start : bounds[j]])
                if entry is not None:
                    match = (j, entry.spellings)
                    break
            j -= 1
        if match is None:
            if pending is None:
                pending = k
            k += 1
            continue
        flush(k)
        pending = None
        j, spellings = match
        alone = k == 0 and j == whole
        options = [s for s in spellings if alone or " " not in s] or [
            s.replace(" ", "") for s in spellings
        ]
        pieces.append([(i, s.lower()) for i, s in enumerate(options)])
        k = j
    flush(whole)
    return pieces


_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
# Latin letters that NFKD does not decompose into ASCII (Vietnamese Đ, Nordic Ø …)
_LATIN_EXTRA = str.maketrans(
    {
        "Đ": "D",
        "đ": "d",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "ß": "ss",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Þ": "Th",
        "þ": "th",
        "ı": "i",
        "Ð": "D",
        "ð": "d",
    }
)


def _ascii(text: str) -> str:
    """Latin letters and digits of `text`, accents stripped; everything else dropped."""
    decomposed = unicodedata.normalize(
        "NFKD", text.translate(_KHMER_DIGITS).translate(_LATIN_EXTRA)
    )
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def _words(text: str) -> list[str]:
    """Name words: runs of Khmer letters, letters or digits; anything else separates."""
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if _is_khmer_letter(ch) or ch.isalnum():
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _split_runs(word: str) -> list[tuple[bool, str]]:
    """(is_khmer, run) for the Khmer-script and other stretches of a word."""
    runs: list[tuple[bool, str]] = []
    for ch in word:
        khmer = _is_khmer_letter(ch)
        if runs and runs[-1][0] == khmer:
            runs[-1] = (khmer, runs[-1][1] + ch)
        else:
            runs.append((khmer, ch))
    return runs


def _capitalise(spelling: str) -> str:
    return " ".join(part[:1].upper() + part[1:].lower() for part in spelling.split())


@functools.lru_cache(maxsize=8192)
def _word_variants(word: str) -> tuple[str, ...]:
    pieces: list[Ranked] = []
    for is_khmer, run in _split_runs(word):
        if is_khmer:
            pieces.extend(_khmer_run_pieces(run))
        else:
            latin = _ascii(run).lower()
            if latin:
                pieces.append([(0, latin)])
    spellings = [_capitalise(text) for _rank, text in _combine(pieces, WORD_VARIANTS)]
    return tuple(s for s in dict.fromkeys(spellings) if s)


def _name_words(name: object) -> list[tuple[str, ...]]:
    if not isinstance(name, str):
        return []
    text = clean_name_text(name[:MAX_CHARS])
    return [v for v in (_word_variants(w) for w in _words(text)) if v]


# --------------------------------------------------------------------------- public API


def romanize_variants(name: str) -> list[str]:
    """The common Latin spellings of a Khmer name, most common first (ASCII).

    Words are romanised one by one and joined by a space; Latin words pass through
    (capitalised, accents stripped). An empty list when nothing spellable is left.
    """
    words = _name_words(name)
    if not words:
        return []
    ranked = _combine([list(enumerate(w)) for w in words], NAME_VARIANTS, sep=" ")
    return [text for _rank, text in ranked]


def romanize(name: str) -> str:
    """The most common Latin spelling of a Khmer name: ``romanize("សុខ") == "Sok"``."""
    variants = romanize_variants(name)
    return variants[0] if variants else ""


# --------------------------------------------------------------------------- name keys

_NY_BEFORE_VOWEL = re.compile(r"ny(?=[aeiou])")
_DOUBLE = re.compile(r"([a-zA-Z])\1+")
_ER_CODA = re.compile(r"(?<=[^aeiouy])er(?![aeiouy])")
_R_CODA = re.compile(r"(?<=[aeiouy])r(?![aeiouy])")
_V_CODA = re.compile(r"(?<=[aeiouy])v(?![aeiouy])")
_Y_CONSONANT = re.compile(r"y(?=[aeiou])")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")

# vowel spellings → one class each (popular spellings of the same Khmer vowel meet)
_VOWEL_CLASSES = {
    "a": "a",
    "e": "e",
    "ea": "e",
    "ia": "e",
    "ie": "e",
    "iea": "e",
    "ae": "e",
    "i": "i",
    "y": "i",
    "iy": "i",
    "yi": "i",
    "ee": "i",
    "ey": "ei",
    "ei": "ei",
    "ay": "ei",
    "ai": "ei",
    "eay": "ei",
    "aey": "ei",
    "eai": "ei",
    "eiy": "ei",
    "o": "o",
    "u": "o",
    "ou": "o",
    "uo": "o",
    "ua": "o",
    "au": "o",
    "ao": "o",
    "eou": "o",
    "oa": "o",
    "oua": "o",
    "uou": "o",
    "aou": "o",
    "eu": "eu",
    "oe": "eu",
    "oeu": "eu",
    "ue": "eu",
    "eue": "eu",
    "eo": "eo",
    "aeo": "eo",
    "aeu": "eo",
    "eau": "eo",
    "iau": "eo",
    "eao": "eo",
    "ieu": "iu",
    "ieo": "iu",
    "iu": "iu",
    "iou": "iu",
    "uy": "ui",
    "ui": "ui",
    "oy": "ui",
    "oi": "ui",
    "uoy": "ui",
    "ouy": "ui",
}


def _vowel_class(group: str, at_end: bool) -> str:
    if at_end and group in ("ie", "ee"):
        return "i"
    cls = _VOWEL_CLASSES.get(group)
    if cls is None:
        first = group[0]
        cls = "a" if first == "a" else "e" if first == "e" else "o" if first in "ou" else "i"
    if at_end and group in ("ea", "ia", "iea"):
        return "a"  # Chanthea / Chantha, Sophea / Sophia
    return cls


@functools.lru_cache(maxsize=16384)
def fold_latin(word: str) -> str:
    """Phonetic key of one Latin spelling (ASCII, lower case; "" if no letters).

    Khmer-specific: aspiration dropped (kh→k, th→t, ph→p, chh/ch/j→c), double letters
    single, French-style coda r dropped (Sorn = Son), coda v read as a vowel
    (Pov = Pou), vowel spellings folded to classes (ea/ia/ie/e, ou/o/u/au/ao, ey/ei/ay/ai,
    eu/oe/oeu), a final ea/ia = a, final -d = -t, -b = -p.
    """
    s = "".join(ch for ch in _ascii(word).lower() if ch.isalpha())
    if not s:
        return ""
    for old, new in (("tch", "C"), ("chh", "C"), ("ch", "C"), ("j", "C"), ("ng", "G")):
        s = s.replace(old, new)
    for old, new in (("nh", "N"), ("gn", "N")):
        s = s.replace(old, new)
    s = _NY_BEFORE_VOWEL.sub("N", s)
    for old, new in (
        ("kh", "k"),
        ("gh", "k"),
        ("ph", "p"),
        ("th", "t"),
        ("sh", "s"),
        ("dh", "d"),
        ("bh", "b"),
        ("ck", "k"),
        ("c", "k"),
        ("q", "k"),
        ("g", "k"),
        ("x", "ks"),
        ("f", "p"),
        ("w", "v"),
        ("z", "s"),
    ):
        s = s.replace(old, new)
    s = s[:1] + s[1:].replace("h", "")  # only a word-initial h is a consonant (Heng, Hun)
    s = s.replace("ee", "i")  # Malee = Maly, before double letters are made single
    s = _DOUBLE.sub(r"\1", s)
    s = _ER_CODA.sub("eu", s)
    s = _R_CODA.sub("", s)
    s = _V_CODA.sub("u", s)
    s = _Y_CONSONANT.sub("Y", s)
    s = _DOUBLE.sub(r"\1", s)
    end = len(s)
    s = _VOWEL_GROUP.sub(lambda m: _vowel_class(m.group(0), m.end() == end), s)
    if s.endswith("d"):
        s = s[:-1] + "t"
    elif s.endswith("b"):
        s = s[:-1] + "p"
    return s.replace("C", "c").replace("G", "ng").replace("N", "ny").replace("Y", "y")


def _spelling_keys(spelling: str) -> set[str]:
    """Keys of one spelling that may contain spaces (Srey Pov): joined two ways."""
    parts = spelling.split()
    return {"".join(fold_latin(p) for p in parts), fold_latin("".join(parts))}


def name_keys(name: str) -> set[str]:
    """Phonetic keys of a name in Khmer script or Latin letters (ASCII strings).

    The Khmer and Latin spellings of one name share at least one key: a key per word
    (from each of its spellings) and, for several words, keys of the whole name with
    the spaces removed (so "Srey Pov" meets "Sreypov" meets ស្រីពៅ).
    """
    words = _name_words(name)
    keys: set[str] = set()
    for variants in words:
        for spelling in variants:
            keys |= _spelling_keys(spelling)
    if len(words) > 1:
        ranked = _combine([list(enumerate(w)) for w in words], NAME_VARIANTS, sep=" ")
        for _rank, spelling in ranked:
            keys |= _spelling_keys(spelling)
    keys.discard("")
    return keys
