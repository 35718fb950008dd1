"""The audit log is append-only in the database itself, not only in the ORM: triggers refuse
every UPDATE, and every DELETE or TRUNCATE unless an AuditPurgePermit row exists (wiping a
test or training database)."""

from django.db import migrations

MESSAGE = "The audit log is append-only"

POSTGRES = [
    f"""
    CREATE FUNCTION disputes_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'TRUNCATE') AND EXISTS (SELECT 1 FROM disputes_auditpurgepermit) THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NULL;
        END IF;
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """CREATE TRIGGER disputes_auditentry_append_only BEFORE UPDATE OR DELETE ON disputes_auditentry
       FOR EACH ROW EXECUTE FUNCTION disputes_audit_append_only()""",
    """CREATE TRIGGER disputes_auditentry_no_truncate BEFORE TRUNCATE ON disputes_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION disputes_audit_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER disputes_auditentry_no_truncate ON disputes_auditentry",
    "DROP TRIGGER disputes_auditentry_append_only ON disputes_auditentry",
    "DROP FUNCTION disputes_audit_append_only()",
]
SQLITE = [
    f"""CREATE TRIGGER disputes_auditentry_no_update BEFORE UPDATE ON disputes_auditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER disputes_auditentry_no_delete BEFORE DELETE ON disputes_auditentry
        WHEN NOT EXISTS (SELECT 1 FROM disputes_auditpurgepermit)
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER disputes_auditentry_no_delete",
    "DROP TRIGGER disputes_auditentry_no_update",
]


def run(statements):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements[vendor]:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
