"""The public content generation (migra.site.public_cache) and the table of the shared
public page cache (settings.CACHES["public_pages"])."""

import secrets

from django.core.management import call_command
from django.db import migrations, models
from django.utils import timezone


def create_generation_and_cache_table(apps, schema_editor):
    generation = apps.get_model("platform", "PublicContentGeneration")
    generation.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"token": secrets.token_hex(8), "changed_at": timezone.now()}
    )
    # Creates only the cache tables that do not exist yet.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("platform", "0003_shared_cache_table")]

    operations = [
        migrations.CreateModel(
            name="PublicContentGeneration",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("token", models.CharField(max_length=32)),
                ("changes", models.PositiveBigIntegerField(default=0)),
                ("changed_at", models.DateTimeField()),
            ],
            options={"verbose_name": "public content generation"},
        ),
        migrations.RunPython(create_generation_and_cache_table, migrations.RunPython.noop),
    ]
