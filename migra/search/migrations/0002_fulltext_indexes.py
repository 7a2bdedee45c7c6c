"""Full-text indexes over the search table, one kind per database.

SQLite: two external-content FTS5 tables kept in step by triggers —
  search_fts  (unicode61; the Khmer, Khmer symbols, Thai, Lao and Myanmar blocks are
               token characters, so the already-segmented words stay whole: unicode61
               alone would cut Khmer at every vowel sign),
  search_trgm (trigram, case-sensitive: the words are already case-folded), for
               substrings of three characters or more.
PostgreSQL: pg_trgm, tsvectors generated from the words as they are (array_to_tsvector
of the space-separated words, no text-search parser), GIN indexes on both tsvectors
and a trigram GIN index on the words.
"""

from django.db import migrations


def _token_chars() -> str:
    ranges = [(0x1780, 0x17FF), (0x19E0, 0x19FF), (0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x1000, 0x109F)]
    return "".join(chr(c) for start, end in ranges for c in range(start, end + 1))


SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(body_tokens, name_keys, "
    "content='search_searchdocument', content_rowid='id', "
    f"tokenize=\"unicode61 remove_diacritics 0 tokenchars '{_token_chars()}'\")",
    "CREATE VIRTUAL TABLE search_trgm USING fts5(body_tokens, "
    "content='search_searchdocument', content_rowid='id', tokenize='trigram case_sensitive 1')",
    """CREATE TRIGGER search_doc_ai AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_fts(rowid, body_tokens, name_keys)
            VALUES (new.id, new.body_tokens, new.name_keys);
        INSERT INTO search_trgm(rowid, body_tokens) VALUES (new.id, new.body_tokens);
    END""",
    """CREATE TRIGGER search_doc_ad AFTER DELETE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, body_tokens, name_keys)
            VALUES ('delete', old.id, old.body_tokens, old.name_keys);
        INSERT INTO search_trgm(search_trgm, rowid, body_tokens)
            VALUES ('delete', old.id, old.body_tokens);
    END""",
    """CREATE TRIGGER search_doc_au AFTER UPDATE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, body_tokens, name_keys)
            VALUES ('delete', old.id, old.body_tokens, old.name_keys);
        INSERT INTO search_trgm(search_trgm, rowid, body_tokens)
            VALUES ('delete', old.id, old.body_tokens);
        INSERT INTO search_fts(rowid, body_tokens, name_keys)
            VALUES (new.id, new.body_tokens, new.name_keys);
        INSERT INTO search_trgm(rowid, body_tokens) VALUES (new.id, new.body_tokens);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_doc_au",
    "DROP TRIGGER IF EXISTS search_doc_ad",
    "DROP TRIGGER IF EXISTS search_doc_ai",
    "DROP TABLE IF EXISTS search_trgm",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_searchdocument ADD COLUMN body_tsv tsvector GENERATED ALWAYS AS "
    "(array_to_tsvector(string_to_array(body_tokens, ' '))) STORED",
    "ALTER TABLE search_searchdocument ADD COLUMN name_tsv tsvector GENERATED ALWAYS AS "
    "(array_to_tsvector(string_to_array(name_keys, ' '))) STORED",
    "CREATE INDEX search_body_tsv_idx ON search_searchdocument USING gin (body_tsv)",
    "CREATE INDEX search_name_tsv_idx ON search_searchdocument USING gin (name_tsv)",
    "CREATE INDEX search_body_trgm_idx ON search_searchdocument "
    "USING gin (body_tokens gin_trgm_ops)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS search_body_trgm_idx",
    "DROP INDEX IF EXISTS search_name_tsv_idx",
    "DROP INDEX IF EXISTS search_body_tsv_idx",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS name_tsv",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS body_tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_document")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
