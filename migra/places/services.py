"""Writes to the gazetteer. The only writer is the loader: places come from packages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.lib.khmer.normalize import normalize
from migra.places.models import Place
from migra.places.normalise import search_key, search_text
from migra.places.sources import PlaceRecord, gazetteer_records

BATCH_SIZE = 1000

# The stored columns the loader owns, compared to decide "unchanged".
_FIELDS = (
    "kind",
    "parent_id",
    "path",
    "depth",
    "name_km",
    "name_en",
    "name_th",
    "key_km",
    "key_en",
    "key_th",
    "search_text",
)
_UPDATE_FIELDS = [f if f != "parent_id" else "parent" for f in _FIELDS]


@dataclass
class GazetteerResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Places in the database that the packages no longer list. Kept: records may
    # point at them.
    obsolete: int = 0
    # How many places of each kind the source holds.
    by_kind: Counter[str] = field(default_factory=Counter)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _values(record: PlaceRecord, parent_id: int | None) -> tuple[Any, ...]:
    # Names are stored in the project's normal form (the source types some Khmer
    # syllables in a non-canonical order); they look the same.
    name_km, name_en, name_th = (
        normalize(n)[:200] for n in (record.name_km, record.name_en, record.name_th)
    )
    return (
        str(record.kind),
        parent_id,
        record.path,
        record.depth,
        name_km,
        name_en,
        name_th,
        search_key(name_km)[:200],
        search_key(name_en)[:200],
        search_key(name_th)[:200],
        search_text(
            name_km=name_km,
            name_en=name_en,
            name_th=name_th,
            code=record.code,
            aliases=record.aliases,
        )[:600],
    )


# Any fixed number: the key of the PostgreSQL advisory lock that serialises loaders.
_LOCK_KEY = 7_263_501


def _lock_gazetteer() -> None:
    """Let one loader run at a time (two app servers starting together).

    SQLite needs nothing: its write transactions start IMMEDIATE, one at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def gazetteer_load(
    *, dry_run: bool = False, records: list[PlaceRecord] | None = None
) -> GazetteerResult:
    """Create or update every place from the packages, by code, in one transaction.

    Idempotent: a second run finds every row unchanged and writes nothing.
    `dry_run` counts what would change and writes nothing. `records` replaces the
    package data (tests).
    """
    if records is None:
        records = gazetteer_records()
    result = GazetteerResult(dry_run=dry_run, by_kind=Counter(str(r.kind) for r in records))
    with transaction.atomic():
        _lock_gazetteer()
        stored = {row[0]: row[1:] for row in Place.objects.values_list("code", "id", *_FIELDS)}
        ids = {code: row[0] for code, row in stored.items()}
        # Parents come before children; create level by level so parents have ids.
        for depth in sorted({r.depth for r in records}):
            to_create: list[Place] = []
            to_update: list[Place] = []
            for record in (r for r in records if r.depth == depth):
                parent_id = ids.get(record.parent_code) if record.parent_code else None
                values = _values(record, parent_id)
                row = stored.get(record.code)
                if row is None:
                    to_create.append(
                        Place(code=record.code, **dict(zip(_FIELDS, values, strict=True)))
                    )
                elif tuple(row[1:]) != values:
                    place = Place(
                        pk=row[0], code=record.code, **dict(zip(_FIELDS, values, strict=True))
                    )
                    to_update.append(place)
                else:
                    result.unchanged += 1
            result.created += len(to_create)
            result.updated += len(to_update)
            if dry_run:
                continue
            if to_create:
                Place.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
                ids.update(Place.objects.filter(depth=depth).values_list("code", "id"))
            if to_update:
                Place.objects.bulk_update(to_update, _UPDATE_FIELDS, batch_size=BATCH_SIZE)
        source_codes = {r.code for r in records}
        result.obsolete = sum(1 for code in stored if code not in source_codes)
        if result.changed and not dry_run:
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                object_type="places.place",
                object_label="gazetteer",
                changes={
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            # Places are searchable (migra.search): index them again, in the worker.
            from migra.search.tasks import search_rebuild_task

            transaction.on_commit(lambda: search_rebuild_task.enqueue(doc_types=["place"]))
    return result
