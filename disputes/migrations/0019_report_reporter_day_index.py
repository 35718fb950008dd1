"""A person's reports by local day, for the assessment's gridworker ranking (assessment.scores): on
PostgreSQL an index on (reporter, the local date of received_at, received_at) including
resolved_on_site, so that the reports per person and day are read in order from the index alone.

The local date is the one Django's TruncDate gives in settings.TIME_ZONE when this migration runs;
if TIME_ZONE changes later, the index no longer matches and the query, still right, reads the
table instead (run this migration backwards and forwards to rebuild it). SQLite has no need of it."""

from django.db import migrations
from django.utils import timezone

NAME = "disputes_report_by_reporter_day"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    ops = schema_editor.connection.ops
    zone = timezone._get_timezone_name(timezone.get_default_timezone())
    day, params = ops.datetime_cast_date_sql('"received_at"', (), zone)
    day = day % tuple(schema_editor.quote_value(param) for param in params)
    schema_editor.execute(
        f'CREATE INDEX "{NAME}" ON "disputes_report" ("reporter_id", ({day}), "received_at")'
        ' INCLUDE ("resolved_on_site")'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0018_assessment_covering_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
