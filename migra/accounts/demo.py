"""Demo data: the demo programme, its agencies and one user per role.

Idempotent: every object is looked up by a stable key first, so a second run
creates nothing. Refuses to run with DEBUG off unless told the data is wanted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from migra.accounts import services
from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import TWO_FACTOR_ROLES, AgencyKind, Role
from migra.places.models import Place

DEMO_PASSWORD = "Migra-demo-2026"  # noqa: S105 (printed for demo logins on purpose)

# Province codes of the demo programme's five provinces.
BANTEAY_MEANCHEY, KAMPONG_CHAM, KAMPONG_THOM, SIEM_REAP, ODDAR_MEANCHEY = (
    "01",
    "03",
    "06",
    "17",
    "22",
)
DEMO_PROVINCES = [BANTEAY_MEANCHEY, KAMPONG_CHAM, KAMPONG_THOM, ODDAR_MEANCHEY, SIEM_REAP]


@dataclass(frozen=True)
class DemoAgency:
    key: str
    kind: str
    name_km: str
    name_en: str
    short_name: str
    place_code: str | None = None


def _demo_agencies() -> list[DemoAgency]:
    agencies = [
        DemoAgency(
            "lead",
            AgencyKind.LEAD_NGO,
            "អង្គការចំណាកស្រុកសុវត្ថិភាព",
            "Safe Migration Cambodia (demo)",
            "SMC",
        ),
        DemoAgency(
            "crisis",
            AgencyKind.PARTNER_NGO,
            "មជ្ឈមណ្ឌលវិបត្តិស្ត្រី",
            "Women's Crisis Centre (demo)",
            "WCC",
        ),
        DemoAgency(
            "legal",
            AgencyKind.PARTNER_NGO,
            "អង្គការជំនួយផ្លូវច្បាប់",
            "Legal Aid Organisation (demo)",
            "LAO",
        ),
        DemoAgency(
            "media", AgencyKind.MEDIA_PARTNER, "ដៃគូប្រព័ន្ធផ្សព្វផ្សាយមេគង្គ", "Mekong Media (demo)", "MM"
        ),
        DemoAgency(
            "ncct",
            AgencyKind.NCCT,
            "គណៈកម្មាធិការជាតិប្រយុទ្ធប្រឆាំងការជួញដូរមនុស្ស",
            "National Committee for Counter Trafficking",
            "NCCT",
            "KH",
        ),
        DemoAgency("donor", AgencyKind.DONOR, "សហភាពអឺរ៉ុប", "European Union", "EU"),
        DemoAgency(
            "th-sakaeo",
            AgencyKind.DESTINATION_AUTHORITY,
            "ការិយាល័យការងារខេត្តស្រះកែវ",
            "Sa Kaeo Provincial Labour Office",
            "SKLO",
            "TH-27",
        ),
    ]
    for code in DEMO_PROVINCES:
        agencies.append(DemoAgency(f"pcct-{code}", AgencyKind.PCCT, "", "", "PCCT", code))
        agencies.append(
            DemoAgency(f"labour-{code}", AgencyKind.LABOUR_DEPARTMENT, "", "", "DoLVT", code)
        )
    return agencies


@dataclass(frozen=True)
class DemoUser:
    role: str
    agency: str
    full_name: str
    email: str = ""
    phone: str = ""
    places: tuple[str, ...] = ()  # empty: all places

    @property
    def login(self) -> str:
        return self.email or self.phone


DEMO_USERS = [
    DemoUser(Role.PROGRAMME_ADMIN, "lead", "សុខ ចាន់ធា", email="admin@demo.migra.local"),
    DemoUser(Role.ME_OFFICER, "lead", "ចាន់ សុភា", email="me@demo.migra.local"),
    DemoUser(
        Role.CASE_SUPERVISOR,
        "crisis",
        "កែវ ស្រីពៅ",
        email="supervisor@demo.migra.local",
        places=tuple(DEMO_PROVINCES),
    ),
    DemoUser(
        Role.CASEWORKER,
        "crisis",
        "លី សុខា",
        email="caseworker@demo.migra.local",
        places=(BANTEAY_MEANCHEY,),
    ),
    # Receives referrals for legal aid and wage claims in the five provinces.
    DemoUser(
        Role.CASEWORKER,
        "legal",
        "ស៊ុន វិចិត្រ",
        email="lawyer@demo.migra.local",
        places=tuple(DEMO_PROVINCES),
    ),
    DemoUser(
        Role.SHG_FACILITATOR, "lead", "ហេង សុផល", phone="+85512345601", places=(BANTEAY_MEANCHEY,)
    ),
    DemoUser(Role.PEER_EDUCATOR, "lead", "ម៉ៅ ស្រីនិច", phone="+85512345602", places=(SIEM_REAP,)),
    DemoUser(
        Role.SOCIAL_AMBASSADOR, "lead", "សំ វណ្ណា", phone="+85512345603", places=(KAMPONG_CHAM,)
    ),
    DemoUser(Role.EDITOR, "media", "ញឹម ដារ៉ា", email="editor@demo.migra.local"),
    DemoUser(
        Role.AUTHORITY_OFFICER,
        f"pcct-{BANTEAY_MEANCHEY}",
        "ឈឹម វិចិត្រ",
        email="pcct@demo.migra.local",
        places=(BANTEAY_MEANCHEY,),
    ),
    DemoUser(Role.DONOR_VIEWER, "donor", "Anna Becker", email="donor@demo.migra.local"),
]


def _place(code: str) -> Place:
    return Place.objects.get(code=code)


def _ensure_agency(spec: DemoAgency) -> Agency:
    place = _place(spec.place_code) if spec.place_code else None
    name_km, name_en = spec.name_km, spec.name_en
    if spec.kind == AgencyKind.PCCT and place is not None:
        name_km = f"គណៈកម្មាធិការប្រយុទ្ធប្រឆាំងការជួញដូរមនុស្សខេត្ត{place.name_km}"
        name_en = f"Provincial Committee for Counter Trafficking, {place.name_en}"
    elif spec.kind == AgencyKind.LABOUR_DEPARTMENT and place is not None:
        name_km = f"មន្ទីរការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈខេត្ត{place.name_km}"
        name_en = f"Provincial Department of Labour and Vocational Training, {place.name_en}"
    existing = Agency.objects.filter(name_en=name_en, kind=spec.kind).first()
    if existing:
        return existing
    return services.agency_create(
        actor=None,
        name_km=name_km,
        name_en=name_en,
        short_name=spec.short_name,
        kind=spec.kind,
        home_place=place,
    )


def _ensure_user(spec: DemoUser, agency: Agency) -> User:
    user = User.objects.filter(email=spec.email or None, phone=spec.phone or None).first()
    if user is None:
        user = services.user_create(
            actor=None,
            full_name=spec.full_name,
            email=spec.email,
            phone=spec.phone,
            language="km",
            password=DEMO_PASSWORD,
        )
    if not Membership.objects.filter(user=user, agency=agency, role=spec.role).exists():
        services.membership_add(
            actor=None,
            user=user,
            agency=agency,
            role=spec.role,
            all_places=not spec.places,
            places=[_place(code) for code in spec.places],
        )
    return user


def demo_ensure() -> list[tuple[DemoUser, bool]]:
    """Create what is missing of the demo; return each demo user with 'needs 2FA'."""
    from migra.places.services import gazetteer_load
    from migra.programmes.services import demo_programme_ensure

    if not Place.objects.filter(code="01").exists():
        gazetteer_load()
    with transaction.atomic():
        demo_programme_ensure()
        agencies = {spec.key: _ensure_agency(spec) for spec in _demo_agencies()}
        for spec in DEMO_USERS:
            _ensure_user(spec, agencies[spec.agency])
        from migra.people.demo import demo_people_ensure

        demo_people_ensure()
        from migra.cases.demo import demo_cases_ensure, demo_directory_ensure

        demo_directory_ensure()
        demo_cases_ensure()
        from migra.community.demo import demo_community_ensure

        demo_community_ensure()
        from migra.stories.demo import demo_stories_ensure

        demo_stories_ensure()
        from migra.documents.demo import demo_documents_ensure

        demo_documents_ensure()
        from migra.site.demo import demo_site_ensure

        demo_site_ensure()
        from migra.collect.services import builtin_forms_install

        builtin_forms_install()
    return [(spec, spec.role in TWO_FACTOR_ROLES) for spec in DEMO_USERS]
