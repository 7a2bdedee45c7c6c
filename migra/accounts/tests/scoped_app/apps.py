from django.apps import AppConfig


class ScopedAppConfig(AppConfig):
    """Test-only app: a record with an agency and a place, to prove the permission API."""

    name = "migra.accounts.tests.scoped_app"
    label = "scoped_app"
