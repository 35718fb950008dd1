"""Indexes from which the assessment's rankings read alone (PostgreSQL's index-only scans):

- a gridworker's verifications in a period and whether each was on time (declared on AuditEntry);
- a case's area, state and due time by its id, for joining follow-ups (回访) and 督办 flags to
  their cases' areas. On PostgreSQL only: without INCLUDE (SQLite has none) it would be an index
  of the primary key alone, which SQLite's table already is."""

from django.conf import settings
from django.db import migrations, models

CASE_AREA_BY_ID = "disputes_case_area_by_id"


def create_case_area_by_id(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{CASE_AREA_BY_ID}" ON "disputes_case" ("id") INCLUDE ("area_code", "state", "due_at")'
        )


def drop_case_area_by_id(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{CASE_AREA_BY_ID}"')


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0017_case_number_in_the_insert"),
        ("grid", "0002_region_administrators"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("action__in", ("verify", "verify_failed"))),
                fields=["actor", "at"],
                include=("case", "seq"),
                name="disputes_audit_verifications",
            ),
        ),
        migrations.RunPython(create_case_area_by_id, drop_case_area_by_id, elidable=False),
    ]
