"""The demo self-help group (called by `migra demo`, after the demo persons).
Idempotent: found again by its name.

In the commune of ហេង ស្រីនិច's village (Banteay Meanchey), run by the demo SHG
facilitator (012 345 601): ហេង ស្រីនិច is a member (returned migrant), one meeting
held last week, and one migrant in the register — she left through a broker for work
in Thailand three months ago, nothing reported yet, so a new user can mark "unpaid
wages" and land in the screening.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from migra.accounts.models import User
from migra.community import services
from migra.community.models import Group, MemberRole
from migra.people.identity import document_index, document_normal
from migra.people.models import IdentityDocument
from migra.places.models import Place

GROUP_NAME = "ក្រុមជួយខ្លួនឯង (គំរូ)"


def demo_community_ensure() -> bool:
    """Create the demo group if it is missing; return whether it was created."""
    if Group.objects.filter(name=GROUP_NAME).exists():
        return False
    facilitator = User.objects.filter(phone="+85512345601").first()
    found = (
        IdentityDocument.objects.filter(number_index=document_index(document_normal("DEMO000003")))
        .select_related("person__home_village__parent")
        .first()
    )
    village = found.person.home_village if found is not None else None
    if facilitator is None or found is None or village is None:
        return False
    person = found.person
    commune = village.parent
    thailand = Place.objects.filter(code="TH").first()
    today = timezone.localdate()
    with transaction.atomic():
        group = services.group_create(
            actor=facilitator,
            name=GROUP_NAME,
            commune=commune,
            villages=[village],
            facilitators=[facilitator],
            founded_on=today - dt.timedelta(days=400),
        )
        member = services.group_member_add(
            actor=facilitator, group=group, person=person, role=MemberRole.RETURNED_MIGRANT
        )
        services.meeting_record(
            actor=facilitator,
            group=group,
            held_on=today - dt.timedelta(days=7),
            venue="វត្តភូមិ",
            topics=["safe_migration", "recognising_exploitation"],
            attendees=[member.pk],
            guests={("female", "18_59"): 6, ("male", "18_59"): 3},
        )
        services.register_entry_add(
            actor=facilitator,
            commune=commune,
            person=person,
            group=group,
            departed_on=today - dt.timedelta(days=90),
            destination=thailand,
            sector="agriculture",
            channel="broker",
            last_contact_on=today - dt.timedelta(days=20),
            confirm_possible_duplicate=True,
        )
    return True
