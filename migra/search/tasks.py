"""Background work of the search index."""

from __future__ import annotations

from django_tasks import task

from migra.search.services import search_rebuild


@task()
def search_rebuild_task(doc_types: list[str] | None = None) -> dict[str, int]:
    """Rebuild the index of these types in the worker (after a gazetteer load, a key
    rotation …). Returns the number of records indexed per type."""
    return search_rebuild(doc_types=doc_types).indexed
