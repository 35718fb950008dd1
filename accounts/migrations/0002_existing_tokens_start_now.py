from django.db import migrations
from django.utils import timezone


def start_now(apps, schema_editor):
    """Tokens issued before expiry existed count as used now: no phone is signed out by the upgrade."""
    Token = apps.get_model("authtoken", "Token")
    TokenActivity = apps.get_model("accounts", "TokenActivity")
    now = timezone.now()
    TokenActivity.objects.bulk_create(
        [TokenActivity(token_id=key, last_used=now) for key in Token.objects.values_list("key", flat=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(start_now, migrations.RunPython.noop)]
