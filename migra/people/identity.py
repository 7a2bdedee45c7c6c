"""Normalising identifiers and turning a person into the matching engine's facts.

Blind indexes (keyed HMACs, `migra.config.encryption.blind_index`) are taken over the
normalised value, so "012 345 678", "+855 12 345 678" and "០១២ ៣៤៥ ៦៧៨" share one index,
and "N 012-345 678" and "n012345678" share another.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from migra.accounts.identifiers import normalize_phone
from migra.config.encryption import blind_index
from migra.lib.khmer.digits import to_arabic_digits
from migra.lib.matching import PersonFacts, blocking_keys, lookup_keys
from migra.people.models import Person

PHONE_PURPOSE = "people.phone"
DOCUMENT_PURPOSE = "people.document"
KEY_PURPOSE = "people.blocking_key"
MAX_DOCUMENT_LENGTH = 40
_DOCUMENT_SEPARATORS = {" ", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "/", ".", "\t"}


def phone_e164(raw: str) -> str:
    """E.164 form of a phone number (Khmer digits accepted); ValidationError if not one."""
    return normalize_phone(raw)


def phone_index(e164: str) -> str:
    return blind_index(e164, purpose=PHONE_PURPOSE)


def document_normal(raw: str) -> str:
    """A document number upper-cased, in Arabic digits, without spaces, dashes or dots."""
    text = to_arabic_digits(raw.strip())
    cleaned = "".join(ch for ch in text if ch not in _DOCUMENT_SEPARATORS).upper()
    if not cleaned:
        raise ValidationError(_("Enter the document number."), code="invalid_document")
    if len(cleaned) > MAX_DOCUMENT_LENGTH or not all(
        ch.isascii() and ch.isalnum() for ch in cleaned
    ):
        raise ValidationError(
            _("A document number has only letters and digits (at most 40)."),
            code="invalid_document",
        )
    return cleaned


def document_index(normal: str) -> str:
    return blind_index(normal, purpose=DOCUMENT_PURPOSE)


def key_indexes(keys: Iterable[str]) -> set[str]:
    return {blind_index(k, purpose=KEY_PURPOSE) for k in keys if k}


_SEX_CODES = {"female": "f", "male": "m", "f": "f", "m": "m"}


def facts_for(
    *,
    names: Iterable[str],
    birth_year: int | None,
    birth_year_exact: bool,
    village_code: str | None,
    phones: Iterable[str] = (),
    documents: Iterable[tuple[str, str]] = (),
    sex: str | None = None,
) -> PersonFacts:
    return PersonFacts(
        names=tuple(n for n in names if n),
        birth_year=birth_year,
        birth_year_exact=birth_year_exact,
        village_code=village_code,
        phones=tuple(phones),
        documents=tuple(documents),
        sex=_SEX_CODES.get(sex or ""),
    )


def person_facts(person: Person, *, phones: bool = True, documents: bool = True) -> PersonFacts:
    """The facts of a saved person (decrypts their names, and their phones and
    documents unless told not to)."""
    village = person.home_village
    return facts_for(
        names=[n.value for n in person.names.all()],
        birth_year=person.birth_year,
        birth_year_exact=person.birth_year_exact,
        village_code=village.code if village is not None else None,
        phones=[p.value for p in person.phones.all()] if phones else [],
        documents=(
            [(d.kind, document_normal(d.number)) for d in person.documents.all()]
            if documents
            else []
        ),
        sex=person.sex,
    )


def blocking_indexes(facts: PersonFacts) -> set[str]:
    """What a person is filed under (stored as PersonKey rows)."""
    return key_indexes(blocking_keys(facts))


def lookup_indexes(facts: PersonFacts) -> set[str]:
    """What to look up for candidates of `facts` (see migra.lib.matching.lookup_keys)."""
    return key_indexes(lookup_keys(facts))
