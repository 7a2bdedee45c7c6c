"""Which records are searchable, and how each kind of record is indexed and shown.

An app makes its records searchable in its AppConfig.ready():

    from migra.search.registry import register

    register(
        "case",
        model="cases.Case",
        label=_("Cases"),
        permission=Perm.VIEW_CASES,
        agency_field="agency_id",
        place_field="place",              # a ForeignKey to places.Place
        text_fields=["summary", lambda case: case.notes_text()],
        url=lambda case: reverse("cases:detail", args=[case.pk]),
    )

and calls `search_index_upsert` / `search_index_delete` in the services that write
those records (see docs/search.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet
from django.utils.functional import Promise

FieldSpec = str | Callable[[Any], Any]


def _read(obj: Any, spec: FieldSpec) -> Any:
    if callable(spec):
        return spec(obj)
    value = obj
    for part in spec.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _texts(obj: Any, specs: Sequence[FieldSpec]) -> list[str]:
    out: list[str] = []
    for spec in specs:
        value = _read(obj, spec)
        if value is None:
            continue
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, Iterable):
            out.extend(str(v) for v in value if v is not None)
        else:
            out.append(str(value))
    return out


@dataclass(frozen=True)
class DocType:
    name: str
    model_label: str
    label: str | Promise
    permission: str | None
    agency_field: FieldSpec | None
    place_field: FieldSpec | None
    scope: Callable[[Any], tuple[int | None, str]] | None
    text_fields: tuple[FieldSpec, ...]
    name_fields: tuple[FieldSpec, ...]
    title: FieldSpec | None
    display: Callable[[Any], str] | None
    public: Callable[[Any], bool] | None
    url: Callable[[Any], str] | None
    snippet: FieldSpec | None
    queryset: Callable[[], QuerySet[Any]] | None
    indexable: Callable[[Any], bool] | None
    # (model label, records of this type that show something of such a record): they
    # are indexed again when that record changes (a case shows its person's names).
    follows: tuple[str, Callable[[Any], Iterable[Any]]] | None = None

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.model_label)

    @property
    def scoped_by_agency(self) -> bool:
        return self.agency_field is not None or self.scope is not None

    @property
    def scoped_by_place(self) -> bool:
        return self.place_field is not None or self.scope is not None

    def all_objects(self) -> QuerySet[Any]:
        if self.queryset is not None:
            return self.queryset()
        return self.model._default_manager.all()

    # ---------------------------------------------------------------- what is indexed

    def where(self, obj: Any) -> tuple[int | None, str]:
        """(agency id, place path) of a record."""
        if self.scope is not None:
            agency_id, path = self.scope(obj)
            return agency_id, path or ""
        agency_id = None
        if self.agency_field is not None:
            value = _read(obj, self.agency_field)
            agency_id = getattr(value, "pk", value)
        path = ""
        if self.place_field is not None:
            place = _read(obj, self.place_field)
            path = getattr(place, "path", place) or ""
        return (int(agency_id) if agency_id is not None else None), str(path)

    def texts(self, obj: Any) -> list[str]:
        return _texts(obj, self.text_fields)

    def names(self, obj: Any) -> list[str]:
        return _texts(obj, self.name_fields)

    def title_of(self, obj: Any) -> str:
        if self.title is None:
            return ""
        value = _read(obj, self.title)
        return "" if value is None else str(value)

    def is_public(self, obj: Any) -> bool:
        return bool(self.public(obj)) if self.public is not None else False

    def should_index(self, obj: Any) -> bool:
        return self.indexable(obj) if self.indexable is not None else True

    # ---------------------------------------------------------------- what results show

    def display_of(self, obj: Any) -> str:
        return self.display(obj) if self.display is not None else self.title_of(obj)

    def url_of(self, obj: Any) -> str:
        return self.url(obj) if self.url is not None else ""

    def snippet_text(self, obj: Any) -> str:
        if self.snippet is None:
            return ""
        value = _read(obj, self.snippet)
        return "" if value is None else str(value)


_REGISTRY: dict[str, DocType] = {}


def register(
    doc_type: str,
    *,
    model: str | type[Model],
    label: str | Promise,
    permission: str | None,
    agency_field: FieldSpec | None = None,
    place_field: FieldSpec | None = None,
    scope: Callable[[Any], tuple[int | None, str]] | None = None,
    text_fields: Sequence[FieldSpec] = (),
    name_fields: Sequence[FieldSpec] = (),
    title: FieldSpec | None = None,
    display: Callable[[Any], str] | None = None,
    public: Callable[[Any], bool] | None = None,
    url: Callable[[Any], str] | None = None,
    snippet: FieldSpec | None = None,
    queryset: Callable[[], QuerySet[Any]] | None = None,
    indexable: Callable[[Any], bool] | None = None,
    follows: tuple[str, Callable[[Any], Iterable[Any]]] | None = None,
) -> DocType:
    """Make a kind of record searchable.

    - `permission`: the permission that lets a user find these records in staff
      search, checked with the permission API over the record's agency and place
      (`agency_field` / `place_field` — attribute paths or callables — or `scope`, a
      callable giving (agency id, place path)). None: any logged-in user.
    - `text_fields`: the searchable text (attribute paths or callables; a callable may
      return several strings). Never put personal names here: use `name_fields`, which
      are indexed only as keyed hashes of their phonetic keys.
    - `title`: stored and shown in results (leave it out when it is personal data and
      give `display`, computed from the loaded record when results are shown).
    - `public`: whether a record may be found by the public site's search.
    - `snippet`: the text cut around the first match in results.
    - `queryset`: the records to index on rebuild (default: all); `indexable`: whether
      one record is indexed at all (e.g. not when withdrawn).
    - `follows`: ("app.Model", records_of) when these records index something of
      another record (a case, its person's name keys): `search_index_followers(obj)`,
      called by that record's services, indexes `records_of(obj)` again.
    """
    if not doc_type or len(doc_type) > 32:
        raise ValueError("a document type is 1 to 32 characters")
    if scope is not None and (agency_field is not None or place_field is not None):
        raise ValueError("give either scope or agency_field/place_field, not both")
    model_label = model if isinstance(model, str) else model._meta.label
    existing = _REGISTRY.get(doc_type)
    if existing is not None and existing.model_label != model_label:
        raise ValueError(f"document type {doc_type!r} is already registered")
    entry = DocType(
        name=doc_type,
        model_label=model_label,
        label=label,
        permission=permission,
        agency_field=agency_field,
        place_field=place_field,
        scope=scope,
        text_fields=tuple(text_fields),
        name_fields=tuple(name_fields),
        title=title,
        display=display,
        public=public,
        url=url,
        snippet=snippet,
        queryset=queryset,
        indexable=indexable,
        follows=follows,
    )
    _REGISTRY[doc_type] = entry
    return entry


def unregister(doc_type: str) -> None:
    """For tests only."""
    _REGISTRY.pop(doc_type, None)


def get_doc_type(doc_type: str) -> DocType:
    try:
        return _REGISTRY[doc_type]
    except KeyError:
        raise LookupError(f"unknown search document type {doc_type!r}") from None


def doc_types() -> list[DocType]:
    return list(_REGISTRY.values())
