from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "migra.community"
    label = "community"
    verbose_name = _("Community")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from migra.community.reach import meeting_guests, meeting_persons, member_persons
        from migra.outreach.reach import register_reach_source

        register_reach_source(
            "community.meetings", persons=meeting_persons, anonymous=meeting_guests
        )
        register_reach_source("community.members", persons=member_persons)
