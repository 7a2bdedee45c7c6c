"""The fixed pages every installation starts with: about, the five safe-migration advice
pages, contact and partners, published, in Khmer, English and Thai (text in
_seed_pages.py). A page whose key already exists is left as it is."""

from django.db import migrations

from migra.site.migrations._seed_pages import PAGES


def add_pages(apps, schema_editor):  # type: ignore[no-untyped-def]
    Page = apps.get_model("public_site", "Page")
    existing = set(Page.objects.values_list("key", flat=True))
    Page.objects.bulk_create(
        [
            Page(is_published=True, version=1, **values)
            for values in PAGES
            if values["key"] not in existing
        ]
    )


def remove_pages(apps, schema_editor):  # type: ignore[no-untyped-def]
    Page = apps.get_model("public_site", "Page")
    Page.objects.filter(key__in=[values["key"] for values in PAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("public_site", "0001_pages_news_events_partners")]

    operations = [migrations.RunPython(add_pages, remove_pages)]
