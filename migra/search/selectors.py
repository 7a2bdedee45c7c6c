"""Reads of the search index: every result passes the permission API first.

- `search_for_user(user, query)`: staff search. For each document type the user's
  reach is `scope_q(user, type.permission, …)` over the document's agency and place
  path, in SQL, before anything is matched or counted.
- `search_public(query)`: only documents marked public (published stories, news …).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.safestring import SafeString

from migra.accounts.selectors import scope_q
from migra.search import engine
from migra.search.models import SearchDocument
from migra.search.registry import DocType, get_doc_type
from migra.search.registry import doc_types as registered_types
from migra.search.snippets import highlight
from migra.search.tokens import Query, analyse

_NOTHING = Q(pk__in=[])
PLACE_LOOKUP = "place__path"  # what scope_q writes for place_field="place"


@dataclass(frozen=True)
class SearchResult:
    doc_type: str
    type_label: str | Promise
    object_id: str
    title: SafeString
    url: str
    snippet: SafeString
    tier: int
    obj: Any


def _on_index(q: Q) -> Q:
    """scope_q's place lookups (place__path, place__path__startswith) on the index's
    place_path column."""
    rewritten = Q()
    rewritten.connector = q.connector
    rewritten.negated = q.negated
    for child in q.children:
        if isinstance(child, Q):
            rewritten.children.append(_on_index(child))
        else:
            key, value = cast(tuple[str, Any], child)
            if key.startswith(PLACE_LOOKUP):
                key = "place_path" + key[len(PLACE_LOOKUP) :]
            rewritten.children.append((key, value))
    return rewritten


def _type_reach(user: Any, entry: DocType) -> Q:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOTHING
    if entry.permission is None:
        reach = Q()
    else:
        reach = _on_index(
            scope_q(
                user,
                entry.permission,
                agency_field="agency_id" if entry.scoped_by_agency else None,
                place_field="place" if entry.scoped_by_place else None,
            )
        )
    return Q(doc_type=entry.name) & reach


def _entries(names: Iterable[str] | None) -> list[DocType]:
    if names is None:
        return registered_types()
    entries = []
    for name in names:
        try:
            entries.append(get_doc_type(name))
        except LookupError:
            continue
    return entries


def visible_documents_q(user: Any, doc_types: Iterable[str] | None = None) -> Q:
    """The index rows the user may find."""
    reach = _NOTHING
    for entry in _entries(doc_types):
        reach |= _type_reach(user, entry)
    return reach


def _results(hits: list[engine.Hit], query: Query, *, public: bool) -> list[SearchResult]:
    documents = SearchDocument.objects.in_bulk([hit.id for hit in hits])
    by_type: dict[str, list[SearchDocument]] = {}
    for row in documents.values():
        by_type.setdefault(row.doc_type, []).append(row)
    objects: dict[tuple[str, str], Any] = {}
    for doc_type, docs in by_type.items():
        kind = get_doc_type(doc_type)
        model = kind.model
        pks = [model._meta.pk.to_python(d.object_id) for d in docs]
        for pk, record in model._default_manager.in_bulk(pks).items():
            objects[(doc_type, str(pk))] = record
    results = []
    for hit in hits:
        document = documents.get(hit.id)
        if document is None:
            continue
        obj = objects.get((document.doc_type, document.object_id))
        if obj is None:
            continue  # deleted since it was indexed
        entry = get_doc_type(document.doc_type)
        # The index is a copy: if the record has moved or been unpublished since, trust
        # the record, not the copy.
        if entry.where(obj) != (document.agency_id, document.place_path[:80]):
            continue
        if public and not entry.is_public(obj):
            continue
        title = entry.display_of(obj) or document.title
        results.append(
            SearchResult(
                doc_type=document.doc_type,
                type_label=entry.label,
                object_id=document.object_id,
                title=highlight(title, query, width=max(len(title), 1)),
                url=entry.url_of(obj),
                snippet=highlight(entry.snippet_text(obj), query),
                tier=hit.tier,
                obj=obj,
            )
        )
    return results


def search_for_user(
    user: Any, query: str, *, doc_types: Iterable[str] | None = None, limit: int = 20
) -> list[SearchResult]:
    """What the user may find for `query`, best first. Never raises on any input."""
    analysed = analyse(query)
    if analysed.is_empty:
        return []
    where = visible_documents_q(user, doc_types)
    hits = engine.match(analysed, where, limit=limit)
    return _results(hits, analysed, public=False)


def search_public(
    query: str, *, doc_types: Iterable[str] | None = None, limit: int = 20
) -> list[SearchResult]:
    """Published material only: documents marked public, of the given types."""
    analysed = analyse(query)
    if analysed.is_empty:
        return []
    where = Q(is_public=True, doc_type__in=[e.name for e in _entries(doc_types)])
    hits = engine.match(analysed, where, limit=limit)
    return _results(hits, analysed, public=True)
