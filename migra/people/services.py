"""Writes to the people registry. Keyword-only; each validates, saves, audits and indexes
in one transaction. Audit events name a person as "person #id" and never hold a name,
phone, document number or date of birth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.accounts.models import Agency, User
from migra.accounts.roles import Perm
from migra.accounts.selectors import agencies_with_perm_at, deny
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.people.consent_listeners import LossReason, consent_lost, lock_person
from migra.people.identity import (
    blocking_indexes,
    document_index,
    document_normal,
    person_facts,
    phone_e164,
    phone_index,
)
from migra.people.links import person_link_models
from migra.people.models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    DocumentKind,
    Household,
    HouseholdMember,
    IdentityDocument,
    NameScript,
    Person,
    PersonKey,
    PersonMerge,
    PersonName,
    PersonPhone,
    Relationship,
    Sex,
    Vulnerability,
)
from migra.people.selectors import may_manage, may_supervise
from migra.places.models import Place, PlaceKind
from migra.search.services import (
    search_index_delete,
    search_index_followers,
    search_index_upsert,
)

MAX_AGE = 120
MAX_NAMES = 10
MAX_PHONES = 5
MAX_DOCUMENTS = 10
MAX_NAME_LENGTH = 200
BIRTH_YEAR_BAND = 5


class PersonConflict(ValidationError):
    """Someone else saved the person since the form was opened: nothing was saved."""


def _conflict() -> PersonConflict:
    return PersonConflict(
        _(
            "Someone else changed this person's record while you were editing it, so "
            "nothing was saved. Reload the page to see their changes, then make yours again."
        ),
        code="conflict",
    )


class DuplicateDocument(ValidationError):
    """A document number is already registered for another person (nothing private said)."""


def _duplicate_document() -> DuplicateDocument:
    return DuplicateDocument(
        {
            "documents": _(
                "This document number is already registered — ask your supervisor "
                "before registering this person again."
            )
        },
        code="duplicate_document",
    )


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class NameInput:
    value: str
    script: str = ""  # "" = guess from the letters


@dataclass(frozen=True)
class DocumentInput:
    kind: str
    number: str


@dataclass(frozen=True)
class _Identity:
    names: list[tuple[str, str]]  # (script, value)
    phones: list[str]  # E.164
    documents: list[tuple[str, str]]  # (kind, normalised number)
    birth_year: int | None
    birth_year_exact: bool
    date_of_birth: dt.date | None


def _guess_script(value: str) -> str:
    return NameScript.KHMER if any("\u1780" <= ch <= "\u17ff" for ch in value) else NameScript.LATIN


def _clean_names(names: Iterable[NameInput | str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in names:
        if isinstance(item, str):
            item = NameInput(value=item)
        value = " ".join((item.value or "").split())
        if not value:
            continue
        if len(value) > MAX_NAME_LENGTH:
            raise ValidationError(
                {
                    "names": _("A name has at most %(limit)d characters.")
                    % {"limit": MAX_NAME_LENGTH}
                }
            )
        script = item.script or _guess_script(value)
        if script not in NameScript.values:
            raise ValidationError({"names": _("Choose Khmer script or Latin letters.")})
        if value.casefold() in seen:
            continue
        seen.add(value.casefold())
        out.append((script, value))
    if not out:
        raise ValidationError({"names": _("Give at least one name.")}, code="required")
    if len(out) > MAX_NAMES:
        raise ValidationError({"names": _("Give at most %(limit)d names.") % {"limit": MAX_NAMES}})
    return out


def _clean_phones(phones: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in phones:
        if not (raw or "").strip():
            continue
        try:
            e164 = phone_e164(raw)
        except ValidationError:
            raise ValidationError(
                {"phones": _("“%(value)s” is not a phone number.") % {"value": raw.strip()[:40]}},
                code="invalid_phone",
            ) from None
        if e164 not in out:
            out.append(e164)
    if len(out) > MAX_PHONES:
        raise ValidationError(
            {"phones": _("Give at most %(limit)d phone numbers.") % {"limit": MAX_PHONES}}
        )
    return out


def _clean_documents(documents: Iterable[DocumentInput]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for doc in documents:
        if not (doc.number or "").strip():
            continue
        if doc.kind not in DocumentKind.values:
            raise ValidationError({"documents": _("Choose a kind of document from the list.")})
        try:
            normal = document_normal(doc.number)
        except ValidationError as error:
            raise ValidationError({"documents": error.messages}, code="invalid_document") from None
        if (doc.kind, normal) not in out:
            out.append((doc.kind, normal))
    if len(out) > MAX_DOCUMENTS:
        raise ValidationError(
            {"documents": _("Give at most %(limit)d documents.") % {"limit": MAX_DOCUMENTS}}
        )
    return out


def _clean_birth(
    *, date_of_birth: dt.date | None, approximate_age: int | None, today: dt.date
) -> tuple[dt.date | None, int | None, bool]:
    if date_of_birth is not None:
        if isinstance(date_of_birth, dt.datetime) or not isinstance(date_of_birth, dt.date):
            raise ValidationError({"date_of_birth": _("Give a real date of birth.")})
        if date_of_birth > today:
            raise ValidationError(
                {"date_of_birth": _("The date of birth cannot be in the future.")}, code="future"
            )
        if date_of_birth.year < today.year - MAX_AGE:
            raise ValidationError(
                {
                    "date_of_birth": _("The date of birth is more than %(max)d years ago.")
                    % {"max": MAX_AGE}
                },
                code="too_old",
            )
        return date_of_birth, date_of_birth.year, True
    if approximate_age is not None:
        if isinstance(approximate_age, bool) or not isinstance(approximate_age, int):
            raise ValidationError({"approximate_age": _("Give the age as a number of years.")})
        if not 0 <= approximate_age <= MAX_AGE:
            raise ValidationError(
                {
                    "approximate_age": _("Give an age between 0 and %(max)d years.")
                    % {"max": MAX_AGE}
                },
                code="age_range",
            )
        return None, today.year - approximate_age, False
    return None, None, False


def _clean_village(home_village: Place | None) -> Place:
    if not isinstance(home_village, Place) or home_village.kind != PlaceKind.VILLAGE:
        raise ValidationError({"home_village": _("Choose the person's home village.")})
    return home_village


def _province_of(place: Place) -> Place | None:
    parts = place.path.split("/")
    if len(parts) < 2:
        return None
    return Place.objects.filter(path="/".join(parts[:2]), kind=PlaceKind.PROVINCE).first()


def _clean_vulnerabilities(values: Iterable[str]) -> list[str]:
    out = []
    for value in values:
        if value not in Vulnerability.values:
            raise ValidationError({"vulnerabilities": _("Choose from the list.")})
        if value not in out:
            out.append(value)
    return sorted(out)


def _clean_current_place(place: Place | None) -> Place | None:
    if place is not None and not isinstance(place, Place):
        raise ValidationError({"current_place": _("Choose a place from the gazetteer.")})
    return place


def _identity(
    *,
    names: Iterable[NameInput | str],
    phones: Iterable[str],
    documents: Iterable[DocumentInput],
    date_of_birth: dt.date | None,
    approximate_age: int | None,
) -> _Identity:
    today = timezone.localdate()
    dob, birth_year, exact = _clean_birth(
        date_of_birth=date_of_birth, approximate_age=approximate_age, today=today
    )
    return _Identity(
        names=_clean_names(names),
        phones=_clean_phones(phones),
        documents=_clean_documents(documents),
        birth_year=birth_year,
        birth_year_exact=exact,
        date_of_birth=dob,
    )


def _check_documents_free(documents: Sequence[tuple[str, str]], *, person: Person | None) -> None:
    indexes = [document_index(normal) for _kind, normal in documents]
    if not indexes:
        return
    taken = IdentityDocument.objects.filter(
        number_index__in=indexes, person__erased_at__isnull=True
    )
    if person is not None:
        taken = taken.exclude(person=person)
    if taken.exists():
        raise _duplicate_document()


def _agency_for(actor: User | None, village: Place, agency: Agency | None) -> Agency:
    """The agency that will own the record: one where the actor may register people in
    this village (the one given, or the only one). No actor: the system itself (set-up
    commands such as the demo), which must name the agency."""
    if actor is None:
        if agency is None:
            raise ValueError("the system registers people only for a given agency")
        return agency
    possible = agencies_with_perm_at(actor, Perm.MANAGE_PEOPLE, village)
    if agency is not None:
        if agency in possible or (actor.is_superuser and actor.is_active):
            return agency
        raise deny(None, actor, reason="may not register people for this agency here")
    if len(possible) == 1:
        return possible[0]
    if not possible:
        raise ValidationError(
            {"home_village": _("You may not register people from this village.")},
            code="outside_scope",
        )
    raise ValidationError(
        {"agency": _("You work for several agencies here: choose the one registering this person.")}
    )


# --------------------------------------------------------------------------- writing rows


def _write_identity(person: Person, identity: _Identity) -> None:
    """Make the stored names, phones and documents those of `identity`. Rows that stay
    keep their ids, so a merge recorded earlier can still be undone after an edit."""
    names = {(n.script, n.value): n for n in person.names.all()}
    wanted_names = list(identity.names)
    PersonName.objects.filter(
        pk__in=[n.pk for key, n in names.items() if key not in wanted_names]
    ).delete()
    for i, (script, value) in enumerate(wanted_names):
        existing = names.get((script, value))
        if existing is None:
            PersonName.objects.create(person=person, script=script, value=value, is_primary=i == 0)
        elif existing.is_primary != (i == 0):
            existing.is_primary = i == 0
            existing.save(update_fields=["is_primary"])
    phones = {p.value_index: p for p in person.phones.all()}
    wanted_phones = {phone_index(e164): e164 for e164 in identity.phones}
    PersonPhone.objects.filter(
        pk__in=[p.pk for index, p in phones.items() if index not in wanted_phones]
    ).delete()
    PersonPhone.objects.bulk_create(
        PersonPhone(person=person, value=e164, value_index=index)
        for index, e164 in wanted_phones.items()
        if index not in phones
    )
    documents = {(d.kind, d.number_index): d for d in person.documents.all()}
    wanted_documents = {
        (kind, document_index(normal)): normal for kind, normal in identity.documents
    }
    IdentityDocument.objects.filter(
        pk__in=[d.pk for key, d in documents.items() if key not in wanted_documents]
    ).delete()
    IdentityDocument.objects.bulk_create(
        IdentityDocument(person=person, kind=kind, number=normal, number_index=index)
        for (kind, index), normal in wanted_documents.items()
        if (kind, index) not in documents
    )


def _refresh_keys(person: Person) -> None:
    """Recompute the person's blocking keys from what is stored now."""
    person.keys.all().delete()
    if not person.is_active_record:
        return
    fresh = (
        Person.objects.select_related("home_village")
        .prefetch_related("names", "phones", "documents")
        .get(pk=person.pk)
    )
    PersonKey.objects.bulk_create(
        PersonKey(person=person, key=key) for key in sorted(blocking_indexes(person_facts(fresh)))
    )


def _reindex(person: Person) -> None:
    if person.is_active_record:
        fresh = (
            Person.objects.select_related("home_village")
            .prefetch_related("names")
            .get(pk=person.pk)
        )
        search_index_upsert(doc_type="person", obj=fresh)
    else:
        search_index_delete(doc_type="person", object_id=person.pk)
    # Records that show this person's names in the index (their cases) follow.
    search_index_followers(person)


def _summary(identity: _Identity) -> dict[str, Any]:
    """What the audit trail may hold about an identity: counts and kinds, never values."""
    return {
        "names": len(identity.names),
        "phones": len(identity.phones),
        "documents": sorted(kind for kind, _n in identity.documents),
        "date_of_birth": identity.date_of_birth is not None,
    }


# --------------------------------------------------------------------------- register / update


def person_register(
    *,
    actor: User | None,
    names: Iterable[NameInput | str],
    sex: str,
    home_village: Place | None,
    date_of_birth: dt.date | None = None,
    approximate_age: int | None = None,
    current_place: Place | None = None,
    phones: Iterable[str] = (),
    documents: Iterable[DocumentInput] = (),
    vulnerabilities: Iterable[str] = (),
    agency: Agency | None = None,
    confirm_duplicate_document: bool = False,
    request: HttpRequest | None = None,
) -> Person:
    """Register a person. A document number registered for someone else stops the
    registration with a warning (DuplicateDocument) unless `confirm_duplicate_document`."""
    if sex not in Sex.values:
        raise ValidationError({"sex": _("Choose from the list.")})
    village = _clean_village(home_village)
    identity = _identity(
        names=names,
        phones=phones,
        documents=documents,
        date_of_birth=date_of_birth,
        approximate_age=approximate_age,
    )
    if identity.birth_year is None:
        raise ValidationError(
            {"approximate_age": _("Give the date of birth or an approximate age.")},
            code="required",
        )
    vulnerable = _clean_vulnerabilities(vulnerabilities)
    current = _clean_current_place(current_place)
    owner = _agency_for(actor, village, agency)
    with transaction.atomic():
        if not confirm_duplicate_document:
            _check_documents_free(identity.documents, person=None)
        person = Person.objects.create(
            agency=owner,
            home_village=village,
            province=_province_of(village),
            current_place=current,
            sex=sex,
            date_of_birth=identity.date_of_birth,
            birth_year=identity.birth_year,
            birth_year_exact=identity.birth_year_exact,
            vulnerabilities=vulnerable,
            created_by=actor,
        )
        _write_identity(person, identity)
        _refresh_keys(person)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=person,
            changes={
                "agency": owner.pk,
                "home_village": village.code,
                "sex": sex,
                "birth_year_exact": identity.birth_year_exact,
                "vulnerabilities": vulnerable,
                **_summary(identity),
            },
            request=request,
        )
        _reindex(person)
    return person


def person_update(
    *,
    actor: User,
    person: Person,
    expected_version: int,
    names: Iterable[NameInput | str],
    sex: str,
    home_village: Place | None,
    date_of_birth: dt.date | None = None,
    approximate_age: int | None = None,
    current_place: Place | None = None,
    phones: Iterable[str] = (),
    documents: Iterable[DocumentInput] = (),
    vulnerabilities: Iterable[str] = (),
    confirm_duplicate_document: bool = False,
    request: HttpRequest | None = None,
) -> Person:
    """Change a person; a form opened before someone else's save changes nothing."""
    if not may_manage(actor, person):
        raise deny(request, actor, reason="may not change this person", target=person)
    if not person.is_active_record:
        raise ValidationError(_("This record was merged or erased and cannot be changed."))
    if sex not in Sex.values:
        raise ValidationError({"sex": _("Choose from the list.")})
    village = _clean_village(home_village)
    identity = _identity(
        names=names,
        phones=phones,
        documents=documents,
        date_of_birth=date_of_birth,
        approximate_age=approximate_age,
    )
    vulnerable = _clean_vulnerabilities(vulnerabilities)
    current = _clean_current_place(current_place)
    with transaction.atomic():
        existing = Person.objects.select_for_update().get(pk=person.pk)
        if identity.birth_year is None:
            # Neither given: keep what was known.
            identity = _Identity(
                names=identity.names,
                phones=identity.phones,
                documents=identity.documents,
                birth_year=existing.birth_year,
                birth_year_exact=existing.birth_year_exact,
                date_of_birth=existing.date_of_birth,
            )
        if not confirm_duplicate_document:
            _check_documents_free(identity.documents, person=existing)
        province = _province_of(village)
        new = {
            "home_village_id": village.pk,
            "province_id": province.pk if province else None,
            "current_place_id": current.pk if current else None,
            "sex": sex,
            "birth_year": identity.birth_year,
            "birth_year_exact": identity.birth_year_exact,
            "vulnerabilities": vulnerable,
        }
        changes: dict[str, Any] = {
            k: [getattr(existing, k), v] for k, v in new.items() if getattr(existing, k) != v
        }
        if existing.date_of_birth != identity.date_of_birth:
            changes["date_of_birth"] = "changed"
        before = person_facts(existing)
        updated = Person.objects.filter(pk=person.pk, version=expected_version).update(
            **new, version=expected_version + 1
        )
        if not updated:
            raise _conflict()
        # The encrypted date goes through the field (update() would not encrypt it).
        existing.refresh_from_db()
        existing.date_of_birth = identity.date_of_birth
        existing.save(update_fields=["date_of_birth"])
        _write_identity(existing, identity)
        after = person_facts(
            Person.objects.prefetch_related("names", "phones", "documents")
            .select_related("home_village")
            .get(pk=person.pk)
        )
        if sorted(before.names) != sorted(after.names):
            changes["names"] = "changed"
        if sorted(before.phones) != sorted(after.phones):
            changes["phones"] = "changed"
        if sorted(before.documents) != sorted(after.documents):
            changes["documents"] = "changed"
        _refresh_keys(existing)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=existing,
            changes=changes,
            request=request,
        )
        _reindex(existing)
    existing.refresh_from_db()
    return existing


# --------------------------------------------------------------------------- households


def household_add_member(
    *,
    actor: User,
    person: Person,
    relationship: str,
    household: Household | None = None,
    request: HttpRequest | None = None,
) -> HouseholdMember:
    """Put a person in a household (a new one when none is given)."""
    if not may_manage(actor, person):
        raise deny(request, actor, reason="may not change this person", target=person)
    if relationship not in Relationship.values:
        raise ValidationError({"relationship": _("Choose from the list.")})
    with transaction.atomic():
        if household is None:
            household = Household.objects.create(agency=person.agency, created_by=actor)
            audit_record(actor=actor, action=AuditAction.CREATE, target=household, request=request)
        elif household.agency_id != person.agency_id:
            raise ValidationError({"household": _("This household belongs to another agency.")})
        if HouseholdMember.objects.filter(household=household, person=person).exists():
            raise ValidationError({"household": _("This person is already in this household.")})
        member = HouseholdMember.objects.create(
            household=household, person=person, relationship=relationship
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=person,
            changes={"household": household.pk, "relationship": relationship},
            request=request,
        )
    return member


# --------------------------------------------------------------------------- consent


def consent_give(
    *,
    actor: User,
    person: Person,
    purpose: str,
    method: str,
    given: bool = True,
    agency: Agency | None = None,
    witness_name: str = "",
    at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> Consent:
    """Record a person's answer for one purpose (given or refused)."""
    if not may_manage(actor, person):
        raise deny(request, actor, reason="may not change this person", target=person)
    if not person.is_active_record:
        raise ValidationError(_("This record was merged or erased and cannot be changed."))
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Choose a purpose from the list.")})
    if method not in ConsentMethod.values:
        raise ValidationError({"method": _("Choose how the person answered.")})
    if purpose == ConsentPurpose.REFERRAL and agency is None:
        raise ValidationError({"agency": _("Name the agency the person may be referred to.")})
    if purpose != ConsentPurpose.REFERRAL:
        agency = None
    witness = " ".join((witness_name or "").split())
    if method == ConsentMethod.VERBAL and not witness:
        raise ValidationError(
            {"witness_name": _("Verbal consent needs a witness: give their name.")}
        )
    if len(witness) > MAX_NAME_LENGTH:
        raise ValidationError(
            {
                "witness_name": _("A name has at most %(limit)d characters.")
                % {"limit": MAX_NAME_LENGTH}
            }
        )
    now = timezone.now()
    when = at or now
    if when > now:
        raise ValidationError({"at": _("The date cannot be in the future.")})
    with transaction.atomic():
        if not given:
            lock_person(person.pk)  # first: see migra.people.consent_listeners
        consent = Consent.objects.create(
            person=person,
            purpose=purpose,
            agency=agency,
            given=given,
            at=when,
            recorded_by=actor,
            method=method,
            witness_name=witness,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=consent,
            changes={
                "person": person.pk,
                "purpose": purpose,
                "agency": agency.pk if agency else None,
                "given": given,
                "method": method,
            },
            request=request,
        )
        if not given:
            # A refusal recorded now replaces an earlier consent for the purpose.
            consent_lost(
                person_id=person.pk,
                purposes=[purpose],
                reason=LossReason.REFUSED,
                actor=actor,
                request=request,
            )
    return consent


def consent_withdraw(
    *, actor: User, consent: Consent, request: HttpRequest | None = None
) -> Consent:
    """Withdraw a consent; `consent_allows` says no from this moment on."""
    if not may_manage(actor, consent.person):
        raise deny(request, actor, reason="may not change this person", target=consent.person)
    with transaction.atomic():
        lock_person(consent.person_id)  # first: see migra.people.consent_listeners
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.withdrawn_at is not None:
            raise ValidationError(_("This consent was already withdrawn."))
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={"person": locked.person_id, "purpose": locked.purpose, "withdrawn": True},
            request=request,
        )
        consent_lost(
            person_id=locked.person_id,
            purposes=[locked.purpose],
            reason=LossReason.WITHDRAWN,
            actor=actor,
            request=request,
        )
    return locked


def _survivor(person: Person) -> Person:
    seen = set()
    current = person
    while current.merged_into_id is not None and current.pk not in seen:
        seen.add(current.pk)
        current = Person.objects.get(pk=current.merged_into_id)
    return current


def consent_allows(*, person: Person, purpose: str, agency: Agency | None = None) -> bool:
    """Whether the person's latest answer for this purpose (and agency, for a referral)
    is a consent not withdrawn. Read fresh from the database each time."""
    current = _survivor(Person.objects.get(pk=person.pk))
    if current.erased_at is not None:
        return False
    answers = Consent.objects.filter(person=current, purpose=purpose)
    if purpose == ConsentPurpose.REFERRAL:
        if agency is None:
            return False
        answers = answers.filter(agency=agency)
    latest = answers.order_by("-at", "-pk").first()
    return latest is not None and latest.given and latest.withdrawn_at is None


# --------------------------------------------------------------------------- merge


_MOVABLE: dict[str, Any] = {
    "names": PersonName,
    "phones": PersonPhone,
    "documents": IdentityDocument,
    "consents": Consent,
}


def _movable() -> dict[str, Any]:
    """The person's own rows and the records of other parts that point at them."""
    return {**_MOVABLE, **person_link_models()}


def person_merge(
    *, actor: User, source: Person, target: Person, request: HttpRequest | None = None
) -> PersonMerge:
    """Merge `source` into `target` (the survivor). Supervisors only; undone by
    `person_unmerge`."""
    if source.pk == target.pk:
        raise ValidationError(_("A person cannot be merged into themselves."), code="self_merge")
    for person in (source, target):
        if not may_supervise(actor, person):
            raise deny(request, actor, reason="may not merge these persons", target=person)
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
        }
        src, dst = locked[source.pk], locked[target.pk]
        if not src.is_active_record or not dst.is_active_record:
            raise ValidationError(
                _("One of these records was already merged or erased."), code="not_active"
            )
        # What relied on the source's consents ends before its records move.
        consent_lost(
            person_id=src.pk,
            purposes=ConsentPurpose.values,
            reason=LossReason.MERGED_AWAY,
            actor=actor,
            request=request,
        )
        moved: dict[str, list[int]] = {}
        for key, model in _movable().items():
            ids = list(model.objects.filter(person=src).values_list("pk", flat=True))
            model.objects.filter(pk__in=ids).update(person=dst)
            moved[key] = ids
        PersonName.objects.filter(pk__in=moved["names"]).update(is_primary=False)
        target_households = set(
            HouseholdMember.objects.filter(person=dst).values_list("household_id", flat=True)
        )
        memberships = list(
            HouseholdMember.objects.filter(person=src)
            .exclude(household_id__in=target_households)
            .values_list("pk", flat=True)
        )
        HouseholdMember.objects.filter(pk__in=memberships).update(person=dst)
        moved["households"] = memberships
        now = timezone.now()
        merge = PersonMerge.objects.create(source=src, target=dst, at=now, by=actor, moved=moved)
        Person.objects.filter(pk=src.pk).update(merged_into=dst, version=src.version + 1)
        Person.objects.filter(pk=dst.pk).update(version=dst.version + 1)
        src.refresh_from_db()
        dst.refresh_from_db()
        _refresh_keys(src)
        _refresh_keys(dst)
        counts = {key: len(ids) for key, ids in moved.items()}
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=src,
            changes={"merged_into": dst.pk, "merge": merge.pk, "moved": counts},
            request=request,
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=dst,
            changes={"merged_from": src.pk, "merge": merge.pk, "moved": counts},
            request=request,
        )
        # The survivor now holds both records' answers: the latest per purpose may differ.
        consent_lost(
            person_id=dst.pk,
            purposes=ConsentPurpose.values,
            reason=LossReason.MERGED_INTO,
            actor=actor,
            request=request,
        )
        _reindex(src)
        _reindex(dst)
    return merge


def person_unmerge(
    *, actor: User, merge: PersonMerge, request: HttpRequest | None = None
) -> Person:
    """Undo a merge: the rows that moved go back to the source, which is a person again."""
    source, target = merge.source, merge.target
    for person in (source, target):
        if not may_supervise(actor, person):
            raise deny(request, actor, reason="may not undo this merge", target=person)
    with transaction.atomic():
        locked = PersonMerge.objects.select_for_update().get(pk=merge.pk)
        if locked.undone_at is not None:
            raise ValidationError(_("This merge was already undone."), code="already_undone")
        src = Person.objects.select_for_update().get(pk=source.pk)
        dst = Person.objects.select_for_update().get(pk=target.pk)
        if src.merged_into_id != dst.pk or not dst.is_active_record:
            raise ValidationError(
                _("This merge cannot be undone: the surviving record was merged or erased since."),
                code="cannot_undo",
            )
        for key, model in _movable().items():
            model.objects.filter(pk__in=locked.moved.get(key, []), person=dst).update(person=src)
        HouseholdMember.objects.filter(
            pk__in=locked.moved.get("households", []), person=dst
        ).update(person=src)
        if not src.names.filter(is_primary=True).exists():
            first = src.names.order_by("pk").first()
            if first is not None:
                PersonName.objects.filter(pk=first.pk).update(is_primary=True)
        Person.objects.filter(pk=src.pk).update(merged_into=None, version=src.version + 1)
        Person.objects.filter(pk=dst.pk).update(version=dst.version + 1)
        locked.undone_at = timezone.now()
        locked.undone_by = actor
        locked.save(update_fields=["undone_at", "undone_by"])
        src.refresh_from_db()
        dst.refresh_from_db()
        _refresh_keys(src)
        _refresh_keys(dst)
        for person, other in ((src, dst), (dst, src)):
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target=person,
                changes={"unmerged": other.pk, "merge": locked.pk},
                request=request,
            )
        for person in (src, dst):
            consent_lost(
                person_id=person.pk,
                purposes=ConsentPurpose.values,
                reason=LossReason.UNMERGED,
                actor=actor,
                request=request,
            )
        _reindex(src)
        _reindex(dst)
    return src


# --------------------------------------------------------------------------- erasure


def person_erase_request(
    *, actor: User, person: Person, request: HttpRequest | None = None
) -> Person:
    if not may_manage(actor, person):
        raise deny(request, actor, reason="may not change this person", target=person)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.erased_at is not None:
            raise ValidationError(_("This record was already erased."), code="erased")
        if locked.erasure_requested_at is not None:
            raise ValidationError(_("Erasure was already requested."), code="requested")
        locked.erasure_requested_at = timezone.now()
        locked.erasure_requested_by = actor
        locked.save(update_fields=["erasure_requested_at", "erasure_requested_by"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={"erasure_requested": True},
            request=request,
        )
    return locked


def person_erase_request_for_retention(*, person: Person) -> bool:
    """Put a record past the retention period forward for erasure, as the system.

    A supervisor still approves (or turns down) the erasure as for any request. False
    when the record is already erased or already waiting."""
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.erased_at is not None or locked.erasure_requested_at is not None:
            return False
        locked.erasure_requested_at = timezone.now()
        locked.erasure_requested_by = None
        locked.save(update_fields=["erasure_requested_at", "erasure_requested_by"])
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            target=locked,
            changes={"erasure_requested": True, "reason": "retention period over"},
        )
    return True


def person_erase_cancel(
    *, actor: User, person: Person, request: HttpRequest | None = None
) -> Person:
    if not may_supervise(actor, person):
        raise deny(request, actor, reason="may not decide on erasure", target=person)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.erasure_requested_at is None or locked.erased_at is not None:
            raise ValidationError(_("No erasure is waiting for this person."), code="none")
        locked.erasure_requested_at = None
        locked.erasure_requested_by = None
        locked.save(update_fields=["erasure_requested_at", "erasure_requested_by"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            changes={"erasure_requested": False},
            request=request,
        )
    return locked


def person_erase_approve(
    *, actor: User, person: Person, request: HttpRequest | None = None
) -> Person:
    """Anonymise a person after a supervisor's approval: names, phones, documents, date
    of birth, keys, household links and witnesses' names are destroyed; sex, a five-year
    birth band and the province stay, so aggregate counts do not change."""
    if not may_supervise(actor, person):
        raise deny(request, actor, reason="may not approve erasure", target=person)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.erased_at is not None:
            raise ValidationError(_("This record was already erased."), code="erased")
        if locked.erasure_requested_at is None:
            raise ValidationError(_("Nobody has asked for this erasure yet."), code="not_requested")
        if locked.erasure_requested_by_id == actor.pk:
            raise ValidationError(
                _("Another person must approve the erasure you asked for."), code="same_person"
            )
        locked.names.all().delete()
        locked.phones.all().delete()
        locked.documents.all().delete()
        locked.keys.all().delete()
        locked.households.all().delete()
        Consent.objects.filter(person=locked).update(witness_name="")
        band = (
            locked.birth_year - locked.birth_year % BIRTH_YEAR_BAND
            if locked.birth_year is not None
            else None
        )
        locked.date_of_birth = None
        locked.birth_year = band
        locked.birth_year_exact = False
        locked.home_village = None
        locked.current_place = None
        locked.erased_at = timezone.now()
        locked.version += 1
        locked.save(
            update_fields=[
                "date_of_birth",
                "birth_year",
                "birth_year_exact",
                "home_village",
                "current_place",
                "erased_at",
                "version",
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            target=locked,
            changes={"erased": True},
            request=request,
        )
        consent_lost(
            person_id=locked.pk,
            purposes=ConsentPurpose.values,
            reason=LossReason.ERASED,
            actor=actor,
            request=request,
        )
        search_index_delete(doc_type="person", object_id=locked.pk)
        search_index_followers(locked)  # their cases lose the erased name keys
    return locked


# --------------------------------------------------------------------------- counting


def unique_beneficiaries(
    *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> int:
    """Distinct persons registered (erased ones still count; merged-away ones do not)."""
    persons = Person.objects.filter(merged_into__isnull=True)
    if since is not None:
        persons = persons.filter(created_at__gte=since)
    if until is not None:
        persons = persons.filter(created_at__lt=until)
    return persons.count()
