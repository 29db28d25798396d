"""Helpers for tests of any app that touch reports."""

from django.db import connection

from .audit import install_guards, remove_guards


def clear_audit_log_for_flush() -> None:
    """Empty the append-only audit table so that a TransactionTestCase flush can run on SQLite
    (its DELETE fires the triggers; PostgreSQL's TRUNCATE does not). Tests only."""
    if connection.vendor != "sqlite":
        return
    remove_guards(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reports_auditevent")
    finally:
        install_guards(connection)
