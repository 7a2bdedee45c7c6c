"""The table of the shared cache (settings.CACHES): rate limits and duplicate guards
must hold across every application process, so they live in the database."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("platform", "0002_key_check")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
