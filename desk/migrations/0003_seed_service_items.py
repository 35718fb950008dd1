from django.db import migrations


def seed(apps, schema_editor):
    from desk import catalogue

    catalogue.load(apps.get_model("desk", "ServiceItem"), apps.get_model("disputes", "Category"), catalogue.read_items())


class Migration(migrations.Migration):
    dependencies = [("desk", "0002_service_items"), ("disputes", "0003_standard_categories")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
