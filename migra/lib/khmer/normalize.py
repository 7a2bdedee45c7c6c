"""Normalise text so that Khmer typed on different keyboards compares equal.

    >>> normalize("ខែ្មរ") == normalize("ខ្មែរ") == "ខ្មែរ"   # vowel typed before the subscript
    True
    >>> normalize("ការ\u200bជួញដូរ  មនុស្ស ")                  # ZWSP, double and trailing space
    'ការជួញដូរ មនុស្ស'
    >>> fold("Chantha ចាន់ធា") == fold("CHANTHA ចាន់ធា")
    True

`normalize(text)` is total (never raises on any str: emoji, unpaired surrogates, 1 MB of
text) and idempotent. In order it:

1. turns unpaired surrogates into U+FFFD (a valid pair is joined into its character);
2. removes invisible characters: ZERO WIDTH SPACE U+200B, ZWNJ U+200C, WORD JOINER
   U+2060, BOM U+FEFF, SOFT HYPHEN U+00AD and the Khmer inherent vowels U+17B4/U+17B5;
   ZWJ U+200D too, except directly after an emoji (👩‍👩‍👧 keeps its joiners);
   replaces deprecated Khmer characters with their recommended spelling:
   U+17A3 → U+17A2, U+17A4 → U+17A2 U+17B6, U+17D8 BEYYAL (discouraged) → "។ល។"
   (U+17D4 U+179B U+17D4, "etc.");
3. applies Unicode NFC;
4. puts every Khmer syllable cluster into the order of Unicode Technical Note #61
   (base, robat, subscripts with coeng-RO last, register shifter, vowel, signs, finals),
   drops duplicated marks and subscripts, and folds spellings that render alike:
   U+17C1 U+17B8 → U+17BE, U+17C1 U+17B6 → U+17C4, U+17BE U+17B6 → U+17C4 U+17B8,
   -u + above vowel → register shifter + above vowel, coeng DA → coeng TA;
5. collapses every run of whitespace into one space and strips both ends;
6. writes the repetition sign ៗ (U+17D7) against its word, with a space after it when a
   Khmer word follows ("ផ្សេង ៗទៀត" → "ផ្សេងៗ ទៀត").

Latin text is kept as it is (no case folding); `fold(text)` adds case folding for
comparison keys. See docs/khmer.md for the sources of every rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from functools import cache

from migra.lib.khmer import chars as K

__all__ = ["fold", "normalize", "normalize_with_offsets"]

# An edit of a stage: replace text[start:end] by the replacement.
Edit = tuple[int, int, str]

# --------------------------------------------------------------------------- 1. surrogates

_SURROGATE_UNIT = re.compile("[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-16-le")  # about as fast as copying the string
    except UnicodeEncodeError:
        return True
    return False


def _surrogate_replacement(match: re.Match[str]) -> str:
    unit = match.group()
    if len(unit) == 2:
        return chr(0x10000 + ((ord(unit[0]) - 0xD800) << 10) + (ord(unit[1]) - 0xDC00))
    return "\ufffd"


# --------------------------------------------------------------------------- 2. invisibles

_REPLACEMENTS = {
    "\u00ad": "",  # SOFT HYPHEN
    "\u200b": "",  # ZERO WIDTH SPACE
    "\u200c": "",  # ZERO WIDTH NON-JOINER
    "\u200d": "",  # ZERO WIDTH JOINER (outside emoji sequences, see _SPECIAL)
    "\u2060": "",  # WORD JOINER
    "\ufeff": "",  # BYTE ORDER MARK / ZERO WIDTH NO-BREAK SPACE
    "\u17b4": "",  # KHMER VOWEL INHERENT AQ: invisible, "should be considered errors"
    "\u17b5": "",  # KHMER VOWEL INHERENT AA: idem
    "\u17a3": "\u17a2",  # KHMER INDEPENDENT VOWEL QAQ (deprecated) → QA
    "\u17a4": "\u17a2\u17b6",  # KHMER INDEPENDENT VOWEL QAA (deprecated) → QA + AA
    "\u17d8": "\u17d4\u179b\u17d4",  # KHMER SIGN BEYYAL (discouraged) → "។ល។" (etc.)
}
# ZWJ is kept only right after an emoji (U+1F000–U+1FAFF, VS16, keycap): NFC never
# changes those characters, so the decision is the same when normalising again.
_SPECIAL = re.compile(
    "[\u00ad\u200b\u200c\u2060\ufeff\u17a3\u17a4\u17b4\u17b5\u17d8]"
    "|(?<![\U0001f000-\U0001faff\ufe0f\u20e3])\u200d"
)


def _special_replacement(match: re.Match[str]) -> str:
    return _REPLACEMENTS[match.group()]


_ZWJ = "\u200d"
_ZWJ_OUTSIDE_EMOJI = re.compile(f"(?<![\U0001f000-\U0001faff\ufe0f\u20e3]){_ZWJ}")
_DELETE_OR_REPLACE = [(char, new) for char, new in _REPLACEMENTS.items() if char != _ZWJ]


def _replace_specials(text: str) -> str:
    """_SPECIAL.sub(_special_replacement, text), done with str.replace (much faster).

    The joiner goes first, so that its neighbour is judged before anything is removed.
    """
    if _ZWJ in text:
        text = _ZWJ_OUTSIDE_EMOJI.sub("", text)
    for char, new in _DELETE_OR_REPLACE:
        if char in text:
            text = text.replace(char, new)
    return text


def _has_special(text: str) -> bool:
    return any(char in text for char in _REPLACEMENTS)  # a few fast scans beat a regex


def _has_deprecated_khmer(text: str) -> bool:
    """The characters of _REPLACEMENTS that str.isprintable() does not rule out."""
    return (
        "\u17a3" in text
        or "\u17a4" in text
        or "\u17b4" in text
        or "\u17b5" in text
        or "\u17d8" in text
    )


# --------------------------------------------------------------------------- 4. clusters

# Sort categories of the units of a cluster (UTN #61; SIL khnormal).
_ROBAT, _COENG, _COENG_RO, _SHIFT, _V_PRE, _V_BELOW, _V_ABOVE, _V_POST, _SIGN, _FINAL = range(1, 11)
_CATEGORY: dict[str, int] = {}
for _codes, _category in (
    ((0x17CC,), _ROBAT),
    ((0x17C9, 0x17CA), _SHIFT),
    (range(0x17BE, 0x17C6), _V_PRE),
    (range(0x17BB, 0x17BE), _V_BELOW),
    (range(0x17B7, 0x17BB), _V_ABOVE),
    ((0x17B6,), _V_POST),
    ((0x17C6, 0x17CB, 0x17CD, 0x17CE, 0x17CF, 0x17D0, 0x17D1, 0x17D3, 0x17DD), _SIGN),
    ((0x17C7, 0x17C8), _FINAL),
):
    for _code in _codes:
        _CATEGORY[chr(_code)] = _category

_BASES = frozenset(chr(c) for c in (*range(0x1780, 0x17A3), *range(0x17A5, 0x17B4)))

# A cluster: a base, then its marks; a base right after a coeng belongs to the coeng.
_CLUSTER = re.compile(f"[{K.BASE}](?:[{K.MARKS}]|{K.COENG}[{K.BASE}]?)*")
# U+17B6–U+17D3 (coeng included) and U+17DD
_MARK_OR_COENG = frozenset(chr(c) for c in (*range(0x17B6, 0x17D4), 0x17DD))
_MARK_RUN = re.compile(f"(?:[{K.MARKS}]|{K.COENG}[{K.BASE}]?)*")

# Detectors of a cluster that may be out of order, duplicated or spelled the legacy way.
# Each starts with a narrow character class so that the regex engine can skip ahead
# quickly; together they find every cluster that _fix_cluster would change (the tests
# check this against fixing every cluster). False alarms only cost time.
_MARKS_BUT_ROBAT = "\u17b6-\u17cb\u17cd-\u17d1\u17d3\u17dd"
_SIGNS_SHIFTERS_ROBAT = "\u17c6-\u17d1\u17d3\u17dd"
_DETECTORS = (
    # At a coeng: a mark or a coeng before it, coeng RO before it, a robat or DA after it
    # (DA renders like TA), or the same subscript twice.
    f"{K.COENG}(?:(?<=[{_MARKS_BUT_ROBAT}{K.COENG}]{K.COENG})|(?<={K.COENG}{K.RO}{K.COENG})"
    f"|[\u178a{K.ROBAT}]|[{K.BASE}]{K.ROBAT}|(?P<sub>[{K.BASE}])(?={K.COENG}(?P=sub)))",
    # A vowel after a vowel, a sign or a final.
    f"[{K.VOWELS}](?<=[\u17b6-\u17c8\u17cb\u17cd-\u17d1\u17d3\u17dd][{K.VOWELS}])",
    # At a sign, final, shifter or robat: the same mark twice, a shifter after a mark, a
    # robat after anything but a base, a sign after a final, samyok sannya or atthacan
    # after -u.
    f"(?P<mark>[{_SIGNS_SHIFTERS_ROBAT}])(?:(?=(?P=mark))"
    f"|(?<=[{_MARKS_BUT_ROBAT}][{K.SHIFTERS}])"
    f"|(?<=[^{K.BASE}]{K.ROBAT})"
    f"|(?<=[{K.FINALS}][{K.SIGNS}])"
    f"|(?<=\u17bb[\u17d0\u17dd]))",
)
_DETECTOR_PATTERNS = tuple(re.compile(pattern) for pattern in _DETECTORS)
_SUSPECT = re.compile("|".join(_DETECTORS))


_COENG_DETECTOR, _VOWEL_DETECTOR, _SIGN_DETECTOR = _DETECTOR_PATTERNS


def _suspect(text: str) -> bool:
    return bool(
        _COENG_DETECTOR.search(text) or _VOWEL_DETECTOR.search(text) or _SIGN_DETECTOR.search(text)
    )


_COENGS = re.compile(f"{K.COENG}{{2,}}")
_SPLIT_OE = re.compile(f"\u17c1([{K.VOWEL_BELOW}]?)\u17b8")
_SPLIT_OO = re.compile(f"\u17c1([{K.VOWEL_BELOW}]?)\u17b6")
_ABOVE_VOWEL = "\u17b7-\u17ba\u17be\u17bf\u17dd"
_U_BEFORE_ABOVE = re.compile(
    f"^([{K.BASE}]{K.ROBAT}?(?:{K.COENG}[{K.BASE}])*)([{K.VOWEL_PRE}]?)\u17bb"
    f"(?=([{_ABOVE_VOWEL}]|\u17b6\u17c6|\u17d0))"
)


def _u_to_shifter(match: re.Match[str]) -> str:
    """-u under a cluster with an above vowel is how old keyboards typed a shifter."""
    consonants, pre_vowel, following = match.group(1), match.group(2), match.group(3)
    strong = K.BA not in consonants and any(c in K.STRONG_BASES for c in consonants)
    if strong:
        if following == "\u17d0":  # samyok sannya does not push triisap down (UTN #61)
            return match.group()
        return f"{consonants}\u17ca{pre_vowel}"
    return f"{consonants}\u17c9{pre_vowel}"


def _sort_pass(cluster: str) -> str:
    """One round: stable sort of the units, duplicates dropped, legacy spellings folded."""
    cluster = _COENGS.sub(K.COENG, cluster)  # a doubled coeng, typed or left by sorting
    units: list[tuple[int, str]] = []
    i, n = 1, len(cluster)
    while i < n:
        char = cluster[i]
        if char == K.COENG:
            if i + 1 < n and cluster[i + 1] in _BASES:
                category = _COENG_RO if cluster[i + 1] == K.RO else _COENG
                units.append((category, cluster[i : i + 2]))
                i += 2
                continue
            units.append((_COENG, char))  # a coeng with no consonant after it
        else:
            units.append((_CATEGORY[char], char))
        i += 1
    units.sort(key=lambda unit: unit[0])
    parts = [cluster[0]]
    for _category, unit in units:
        if unit != parts[-1]:
            parts.append(unit)
    text = "".join(parts)
    text = text.replace("\u17be\u17b6", "\u17c4\u17b8")
    text = _SPLIT_OE.sub("\u17be\\1", text)
    text = _SPLIT_OO.sub("\u17c4\\1", text)
    text = text.replace("\u17be\u17bb", "\u17bb\u17be")
    text = _U_BEFORE_ABOVE.sub(_u_to_shifter, text)
    return text.replace("\u17d2\u178a", "\u17d2\u178f")


def _fix_cluster(cluster: str) -> str:
    """The canonical spelling of one cluster (base first, then only its marks)."""
    for _ in range(8):  # a fixed point is reached in two or three rounds
        fixed = _sort_pass(cluster)
        if fixed == cluster:
            break
        cluster = fixed
    return cluster


def _stays_apart(fixed: str, following: str) -> bool:
    """Whether a fixed cluster still ends where it did, in front of the next character.

    A coeng with no consonant sorted to the end would take the next base as its
    subscript; a coeng (ccc 9) or atthacan (ccc 230) sorted to the end must not sit in
    front of a combining mark of a lower class, or NFC would reorder them.
    """
    last = fixed[-1]
    if last == K.COENG and following in _BASES:
        return False
    if last in "\u17d2\u17dd":
        combining = unicodedata.combining(following)
        if combining and combining < unicodedata.combining(last):
            return False
    return True


def _cluster_start(text: str, position: int) -> tuple[int, int]:
    """(start of the cluster holding text[position] at its base or -1, start of its marks)."""
    j = position
    while j > 0:
        previous = text[j - 1]
        if previous in _MARK_OR_COENG or (previous in _BASES and j >= 2 and text[j - 2] == K.COENG):
            j -= 1
        else:
            break
    if j > 0 and text[j - 1] in _BASES:
        return j - 1, j
    return -1, j


_ANY_MARK = re.compile(f"[{K.MARKS}{K.COENG}]")


def _khmer_edits(text: str, *, exhaustive: bool = False) -> Iterator[Edit]:
    """The clusters of text that are not in canonical form, with their canonical form.

    Only clusters where a detector fires are examined; exhaustive=True examines every
    cluster (slow: the tests use it to prove the detectors miss nothing).
    """
    finder = _ANY_MARK if exhaustive else _SUSPECT
    position = 0
    while (suspect := finder.search(text, position)) is not None:
        start, marks = _cluster_start(text, suspect.start())
        if start < 0:  # marks with no base before them: left as typed
            position = max(suspect.end(), _MARK_RUN.match(text, marks).end())  # type: ignore[union-attr]
            continue
        end = _CLUSTER.match(text, start).end()  # type: ignore[union-attr]
        position = end
        cluster = text[start:end]
        fixed = _fix_cluster(cluster)
        if fixed == cluster:
            continue
        if end < len(text) and not _stays_apart(fixed, text[end]):
            continue  # malformed input: left as typed rather than made unstable
        yield start, end, fixed


# --------------------------------------------------------------------------- 5–6. spaces

_OTHER_SPACE = re.compile(r"[^\S ]")  # whitespace other than U+0020
_WHITESPACE_RUN = re.compile(r"\s+")
_SPACE_LEK_TOO = " " + K.LEK_TOO
_LEK_TOO_WORD = re.compile(f"{K.LEK_TOO}(?=[{K.BASE}])")  # ៗ with a Khmer word right after


def _lek_too(text: str) -> str:
    return _LEK_TOO_WORD.sub(K.LEK_TOO + " ", text.replace(_SPACE_LEK_TOO, K.LEK_TOO))


def _needs_space_collapse(text: str, *, printable: bool = False) -> bool:
    """Whether text has whitespace other than single spaces between non-spaces."""
    if not text:
        return False
    if text[0] == " " or text[-1] == " " or "  " in text:
        return True
    return not printable and _OTHER_SPACE.search(text) is not None


# --------------------------------------------------------------------------- the pipeline


def _apply(text: str, edits: Sequence[Edit]) -> str:
    parts: list[str] = []
    previous = 0
    for start, end, replacement in edits:
        parts.append(text[previous:start])
        parts.append(replacement)
        previous = end
    parts.append(text[previous:])
    return "".join(parts)


def normalize(text: str) -> str:
    """Khmer-aware normal form of text: see the module documentation."""
    if text.isascii():
        return " ".join(text.split()) if _needs_space_collapse(text) else text
    # Printable text (the usual case) holds no surrogate, no invisible format character
    # and no whitespace but U+0020: one quick pass saves several searches.
    printable = text.isprintable()
    if not printable and _has_surrogate(text):
        text = _SURROGATE_UNIT.sub(_surrogate_replacement, text)
    if _has_special(text) if not printable else _has_deprecated_khmer(text):
        text = _replace_specials(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _suspect(text):
        edits = list(_khmer_edits(text))
        if edits:
            text = _apply(text, edits)
    if not printable or _needs_space_collapse(text, printable=True):
        text = " ".join(text.split())
    if K.LEK_TOO in text:
        text = _lek_too(text)
    return text


def fold(text: str) -> str:
    """A comparison key: normalize, then Unicode case folding ("Sok" and "SOK" meet)."""
    folded = normalize(text).casefold()
    if folded.isascii() or unicodedata.is_normalized("NFC", folded):
        return folded
    return unicodedata.normalize("NFC", folded)


# --------------------------------------------------------------------------- with offsets


class _Tracked:
    """Text being normalised, with where each of its characters came from."""

    def __init__(self, text: str) -> None:
        self.text = text
        # starts[i] / ends[i]: the span of the original text that character i stands for.
        self.starts: Sequence[int] = range(len(text))
        self.ends: Sequence[int] = range(1, len(text) + 1)
        self.original_length = len(text)

    def apply(self, edits: Iterator[Edit] | Sequence[Edit]) -> None:
        text, starts, ends = self.text, self.starts, self.ends
        parts: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        previous = 0
        changed = False
        for start, end, replacement in edits:
            changed = True
            parts.append(text[previous:start])
            new_starts.extend(starts[previous:start])
            new_ends.extend(ends[previous:start])
            if replacement:
                if start < end:
                    first, last = starts[start], ends[end - 1]
                elif start < len(text):  # an insertion: no original characters
                    first = last = starts[start]
                else:
                    first = last = self.original_length
                parts.append(replacement)
                new_starts.extend([first] * len(replacement))
                new_ends.extend([last] * len(replacement))
            previous = end
        if not changed:
            return
        parts.append(text[previous:])
        new_starts.extend(starts[previous:])
        new_ends.extend(ends[previous:])
        self.text, self.starts, self.ends = "".join(parts), new_starts, new_ends


def _regex_edits(
    pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str], text: str
) -> Iterator[Edit]:
    for match in pattern.finditer(text):
        replacement = replace(match)
        if replacement != match.group():
            yield match.start(), match.end(), replacement


def _literal_edits(old: str, new: str, text: str) -> Iterator[Edit]:
    start = text.find(old)
    while start >= 0:
        yield start, start + len(old), new
        start = text.find(old, start + len(old))


def _nfc_edits(text: str) -> Iterator[Edit]:
    # NFC never acts across a character that is a starter (combining class 0) and can
    # neither compose with what precedes it nor decompose (UAX #15), so each run of such
    # a character and the characters after it that are not is normalised on its own.
    for match in _nfc_segment().finditer(text):
        segment = match.group()
        normal = unicodedata.normalize("NFC", segment)
        if normal != segment:
            yield match.start(), match.end(), normal


@cache
def _nfc_segment() -> re.Pattern[str]:
    """(?s:.) followed by every character that NFC may join to or reorder with it."""
    second: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # jamo V, T
    decomposing: list[int] = []
    for code in range(0x30000):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<"):
            decomposing.append(code)
            parts = decomposition.split()
            if len(parts) == 2:
                second.add(int(parts[1], 16))  # may compose with what precedes it
    interacting = set(second)
    interacting.update(c for c in range(0x30000) if unicodedata.combining(chr(c)))
    for code in decomposing:  # decomposes into something that starts as above
        head = unicodedata.normalize("NFD", chr(code))[0]
        if unicodedata.combining(head) or ord(head) in second:
            interacting.add(code)
    ranges: list[str] = []
    codes = sorted(interacting)
    first = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code != previous + 1:
            ranges.append(re.escape(chr(first)))
            if previous > first:
                ranges.append("-" + re.escape(chr(previous)))
            first = code
        previous = code
    return re.compile(f"(?s:.)[{''.join(ranges)}]*")


def _space_edits(text: str) -> Iterator[Edit]:
    length = len(text)
    for match in _WHITESPACE_RUN.finditer(text):
        start, end = match.span()
        replacement = "" if start == 0 or end == length else " "
        if match.group() != replacement:
            yield start, end, replacement


def normalize_with_offsets(text: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """normalize(text), with the span of text each of its characters comes from.

    Returns (normal, starts, ends): normal[i] stands for text[starts[i]:ends[i]]. A
    character of a reordered or folded cluster stands for the whole cluster.
    Slower than normalize(); meant for cutting snippets of the original text.
    """
    tracked = _Tracked(text)
    if normalize(text) == text:
        return tracked.text, tracked.starts, tracked.ends
    tracked.apply(_regex_edits(_SURROGATE_UNIT, _surrogate_replacement, tracked.text))
    tracked.apply(_regex_edits(_SPECIAL, _special_replacement, tracked.text))
    if not unicodedata.is_normalized("NFC", tracked.text):
        tracked.apply(_nfc_edits(tracked.text))
    tracked.apply(list(_khmer_edits(tracked.text)))
    tracked.apply(_space_edits(tracked.text))
    tracked.apply(_literal_edits(_SPACE_LEK_TOO, K.LEK_TOO, tracked.text))
    tracked.apply(_regex_edits(_LEK_TOO_WORD, lambda _match: K.LEK_TOO + " ", tracked.text))
    return tracked.text, tracked.starts, tracked.ends
