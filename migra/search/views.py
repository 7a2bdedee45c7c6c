"""The staff app's search page and its type-ahead. Results come only from
`search_for_user`, which filters by the user's permissions in SQL."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from migra.search.registry import doc_types
from migra.search.selectors import SearchResult, search_for_user
from migra.search.tokens import MAX_QUERY_CHARS

PAGE_LIMIT = 50
SUGGEST_LIMIT = 8


def _groups(results: list[SearchResult]) -> list[dict[str, Any]]:
    """Results grouped by type, groups in the order of their best result."""
    groups: dict[str, dict[str, Any]] = {}
    for result in results:
        group = groups.setdefault(
            result.doc_type,
            {"doc_type": result.doc_type, "label": result.type_label, "results": []},
        )
        group["results"].append(result)
    return list(groups.values())


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    chosen = request.GET.get("type", "")
    known = {entry.name: entry for entry in doc_types()}
    types = [chosen] if chosen in known else None
    found = search_for_user(request.user, query, doc_types=types, limit=PAGE_LIMIT) if query else []
    return render(
        request,
        "search/results.html",
        {
            "query": query[:MAX_QUERY_CHARS],
            "query_too_long": len(query) > MAX_QUERY_CHARS,
            "groups": _groups(found),
            "count": len(found),
            "chosen_type": chosen if types else "",
            "type_choices": [(e.name, e.label) for e in known.values()],
        },
    )


@require_GET
def suggest_json(request: HttpRequest) -> JsonResponse:
    """Type-ahead: ?q=text → the first few results the user may see."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Log in to search.")}, status=401)
    query = request.GET.get("q", "")
    found = search_for_user(request.user, query, limit=SUGGEST_LIMIT)
    return JsonResponse(
        {
            "results": [
                {
                    "type": r.doc_type,
                    "type_label": str(r.type_label),
                    "title": strip_tags(r.title),
                    "url": r.url,
                }
                for r in found
            ]
        }
    )
