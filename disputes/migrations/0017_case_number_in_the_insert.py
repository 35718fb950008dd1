"""PostgreSQL completes a new case's number in its INSERT (a BEFORE INSERT trigger): intake sends
the date part (yymmdd, in the configured time zone), the trigger appends the id given by the
sequence, at least six digits — the same as `disputes.workflow.opening.case_number`, which
SQLite's path runs in Python with an UPDATE. A number given in full is left as it is."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION disputes_case_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.number ~ '^[0-9]{6}$' THEN
        NEW.number := NEW.number || CASE WHEN NEW.id < 1000000 THEN lpad(NEW.id::text, 6, '0') ELSE NEW.id::text END;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS disputes_case_number ON disputes_case;
CREATE TRIGGER disputes_case_number BEFORE INSERT ON disputes_case
    FOR EACH ROW EXECUTE FUNCTION disputes_case_number();
"""

DROP = """
DROP TRIGGER IF EXISTS disputes_case_number ON disputes_case;
DROP FUNCTION IF EXISTS disputes_case_number();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0016_report_contact_phone")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
