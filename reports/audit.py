"""Writing to the append-only audit log, and the database triggers that keep it append-only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.backends.base.base import BaseDatabaseWrapper

from .models import AuditEvent

if TYPE_CHECKING:
    from indicators.models import Indicator
    from orgs.models import User

    from .models import Appeal, Case

SYSTEM_LABEL = "hệ thống"

# Triggers that refuse UPDATE and DELETE on the audit table, so that not even raw SQL from the
# application changes history. PostgreSQL's TRUNCATE (what the test suite's flush uses) fires no
# row trigger; on SQLite, reports.testing.clear_audit_log_for_flush() makes way for a flush.
SQLITE_GUARDS = [
    """CREATE TRIGGER IF NOT EXISTS reports_auditevent_no_update
       BEFORE UPDATE ON reports_auditevent
       BEGIN SELECT RAISE(ABORT, 'reports_auditevent is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS reports_auditevent_no_delete
       BEFORE DELETE ON reports_auditevent
       BEGIN SELECT RAISE(ABORT, 'reports_auditevent is append-only'); END""",
]
SQLITE_UNGUARDS = [
    "DROP TRIGGER IF EXISTS reports_auditevent_no_update",
    "DROP TRIGGER IF EXISTS reports_auditevent_no_delete",
]
POSTGRES_GUARDS = [
    """CREATE OR REPLACE FUNCTION reports_auditevent_refuse() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'reports_auditevent is append-only'; END; $$""",
    "DROP TRIGGER IF EXISTS reports_auditevent_append_only ON reports_auditevent",
    """CREATE TRIGGER reports_auditevent_append_only
       BEFORE UPDATE OR DELETE ON reports_auditevent
       FOR EACH ROW EXECUTE FUNCTION reports_auditevent_refuse()""",
]
POSTGRES_UNGUARDS = [
    "DROP TRIGGER IF EXISTS reports_auditevent_append_only ON reports_auditevent",
    "DROP FUNCTION IF EXISTS reports_auditevent_refuse()",
]


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install_guards(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "sqlite":
        _run(connection, SQLITE_GUARDS)
    elif connection.vendor == "postgresql":
        _run(connection, POSTGRES_GUARDS)


def remove_guards(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "sqlite":
        _run(connection, SQLITE_UNGUARDS)
    elif connection.vendor == "postgresql":
        _run(connection, POSTGRES_UNGUARDS)


def actor_label(user: User | None) -> str:
    if user is None:
        return SYSTEM_LABEL
    return str(user.get_username())[:150]


def record_event(
    *,
    actor: User | None,
    action: str,
    case: Case | None = None,
    indicator: Indicator | None = None,
    appeal: Appeal | None = None,
    before: Mapping[str, object] | None = None,
    after: Mapping[str, object] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event. `actor` None means the system (a task)."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor_label(actor),
        action=action,
        case=case,
        indicator=indicator,
        appeal=appeal,
        before=before or {},
        after=after or {},
        reason=reason,
    )
