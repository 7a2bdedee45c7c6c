"""Text → search keys, the same way for documents and for queries.

Documents: `index_tokens(text)` — ICU words (`segment_keys`: normalised, case-folded,
Arabic digits), each split further at any character that is not a letter, a digit
or a combining mark ("3.5" → 3, 5; "a@b.com" → a, b, com), so that SQLite's FTS5
tokenizer and PostgreSQL's tsvector see exactly the same words.

Queries: `analyse(query)` — bounded (first MAX_QUERY_CHARS characters), cut into the
chunks the person typed (runs of word characters), each chunk's words, and — when the
query could be a name — the keyed hashes of each chunk's name keys. Input that holds
no word character (punctuation, emoji, zero-width characters, lone surrogates) gives
an empty query.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from migra.lib.khmer.digits import to_arabic_digits
from migra.lib.khmer.normalize import fold
from migra.lib.khmer.romanize import name_keys
from migra.lib.khmer.segment import segment_keys
from migra.search.blind import blind_keys

MAX_QUERY_CHARS = 200
MAX_CHUNKS = 8
MAX_TOKENS = 16
MAX_TOKEN_CHARS = 100  # longer "words" (a 1 MB run of letters) are cut: tsvector limit
MAX_INDEXED_CHARS = 200_000  # of one document's text; the rest is not searchable
MAX_NAME_CHUNK_CHARS = 40  # a longer chunk is not a name
MAX_NAME_CHUNKS = 4  # a query of more words is not looked up as a name


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM"


def word_parts(word: str) -> list[str]:
    """Split one word at characters that are not letters, digits or marks."""
    parts: list[str] = []
    start = None
    for i, char in enumerate(word):
        if _is_word_char(char):
            if start is None:
                start = i
        elif start is not None:
            parts.append(word[start:i][:MAX_TOKEN_CHARS])
            start = None
    if start is not None:
        parts.append(word[start:][:MAX_TOKEN_CHARS])
    return parts


def _clean_words(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        if len(word) <= MAX_TOKEN_CHARS and word.isalnum():
            out.append(word)  # the common case: nothing to split
        else:
            out.extend(word_parts(word))
    return out


def index_tokens(text: str) -> list[str]:
    """The search keys of a document's text, in order (duplicates kept)."""
    if not text:
        return []
    return _clean_words(segment_keys(text[:MAX_INDEXED_CHARS]))


def _chunks(text: str) -> list[str]:
    """Runs of word characters of the folded query: what the person typed as words."""
    folded = to_arabic_digits(fold(text))
    return word_parts(folded)


@dataclass(frozen=True)
class Chunk:
    text: str  # the typed word, folded
    tokens: tuple[str, ...]  # its ICU words (a compound typed as one chunk gives several)
    name_hashes: tuple[str, ...] = ()  # keyed hashes of its name keys


@dataclass(frozen=True)
class Query:
    raw: str
    chunks: tuple[Chunk, ...] = field(default=())
    # Ways to read the query as a name: each a list of name words, each word the keyed
    # hashes of its name keys. Adjacent typed words may form one name word ("Srey Pov"
    # is the one word ស្រីពៅ), so "Huot Srey Nich" is read as Huot|Srey|Nich,
    # Huot|SreyNich, HuotSrey|Nich and HuotSreyNich.
    name_readings: tuple[tuple[tuple[str, ...], ...], ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.chunks

    @property
    def tokens(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for chunk in self.chunks:
            for token in chunk.tokens:
                seen.setdefault(token, None)
        return tuple(seen)[:MAX_TOKENS]

    @property
    def is_name_query(self) -> bool:
        return bool(self.name_readings)


def _may_be_name(chunk: str) -> bool:
    return len(chunk) <= MAX_NAME_CHUNK_CHARS and any(c.isalpha() for c in chunk)


def analyse(query: object) -> Query:
    """The query as chunks, words and hashed name keys. Never raises."""
    if not isinstance(query, str):
        return Query(raw="")
    raw = query[:MAX_QUERY_CHARS]
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for text in _chunks(raw):
        if text in seen:
            continue
        seen.add(text)
        tokens = tuple(dict.fromkeys(_clean_words(segment_keys(text)))) or (text,)
        hashes: tuple[str, ...] = ()
        if _may_be_name(text):
            hashes = tuple(sorted(blind_keys(name_keys(text))))
        chunks.append(Chunk(text=text, tokens=tokens, name_hashes=hashes))
        if len(chunks) == MAX_CHUNKS:
            break
    return Query(raw=raw, chunks=tuple(chunks), name_readings=_name_readings(chunks))


def _name_readings(chunks: list[Chunk]) -> tuple[tuple[tuple[str, ...], ...], ...]:
    if not chunks or len(chunks) > MAX_NAME_CHUNKS or not all(c.name_hashes for c in chunks):
        return ()
    readings = []
    for cuts in range(2 ** (len(chunks) - 1)):
        groups: list[list[Chunk]] = [[chunks[0]]]
        for i, chunk in enumerate(chunks[1:]):
            if cuts & (1 << i):
                groups[-1].append(chunk)  # joined to the word before
            else:
                groups.append([chunk])
        words = []
        for group in groups:
            if len(group) == 1:
                words.append(group[0].name_hashes)
            else:
                joined = "".join(c.text for c in group)
                words.append(tuple(sorted(blind_keys(name_keys(joined)))))
        if all(words):
            readings.append(tuple(words))
    return tuple(readings)
