from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "migra.sharing"
    label = "sharing"
    verbose_name = _("Sharing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from migra.sharing import receivers
        from migra.stories.signals import story_published, story_withdrawn

        # Stories never import sharing: it listens to their signals (sent on commit).
        story_published.connect(receivers.on_story_published, dispatch_uid="sharing.published")
        story_withdrawn.connect(receivers.on_story_withdrawn, dispatch_uid="sharing.withdrawn")
