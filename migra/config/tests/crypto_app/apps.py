from django.apps import AppConfig


class CryptoAppConfig(AppConfig):
    """Test-only app: a record with encrypted fields, to prove them on both databases."""

    name = "migra.config.tests.crypto_app"
    label = "crypto_app"
