from django.db import migrations, models


def load_new_categories(apps, schema_editor):
    from disputes.categories import add_keywords, load

    Category = apps.get_model("disputes", "Category")
    load(Category, apps.get_model("disputes", "StageLimit"))  # the new catch-all 99 其他事件
    add_keywords(Category)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0010_past_units"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="keywords",
            field=models.CharField(
                blank=True,
                help_text="Everyday words people use for this category, separated by spaces (路灯 漏水 吵架 …).",
                max_length=300,
                verbose_name="keywords",
            ),
        ),
        migrations.RunPython(load_new_categories, migrations.RunPython.noop),
    ]
