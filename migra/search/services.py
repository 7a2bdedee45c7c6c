"""Writes to the search index. Services of other apps call these inside their own write
transaction, right after saving the record (see docs/search.md):

    with transaction.atomic():
        story.save(update_fields=[...])
        audit_record(...)
        search_index_upsert(doc_type="story", obj=story)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from migra.lib.khmer.romanize import name_keys
from migra.search.blind import blind_keys
from migra.search.models import SearchDocument
from migra.search.registry import DocType, get_doc_type
from migra.search.registry import doc_types as registered_types
from migra.search.tokens import index_tokens

logger = logging.getLogger(__name__)

REBUILD_BATCH = 1000
_UPDATE_FIELDS = [
    "agency_id",
    "place_path",
    "is_public",
    "title",
    "body_tokens",
    "name_keys",
    "updated_at",
]


def _hashed_names(names: Iterable[str]) -> str:
    keys: set[str] = set()
    for name in names:
        keys |= name_keys(name)
    return " ".join(sorted(blind_keys(keys)))


def build_document(entry: DocType, obj: Any) -> SearchDocument:
    """The index row of one record (not saved)."""
    agency_id, place_path = entry.where(obj)
    tokens = []
    for text in entry.texts(obj):
        tokens.extend(index_tokens(text))
    return SearchDocument(
        doc_type=entry.name,
        object_id=str(obj.pk),
        agency_id=agency_id,
        place_path=place_path[:80],
        is_public=entry.is_public(obj),
        title=entry.title_of(obj)[:300],
        body_tokens=" ".join(tokens),
        name_keys=_hashed_names(entry.names(obj)),
        updated_at=timezone.now(),
    )


def _write(documents: list[SearchDocument]) -> None:
    """Replace these documents' rows: delete, then insert, so that each gets a new, larger
    id (recency). Two writers of one document at once still leave one row: the insert
    updates the row another transaction inserted in between."""
    if not documents:
        return
    with transaction.atomic():
        by_type: dict[str, list[str]] = {}
        for document in documents:
            by_type.setdefault(document.doc_type, []).append(document.object_id)
        for doc_type, object_ids in by_type.items():
            SearchDocument.objects.filter(doc_type=doc_type, object_id__in=object_ids).delete()
        SearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["doc_type", "object_id"],
            update_fields=_UPDATE_FIELDS,
        )


def search_index_upsert(*, doc_type: str, obj: Any) -> None:
    """Index (or re-index) one record. A record its type says not to index is removed."""
    entry = get_doc_type(doc_type)
    if not entry.should_index(obj):
        search_index_delete(doc_type=doc_type, object_id=obj.pk)
        return
    _write([build_document(entry, obj)])


def search_index_followers(obj: Any) -> None:
    """Index again the records of every type that follows `obj`'s model (see
    `register(follows=...)`): call after changing or erasing such a record."""
    label = obj._meta.label
    for entry in registered_types():
        if entry.follows is None or entry.follows[0] != label:
            continue
        for record in entry.follows[1](obj):
            search_index_upsert(doc_type=entry.name, obj=record)


def search_index_delete(*, doc_type: str, object_id: Any) -> None:
    """Remove one record from the index (when it is deleted, erased or withdrawn)."""
    get_doc_type(doc_type)  # unknown types are a programming error
    SearchDocument.objects.filter(doc_type=doc_type, object_id=str(object_id)).delete()


@dataclass
class RebuildResult:
    indexed: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)


def search_rebuild(
    *, doc_types: Iterable[str] | None = None, batch_size: int = REBUILD_BATCH
) -> RebuildResult:
    """Index every record of the given types (all registered types by default), in
    batches of `batch_size` records, each batch one transaction; then remove rows of
    records that no longer exist. Search keeps answering while it runs."""
    entries = [get_doc_type(t) for t in doc_types] if doc_types is not None else registered_types()
    result = RebuildResult()
    for entry in entries:
        started = SearchDocument.objects.order_by("-id").values_list("id", flat=True).first() or 0
        count = 0
        batch: list[SearchDocument] = []
        # In the queryset's order (oldest first, if it says so), else by primary key: the
        # last written gets the largest id, which is what "newest first" reads.
        objects = entry.all_objects()
        if not objects.ordered:
            objects = objects.order_by("pk")
        for obj in objects.iterator(chunk_size=batch_size):
            if not entry.should_index(obj):
                continue
            batch.append(build_document(entry, obj))
            if len(batch) >= batch_size:
                _write(batch)
                count += len(batch)
                batch = []
        _write(batch)
        count += len(batch)
        removed, _ = SearchDocument.objects.filter(doc_type=entry.name, id__lte=started).delete()
        result.indexed[entry.name] = count
        result.removed[entry.name] = removed
        logger.info("search index: %s rebuilt, %d indexed, %d removed", entry.name, count, removed)
    return result
