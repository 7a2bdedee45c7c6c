from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "migra.community"
    label = "community"
    verbose_name = _("Community")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from migra.community import search  # noqa: F401  (registers register entries)
        from migra.community.reach import meeting_guests, meeting_persons, member_persons
        from migra.outreach.reach import register_reach_source
        from migra.people.links import register_person_link

        register_reach_source(
            "community.meetings", persons=meeting_persons, anonymous=meeting_guests
        )
        register_reach_source("community.members", persons=member_persons)
        # A merge moves a migrant's register entries to the surviving record.
        register_person_link("register_entries", "community.RegisterEntry")
        register_person_link("register_problems", "community.RegisterProblem")
        post_migrate.connect(_count_tallies_once, sender=self)


def _count_tallies_once(**kwargs: Any) -> None:
    """Records kept before the tallies existed (or loaded without the services): count
    them once, so summaries are right from the first page after the upgrade."""
    from django.db import connections

    from migra.community.models import AttendanceTally, Meeting, RegisterEntry, RegisterTally
    from migra.community.tallies import tallies_rebuild

    # `migrate <another app>` sends this too, maybe before these tables exist.
    tables = set(connections[kwargs.get("using", "default")].introspection.table_names())
    needed = {m._meta.db_table for m in (AttendanceTally, Meeting, RegisterEntry, RegisterTally)}
    if not needed <= tables:
        return
    register = RegisterEntry.objects.exists() and not RegisterTally.objects.exists()
    attendance = Meeting.objects.exists() and not AttendanceTally.objects.exists()
    if register or attendance:
        tallies_rebuild(register=register, attendance=attendance)
