"""The fixed cast of the permission tests.

Places: Banteay Meanchey (01) › district 0102 › commune 010201; Siem Reap (17) ›
1701 › 170101. Agencies: the lead NGO, two partner NGOs (crisis centre, legal aid),
the Banteay Meanchey PCCT, a donor.

- alice: programme admin of the lead NGO, all places — runs the programme
- bob: programme admin of the crisis centre, all places — runs his agency only
- carol: caseworker of the crisis centre in Banteay Meanchey
- dan: caseworker of the crisis centre in commune 170101 only
- erin: donor viewer
- frank: authority officer of the Banteay Meanchey PCCT
- gina: SHG facilitator of the lead NGO in commune 010201
- charlie: logged in, no role: must see nothing
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from migra.accounts.models import Agency, Membership, User
from migra.accounts.roles import AgencyKind, Role
from migra.places.models import Place, PlaceKind

PASSWORD = "correct horse battery staple"


def make_place(code: str, kind: str, name_en: str, parent: Place | None) -> Place:
    path = f"{parent.path}/{code}" if parent else code
    return Place.objects.create(
        code=code,
        kind=kind,
        parent=parent,
        path=path,
        depth=path.count("/"),
        name_km=f"ទីកន្លែង{code}",
        name_en=name_en,
        search_text=f"{name_en.lower()} {code}",
    )


@dataclass
class Cast:
    places: dict[str, Place]
    agencies: dict[str, Agency]
    users: dict[str, User]


def _member(user: User, agency: Agency, role: str, places: list[Place] | None = None) -> None:
    membership = Membership.objects.create(
        user=user, agency=agency, role=role, all_places=places is None
    )
    if places:
        membership.places.set(places)


@pytest.fixture
def cast(db: None) -> Cast:
    kh = make_place("KH", PlaceKind.COUNTRY, "Cambodia", None)
    p01 = make_place("01", PlaceKind.PROVINCE, "Banteay Meanchey", kh)
    d0102 = make_place("0102", PlaceKind.DISTRICT, "Mongkol Borei", p01)
    c010201 = make_place("010201", PlaceKind.COMMUNE, "Banteay Neang", d0102)
    v = make_place("01020101", PlaceKind.VILLAGE, "Ou Thum", c010201)
    c010202 = make_place("010202", PlaceKind.COMMUNE, "Bat Trang", d0102)
    p17 = make_place("17", PlaceKind.PROVINCE, "Siem Reap", kh)
    d1701 = make_place("1701", PlaceKind.DISTRICT, "Angkor Chum", p17)
    c170101 = make_place("170101", PlaceKind.COMMUNE, "Char Chhuk", d1701)
    c170102 = make_place("170102", PlaceKind.COMMUNE, "Doun Peaeng", d1701)
    # Codes that share a prefix but are not inside: "1" must not contain "17".
    p1 = make_place("1", PlaceKind.PROVINCE, "Decoy", kh)
    places = {
        p.code: p for p in (kh, p01, d0102, c010201, v, c010202, p17, d1701, c170101, c170102, p1)
    }
    agencies = {
        "lead": Agency.objects.create(
            name_km="អង្គការនាំមុខ", name_en="Lead", kind=AgencyKind.LEAD_NGO
        ),
        "crisis": Agency.objects.create(
            name_km="មជ្ឈមណ្ឌល", name_en="Crisis", kind=AgencyKind.PARTNER_NGO
        ),
        "legal": Agency.objects.create(
            name_km="ច្បាប់", name_en="Legal", kind=AgencyKind.PARTNER_NGO
        ),
        "pcct01": Agency.objects.create(
            name_km="គ.ក.ប.ជ", name_en="PCCT 01", kind=AgencyKind.PCCT, home_place=p01
        ),
        "donor": Agency.objects.create(name_km="ម្ចាស់ជំនួយ", name_en="Donor", kind=AgencyKind.DONOR),
    }
    users = {}
    for name in ("alice", "bob", "carol", "dan", "erin", "frank", "gina", "charlie"):
        users[name] = User.objects.create_user(
            email=f"{name}@example.org", password=PASSWORD, full_name=name.title()
        )
    _member(users["alice"], agencies["lead"], Role.PROGRAMME_ADMIN)
    _member(users["bob"], agencies["crisis"], Role.PROGRAMME_ADMIN)
    _member(users["carol"], agencies["crisis"], Role.CASEWORKER, [p01])
    _member(users["dan"], agencies["crisis"], Role.CASEWORKER, [c170101])
    _member(users["erin"], agencies["donor"], Role.DONOR_VIEWER)
    _member(users["frank"], agencies["pcct01"], Role.AUTHORITY_OFFICER, [p01])
    _member(users["gina"], agencies["lead"], Role.SHG_FACILITATOR, [c010201])
    return Cast(places=places, agencies=agencies, users=users)


def login_as(client: Client, user: User) -> Client:
    """Log in, passing the second factor where the role needs one."""
    client.force_login(user, backend="migra.accounts.backends.EmailOrPhoneBackend")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def as_user(client: Client):  # type: ignore[no-untyped-def]
    def _login(user: User) -> Client:
        return login_as(client, user)

    return _login
