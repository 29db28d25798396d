"""Database triggers that refuse UPDATE and DELETE on the audit log (SQLite and PostgreSQL), so
that even raw SQL from the application cannot rewrite history. The statements are frozen here
(migrations must not change with the code); reports/audit.py holds the same for tests."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS reports_auditevent_no_update
       BEFORE UPDATE ON reports_auditevent
       BEGIN SELECT RAISE(ABORT, 'reports_auditevent is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS reports_auditevent_no_delete
       BEFORE DELETE ON reports_auditevent
       BEGIN SELECT RAISE(ABORT, 'reports_auditevent is append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS reports_auditevent_no_update",
    "DROP TRIGGER IF EXISTS reports_auditevent_no_delete",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION reports_auditevent_refuse() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'reports_auditevent is append-only'; END; $$""",
    "DROP TRIGGER IF EXISTS reports_auditevent_append_only ON reports_auditevent",
    """CREATE TRIGGER reports_auditevent_append_only
       BEFORE UPDATE OR DELETE ON reports_auditevent
       FOR EACH ROW EXECUTE FUNCTION reports_auditevent_refuse()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS reports_auditevent_append_only ON reports_auditevent",
    "DROP FUNCTION IF EXISTS reports_auditevent_refuse()",
]


def _run(schema_editor, by_vendor):
    for sql in by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE, "postgresql": POSTGRES})


def remove(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
