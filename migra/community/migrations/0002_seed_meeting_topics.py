"""Seed the managed catalogue of meeting topics (Khmer, English, Thai)."""

from django.db import migrations

TOPICS = [
    ("safe_migration", "ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព", "Safe migration", "การย้ายถิ่นอย่างปลอดภัย"),
    (
        "legal_channels",
        "ផ្លូវស្របច្បាប់ និងភ្នាក់ងារជ្រើសរើសពលករ",
        "Legal channels and recruitment agencies",
        "ช่องทางที่ถูกกฎหมายและบริษัทจัดหางาน",
    ),
    (
        "recognising_exploitation",
        "ការស្គាល់ការកេងប្រវ័ញ្ច",
        "Recognising exploitation",
        "การรู้จักการแสวงประโยชน์",
    ),
    ("documents", "ឯកសារ", "Documents", "เอกสาร"),
    ("remittances_debt", "ការផ្ញើប្រាក់ និងបំណុល", "Remittances and debt", "การส่งเงินกลับบ้านและหนี้สิน"),
    ("reintegration", "ការធ្វើសមាហរណកម្មឡើងវិញ", "Reintegration", "การกลับคืนสู่สังคม"),
    ("where_to_get_help", "កន្លែងស្វែងរកជំនួយ", "Where to get help", "แหล่งขอความช่วยเหลือ"),
]


def seed(apps, schema_editor):
    Topic = apps.get_model("community", "Topic")
    for order, (code, km, en, th) in enumerate(TOPICS, start=1):
        Topic.objects.update_or_create(
            code=code, defaults={"name_km": km, "name_en": en, "name_th": th, "order": order}
        )


def unseed(apps, schema_editor):
    Topic = apps.get_model("community", "Topic")
    Topic.objects.filter(code__in=[t[0] for t in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("community", "0001_groups_meetings_register")]

    operations = [migrations.RunPython(seed, unseed)]
