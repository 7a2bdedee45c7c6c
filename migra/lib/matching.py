"""Duplicate detection for the people registry: blocking keys and a pairwise score.

Two records describe the same person when their names meet across Khmer script and
Latin spellings (`migra.lib.khmer.romanize.name_keys`), their ages agree, they come from
the same place, and nothing contradicts (sex, a far age, another document number).

- `blocking_keys(facts)`: the keys a person is filed under; the caller stores keyed
  hashes (blind indexes) of them. Deterministic strings:

  ``p:<phone>``, ``d:<kind>:<number>``;
  ``n:<k1>+<k2>@<province>``: a family-name key and a given-name key (sorted, so the
  order of the words does not matter), per province (``@--`` when unknown) — keeps the
  block of a very common name ("Sok Sophea") to one province;
  ``w:<key>@<commune>``: every name word key, per commune (6-digit code), only when the
  commune is known — finds a record whose other name word has a typo.

- `lookup_keys(facts)`: the keys to look up for a new registration: its own keys plus
  the ``@--`` name keys (records filed without a place) — or, when the new record has
  no province, its name keys in every province.
- `score(a, b)`: a `Match` with a score in 0..1 and the reasons (codes plus plain
  details; the caller translates the codes). Evidence is added as log-odds and turned
  into a probability-like score; `LIKELY_THRESHOLD` and `MATCH_THRESHOLD` are calibrated
  on the synthetic labelled set in ``bench/people_quality`` (see docs/matching.md).
- `find_duplicates(people)`: an in-memory batch dedupe (blocking + scoring); pairs
  whose cheap facts (sex, age, place, phones, documents) keep them below the threshold
  whatever their names say are ruled out before the full score.
  `build_index` + `find_duplicates_in_processes`: the same over forked processes.

Total: any input (None, wrong types, emoji, 1 MB names) gives a result, in bounded time
(at most `MAX_NAMES` names of `MAX_NAME_CHARS` characters, `MAX_WORDS` words each …).
Pure Python: imports nothing from Django. Keys are personal data: store only their HMACs.
"""

from __future__ import annotations

import functools
import gc
import math
import multiprocessing
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from migra.lib.khmer.digits import to_arabic_digits
from migra.lib.khmer.names import name_entries
from migra.lib.khmer.normalize import fold, normalize
from migra.lib.khmer.romanize import fold_latin, name_keys, romanize_variants

__all__ = [
    "LIKELY_THRESHOLD",
    "MATCH_THRESHOLD",
    "DedupeIndex",
    "DedupeStats",
    "Match",
    "PersonFacts",
    "Reason",
    "blocking_keys",
    "build_index",
    "find_duplicates",
    "find_duplicates_in_processes",
    "lookup_keys",
    "score",
]

# Calibrated on bench/people_quality (synthetic; see docs/matching.md).
# LIKELY: show the candidate to the worker / list it in the dedupe report.
# MATCH: very probably the same person (still a person decides before a merge).
LIKELY_THRESHOLD = 0.5
MATCH_THRESHOLD = 0.9

# Bounds on what is looked at (time and memory stay bounded on hostile input).
MAX_NAMES = 8
MAX_NAME_CHARS = 200
MAX_WORDS = 6
MAX_KEYS_PER_WORD = 6
MAX_PHONES = 8
MAX_DOCUMENTS = 8
MAX_NAME_PAIR_KEYS = 48
MAX_CODE_CHARS = 32
MAX_DEDUPE_BLOCK = 5000  # find_duplicates skips (and reports) blocks larger than this

PROVINCE_CODES = tuple(f"{i:02d}" for i in range(1, 26))  # the 25 provinces of Cambodia
NO_PLACE = "--"


@dataclass(frozen=True)
class PersonFacts:
    """What matching knows of a person (already decrypted; any field may be missing)."""

    names: tuple[str, ...] = ()
    birth_year: int | None = None
    birth_year_exact: bool = False
    village_code: str | None = None  # 8-digit village code; a 6/4/2-digit code = less precise
    phones: tuple[str, ...] = ()  # E.164, normalised by the caller
    documents: tuple[tuple[str, str], ...] = ()  # (kind, normalised number)
    sex: str | None = None  # 'f', 'm', anything else = unknown


@dataclass(frozen=True)
class Reason:
    """One piece of evidence. `code` is translated by the caller; `detail` holds plain
    arguments (numbers, document kinds) — never a name. `weight` is its log-odds."""

    code: str
    detail: dict[str, str | int] = field(default_factory=dict, hash=False, compare=False)
    weight: float = 0.0


@dataclass
class Match:
    score: float
    reasons: list[Reason]

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY_THRESHOLD

    @property
    def is_match(self) -> bool:
        return self.score >= MATCH_THRESHOLD


# --------------------------------------------------------------------------- weights

PRIOR = -5.0
W_NAME_FULL = 7.0  # family and given name keys meet
W_SAME_NAME = 0.5  # … and the folded text is identical
W_NAME_TYPO = 5.0  # one part meets, the other is one letter away
W_NAME_TYPO_BOTH = 3.0  # both one letter away
W_GIVEN_ONLY = 2.5  # a one-word name meets the other's given (or family) name
W_DIFFERENT_GIVEN = -6.0  # same family name, different given name (siblings)
W_DIFFERENT_FAMILY = -3.5  # same given name, different family name
W_DIFFERENT_NAMES = -8.0
W_SAME_DOCUMENT = 9.0
W_DIFFERENT_DOCUMENT = -3.0  # same kind of document, other number
W_SAME_PHONE = 5.0
W_DIFFERENT_SEX = -9.0
W_SAME_BIRTH_YEAR = 2.0  # both exact, same year
W_AGE_CLOSE = 1.5  # within two years
W_AGE_APART = -2.0  # 3–5 years
W_AGE_FAR = -5.0  # 6–9 years
W_AGE_VERY_FAR = -14.0  # 10 years or more (parent and child)
W_SAME_VILLAGE = 2.5
W_SAME_COMMUNE = 1.0  # one of them knows only the commune
W_SAME_COMMUNE_OTHER_VILLAGE = 0.0
W_SAME_DISTRICT = 0.3  # one knows only the district
W_OTHER_COMMUNE = -1.0  # same district, different commune
W_OTHER_DISTRICT = -2.0  # same province, different district
W_SAME_PROVINCE = 0.3  # one knows only the province
W_DIFFERENT_PROVINCE = -3.0

# Name keys so common that a meeting name says less (team judgement from public lists
# and the name table; not counted). Value: log-odds taken off a name match.
COMMON_NAME_KEYS: dict[str, float] = {
    # family names
    "sok": 1.5,
    "can": 1.2,
    "ce": 1.2,  # Chea
    "kim": 1.0,
    "heng": 1.0,
    "li": 1.0,  # Ly
    "mes": 0.8,  # Meas
    "keo": 0.8,
    "seng": 0.8,
    "hem": 0.6,
    "non": 0.6,  # Nuon
    "long": 0.6,
    "sim": 0.6,
    "prak": 0.6,
    "pen": 0.6,
    "ok": 0.6,  # Ouk
    "sam": 0.6,
    "sen": 0.5,
    "mao": 0.5,
    "toc": 0.5,  # Touch
    # given names
    "sopa": 1.2,  # Sophea
    "soka": 1.0,  # Sokha
    "dara": 1.0,
    "sreipo": 1.0,  # Sreypov
    "sopal": 0.8,
    "vana": 0.8,  # Vanna
    "canto": 0.6,  # Chanthou
    "bopa": 0.6,  # Bopha
    "sreimom": 0.6,
    "sreilek": 0.6,
    "pisei": 0.6,
    "sotea": 0.6,
    "rata": 0.6,
    "canta": 0.5,
    "vanak": 0.5,
    "sreinic": 0.5,
}


# --------------------------------------------------------------------------- input cleaning


def _strings(value: object, limit: int) -> list[str]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (tuple, list)):
        return []
    return [v for v in value[:limit] if isinstance(v, str)]


def _clean_number(value: str) -> str:
    text = value[:MAX_CODE_CHARS]
    if text.isascii() and text.replace("+", "").isalnum():
        return text.upper()  # already clean (a stored E.164 number): the usual case
    text = to_arabic_digits(text)
    return "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "+")).upper()


def _documents(value: object) -> frozenset[tuple[str, str]]:
    if not isinstance(value, (tuple, list)):
        return frozenset()
    docs = set()
    for item in value[:MAX_DOCUMENTS]:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            kind, number = item
            if isinstance(kind, str) and isinstance(number, str):
                k = "".join(ch for ch in kind[:MAX_CODE_CHARS].lower() if ch.isascii())
                n = _clean_number(number)
                if k and n:
                    docs.add((k.replace(":", "_"), n))
    return frozenset(docs)


# One object per year and per place code, shared by every profile that has it (a
# million profiles then hold a few thousand place tuples, not a million).
_YEARS = {year: year for year in range(1850, 2201)}
_NO_PLACE_CODES = ("", "", "", "")


def _year(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return _YEARS.get(value)
    return None


def _place(value: object) -> tuple[str, str, str, str]:
    """(province, district, commune, village) codes; '' where unknown.

    An 8-digit village code, or a 6/4/2-digit commune/district/province code when only
    that is known. Gazetteer codes like "170101-3" (villages without an official code)
    count as villages of commune 170101.
    """
    if not isinstance(value, str):
        return _NO_PLACE_CODES
    return _place_code(value.strip()[:MAX_CODE_CHARS])


@functools.lru_cache(maxsize=1 << 16)
def _place_code(text: str) -> tuple[str, str, str, str]:
    code = to_arabic_digits(text)
    if not code.isascii():
        return _NO_PLACE_CODES
    digits = len(code) - len(code.lstrip("0123456789"))
    province = code[:2] if digits >= 2 else ""
    district = code[:4] if digits >= 4 else ""
    commune = code[:6] if digits >= 6 else ""
    village = code if digits >= 6 and len(code) > 6 else ""
    return (province, district, commune, village)


# --------------------------------------------------------------------------- names


def _is_separator(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PSZC"


def _split_words(name: str) -> list[str]:
    text = normalize(name[:MAX_NAME_CHARS])
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if _is_separator(ch):
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words[:MAX_WORDS]


@functools.cache
def _spelling_families() -> dict[str, frozenset[str]]:
    """Key of a listed Latin spelling → the keys of every spelling of its name(s), so
    that two Latin spellings of one name meet (Chhim = Chhem, Sam = Som, Tie = Tea)."""
    families: dict[str, set[str]] = defaultdict(set)
    for entry in name_entries():
        keys = {fold_latin(s.replace(" ", "")) for s in entry.spellings} - {""}
        for key in keys:
            families[key] |= keys
    return {k: frozenset(v) for k, v in families.items()}


def _has_khmer(word: str) -> bool:
    return any("\u1780" <= ch <= "\u17ff" or "\u19e0" <= ch <= "\u19ff" for ch in word)


@functools.lru_cache(maxsize=1 << 16)
def _word_keys(word: str) -> frozenset[str]:
    keys = name_keys(word)
    if not _has_khmer(word):
        extra: set[str] = set()
        for key in keys:
            extra |= _spelling_families().get(key, frozenset())
        keys |= extra
    ranked = sorted(keys, key=lambda k: (len(k), k))
    return frozenset(ranked[:MAX_KEYS_PER_WORD])


@functools.lru_cache(maxsize=1 << 16)
def _word_spellings(word: str) -> frozenset[str]:
    """Lower-case ASCII spellings (for one-letter typos the keys fold differently)."""
    variants = romanize_variants(word) if _has_khmer(word) else [word]
    out = set()
    for v in variants[:MAX_KEYS_PER_WORD]:
        text = "".join(ch for ch in unicodedata.normalize("NFKD", v.lower()) if ch.isascii())
        text = "".join(ch for ch in text if ch.isalpha())
        if text:
            out.add(text[:MAX_NAME_CHARS])
    return frozenset(out)


def _skeleton(key: str) -> str:
    return "".join(ch for ch in key if ch not in "aeiou")


@dataclass(frozen=True, slots=True)
class _Part:
    """A family or given name (one or several words read as one)."""

    keys: frozenset[str]
    spellings: frozenset[str]
    skeletons: frozenset[str]


@functools.lru_cache(maxsize=1 << 17)
def _part(words: tuple[str, ...]) -> _Part:
    if len(words) == 1:
        keys = _word_keys(words[0])
        spellings = _word_spellings(words[0])
    else:
        combos: set[str] = {""}
        spelled: set[str] = {""}
        for word in words:
            combos = {c + k for c in combos for k in _word_keys(word)}
            spelled = {c + k for c in spelled for k in _word_spellings(word)}
            if len(combos) > MAX_KEYS_PER_WORD * 2:
                combos = set(sorted(combos)[: MAX_KEYS_PER_WORD * 2])
            if len(spelled) > MAX_KEYS_PER_WORD * 2:
                spelled = set(sorted(spelled)[: MAX_KEYS_PER_WORD * 2])
        combos |= _word_keys("".join(words))
        combos.discard("")
        spelled.discard("")
        keys, spellings = frozenset(combos), frozenset(spelled)
    skeletons = frozenset(sk for sk in (_skeleton(k) for k in keys) if len(sk) >= 3)
    return _Part(keys, spellings, skeletons)


# (family, given) readings of a name of two or more words
Split = tuple[_Part, _Part]


@dataclass(frozen=True, slots=True)
class _Profile:
    splits: tuple[Split, ...]
    singles: tuple[_Part, ...]  # one-word names
    texts: frozenset[str]  # folded name texts
    year: int | None
    exact: bool
    place: tuple[str, str, str, str]
    phones: frozenset[str]
    documents: frozenset[tuple[str, str]]
    sex: str


_EMPTY: frozenset[Any] = frozenset()  # shared by every profile without phones/documents


_NameParts = tuple[tuple[Split, ...], tuple[_Part, ...], frozenset[str]]


def _profile(facts: object, memo: dict[tuple[str, ...], _NameParts] | None = None) -> _Profile:
    """What scoring needs of `facts`. `memo` (a batch's own) makes everyone with the
    same names share one reading of them, however many names the batch holds."""
    names = tuple(n[:MAX_NAME_CHARS] for n in _strings(getattr(facts, "names", ()), MAX_NAMES))
    if memo is None:
        splits, singles, texts = _name_parts(names)
    else:
        parts = memo.get(names)
        if parts is None:
            parts = memo[names] = _name_parts(names)
        splits, singles, texts = parts
    sex = getattr(facts, "sex", None)
    exact = getattr(facts, "birth_year_exact", False)
    return _Profile(
        splits=splits,
        singles=singles,
        texts=texts,
        year=_year(getattr(facts, "birth_year", None)),
        exact=exact is True,
        place=_place(getattr(facts, "village_code", None)),
        phones=frozenset(
            p
            for p in (_clean_number(s) for s in _strings(getattr(facts, "phones", ()), MAX_PHONES))
            if len(p) >= 6
        )
        or _EMPTY,
        documents=_documents(getattr(facts, "documents", ())) or _EMPTY,
        sex=sex if sex in ("f", "m") else "",
    )


@functools.lru_cache(maxsize=1 << 16)
def _name_parts(names: tuple[str, ...]) -> _NameParts:
    """The readings of a person's names; one object for everyone with the same names
    (at most MAX_NAMES × MAX_NAME_CHARS characters per cache entry)."""
    splits: list[Split] = []
    singles: list[_Part] = []
    texts: set[str] = set()
    for name in names:
        words = _split_words(name)
        words = [w for w in words if _word_keys(w)]
        if not words:
            continue
        texts.add(fold(" ".join(words)))
        if len(words) == 1:
            singles.append(_part(tuple(words)))
            continue
        readings = [(words[:1], words[1:])]
        if len(words) > 2:
            readings.append((words[:-1], words[-1:]))
        for family, given in readings:
            fp, gp = _part(tuple(family)), _part(tuple(given))
            if fp.keys and gp.keys:
                splits.append((fp, gp))
    return tuple(splits), tuple(singles), frozenset(texts) or _EMPTY


def _near(x: str, y: str) -> bool:
    """One letter apart: dropped or added (shorter ≥ 2 letters), changed (≥ 4 letters)."""
    lx, ly = len(x), len(y)
    if lx > ly:
        x, y, lx, ly = y, x, ly, lx
    if ly - lx > 1 or x == y:
        return False
    if ly == lx:
        if lx < 4:
            return False
        diffs = 0
        for a, b in zip(x, y, strict=True):
            if a != b:
                diffs += 1
                if diffs > 1:
                    return False
        return True
    if lx < 2:
        return False
    i = 0
    while i < lx and x[i] == y[i]:
        i += 1
    return x[i:] == y[i + 1 :]


_NOTHING: frozenset[str] = frozenset()


def _meet(a: _Part, b: _Part) -> tuple[int, frozenset[str]]:
    """2 when keys are shared, 1 when one letter apart or the same consonants, else 0;
    with the keys that met (for commonness)."""
    shared = a.keys & b.keys
    if shared:
        return 2, shared
    for x in a.keys:
        for y in b.keys:
            if _near(x, y):
                return 1, frozenset((x, y))
    for x in a.spellings:
        for y in b.spellings:
            if _near(x, y):
                return 1, a.keys | b.keys
    if a.skeletons & b.skeletons:
        return 1, a.keys | b.keys
    return 0, _NOTHING


def _commonness(keys: frozenset[str]) -> float:
    return min((COMMON_NAME_KEYS.get(k, 0.0) for k in keys), default=0.0)


def _whole_keys(p: _Profile) -> set[str]:
    """Keys of the whole names (family and given joined, both orders)."""
    whole: set[str] = set()
    for f, g in p.splits:
        whole.update(x + y for x in f.keys for y in g.keys)
        whole.update(y + x for x in f.keys for y in g.keys)
    return whole


_Evidence = list[tuple[str, dict[str, str | int], float]]


def _names(a: _Profile, b: _Profile, out: _Evidence) -> None:
    if not (a.splits or a.singles) or not (b.splits or b.singles):
        return
    best: tuple[float, str, dict[str, str | int]] | None = None

    def consider(weight: float, code: str, detail: dict[str, str | int]) -> None:
        nonlocal best
        if best is None or weight > best[0]:
            best = (weight, code, detail)

    for fa, ga in a.splits:
        for fb, gb in b.splits:
            for swapped, (f1, f2), (g1, g2) in (
                (False, (fa, fb), (ga, gb)),
                (True, (fa, gb), (ga, fb)),
            ):
                mf, kf = _meet(f1, f2)
                mg, kg = _meet(g1, g2)
                common = _commonness(kf) + _commonness(kg)
                detail: dict[str, str | int] = {"swapped": int(swapped)}
                if mf == 2 and mg == 2:
                    same = bool(a.texts & b.texts)
                    consider(
                        W_NAME_FULL + (W_SAME_NAME if same else 0.0) - common,
                        "same_name" if same else "name_variants",
                        detail | {"common": int(common >= 1.5)},
                    )
                elif mf and mg:
                    weight = W_NAME_TYPO if mf + mg == 3 else W_NAME_TYPO_BOTH
                    consider(weight - common, "name_similar", detail)
                elif swapped:
                    continue  # a father's given name is often his child's family name
                elif mf == 2:
                    consider(W_DIFFERENT_GIVEN, "different_given_name", {})
                elif mg == 2:
                    consider(W_DIFFERENT_FAMILY, "different_family_name", {})
    for one, other in ((a, b), (b, a)):
        if not one.singles:
            continue
        whole = _whole_keys(other)
        for single in one.singles:
            # a one-word name may be a whole name typed without a space (សុខចាន់ធា)
            if single.keys & whole:
                consider(W_NAME_FULL - 1.0, "name_variants", {"swapped": 0, "common": 0})
            for f, g in other.splits:
                m, keys = _meet(single, g)
                if m == 0:
                    m, keys = _meet(single, f)
                if m:
                    weight = W_GIVEN_ONLY - _commonness(keys) - (1.0 if m == 1 else 0.0)
                    consider(weight, "given_name_only", {})
            for s in other.singles:
                m, keys = _meet(single, s)
                if m:
                    weight = W_GIVEN_ONLY - _commonness(keys) - (1.0 if m == 1 else 0.0)
                    consider(weight, "given_name_only", {})
    if best is None:
        out.append(("different_names", {}, W_DIFFERENT_NAMES))
    else:
        weight, code, detail = best
        out.append((code, detail, weight))


def _age_rule(a: _Profile, b: _Profile) -> tuple[str, float, int] | None:
    """(code, weight, years apart) when both ages are known."""
    if a.year is None or b.year is None:
        return None
    years = abs(a.year - b.year)
    if years == 0 and a.exact and b.exact:
        return ("same_birth_year", W_SAME_BIRTH_YEAR, years)
    if years <= 2:
        return ("age_close", W_AGE_CLOSE, years)
    if years <= 5:
        return ("age_apart", W_AGE_APART, years)
    if years < 10:
        return ("age_far", W_AGE_FAR, years)
    return ("age_far", W_AGE_VERY_FAR, years)


def _age(a: _Profile, b: _Profile, out: _Evidence) -> None:
    rule = _age_rule(a, b)
    if rule is not None:
        code, weight, years = rule
        out.append((code, {"years": years}, weight))


_PLACE_SAME = (
    ("same_province", W_SAME_PROVINCE),
    ("same_district", W_SAME_DISTRICT),
    ("same_commune", W_SAME_COMMUNE),
    ("same_village", W_SAME_VILLAGE),
)
_PLACE_DIFFERENT = (
    ("different_province", W_DIFFERENT_PROVINCE),
    ("other_district", W_OTHER_DISTRICT),
    ("other_commune", W_OTHER_COMMUNE),
    ("other_village", W_SAME_COMMUNE_OTHER_VILLAGE),
)


def _place_rule(a: _Profile, b: _Profile) -> tuple[str, float] | None:
    """Compare from the province down to the finest level both records know."""
    agreed = -1
    for level in range(4):
        x, y = a.place[level], b.place[level]
        if not x or not y:
            break
        if x != y:
            return _PLACE_DIFFERENT[level]
        agreed = level
    return _PLACE_SAME[agreed] if agreed >= 0 else None


def _places(a: _Profile, b: _Profile, out: _Evidence) -> None:
    rule = _place_rule(a, b)
    if rule is not None:
        out.append((rule[0], {}, rule[1]))


def _document_rule(a: _Profile, b: _Profile) -> tuple[str, str, float] | None:
    """(code, document kind, weight): a shared document, or one kind with two numbers."""
    shared = a.documents & b.documents
    if shared:
        return ("same_document", min(shared)[0], W_SAME_DOCUMENT)
    clash = sorted({k for k, _ in a.documents} & {k for k, _ in b.documents})
    if clash:
        return ("different_document", clash[0], W_DIFFERENT_DOCUMENT)
    return None


def _evidence(a: _Profile, b: _Profile) -> _Evidence:
    out: _Evidence = []
    document = _document_rule(a, b)
    if document is not None:
        code, kind, weight = document
        out.append((code, {"kind": kind}, weight))
    if a.phones & b.phones:
        out.append(("same_phone", {}, W_SAME_PHONE))
    _names(a, b, out)
    _age(a, b, out)
    _places(a, b, out)
    if a.sex and b.sex and a.sex != b.sex:
        out.append(("different_sex", {}, W_DIFFERENT_SEX))
    return out


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _score_profiles(a: _Profile, b: _Profile) -> Match:
    evidence = _evidence(a, b)
    total = PRIOR + sum(w for _c, _d, w in evidence)
    evidence.sort(key=lambda e: -abs(e[2]))
    reasons = [Reason(code, detail, weight) for code, detail, weight in evidence]
    return Match(score=round(_logistic(total), 4), reasons=reasons)


def score(a: PersonFacts, b: PersonFacts) -> Match:
    """How likely `a` and `b` are the same person: a score in 0..1 and the reasons,
    strongest first (codes listed in docs/matching.md)."""
    return _score_profiles(_profile(a), _profile(b))


# The most a name comparison can add (`_names`): the same name, not a common one.
NAME_BEST = max(
    W_NAME_FULL + W_SAME_NAME, W_NAME_TYPO, W_NAME_TYPO_BOTH, W_NAME_FULL - 1.0, W_GIVEN_ONLY, 0.0
)
_SLACK = 1e-9  # the same weights summed in another order may differ in the last bits


def _best_total(a: _Profile, b: _Profile) -> float:
    """The highest total log-odds `a` and `b` can reach: everything but their names as
    `_evidence` weighs it, plus the most a name comparison can add (`NAME_BEST`).
    A few set and integer tests; no name is compared."""
    total = PRIOR + NAME_BEST
    if a.documents and b.documents:
        document = _document_rule(a, b)
        if document is not None:
            total += document[2]
    if a.phones and b.phones and not a.phones.isdisjoint(b.phones):
        total += W_SAME_PHONE
    age = _age_rule(a, b)
    if age is not None:
        total += age[1]
    place = _place_rule(a, b)
    if place is not None:
        total += place[1]
    if a.sex and b.sex and a.sex != b.sex:
        total += W_DIFFERENT_SEX
    return total


def _ruled_out(a: _Profile, b: _Profile, threshold: float) -> bool:
    """True when `a` and `b` score below `threshold` whatever their names say: a
    different sex, ages ten years apart, another province … decided before the full
    score, which compares names (most of its cost). Never wrong: the score of such a
    pair is at most the logistic of `_best_total`."""
    return round(_logistic(_best_total(a, b) + _SLACK), 4) < threshold


# --------------------------------------------------------------------------- blocking


def _filed_keys(p: _Profile) -> set[str]:
    keys = {"p:" + phone for phone in p.phones}
    keys |= {f"d:{kind}:{number}" for kind, number in p.documents}
    province = p.place[0] or NO_PLACE
    pairs: set[str] = set()
    for family, given in p.splits:
        for f in sorted(family.keys):
            for g in sorted(given.keys):
                first, second = (f, g) if f <= g else (g, f)
                pairs.add(f"n:{first}+{second}")
    for pair in sorted(pairs)[:MAX_NAME_PAIR_KEYS]:
        keys.add(f"{pair}@{province}")
    commune = p.place[2]
    if commune:
        words: set[str] = set()
        for family, given in p.splits:
            words |= family.keys | given.keys
        for single in p.singles:
            words |= single.keys
        for word in sorted(words)[:MAX_NAME_PAIR_KEYS]:
            keys.add(f"w:{word}@{commune}")
    return keys


def blocking_keys(facts: PersonFacts) -> set[str]:
    """The keys `facts` is filed under (store their HMACs; see the module docstring)."""
    return _filed_keys(_profile(facts))


def lookup_keys(facts: PersonFacts) -> set[str]:
    """The keys to look up for candidates of `facts`: its own keys, plus the name keys
    of records filed without a province — or, when `facts` has no province, its name
    keys in every province."""
    keys = blocking_keys(facts)
    extra: set[str] = set()
    for key in keys:
        if key.startswith("n:"):
            stem, _, province = key.rpartition("@")
            if province == NO_PLACE:
                extra.update(f"{stem}@{code}" for code in PROVINCE_CODES)
            else:
                extra.add(f"{stem}@{NO_PLACE}")
    return keys | extra


# --------------------------------------------------------------------------- batch dedupe


@dataclass
class DedupeStats:
    blocks: int = 0
    largest_block: int = 0
    skipped_blocks: int = 0  # larger than the block limit (MAX_DEDUPE_BLOCK)
    skipped_people: int = 0
    pairs_scored: int = 0  # fully scored (names compared)
    pairs_ruled_out: int = 0  # below the threshold whatever their names (`_ruled_out`)

    def add(self, other: DedupeStats) -> None:
        """Fold in the counts of another part of the same index."""
        self.blocks = max(self.blocks, other.blocks)
        self.largest_block = max(self.largest_block, other.largest_block)
        self.skipped_blocks += other.skipped_blocks
        self.skipped_people += other.skipped_people
        self.pairs_scored += other.pairs_scored
        self.pairs_ruled_out += other.pairs_ruled_out


@dataclass
class DedupeIndex:
    """Profiles and blocks of a batch (build once, then score in parts).

    Blocks and each person's keys are kept as flat arrays of numbers (a block is a
    slice of `members`, a person's key ids a slice of `person_key_ids`): a tenth of
    the memory of lists and sets, and forked workers read them without writing to
    them (no reference counts), so copy-on-write leaves them shared."""

    profiles: list[_Profile]
    key_start: array[int]  # person i's key ids: person_key_ids[key_start[i]:key_start[i + 1]]
    person_key_ids: array[int]  # ascending for each person
    block_start: array[int]  # block k: members[block_start[k]:block_start[k + 1]]
    members: array[int]  # ascending in each block
    cross: list[tuple[int, int]]  # (block without province, same name in a province)
    kinds: bytes  # key id → its kind: ord("n"), ord("w"), ord("p") or ord("d")
    keys: list[str]  # key id → key text; only when built with keep_keys=True

    @property
    def block_count(self) -> int:
        return len(self.block_start) - 1

    def block(self, kid: int) -> array[int]:
        """The persons (indexes) filed under key `kid`, ascending."""
        return self.members[self.block_start[kid] : self.block_start[kid + 1]]

    def keys_of(self, i: int) -> array[int]:
        """The key ids of person `i`, ascending."""
        return self.person_key_ids[self.key_start[i] : self.key_start[i + 1]]


def build_index(people: Iterable[PersonFacts], *, keep_keys: bool = False) -> DedupeIndex:
    """Profiles, keys and blocks of `people` (any iterable: a generator reading a
    database in chunks keeps only the profiles, not the facts). `keep_keys` keeps the
    key texts too (benchmarks print them)."""
    profiles: list[_Profile] = []
    key_ids: dict[str, int] = {}
    key_start = array("q", [0])
    person_key_ids = array("q")
    memo: dict[tuple[str, ...], _NameParts] = {}
    for facts in people:
        prof = _profile(facts, memo)
        profiles.append(prof)
        person_key_ids.extend(
            sorted({key_ids.setdefault(k, len(key_ids)) for k in _filed_keys(prof)})
        )
        key_start.append(len(person_key_ids))
    # blocks: count, then place each person in each of their blocks (ascending)
    block_start = array("q", bytes(8 * (len(key_ids) + 1)))
    for kid in person_key_ids:
        block_start[kid + 1] += 1
    for kid in range(len(key_ids)):
        block_start[kid + 1] += block_start[kid]
    fill = array("q", block_start[:-1])
    members = array("q", bytes(8 * len(person_key_ids)))
    for index in range(len(profiles)):
        for kid in person_key_ids[key_start[index] : key_start[index + 1]]:
            members[fill[kid]] = index
            fill[kid] += 1
    # records without a province meet the same name in every province
    cross: list[tuple[int, int]] = []
    for key, kid in key_ids.items():
        if key.startswith("n:") and key.endswith("@" + NO_PLACE):
            stem = key[: -len(NO_PLACE)]
            for code in PROVINCE_CODES:
                other = key_ids.get(stem + code)
                if other is not None:
                    cross.append((kid, other))
    del memo
    kinds = bytes(ord(key[0]) for key in key_ids)
    keys = list(key_ids) if keep_keys else []
    return DedupeIndex(
        profiles, key_start, person_key_ids, block_start, members, cross, kinds, keys
    )


def find_duplicates(
    people: Iterable[PersonFacts],
    threshold: float = LIKELY_THRESHOLD,
    *,
    part: int = 0,
    parts: int = 1,
    stats: DedupeStats | None = None,
    index: DedupeIndex | None = None,
    max_block: int = MAX_DEDUPE_BLOCK,
    rule_out: bool = True,
) -> Iterator[tuple[int, int, Match]]:
    """Pairs (i, j, match), i < j indexes into `people`, scoring at least `threshold`.

    Every pair sharing a block is considered once. A pair whose cheap facts (sex, age,
    place, phones, documents) keep it below `threshold` whatever the names say is
    counted in `stats.pairs_ruled_out` and not scored (`rule_out=False` scores it
    anyway: the same pairs come out, slower). Blocks larger than `max_block` (a phone
    number typed for everyone …) are skipped and counted in `stats`. `part` of `parts`
    shards the work by block: build the index once (`build_index`), then run the parts
    in separate processes (`find_duplicates_in_processes`).
    """
    stats = stats if stats is not None else DedupeStats()
    idx = index if index is not None else build_index(people)
    profs, starts, members = idx.profiles, idx.block_start, idx.members
    stats.blocks = idx.block_count
    for kid in range(part, idx.block_count, parts):
        first, end = starts[kid], starts[kid + 1]
        size = end - first
        stats.largest_block = max(stats.largest_block, size)
        if size < 2:
            continue
        if size > max_block:
            stats.skipped_blocks += 1
            stats.skipped_people += size
            continue
        block = members[first:end]
        for x in range(size - 1):
            i = block[x]
            pi = profs[i]
            # consider each pair once: in the block of its smallest shared key, so
            # skip j when it shares one of i's keys smaller than this one
            smaller = {k for k in idx.keys_of(i) if k < kid}
            for y in range(x + 1, size):
                j = block[y]
                if smaller and not smaller.isdisjoint(idx.keys_of(j)):
                    continue
                if rule_out and _ruled_out(pi, profs[j], threshold):
                    stats.pairs_ruled_out += 1
                    continue
                stats.pairs_scored += 1
                match = _score_profiles(pi, profs[j])
                if match.score >= threshold:
                    yield (i, j, match)
    # A record without a province (`u`, filed under `n:…@--`) and one with it (`k`):
    # the pair comes up once for each name key of `u` that meets a key of `k`, and is
    # considered through the smallest of them (in that key's part).
    crossing: defaultdict[int, set[int]] = defaultdict(set)
    for unknown, known in idx.cross:
        crossing[unknown].add(known)
    for unknown, known in idx.cross:
        if unknown % parts != part:
            continue
        for u in idx.block(unknown)[:max_block]:
            ku = set(idx.keys_of(u))
            for k in idx.block(known)[:max_block]:
                kk = set(idx.keys_of(k))
                if not ku.isdisjoint(kk):
                    continue  # they share a block: considered there
                if any(o < unknown and not crossing[o].isdisjoint(kk) for o in ku if o in crossing):
                    continue
                i, j = (u, k) if u < k else (k, u)
                if rule_out and _ruled_out(profs[i], profs[j], threshold):
                    stats.pairs_ruled_out += 1
                    continue
                stats.pairs_scored += 1
                match = _score_profiles(profs[i], profs[j])
                if match.score >= threshold:
                    yield (i, j, match)


# What the forked workers of `find_duplicates_in_processes` read: (index, threshold,
# parts, max_block). Set only while the pool runs.
_SHARED: tuple[DedupeIndex, float, int, int] | None = None
DEDUPE_PARTS = 16  # at least; more parts than workers: even load, and progress to show


def _dedupe_part(part: int) -> tuple[DedupeStats, list[tuple[int, int, Match]]]:
    if _SHARED is None:
        raise RuntimeError("_dedupe_part runs inside find_duplicates_in_processes")
    index, threshold, parts, max_block = _SHARED
    stats = DedupeStats()
    found = list(
        find_duplicates(
            (),
            threshold,
            part=part,
            parts=parts,
            stats=stats,
            index=index,
            max_block=max_block,
        )
    )
    return stats, found


def find_duplicates_in_processes(
    index: DedupeIndex,
    threshold: float = LIKELY_THRESHOLD,
    *,
    workers: int = 2,
    stats: DedupeStats | None = None,
    max_block: int = MAX_DEDUPE_BLOCK,
    progress: Callable[[DedupeStats, int, int], None] | None = None,
) -> list[tuple[int, int, Match]]:
    """`find_duplicates` over `index` in `workers` forked processes (one: in this
    process), by parts; the pairs (i, j, match) in no particular order, each once.

    The workers share the index copy-on-write (fork; POSIX only) and send back only
    the pairs found. `progress(stats so far, parts done, parts)` is called in this
    process after each part. The caller must not hold anything a forked child may not
    share (an open database connection is safe only if the child never touches it:
    here it never does, and a worker leaves through os._exit).
    """
    global _SHARED
    if not 1 <= workers <= 1024:
        raise ValueError("workers is between 1 and 1024")
    stats = stats if stats is not None else DedupeStats()
    parts = max(DEDUPE_PARTS, 4 * workers)
    _SHARED = (index, threshold, parts, max_block)
    try:
        if workers == 1:
            return _collect(map(_dedupe_part, range(parts)), stats, parts, progress)
        # The workers only read the index: keep the collector off its objects, whose
        # headers it would write to, so that copy-on-write copies as little as it can.
        gc.freeze()
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results = pool.imap_unordered(_dedupe_part, range(parts))
                return _collect(results, stats, parts, progress)
        finally:
            gc.unfreeze()
    finally:
        _SHARED = None


def _collect(
    results: Iterable[tuple[DedupeStats, list[tuple[int, int, Match]]]],
    stats: DedupeStats,
    parts: int,
    progress: Callable[[DedupeStats, int, int], None] | None,
) -> list[tuple[int, int, Match]]:
    found: list[tuple[int, int, Match]] = []
    for done, (part_stats, pairs) in enumerate(results, start=1):
        stats.add(part_stats)
        found += pairs
        if progress is not None:
            progress(stats, done, parts)
    return found
