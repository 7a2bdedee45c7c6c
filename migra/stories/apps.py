from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "migra.stories"
    label = "stories"
    verbose_name = _("Stories")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from migra.people.consent_listeners import register_consent_listener
        from migra.people.links import register_person_link
        from migra.stories import search  # noqa: F401  (registers the story document type)
        from migra.stories.services import stories_on_consent_loss

        # A merge moves a person's stories to the surviving record (and back when undone).
        register_person_link("stories", "stories.Story")
        # Consent withdrawn, record erased or merged: published stories come down at once.
        register_consent_listener("stories", stories_on_consent_loss)
