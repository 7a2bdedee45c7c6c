"""Documents in the search index (doc type "document").

Staff search: holders of EDIT_SITE find every document, drafts included. Public search
(`search_public`): published documents only. The text is the titles and descriptions in
every language; results link to the public page of a published document and to the
staff page of a draft.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from migra.accounts.roles import Perm
from migra.search.registry import register


def _titles(document: Any) -> list[str]:
    return [t for t in (document.title_km, document.title_en, document.title_th) if t]


def _descriptions(document: Any) -> list[str]:
    return [
        d for d in (document.description_km, document.description_en, document.description_th) if d
    ]


def _url(document: Any) -> str:
    if document.is_published:
        return reverse("public-documents:detail", args=[document.pk])
    return reverse("documents:edit", args=[document.pk])


def _documents() -> QuerySet[Any]:
    from migra.documents.models import Document

    return Document.objects.order_by("updated_at", "pk")


register(
    "document",
    model="documents.Document",
    label=gettext_lazy("Documents"),
    permission=Perm.EDIT_SITE,
    text_fields=[_titles, _descriptions],
    title="title_km",
    display=lambda document: document.title,
    public=lambda document: bool(document.is_published),
    url=_url,
    snippet=lambda document: document.description,
    queryset=_documents,
)
