"""The group that gives county and township administrators their rights in the admin.

What they may do there is set here; whom they may do it to is grid.administration's scoping.
Membership of the group follows an active administrator role (grid.members.sync_admin_access).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "region administrators"
PERMISSIONS = [
    ("grid", "view_region"),
    ("grid", "view_gridcell"),
    ("grid", "view_unit"),
    ("grid", "view_member"),
    ("grid", "add_member"),
    ("grid", "change_member"),
    ("auth", "view_user"),
    ("auth", "add_user"),
    ("auth", "change_user"),
]


def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations: make them now, so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("grid", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
