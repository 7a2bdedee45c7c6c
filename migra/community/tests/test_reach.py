"""Self-help groups in the reach figures: members and meeting attendees count once
among everyone reached, guests only in the anonymous figure."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from migra.community import services
from migra.community.models import MemberRole
from migra.outreach.reach import anonymous_people_counted, unique_people_reached


def test_the_communes_reach_goes_up_by_exactly_the_new_people(world, group, register):
    commune = world.places["010201"]
    gina = world.users["gina"]
    before = unique_people_reached(commune=commune)
    known = register("សុខ ចាន់")
    services.group_member_add(actor=gina, group=group, person=known, role=MemberRole.MIGRANT_FAMILY)
    assert unique_people_reached(commune=commune) == before + 1
    new = register("ម៉ៅ សុភា")
    member = services.group_member_add(
        actor=gina, group=group, person=new, role=MemberRole.RETURNED_MIGRANT
    )
    known_member = group.members.get(person=known)
    services.meeting_record(
        actor=gina,
        group=group,
        held_on=timezone.localdate() - dt.timedelta(days=1),
        topics=["safe_migration"],
        attendees=[member.pk, known_member.pk],
        guests={("female", "18_59"): 4},
    )
    # Two people reached in all: the meeting adds nobody already counted.
    assert unique_people_reached(commune=commune) == before + 2
    assert unique_people_reached(commune=world.places["010202"]) == 0
    # The four guests are counted apart, as anonymous.
    assert anonymous_people_counted(commune=commune) == 4
    assert anonymous_people_counted(commune=commune, sex="male") == 0
