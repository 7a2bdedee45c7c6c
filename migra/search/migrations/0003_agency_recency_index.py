"""PostgreSQL: an index on (agency_id, id) carrying doc_type and place_path.

The PostgreSQL engine first walks a user's newest documents (see engine._postgres_newest):
for a user scoped to an agency this index gives them newest first from the index alone
(an index-only scan that tests the document type and place there), instead of walking
the whole table or reading every row of the agency. SQLite's FTS5 queries do not need it.
"""

from django.db import migrations

POSTGRES = [
    "CREATE INDEX search_doc_agency_recent_idx ON search_searchdocument "
    "(agency_id, id) INCLUDE (doc_type, place_path)",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS search_doc_agency_recent_idx"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext_indexes")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES}),
            _run({"postgresql": POSTGRES_REVERSE}),
        ),
    ]
