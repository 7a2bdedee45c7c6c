from django.apps import AppConfig


class SearchableAppConfig(AppConfig):
    """Test-only app: a story (public when published) and a person (agency + place scoped,
    names indexed only as blind name keys), registered the way later apps will."""

    name = "migra.search.tests.searchable_app"
    label = "searchable_app"

    def ready(self) -> None:
        from migra.search.tests.searchable_app import search  # noqa: F401
