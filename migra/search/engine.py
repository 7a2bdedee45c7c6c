"""Matching: one search, two backends chosen by the database, the same results.

A document matches a query in one of three tiers, tried in order:

0. whole words: every word of the query is a word of the document — or, for a query
   that may be a name, every typed word's name keys meet the document's (blind) keys;
1. prefix: every typed word begins a word of the document (a compound typed as one
   chunk: its words, the last one as a prefix);
2. substring: every typed word is inside a word of the document.

Within a tier, the most recently indexed document first (the largest id). Each tier
is one query, ordered by id and limited, that skips what earlier tiers found; so a
page costs at most three indexed queries (on PostgreSQL each in two steps, see
`_postgres_newest`; on SQLite too for a user whose reach is filtered, `_sqlite_fts`).

SQLite: FTS5 (`search_fts`, tokenizer unicode61 with the Khmer, Thai, Lao and Myanmar
blocks as token characters, over the already-segmented words; `search_trgm`,
tokenizer trigram, for substrings of three characters or more; LIKE, bounded by the
LIMIT, for shorter ones). PostgreSQL: tsvectors built from the words as they are
(`array_to_tsvector`, no parser) with GIN indexes, and a pg_trgm GIN index for LIKE.
Both compare exact strings, so they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, transaction
from django.db.models import Q

from migra.search.models import SearchDocument
from migra.search.tokens import Query

WHOLE, PREFIX, SUBSTRING = 0, 1, 2
MAX_LIMIT = 200
MIN_TRIGRAM = 3  # shorter substrings are found by a bounded LIKE
MIN_PREFIX = 2  # a one-character prefix is a substring search
WINDOW = 1000  # PostgreSQL: newest rows walked before the indexes are used

TABLE = SearchDocument._meta.db_table


@dataclass(frozen=True)
class Hit:
    id: int
    tier: int


def _where_sql(where: Q) -> tuple[str, list[Any]] | None:
    """The filter as SQL over the document table (None: nothing can match)."""
    query = SearchDocument.objects.filter(where).query
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = query.where.as_sql(compiler, connection)
    except EmptyResultSet:
        return None
    except FullResultSet:
        return "1=1", []
    return (sql or "1=1"), list(params)


# --------------------------------------------------------------------------- SQLite


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _fts_whole(query: Query) -> str | None:
    if not query.tokens:
        return None
    return "body_tokens : (" + " AND ".join(_fts_phrase(t) for t in query.tokens) + ")"


def _fts_names(query: Query) -> str | None:
    if not query.is_name_query:
        return None
    readings = [
        "("
        + " AND ".join("(" + " OR ".join(_fts_phrase(h) for h in word) + ")" for word in reading)
        + ")"
        for reading in query.name_readings
    ]
    return "name_keys : (" + " OR ".join(readings) + ")"


def _fts_prefix(query: Query) -> str | None:
    groups = []
    for chunk in query.chunks:
        if len(chunk.text) < MIN_PREFIX:
            return None
        options = [_fts_phrase(chunk.text) + "*"]
        if len(chunk.tokens) > 1 or chunk.tokens[0] != chunk.text:
            *head, last = chunk.tokens
            if len(last) >= MIN_PREFIX:
                words = [_fts_phrase(t) for t in head] + [_fts_phrase(last) + "*"]
                options.append("(" + " AND ".join(words) + ")")
        groups.append("(" + " OR ".join(options) + ")")
    return "body_tokens : (" + " AND ".join(groups) + ")" if groups else None


Test = tuple[str, list[Any]]  # an SQL condition and its parameters


def _like_word(column: str, word: str, *, prefix: bool = False) -> Test:
    """`word` is a whole word (or begins one) of a space-joined column. Words hold only
    letters, digits and marks, so they need no LIKE escaping."""
    return f"(' ' || {TABLE}.{column} || ' ') LIKE %s", [f"% {word}{'' if prefix else ' '}%"]


def _join(operator: str, tests: list[Test]) -> Test:
    return "(" + f" {operator} ".join(sql for sql, _ in tests) + ")", [
        p for _, params in tests for p in params
    ]


def _like_whole(query: Query) -> Test:
    """What `_fts_whole` and `_fts_names` match, as LIKE tests (the recent window tests
    rows with them instead of asking FTS5)."""
    options = []
    if query.tokens:
        options.append(_join("AND", [_like_word("body_tokens", t) for t in query.tokens]))
    for reading in query.name_readings:
        words = [_join("OR", [_like_word("name_keys", h) for h in word]) for word in reading]
        options.append(_join("AND", words))
    return _join("OR", options)


def _like_prefix(query: Query) -> Test | None:
    """What `_fts_prefix` matches, as LIKE tests."""
    groups = []
    for chunk in query.chunks:
        if len(chunk.text) < MIN_PREFIX:
            return None
        options = [_like_word("body_tokens", chunk.text, prefix=True)]
        if len(chunk.tokens) > 1 or chunk.tokens[0] != chunk.text:
            *head, last = chunk.tokens
            if len(last) >= MIN_PREFIX:
                words = [_like_word("body_tokens", t) for t in head]
                words.append(_like_word("body_tokens", last, prefix=True))
                options.append(_join("AND", words))
        groups.append(_join("OR", options))
    return _join("AND", groups) if groups else None


def _sqlite_window(
    test: Test,
    where: tuple[str, list[Any]],
    exclude: Sequence[int],
    limit: int,
) -> tuple[list[int], int | None]:
    """Step 1 for a user whose reach is narrowed by a filter: the newest WINDOW rows in
    reach (read newest first through the filter's own indexes) tested with `test`.
    Returns the matches and the id of the oldest row of the window, below which FTS5 is
    to look further (None: nothing more to look for — the page is full, or the window
    held every row in reach)."""
    where_sql, where_params = where
    skip = ""
    if exclude:
        skip = f" AND {TABLE}.id NOT IN ({', '.join(['%s'] * len(exclude))})"
    test_sql, test_params = test
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {TABLE} WHERE id IN (SELECT id FROM {TABLE} "  # noqa: S608 - fixed names
            f"WHERE ({where_sql}) ORDER BY id DESC LIMIT %s) AND {test_sql}{skip} "
            "ORDER BY id DESC LIMIT %s",
            [*where_params, WINDOW, *test_params, *exclude, limit],
        )
        found = [row[0] for row in cursor.fetchall()]
        if len(found) >= limit:
            return found, None
        cursor.execute(
            f"SELECT id FROM {TABLE} WHERE ({where_sql}) ORDER BY id DESC LIMIT 1 OFFSET %s",  # noqa: S608 - fixed names
            [*where_params, WINDOW - 1],
        )
        row = cursor.fetchone()
    return found, (row[0] if row else None)


def _sqlite_fts(
    table: str,
    match: str,
    where: tuple[str, list[Any]],
    exclude: Sequence[int],
    limit: int,
    *,
    test: Test | None = None,
) -> list[int]:
    """FTS5 matches among the rows the filter allows, newest first.

    FTS5 yields its matches newest first and each is then tested against the filter:
    quick when most rows are in reach, slow for a narrowly scoped user and a common
    word (thousands of matches walked for the few in reach). So for a filtered user,
    when `test` (the same condition as LIKE tests) is given, the newest WINDOW rows in
    reach are tested first, and FTS5 is asked only for the older rows if those did not
    fill the page: their union is exactly the plain query's answer."""
    where_sql, where_params = where
    found: list[int] = []
    below: int | None = None
    if test is not None and where_sql != "1=1":
        found, below = _sqlite_window(test, where, exclude, limit)
        if below is None:
            return found
    skip_ids = [*exclude, *found]
    skip = ""
    if skip_ids:
        skip = f" AND {TABLE}.id NOT IN ({', '.join(['%s'] * len(skip_ids))})"
    older, older_params = "", []
    if below is not None:
        # On the table's id, not the FTS rowid: a rowid range makes SQLite walk the table
        # and ask FTS5 row by row (a rare name took 100 ms instead of 10).
        older, older_params = f" AND {TABLE}.id < %s", [below]
    sql = (
        f"SELECT {TABLE}.id FROM {table} JOIN {TABLE} ON {TABLE}.id = {table}.rowid "  # noqa: S608 - fixed names
        f"WHERE {table} MATCH %s{older} AND ({where_sql}){skip} "
        f"ORDER BY {table}.rowid DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *older_params, *where_params, *skip_ids, limit - len(found)])
        return found + [row[0] for row in cursor.fetchall()]


def _plain(
    conditions: list[str],
    params: list[Any],
    where: tuple[str, list[Any]],
    exclude: Sequence[int],
    limit: int,
) -> list[int]:
    where_sql, where_params = where
    parts = [f"({where_sql})", *conditions]
    if exclude:
        parts.append(f"id NOT IN ({', '.join(['%s'] * len(exclude))})")
    sql = f"SELECT id FROM {TABLE} WHERE {' AND '.join(parts)} ORDER BY id DESC LIMIT %s"  # noqa: S608 - fixed names
    with connection.cursor() as cursor:
        cursor.execute(sql, [*where_params, *params, *exclude, limit])
        return [row[0] for row in cursor.fetchall()]


def _sqlite_tier(
    tier: int, query: Query, where: tuple[str, list[Any]], exclude: list[int], limit: int
) -> list[int]:
    if tier == WHOLE:
        options = [m for m in (_fts_whole(query), _fts_names(query)) if m]
        if not options:
            return []
        match = " OR ".join(f"({m})" for m in options)
        return _sqlite_fts("search_fts", match, where, exclude, limit, test=_like_whole(query))
    if tier == PREFIX:
        prefix = _fts_prefix(query)
        if not prefix:
            return []
        return _sqlite_fts("search_fts", prefix, where, exclude, limit, test=_like_prefix(query))
    long = [c.text for c in query.chunks if len(c.text) >= MIN_TRIGRAM]
    short = [c.text for c in query.chunks if len(c.text) < MIN_TRIGRAM]
    conditions = [f"{TABLE}.body_tokens LIKE %s" for _ in query.chunks]
    params: list[Any] = [f"%{c.text}%" for c in query.chunks]
    if long and not short:
        match = " AND ".join(_fts_phrase(t) for t in long)
        test = ("(" + " AND ".join(conditions) + ")", params)
        return _sqlite_fts("search_trgm", match, where, exclude, limit, test=test)
    return _plain(conditions, params, where, exclude, limit)


# --------------------------------------------------------------------------- PostgreSQL


def _ts_word(word: str, prefix: bool = False) -> str:
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


def _ts_whole(query: Query) -> str | None:
    return " & ".join(_ts_word(t) for t in query.tokens) or None


def _ts_names(query: Query) -> str | None:
    if not query.is_name_query:
        return None
    return " | ".join(
        "("
        + " & ".join("(" + " | ".join(_ts_word(h) for h in word) + ")" for word in reading)
        + ")"
        for reading in query.name_readings
    )


def _ts_prefix(query: Query) -> str | None:
    groups = []
    for chunk in query.chunks:
        if len(chunk.text) < MIN_PREFIX:
            return None
        options = [_ts_word(chunk.text, prefix=True)]
        if len(chunk.tokens) > 1 or chunk.tokens[0] != chunk.text:
            *head, last = chunk.tokens
            if len(last) >= MIN_PREFIX:
                words = [_ts_word(t) for t in head] + [_ts_word(last, prefix=True)]
                options.append("(" + " & ".join(words) + ")")
        groups.append("(" + " | ".join(options) + ")")
    return " & ".join(groups) or None


def _postgres_tier(
    tier: int, query: Query, where: tuple[str, list[Any]], exclude: list[int], limit: int
) -> list[int]:
    conditions: list[str] = []
    params: list[Any] = []
    indexed = True  # can an index find the rows the conditions select?
    if tier == WHOLE:
        options = []
        whole = _ts_whole(query)
        if whole:
            options.append("body_tsv @@ %s::tsquery")
            params.append(whole)
        names = _ts_names(query)
        if names:
            options.append("name_tsv @@ %s::tsquery")
            params.append(names)
        if not options:
            return []
        conditions.append("(" + " OR ".join(options) + ")")
    elif tier == PREFIX:
        prefix = _ts_prefix(query)
        if not prefix:
            return []
        conditions.append("body_tsv @@ %s::tsquery")
        params.append(prefix)
    else:
        for chunk in query.chunks:
            conditions.append("body_tokens LIKE %s")
            params.append(f"%{chunk.text}%")
        # pg_trgm finds no trigram in a pattern shorter than three characters
        indexed = any(len(c.text) >= MIN_TRIGRAM for c in query.chunks)
    return _postgres_newest(conditions, params, where, exclude, limit, indexed=indexed)


def _postgres_newest(
    conditions: list[str],
    params: list[Any],
    where: tuple[str, list[Any]],
    exclude: Sequence[int],
    limit: int,
    *,
    indexed: bool,
) -> list[int]:
    """The newest `limit` rows in reach matching the conditions, in two steps whose
    union is exactly the plain "WHERE … ORDER BY id DESC LIMIT n" (docs/search.md).

    PostgreSQL's estimates for these conditions (words missing from the statistics,
    LIKE over Khmer trigrams, the ORed name keys, a narrow permission filter) are often
    far off, and it then either walks the primary key backwards through the whole
    table for a rare word or builds a bitmap of most of the table for a common one and
    sorts it. So:

    1. take the newest WINDOW rows in reach, by id from an index alone (the primary
       key, or (agency_id, id) for a user scoped to an agency), and test each against
       the conditions, stopping at `limit` matches: a common word or fragment is
       answered here, from a few rows;
    2. if that found fewer, the matches are rare (fewer than `limit` in WINDOW rows):
       the rows below the window are found through the GIN index of the conditions (a
       bitmap scan: plain index scans, i.e. the primary-key walk, and JIT are off for
       that one statement; the permission filter is tested on the rows found, not
       through its own indexes), and the few found are sorted.

    A LIKE of fewer than three characters has no index (no trigram): step 2 is then
    the plain walk, stopped by the LIMIT.
    """
    where_sql, where_params = where
    scope = f"({where_sql})"
    scope_params = [*where_params]
    if exclude:
        scope += f" AND {TABLE}.id NOT IN ({', '.join(['%s'] * len(exclude))})"
        scope_params.extend(exclude)
    matches = " AND ".join(conditions)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT recent.id FROM (SELECT id FROM {TABLE} WHERE {scope} "  # noqa: S608 - fixed names
            f"ORDER BY id DESC LIMIT %s) AS recent "
            f"WHERE (SELECT {matches} FROM {TABLE} AS doc WHERE doc.id = recent.id) "
            "ORDER BY recent.id DESC LIMIT %s",
            [*scope_params, WINDOW, *params, limit],
        )
        found = [row[0] for row in cursor.fetchall()]
        if len(found) >= limit:
            return found
        cursor.execute(
            f"SELECT id FROM {TABLE} WHERE {scope} ORDER BY id DESC OFFSET %s LIMIT 1",  # noqa: S608 - fixed names
            [*scope_params, WINDOW - 1],
        )
        row = cursor.fetchone()
        if row is None:
            return found  # the window held every row in reach
        # Rows written since step 1 move the window up: skip what step 1 found.
        # With an index for the conditions, the permission filter is a plain test on
        # the rows it finds (left indexable, PostgreSQL builds bitmaps of a whole agency
        # or province for it); without, it may guide the walk (agency_id, id).
        reach = f"({scope}) IS TRUE" if indexed else scope
        below = f"{reach} AND {matches} AND {TABLE}.id < %s"
        below_params = [*scope_params, *params, row[0]]
        if found:
            below += f" AND {TABLE}.id NOT IN ({', '.join(['%s'] * len(found))})"
            below_params.extend(found)
        if indexed:
            cursor.execute(
                "SELECT set_config('enable_indexscan', 'off', true), set_config('jit', 'off', true)"
            )
        cursor.execute(
            f"SELECT id FROM {TABLE} WHERE {below} ORDER BY id DESC LIMIT %s",  # noqa: S608 - fixed names
            [*below_params, limit - len(found)],
        )
        found.extend(row[0] for row in cursor.fetchall())
        if indexed:
            # SET LOCAL outlives a released savepoint: give an outer transaction back
            # its settings.
            cursor.execute("RESET enable_indexscan; RESET jit")
    return found


# --------------------------------------------------------------------------- entry point


def match(query: Query, where: Q, *, limit: int = 20) -> list[Hit]:
    """Documents matching the query among those the filter allows, best first."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    if query.is_empty:
        return []
    compiled = _where_sql(where)
    if compiled is None:
        return []
    tier_query = _sqlite_tier if connection.vendor == "sqlite" else _postgres_tier
    hits: list[Hit] = []
    found: list[int] = []
    for tier in (WHOLE, PREFIX, SUBSTRING):
        ids = tier_query(tier, query, compiled, found, limit - len(hits))
        hits.extend(Hit(id=i, tier=tier) for i in ids)
        found.extend(ids)
        if len(hits) >= limit:
            break
    return hits
