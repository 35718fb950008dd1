"""The county's first list of risk words: threats, revenge, petitions, gatherings, extremes."""

from django.db import migrations

WORDS = [
    ("扬言", "orange"),  # threatens to
    ("报复", "orange"),  # revenge
    ("上访", "yellow"),  # petition
    ("聚集", "orange"),  # gathering
    ("极端", "red"),  # extreme act
    ("自杀", "red"),  # suicide
    ("轻生", "red"),  # taking one's life
    ("械斗", "red"),  # armed fight between groups
    ("打架", "yellow"),  # fight
    ("砍", "orange"),  # hack (with a blade)
    ("同归于尽", "red"),  # die together
    ("集体上访", "red"),  # group petition
    ("堵路", "orange"),  # block the road
    ("讨说法", "yellow"),  # demand an explanation
]


def seed(apps, schema_editor):
    RiskWord = apps.get_model("earlywarning", "RiskWord")
    for word, level in WORDS:
        RiskWord.objects.get_or_create(word=word, defaults={"level": level})


class Migration(migrations.Migration):
    dependencies = [("earlywarning", "0001_warnings")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
