from django.db import migrations


def create_counter(apps, schema_editor):
    # The one row whose lock orders the stream (realtime.publish); it starts after any event stored.
    StreamCounter = apps.get_model("realtime", "StreamCounter")
    Event = apps.get_model("realtime", "Event")
    last = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    StreamCounter.objects.update_or_create(pk=1, defaults={"number": last})


class Migration(migrations.Migration):
    dependencies = [("realtime", "0001_initial")]

    operations = [migrations.RunPython(create_counter, migrations.RunPython.noop)]
