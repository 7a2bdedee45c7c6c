"""Production collects the static files with WhiteNoise's manifest storage, which
follows every url() and sourceMappingURL inside CSS and JS and refuses a reference to
a file that is not there. A vendored file pointing at a map we do not ship would stop
every deployment at `collectstatic`: this runs it the production way."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_succeeds_with_the_production_storage(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    production = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=production):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text(encoding="utf-8")
    assert "stories/upload-tus-4.3.1.min.js" in manifest
    assert "migra/app.css" in manifest
