"""The demo self-help group: made once, run by the demo facilitator."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from migra.community.demo import demo_community_ensure
from migra.community.models import Group, RegisterEntry


@pytest.mark.django_db
def test_the_demo_group_is_made_once_for_the_demo_facilitator():
    call_command("demo", "--allow-production")
    assert demo_community_ensure() is False
    group = Group.objects.get()
    assert group.facilitators.get().phone == "+85512345601"
    assert group.members.count() == 1 and group.meetings.count() == 1
    entry = RegisterEntry.objects.get()
    assert entry.channel == "broker" and entry.returned_on is None
