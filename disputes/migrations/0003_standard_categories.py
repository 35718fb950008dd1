from django.db import migrations


def load_categories(apps, schema_editor):
    from disputes.categories import load

    load(apps.get_model("disputes", "Category"), apps.get_model("disputes", "StageLimit"))


class Migration(migrations.Migration):
    dependencies = [("disputes", "0002_audit_append_only")]

    operations = [migrations.RunPython(load_categories, migrations.RunPython.noop)]
