"""Reads of the people registry, each filtered by the permission API.

- `persons_visible_to(user)`: persons of the user's agency inside their places.
- `person_get_for_user(request, pk)`: one person, or a logged 403 / 404; every view is
  written to the audit trail (the access log).
- `person_candidates(user, facts)`: likely existing persons for a registration form;
  persons the user may not see appear only as a flag, never with details.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from migra.accounts.roles import Perm
from migra.accounts.selectors import get_visible_or_deny, restrict, user_has_perm
from migra.audit.models import AuditAction, AuditEvent
from migra.audit.services import audit_record
from migra.lib.matching import LIKELY_THRESHOLD, MATCH_THRESHOLD, PersonFacts, score
from migra.people.identity import (
    document_index,
    document_normal,
    lookup_indexes,
    person_facts,
    phone_e164,
    phone_index,
)
from migra.people.models import Consent, ConsentPurpose, Person, PersonKey, PersonMerge

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
    a: Person
    b: Person
    score: float
    reasons: list[Any]


@dataclass
class DedupeStats:
    keys: int = 0
    blocks: int = 0
    skipped_blocks: int = 0  # blocks larger than MAX_DEDUPE_BLOCK (a shared phone …)
    pairs_scored: int = 0
    pairs_found: int = 0


MAX_DEDUPE_BLOCK = 500
DEDUPE_BATCH = 2000


def _key_blocks(stats: DedupeStats) -> Iterable[list[int]]:
    """The persons filed under each stored key (blind index), key by key."""
    rows = (
        PersonKey.objects.filter(person__merged_into__isnull=True, person__erased_at__isnull=True)
        .order_by("key", "person_id")
        .values_list("key", "person_id")
        .iterator(chunk_size=DEDUPE_BATCH * 5)
    )
    current: str | None = None
    block: list[int] = []
    for key, person_id in rows:
        stats.keys += 1
        if key != current:
            if len(block) > 1:
                yield block
            current, block = key, []
        block.append(person_id)
    if len(block) > 1:
        yield block


def duplicate_pairs(
    *, threshold: float = LIKELY_THRESHOLD, stats: DedupeStats | None = None
) -> Iterable[DuplicatePair]:
    """Likely duplicates among all current persons, found through the stored key blocks:
    only persons sharing a blocking key are compared, and each pair once."""
    stats = stats if stats is not None else DedupeStats()
    pairs: set[tuple[int, int]] = set()
    for block in _key_blocks(stats):
        stats.blocks += 1
        if len(block) > MAX_DEDUPE_BLOCK:
            stats.skipped_blocks += 1
            continue
        for x, i in enumerate(block):
            for j in block[x + 1 :]:
                pairs.add((i, j) if i < j else (j, i))
    ordered = sorted(pairs)
    facts: dict[int, Any] = {}
    persons: dict[int, Person] = {}
    for start in range(0, len(ordered), DEDUPE_BATCH):
        chunk = ordered[start : start + DEDUPE_BATCH]
        needed = {pk for pair in chunk for pk in pair} - facts.keys()
        for person in _with_identity(Person.objects.filter(pk__in=sorted(needed))):
            persons[person.pk] = person
            facts[person.pk] = person_facts(person)
        for i, j in chunk:
            if i not in facts or j not in facts:
                continue
            stats.pairs_scored += 1
            match = score(facts[i], facts[j])
            if match.score >= threshold:
                stats.pairs_found += 1
                yield DuplicatePair(persons[i], persons[j], match.score, list(match.reasons))
        # keep memory bounded: forget persons no later pair needs
        later = {pk for pair in ordered[start + DEDUPE_BATCH :] for pk in pair}
        for pk in list(facts):
            if pk not in later:
                facts.pop(pk)
                persons.pop(pk)


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
