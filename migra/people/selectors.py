"""Reads of the people registry, each filtered by the permission API.

- `persons_visible_to(user)`: persons of the user's agency inside their places.
- `person_get_for_user(request, pk)`: one person, or a logged 403 / 404; every view is
  written to the audit trail (the access log).
- `person_candidates(user, facts)`: likely existing persons for a registration form;
  persons the user may not see appear only as a flag, never with details.
- `duplicate_pairs(threshold=, workers=)`: the batch dedupe behind `migra people
  dedupe` (every current person, in memory, scored in forked processes).
"""

from __future__ import annotations

import datetime as dt
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from migra.accounts.roles import Perm
from migra.accounts.selectors import get_visible_or_deny, restrict, user_has_perm
from migra.audit.models import AuditAction, AuditEvent
from migra.audit.services import audit_record
from migra.lib.matching import (
    LIKELY_THRESHOLD,
    MATCH_THRESHOLD,
    PersonFacts,
    Reason,
    build_index,
    find_duplicates_in_processes,
    score,
)
from migra.lib.matching import DedupeStats as MatchingStats
from migra.people.identity import (
    document_index,
    document_normal,
    facts_for,
    lookup_indexes,
    person_facts,
    phone_e164,
    phone_index,
)
from migra.people.models import (
    Consent,
    ConsentPurpose,
    IdentityDocument,
    Person,
    PersonKey,
    PersonMerge,
    PersonName,
    PersonPhone,
)

# Candidate lookup decrypts at most this many persons (those sharing most keys).
MAX_CANDIDATES = 50
AGENCY_FIELD = "agency"
PLACE_FIELD = "home_village"


def _scoped(user: Any, perm: str, queryset: QuerySet[Person]) -> QuerySet[Person]:
    return restrict(queryset, user, perm, agency_field=AGENCY_FIELD, place_field=PLACE_FIELD)


def persons_visible_to(user: Any) -> QuerySet[Person]:
    """Registered persons (not merged away, not erased) the user may see."""
    current = Person.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    return _scoped(user, Perm.VIEW_PEOPLE, current)


def person_records_visible_to(user: Any) -> QuerySet[Person]:
    """Every person record the user may see, merged and erased ones included."""
    return _scoped(user, Perm.VIEW_PEOPLE, Person.objects.all())


def persons_manageable_by(user: Any) -> QuerySet[Person]:
    return _scoped(user, Perm.MANAGE_PEOPLE, Person.objects.all())


def persons_supervised_by(user: Any) -> QuerySet[Person]:
    return _scoped(user, Perm.SUPERVISE_CASES, Person.objects.all())


def may_manage(user: Any, person: Person) -> bool:
    return persons_manageable_by(user).filter(pk=person.pk).exists()


def may_supervise(user: Any, person: Person) -> bool:
    return persons_supervised_by(user).filter(pk=person.pk).exists()


def merge_undoable_by(user: Any, merge_pk: int) -> PersonMerge | None:
    """A merge the supervisor may undo: both persons within their supervision, else None."""
    merge = PersonMerge.objects.select_related("source", "target").filter(pk=merge_pk).first()
    if merge is None:
        return None
    supervised = persons_supervised_by(user).filter(pk__in=[merge.source_id, merge.target_id])
    return merge if supervised.count() == 2 else None


def may_supervise_anyone(user: Any) -> bool:
    return user_has_perm(user, Perm.SUPERVISE_CASES)


def _with_identity(queryset: QuerySet[Person]) -> QuerySet[Person]:
    return queryset.select_related(
        "home_village", "province", "current_place", "agency"
    ).prefetch_related("names", "phones", "documents")


def person_get_for_user(request: HttpRequest, pk: Any) -> Person:
    """One person the requesting user may see; the view goes into the access log."""
    person = get_visible_or_deny(
        request, _with_identity(person_records_visible_to(request.user)), pk
    )
    audit_record(actor=request.user, action=AuditAction.VIEW, target=person, request=request)
    return person


def person_access_log(person: Person) -> QuerySet[AuditEvent]:
    """Who looked at (or was refused) this person's record, newest first. For supervisors."""
    return AuditEvent.objects.filter(
        object_type=Person._meta.label_lower,
        object_id=str(person.pk),
        action__in=[AuditAction.VIEW, AuditAction.DENIED, AuditAction.EXPORT],
    ).order_by("-seq")


def person_history(person: Person) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        object_type=Person._meta.label_lower, object_id=str(person.pk)
    ).order_by("-seq")


# --------------------------------------------------------------------------- exact lookups


def persons_by_phone(user: Any, raw: str) -> QuerySet[Person]:
    """Visible persons with this phone number (typed any usual way); none if not a number."""
    try:
        index = phone_index(phone_e164(raw))
    except Exception:  # noqa: BLE001 — any bad input simply finds nothing
        return Person.objects.none()
    return persons_visible_to(user).filter(phones__value_index=index).distinct()


def persons_by_document(user: Any, raw: str) -> QuerySet[Person]:
    try:
        index = document_index(document_normal(raw))
    except Exception:  # noqa: BLE001 — any bad input simply finds nothing
        return Person.objects.none()
    return persons_visible_to(user).filter(documents__number_index=index).distinct()


PERSON_SEARCH_LIMIT = 20


def persons_matching(user: Any, query: str) -> list[Person]:
    """Persons the user may see matching a name (Khmer or Latin letters), a phone or a
    document number, best first, at most PERSON_SEARCH_LIMIT: exact phone and document
    lookups through their blind indexes, names through the search index. Names and
    villages prefetched. For the forms that choose a person (a case, a group's member,
    a migrant's family)."""
    # Local imports: only this lookup needs the search app.
    from migra.lib.khmer.digits import to_arabic_digits
    from migra.search.selectors import search_for_user

    query = (query or "").strip()[:200]
    if not query:
        return []
    ids: list[int] = []
    if sum(ch.isdigit() for ch in to_arabic_digits(query)) >= 6:
        for queryset in (persons_by_phone(user, query), persons_by_document(user, query)):
            ids += [pk for pk in queryset.values_list("pk", flat=True) if pk not in ids]
    if not ids:
        results = search_for_user(user, query, doc_types=["person"], limit=PERSON_SEARCH_LIMIT)
        ids = [int(r.object_id) for r in results]
    found = {
        p.pk: p
        for p in persons_visible_to(user)
        .filter(pk__in=ids[:PERSON_SEARCH_LIMIT])
        .select_related("home_village")
        .prefetch_related("names")
    }
    return [found[pk] for pk in ids if pk in found]


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Candidate:
    person: Person
    score: float
    reasons: list[Any]
    strong: bool


@dataclass
class Candidates:
    visible: list[Candidate] = field(default_factory=list)
    # True when a likely match exists that the user may not see: "ask your supervisor".
    hidden_match: bool = False


def candidate_ids(facts: PersonFacts, *, exclude: Iterable[int] = ()) -> list[int]:
    """Persons sharing blocking keys with `facts`, most shared keys first (one query)."""
    indexes = lookup_indexes(facts)
    if not indexes:
        return []
    rows = (
        PersonKey.objects.filter(key__in=sorted(indexes))
        .exclude(person_id__in=list(exclude))
        .values("person_id")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "-person_id")[:MAX_CANDIDATES]
    )
    return [row["person_id"] for row in rows]


def score_candidates(facts: PersonFacts, ids: Sequence[int]) -> list[tuple[Person, Any]]:
    """Load (and decrypt) only these persons and score them; best first."""
    persons = Person.objects.filter(
        pk__in=list(ids), merged_into__isnull=True, erased_at__isnull=True
    ).select_related("home_village")
    # Only what can change the score is loaded and decrypted: a phone or a document of
    # a candidate counts only when the typed facts have one too.
    related = ["names"]
    if facts.phones:
        related.append("phones")
    if facts.documents:
        related.append("documents")
    persons = persons.prefetch_related(*related)
    with_phones, with_documents = bool(facts.phones), bool(facts.documents)
    scored = [
        (person, score(facts, person_facts(person, phones=with_phones, documents=with_documents)))
        for person in persons
    ]
    scored.sort(key=lambda pair: (-pair[1].score, -(pair[0].pk or 0)))
    return scored


def person_candidates(
    user: Any, facts: PersonFacts, *, limit: int = 10, exclude: Iterable[int] = ()
) -> Candidates:
    """Likely existing persons for what a worker is typing.

    Visible ones with their score and reasons; for invisible ones only a flag.
    """
    ids = candidate_ids(facts, exclude=exclude)
    result = Candidates()
    if not ids:
        return result
    visible_ids = set(persons_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    for person, match in score_candidates(facts, ids):
        if match.score < LIKELY_THRESHOLD:
            continue
        if person.pk in visible_ids:
            if len(result.visible) < limit:
                result.visible.append(
                    Candidate(
                        person=person,
                        score=match.score,
                        reasons=list(match.reasons),
                        strong=match.score >= MATCH_THRESHOLD,
                    )
                )
        else:
            result.hidden_match = True
    return result


def unique_beneficiaries_queryset() -> QuerySet[Person]:
    return Person.objects.filter(merged_into__isnull=True)


# --------------------------------------------------------------------------- batch dedupe


@dataclass(frozen=True)
class DuplicatePair:
    """Two current persons (record numbers, a < b) who are likely one, with why."""

    a: int
    b: int
    score: float
    reasons: list[Reason]


@dataclass
class DedupeStats:
    persons: int = 0
    blocks: int = 0
    skipped_blocks: int = 0  # blocks larger than MAX_DEDUPE_BLOCK (a shared phone …)
    pairs_scored: int = 0  # names compared
    pairs_ruled_out: int = 0  # below the threshold whatever the names (sex, age, place …)
    pairs_found: int = 0


MAX_DEDUPE_BLOCK = 500
DEDUPE_CHUNK = 5000  # persons read (and decrypted) per round of queries
NAMES_CHUNK = 1000  # persons whose names --show-names reads per query
PROGRESS_EVERY = 100_000  # persons read between two progress lines


def _by_person(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[Any]]:
    """(person_id, value) rows → person_id → [value, …], in the order read."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for person_id, value in rows:
        grouped[person_id].append(value)
    return grouped


def _document(kind: str, number: str) -> tuple[str, str] | None:
    try:
        return (kind, document_normal(number))
    except ValidationError:  # a damaged stored number matches nothing: leave it out
        return None


def current_person_facts(*, chunk: int = DEDUPE_CHUNK) -> Iterator[tuple[int, PersonFacts]]:
    """(person id, facts) of every current person (not merged away, not erased), in
    id order — what `person_facts` gives for each, without model instances: per
    `chunk` persons four queries of plain values (the persons with their village
    code, then the names, phones and documents of that id range), decrypted as read.
    Nothing but the chunk in hand is kept."""
    current = Person.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    after = 0
    while True:
        rows = list(
            current.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "birth_year", "birth_year_exact", "sex", "home_village__code")[
                :chunk
            ]
        )
        if not rows:
            return
        within = {"person_id__gte": rows[0][0], "person_id__lte": rows[-1][0]}
        # the orders of person.names / phones / documents (their Meta.ordering)
        names = _by_person(
            PersonName.objects.filter(**within)
            .order_by("person_id", "-is_primary", "pk")
            .values_list("person_id", "value")
        )
        phones = _by_person(
            PersonPhone.objects.filter(**within)
            .order_by("person_id", "pk")
            .values_list("person_id", "value")
        )
        documents = _by_person(
            (person_id, _document(kind, number))
            for person_id, kind, number in IdentityDocument.objects.filter(**within)
            .order_by("person_id", "pk")
            .values_list("person_id", "kind", "number")
        )
        for pk, birth_year, exact, sex, village_code in rows:
            yield (
                pk,
                facts_for(
                    names=names.get(pk, ()),
                    birth_year=birth_year,
                    birth_year_exact=exact,
                    village_code=village_code,
                    phones=phones.get(pk, ()),
                    documents=[d for d in documents.get(pk, ()) if d is not None],
                    sex=sex,
                ),
            )
        after = rows[-1][0]


def _release_connections() -> None:
    """Forked workers must not share an open database connection: close it (the next
    query opens another). One held by a transaction (a test's) stays open: the workers
    never touch it and leave through os._exit."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def duplicate_pairs(
    *,
    threshold: float = LIKELY_THRESHOLD,
    workers: int = 1,
    stats: DedupeStats | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[DuplicatePair]:
    """Likely duplicates among all current persons, strongest first.

    Reads every current person's facts (`current_person_facts`), builds the in-memory
    index of `migra.lib.matching` (profiles, keys, blocks; blocks over
    MAX_DEDUPE_BLOCK persons are skipped and counted) and scores the pairs sharing a
    block in `workers` forked processes, each pair once; pairs that cannot reach
    `threshold` whatever their names are ruled out before the full score. `progress`
    gets plain lines (counts and seconds, never a name) for an admin's screen.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold is between 0 and 1")
    stats = stats if stats is not None else DedupeStats()
    say = progress or (lambda text: None)
    started = time.monotonic()

    def elapsed() -> str:
        return f"{time.monotonic() - started:.0f} s"

    ids = array("q")  # place in the batch → person id

    def facts() -> Iterator[PersonFacts]:
        for pk, person in current_person_facts():
            ids.append(pk)
            if len(ids) % PROGRESS_EVERY == 0:
                say(f"persons read: {len(ids):,} ({elapsed()})")
            yield person
        say(f"persons read: {len(ids):,}, all ({elapsed()}); filing them under their keys …")

    index = build_index(facts())
    stats.persons = len(ids)
    say(
        f"index built: {index.block_count:,} blocks ({elapsed()}); "
        f"scoring on {workers} process(es) …"
    )

    def scored(counts: MatchingStats, done: int, parts: int) -> None:
        say(
            f"pairs scored: {counts.pairs_scored:,}, ruled out: {counts.pairs_ruled_out:,} "
            f"(part {done} of {parts}, {elapsed()})"
        )

    counts = MatchingStats()
    _release_connections()
    found = find_duplicates_in_processes(
        index,
        threshold,
        workers=workers,
        stats=counts,
        max_block=MAX_DEDUPE_BLOCK,
        progress=scored,
    )
    del index
    stats.blocks = counts.blocks
    stats.skipped_blocks = counts.skipped_blocks
    stats.pairs_scored = counts.pairs_scored
    stats.pairs_ruled_out = counts.pairs_ruled_out
    stats.pairs_found = len(found)
    pairs = [DuplicatePair(ids[i], ids[j], match.score, match.reasons) for i, j, match in found]
    pairs.sort(key=lambda pair: (-pair.score, pair.a, pair.b))
    return pairs


def person_names(ids: Iterable[int]) -> dict[int, list[str]]:
    """The names (decrypted, primary first) of these persons only, a chunk at a time."""
    wanted = sorted(set(ids))
    names: dict[int, list[str]] = {}
    for start in range(0, len(wanted), NAMES_CHUNK):
        rows = (
            PersonName.objects.filter(person_id__in=wanted[start : start + NAMES_CHUNK])
            .order_by("person_id", "-is_primary", "pk")
            .values_list("person_id", "value")
        )
        names.update(_by_person(rows))
    return names


# --------------------------------------------------------------------------- retention

DEFAULT_RETENTION_DAYS = 3650  # the setting's default (settings/base.py)


def retention_days() -> int:
    """How long a record is kept without a consent to keep it longer
    (settings.MIGRA_PEOPLE_RETENTION_DAYS; ten years when not set)."""
    value = getattr(settings, "MIGRA_PEOPLE_RETENTION_DAYS", None)
    return int(value) if value else DEFAULT_RETENTION_DAYS


def persons_past_retention(*, now: dt.datetime | None = None) -> QuerySet[Person]:
    """Current records older than the retention period whose person has not agreed
    (and not withdrawn) to their data being kept: candidates for an erasure request."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    keeps = Consent.objects.filter(
        purpose=ConsentPurpose.RETENTION, given=True, withdrawn_at__isnull=True
    ).values("person_id")
    return (
        Person.objects.filter(
            merged_into__isnull=True, erased_at__isnull=True, created_at__lt=cutoff
        )
        .exclude(pk__in=keeps)
        .order_by("pk")
    )
