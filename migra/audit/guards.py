"""The database triggers that keep the audit trail append-only (see migration 0002)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from migra.audit.models import AuditChainHead, AuditEvent


def _audit_tables(using: str) -> list[str]:
    wanted = [AuditEvent._meta.db_table, AuditChainHead._meta.db_table]
    existing = set(connections[using].introspection.table_names())
    return [table for table in wanted if table in existing]


@contextmanager
def append_only_guards_lifted(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block with the audit triggers off, in one transaction.

    Only for wiping a whole database (`migra flush`, which the test suite runs
    between transactional tests). The triggers are back when the block ends,
    and if it fails, the transaction rolls back with them in place.
    """
    connection = connections[using]
    tables = _audit_tables(using)
    quote = connection.ops.quote_name
    with transaction.atomic(using=using):
        saved: list[tuple[str, str]] = []
        if tables:
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    placeholders = ", ".join(["%s"] * len(tables))
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master "  # noqa: S608  (placeholders only)
                        f"WHERE type = 'trigger' AND tbl_name IN ({placeholders})",
                        tables,
                    )
                    saved = list(cursor.fetchall())
                    for name, _sql in saved:
                        cursor.execute(f"DROP TRIGGER {quote(name)}")
                elif connection.vendor == "postgresql":
                    for table in tables:
                        cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
        yield
        if tables:
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    for _name, sql in saved:
                        cursor.execute(sql)
                elif connection.vendor == "postgresql":
                    for table in tables:
                        cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
