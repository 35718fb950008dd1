from django.db import migrations


def load_capabilities(apps, schema_editor):
    from disputes.linkage.chain import load_capabilities

    load_capabilities(apps.get_model("disputes", "Capability"), apps.get_model("disputes", "Category"))


class Migration(migrations.Migration):
    dependencies = [("disputes", "0003_standard_categories"), ("disputes", "0004_linkage")]

    operations = [migrations.RunPython(load_capabilities, migrations.RunPython.noop)]
