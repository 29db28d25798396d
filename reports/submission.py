"""Citizens' reports coming in: store a report with its evidence and the task that files it,
once however many times the same submission arrives (the module text of services.py has the
rules; filing into cases is services.file_report, run by tasks.file_report_task).

Its own module because it enqueues the filing task: tasks.py imports services, and this module
imports both, so that no two modules import each other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import date

from django.db import IntegrityError, connection

from orgs.models import Unit
from orgs.partners import Partner

from .evidence import CleanFile
from .models import Report, new_tracking_code
from .services import _discard_files, _save_files, _write_transaction
from .tasks import file_report_task


class IdempotencyConflict(Exception):
    """The idempotency scope and key were used before for a report with other content."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.tracking_code)
        self.report = report


@dataclass
class ReportInput:
    channel: str
    scam_type: str
    unit: Unit
    description: str = ""
    message_text: str = ""
    indicators: list[tuple[str, str]] = field(default_factory=list)  # (kind, canonical value)
    money_lost: int | None = None
    lost_on: date | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    consent_to_contact: bool = False


def report_fingerprint(*, data: ReportInput, files: list[CleanFile]) -> str:
    """SHA-256 (hex) of the canonical JSON of what is submitted, evidence by its hash.

    Taken after validation, so that a retry that differs only in key order, spacing or how a
    phone number is written is still the same report; the idempotency key is not part of it."""
    content = {f.name: getattr(data, f.name) for f in fields(data)}
    content.update(unit=data.unit.pk, files=[f.sha256 for f in files])
    canonical = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def body_scope(prefix: str, *, data: ReportInput, files: list[CleanFile]) -> str:
    """An idempotency scope for a client nobody identifies (the web form, the API without a
    partner key): the key counts only together with the same content. A retry (same content,
    same key) finds the first report even from another address (a phone that moved from Wi-Fi
    to 4G); two phones behind one carrier NAT that happen to send the same key with different
    reports store two reports."""
    return f"{prefix}:{report_fingerprint(data=data, files=files)}"


# The idempotency look-up runs on every keyed submission, most of which find nothing: written
# once as SQL, because building the same query through the ORM cost a tenth of a submission.
# "NOT (idempotency_key = '')" repeats the unique index's condition as Django writes it: SQLite uses a partial index
# only when the query names its WHERE term; without it every keyed submission scanned the table.
IDEMPOTENT_MATCH_SQL = (
    "SELECT id, idempotency_fingerprint FROM {table} "
    "WHERE idempotency_scope = %s AND idempotency_key = %s AND NOT (idempotency_key = '') LIMIT 1"
)


def idempotent_match(*, scope: str, key: str) -> tuple[int, str] | None:
    """(pk, fingerprint) of the report stored with this idempotency scope and key, or None."""
    sql = IDEMPOTENT_MATCH_SQL.format(table=connection.ops.quote_name(Report._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope, key])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class _Idempotency:
    """The scope and key a submission came with, and the fingerprint of its content ("" for
    all three without a key: every submission is then a new report)."""

    scope: str
    key: str
    fingerprint: str

    def earlier(self) -> Report | None:
        """The report stored with this scope and key; IdempotencyConflict when its content
        was other."""
        if not self.key:
            return None
        row = idempotent_match(scope=self.scope, key=self.key)
        if row is None:
            return None
        found = Report.objects.get(pk=row[0])
        # A report stored before fingerprints were kept has none: taken as the same content.
        if row[1] not in ("", self.fingerprint):
            raise IdempotencyConflict(found)
        return found


def submit_report(
    *,
    data: ReportInput,
    files: list[CleanFile],
    source: str,
    partner_key: Partner | None = None,
    idempotency_scope: str = "",
    idempotency_key: str = "",
) -> tuple[Report, bool]:
    """Store a report (files already cleaned) and the task that files it into cases (see the
    module's rules: the report is answered before it is filed). Returns (report, created);
    a retry with the same idempotency scope, key and content returns the first report,
    created=False; the same scope and key with other content raises IdempotencyConflict."""
    key = idempotency_key[:100]
    same = _Idempotency(
        scope=idempotency_scope[:80] if key else "",
        key=key,
        fingerprint=report_fingerprint(data=data, files=files) if key else "",
    )
    if (found := same.earlier()) is not None:  # only when a key is sent
        return found, False
    saved: list[str] = []
    try:
        with _write_transaction():
            report = _create_report(data, source=source, partner_key=partner_key, same=same)
            _save_files(files, saved, report=report)
            # In the report's transaction, not on commit: the task row (django-tasks-db writes
            # it on the default database's connection, in this transaction) commits with the
            # report, so a stored report always has its filing task and a rolled-back one none.
            file_report_task.enqueue(report.pk)
    except IntegrityError:
        _discard_files(saved)
        if (found := same.earlier()) is not None:  # a concurrent retry won the race
            return found, False
        raise
    except BaseException:
        _discard_files(saved)
        raise
    return report, True


def _create_report(
    data: ReportInput, *, source: str, partner_key: Partner | None, same: _Idempotency
) -> Report:
    return Report.objects.create(
        tracking_code=new_tracking_code(),
        channel=data.channel,
        scam_type=data.scam_type,
        description=data.description,
        message_text=data.message_text,
        money_lost=data.money_lost,
        lost_on=data.lost_on,
        unit=data.unit,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        contact_email=data.contact_email,
        consent_to_contact=data.consent_to_contact,
        source=source,
        partner_key_id=partner_key.pk if partner_key is not None else None,
        idempotency_scope=same.scope,
        idempotency_key=same.key,
        idempotency_fingerprint=same.fingerprint,
        indicator_keys=[[kind, value] for kind, value in dict.fromkeys(data.indicators)],
    )
