"""Demo cases (called by `migra demo`, after the demo persons). Idempotent: a demo case
is found again by its person and agency.

- ចាន់ សុភាព (Chan Sopheap, Banteay Meanchey), crisis centre: forced labour on a
  fishing boat out of Sa Kaeo, high risk, active, assigned to caseworker@demo;
  shelter delivered, counselling in progress, a wage claim (45,000 THB) by the
  legal-aid NGO, a family visit planned and overdue; two tasks, a note.
- សុខ ចាន់ធា (Sok Chanta, Siem Reap), crisis centre: trafficking, critical, new,
  assigned to supervisor@demo (caseworker@demo, Banteay Meanchey only, does not see
  it); shelter planned, medical care; a task, a note.

`demo_directory_ensure` fills the referral directory: the crisis centre (shelter,
counselling, medical care, reintegration), the legal-aid NGO (legal aid, wage claims)
and the lead NGO (skills training, family tracing), in every province.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from migra.accounts.models import Agency, User
from migra.cases import services
from migra.cases.models import Case, CaseSource, CaseStatus
from migra.people.identity import document_index, document_normal
from migra.people.models import IdentityDocument, Person
from migra.places.models import Place

CRISIS = "Women's Crisis Centre (demo)"
LEGAL = "Legal Aid Organisation (demo)"


@dataclass(frozen=True)
class DemoService:
    kind: str
    agency: str
    status: str = "planned"
    due_in_days: int | None = None
    currency: str = ""
    amount_claimed: str | None = None


@dataclass(frozen=True)
class DemoCase:
    document: str  # the demo person's document number (migra/people/demo.py)
    agency: str
    assignee_email: str
    case_type: str
    risk: str
    destination: str | None
    summary: str
    statuses: tuple[str, ...] = ()
    services: tuple[DemoService, ...] = ()
    tasks: tuple[tuple[str, int], ...] = ()  # (title, due in days)
    notes: tuple[str, ...] = field(default_factory=tuple)


DEMO_CASES = [
    DemoCase(
        document="DEMO000002",
        agency=CRISIS,
        assignee_email="caseworker@demo.migra.local",
        case_type="forced_labour",
        risk="high",
        destination="TH-27",
        summary="ធ្វើការលើទូកនេសាទ ១៦ ម៉ោងក្នុងមួយថ្ងៃ។ មេខ្យល់រក្សាលិខិតឆ្លងដែន។",
        statuses=(CaseStatus.ASSESSED, CaseStatus.ACTIVE),
        services=(
            DemoService("shelter", CRISIS, "delivered"),
            DemoService("psychosocial", CRISIS, "in_progress"),
            DemoService("wage_claim", LEGAL, "planned", 14, "THB", "45000"),
            DemoService("family_tracing", CRISIS, "planned", -5),
        ),
        tasks=(("ទូរស័ព្ទទៅគ្រួសារ", 3), ("ប្រមូលបង្កាន់ដៃប្រាក់ខែ", 10)),
        notes=("បានជួបនៅមជ្ឈមណ្ឌល។ គាត់ចង់ទាមទារប្រាក់ឈ្នួលដែលមិនទាន់បានបើក។",),
    ),
    DemoCase(
        document="DEMO000001",
        agency=CRISIS,
        assignee_email="supervisor@demo.migra.local",
        case_type="trafficking",
        risk="critical",
        destination="TH",
        summary="បានរត់គេចពីរោងចក្រ ហើយកំពុងរង់ចាំនៅព្រំដែន។",
        services=(
            DemoService("shelter", CRISIS, "planned", 2),
            DemoService("medical", CRISIS, "planned", 4),
        ),
        tasks=(("រៀបចំការទទួលនៅព្រំដែន", 1),),
        notes=("ទាក់ទងតាមទូរស័ព្ទរបស់បងស្រី។",),
    ),
]


def _person(document: str) -> Person | None:
    index = document_index(document_normal(document))
    found = IdentityDocument.objects.filter(number_index=index).select_related("person").first()
    return found.person if found is not None else None


def demo_cases_ensure() -> int:
    """Open the demo cases that are missing; return how many were opened."""
    opened = 0
    today = timezone.localdate()
    for spec in DEMO_CASES:
        person = _person(spec.document)
        agency = Agency.objects.filter(name_en=spec.agency).first()
        if person is None or agency is None or person.home_village is None:
            continue
        if Case.objects.filter(person=person, agency=agency).exists():
            continue
        assignee = User.objects.filter(email=spec.assignee_email).first()
        destination = (
            Place.objects.filter(code=spec.destination).first() if spec.destination else None
        )
        with transaction.atomic():
            case = services.case_open(
                actor=None,
                person=person,
                agency=agency,
                case_type=spec.case_type,
                risk=spec.risk,
                origin=person.home_village,
                source=CaseSource.MANUAL,
                destination=destination,
                summary=spec.summary,
                assigned_to=assignee,
            )
            for status in spec.statuses:
                case = services.case_transition(
                    actor=None, case=case, to_status=status, expected_version=case.version
                )
            for service in spec.services:
                provider = Agency.objects.filter(name_en=service.agency).first() or agency
                services.case_service_add(
                    actor=None,
                    case=case,
                    kind=service.kind,
                    agency=provider,
                    status=service.status,
                    due_on=(
                        today + dt.timedelta(days=service.due_in_days)
                        if service.due_in_days is not None
                        else None
                    ),
                    currency=service.currency,
                    amount_claimed=service.amount_claimed,
                )
            for title, days in spec.tasks:
                services.case_task_add(
                    actor=None,
                    case=case,
                    title=title,
                    due_on=today + dt.timedelta(days=days),
                    assigned_to=assignee,
                )
            for text in spec.notes:
                services.case_note_add(actor=None, case=case, text=text)
        opened += 1
    return opened


# (agency name in English, service kinds, phone) — offered in every province.
DEMO_DIRECTORY = [
    (CRISIS, ("shelter", "psychosocial", "medical", "reintegration"), "023 990 101"),
    (LEGAL, ("legal_aid", "wage_claim"), "023 990 202"),
    ("Safe Migration Cambodia (demo)", ("vocational", "family_tracing"), "023 990 303"),
]


def demo_directory_ensure() -> int:
    """Fill the referral directory for the demo agencies, entered by the demo programme
    admin; return how many entries were added."""
    from migra.cases.models import ServiceOffer
    from migra.cases.referral_services import service_offer_create

    admin = User.objects.filter(email="admin@demo.migra.local").first()
    if admin is None:
        return 0
    added = 0
    for agency_name, kinds, phone in DEMO_DIRECTORY:
        agency = Agency.objects.filter(name_en=agency_name).first()
        if agency is None:
            continue
        for kind in kinds:
            if ServiceOffer.objects.filter(agency=agency, kind=kind, province=None).exists():
                continue
            service_offer_create(actor=admin, agency=agency, kind=kind, phone=phone)
            added += 1
    return added
