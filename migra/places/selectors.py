"""Reads of the gazetteer: type-ahead search, lookups by code, the tree around a place.

Places are not personal data and every role may look them up; permission checks
happen in the views and the API (Perm.VIEW_PLACES).

Search works on the keys of `migra.places.normalise`:

1. prefix matches on a name (Khmer, English, Thai) or on the code, through the
   indexed key columns (a range scan on SQLite, `LIKE 'q%'` on PostgreSQL's
   pattern index); exact matches first;
2. only when those do not fill the page, substring matches on `search_text`
   (every name, the aliases and the code), which reads the whole table once;
   not for one-letter queries; digits only at the start of a word (codes are read
   from their start).

Within each tier: larger places first (lower depth), places in Cambodia before
places abroad, then shorter names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length

from migra.places.models import Place, PlaceKind
from migra.places.normalise import code_key, script_of, search_key

MAX_QUERY_LENGTH = 100
MAX_LIMIT = 100
CAMBODIA = "KH"

# The columns a label needs: ancestors are fetched with these only.
_LABEL_FIELDS = ("id", "code", "kind", "path", "depth", "name_km", "name_en", "name_th")


@dataclass(frozen=True)
class PlaceMatch:
    """A place with its ancestors (root first), as search results and lists show it."""

    place: Place
    ancestors: tuple[Place, ...]

    @property
    def label(self) -> str:
        """ "Village, Commune, District, Province" in the active language.

        Places in Cambodia stop at the province; places abroad end with the country.
        """
        return place_label(self.place, self.ancestors)


def place_label(place: Place, ancestors: Sequence[Place]) -> str:
    chain = [place, *reversed(ancestors)]
    if place.is_in_cambodia and len(chain) > 1:
        chain = [p for p in chain if p.code != CAMBODIA]
    return ", ".join(p.name for p in chain)


def valid_kinds(kinds: Iterable[str] | None) -> list[str] | None:
    """The kinds as a list, or None for "any kind". Unknown kinds raise ValueError."""
    if kinds is None:
        return None
    chosen = [str(k) for k in kinds]
    unknown = [k for k in chosen if k not in PlaceKind.values]
    if unknown:
        raise ValueError(f"unknown place kind: {unknown[0][:40]!r}")
    return chosen


def _prefix_q(column: str, value: str) -> Q:
    """`column` starts with `value`, in a form the database answers from its index."""
    if connection.vendor == "sqlite":
        # SQLite's LIKE ignores the index (it is case-insensitive); a range on the
        # binary-ordered column does not. U+10FFFF sorts after every other character.
        return Q(**{f"{column}__gte": value, f"{column}__lt": value + "\U0010ffff"})
    return Q(**{f"{column}__startswith": value})


def inside_q(place: Place, *, include_self: bool = True) -> Q:
    """Places inside `place` (and the place itself unless told otherwise)."""
    q = _prefix_q("path", place.path + "/")
    return q | Q(pk=place.pk) if include_self else q


_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def _looks_like_code(text: str) -> bool:
    return 0 < len(text) <= 16 and all(c in _CODE_CHARS for c in text)


def _filtered(kinds: list[str] | None, within: Place | None) -> QuerySet[Place]:
    queryset = Place.objects.all()
    if kinds is not None:
        queryset = queryset.filter(kind__in=kinds)
    if within is not None:
        queryset = queryset.filter(inside_q(within))
    return queryset


def _ranked(queryset: QuerySet[Place], order_key: str) -> QuerySet[Place]:
    """Annotate what results are ordered by after depth: Cambodia first, short names first."""
    in_cambodia = Q(path=CAMBODIA) | _prefix_q("path", CAMBODIA + "/")
    return queryset.annotate(
        abroad=Case(
            When(in_cambodia, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        key_length=Length(order_key),
    )


def places_search(
    *,
    query: str,
    kinds: Iterable[str] | None = None,
    within: Place | None = None,
    limit: int = 20,
) -> list[PlaceMatch]:
    """Type-ahead search by name (Khmer, English, Thai) or code.

    Empty, blank or over-long (> 100 characters) queries find nothing. Unknown kinds
    raise ValueError (callers turn it into a 400).
    """
    chosen_kinds = valid_kinds(kinds)
    if not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH:
        return []
    key = search_key(query)
    code = code_key(query)
    if not _looks_like_code(code):
        code = ""
    if not key and not code:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    base = _filtered(chosen_kinds, within)
    order_key = {"km": "key_km", "th": "key_th"}.get(script_of(query), "key_en")

    prefix = Q()
    if key:
        for column in ("key_km", "key_en", "key_th"):
            prefix |= _prefix_q(column, key)
    if code:
        prefix |= _prefix_q("code", code)
    ordering = ("depth", "abroad", "key_length", order_key, "code")
    found = list(_ranked(base.filter(prefix), order_key).order_by(*ordering)[:limit])
    # Substring matches help from two letters on. Digits are codes, read from their
    # start ("0201" inside "01020101" means nothing): for them only whole words of
    # search_text count, which finds the source's codes kept as aliases.
    if len(found) < limit and len(key) > 1:
        seen = [p.pk for p in found]
        inside = Q(search_text__contains=(" " + key) if key.isdigit() else key)
        found += list(
            _ranked(base.filter(inside).exclude(pk__in=seen), order_key).order_by(*ordering)[
                : limit - len(found)
            ]
        )
    return with_ancestors(found)


def with_ancestors(places: Iterable[Place]) -> list[PlaceMatch]:
    """Pair each place with its ancestors, all fetched in one query from the paths."""
    places = list(places)
    codes: set[str] = set()
    for place in places:
        codes.update(place.path.split("/")[:-1])
    by_code: dict[str, Place] = {}
    if codes:
        by_code = {p.code: p for p in Place.objects.filter(code__in=codes).only(*_LABEL_FIELDS)}
    return [
        PlaceMatch(
            place=place,
            ancestors=tuple(by_code[c] for c in place.path.split("/")[:-1] if c in by_code),
        )
        for place in places
    ]


def place_by_code(code: str) -> Place | None:
    """The place with this code ("01", "0102", "TH-27", "th-27", "០១"), or None."""
    if not isinstance(code, str) or not _looks_like_code(code_key(code)):
        return None
    return Place.objects.filter(code=code_key(code)).first()


def places_by_codes(codes: Iterable[str]) -> dict[str, Place]:
    keys = {code_key(c) for c in codes if isinstance(c, str)}
    keys = {k for k in keys if _looks_like_code(k)}
    if not keys:
        return {}
    return {p.code: p for p in Place.objects.filter(code__in=keys)}


def place_children(place: Place | None) -> QuerySet[Place]:
    """The places directly inside `place`, in code order; the countries for None."""
    if place is None:
        return Place.objects.filter(parent__isnull=True).order_by("code")
    return Place.objects.filter(parent=place).order_by("code")


def place_ancestors(place: Place) -> list[Place]:
    """From the root down to the parent, in one query."""
    return list(with_ancestors([place])[0].ancestors)


def places_of_kind(kind: str, *, within: Place | None = None) -> QuerySet[Place]:
    return _filtered(valid_kinds([kind]), within).order_by("path")


def places_list(*, kinds: Iterable[str] | None = None) -> QuerySet[Place]:
    """All places (of some kinds), in tree order, for paged lists."""
    return _filtered(valid_kinds(kinds), None).order_by("path")
