"""Load the shipped indicator catalogue (migra/screening/catalogue/*.json) as version 1.

Idempotent: a file already loaded is skipped. Later shipped files are loaded by
`migra screening load` (or a later data migration like this one).
"""

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from migra.screening.loader import install_shipped

    install_shipped(
        apps.get_model("screening", "CatalogueVersion"),
        apps.get_model("screening", "Indicator"),
        now=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_catalogue_indicators_screenings")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
