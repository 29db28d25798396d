"""Writes of the reports app: filing reports into cases, the verification workflow under the
four-eyes rule, appeals, and the retention purge (submitting a report is reports.submission).

Rules (documented here because they are the contract other apps and the UI rely on):
- Accept fast, file in the background: submission.submit_report stores the report, its evidence and the
  canonical indicators it names (Report.indicator_keys) together with the task that files it,
  in one short transaction (an outbox: both commit or neither). The task (file_report) records
  the indicators (indicators.services.record_indicators), files the report into cases, and
  marks it filed (Report.filed_at), once however many times it runs. An indicator belongs to
  one case at most. A report joins every case that holds one of its indicators; its
  indicators that no case holds yet join the first of those cases (they were reported together),
  or a new case. A report that names no indicator gets a case of its own.
- A case's unit is the lowest unit covering all its reports' units (see _common_unit).
- Listing and delisting need two different verifiers: one proposes, another confirms. Clearing an
  indicator that is not listed, or marking it "insufficient evidence", takes one verifier: it
  changes no list. Rejecting an appeal takes one verifier (the listing stays as it is); upholding
  one is a delisting, hence two.
- Every change by staff or by a task appends an AuditEvent. A citizen's submission does not: the
  report row itself records it.
"""

from __future__ import annotations

import fcntl
import math
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from detection.analysis import score_case_text
from indicators.models import Indicator, Status
from indicators.services import record_indicators, start_indicator_review
from orgs.access import can_act
from orgs.models import Permission, Unit, User

from .audit import record_event
from .evidence import CleanFile
from .models import (
    Appeal,
    AppealStatus,
    AuditAction,
    Case,
    CaseIndicator,
    CaseNote,
    CaseStatus,
    Evidence,
    ProposalStatus,
    Report,
)

if TYPE_CHECKING:
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

FINAL_STATUSES = frozenset({Status.LISTED, Status.CLEARED, Status.INSUFFICIENT_EVIDENCE})
MAX_REASON = 2000


class WorkflowError(ValueError):
    """A verification step that is not allowed; the message is Vietnamese, for the verifier."""


def retention_days() -> int:
    return int(getattr(settings, "REPORTS_RETENTION_DAYS", 365))


def appeal_days() -> int:
    return int(getattr(settings, "REPORTS_APPEAL_DAYS", 7))


def root_unit() -> Unit | None:
    return Unit.objects.get_root_nodes().first()


# --- evidence files and the write transaction (reports.submission, appeals) -------------------


def _save_files(
    files: list[CleanFile],
    saved: list[str],
    *,
    report: Report | None = None,
    appeal: Appeal | None = None,
) -> None:
    for clean in files:
        evidence = Evidence(
            content_type=clean.content_type,
            size=len(clean.content),
            sha256=clean.sha256,
            report=report,
            appeal=appeal,
        )
        evidence.file.save(f"e.{clean.extension}", ContentFile(clean.content), save=False)
        saved.append(evidence.file.name)
        evidence.save()


def _discard_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


_sqlite_writers = threading.RLock()


@contextmanager
def _write_transaction() -> Iterator[None]:
    """transaction.atomic, entered by one writer at a time on SQLite. SQLite has one write
    lock for the whole file, and a writer that finds it taken polls it from its busy handler,
    sleeping up to 100 ms between tries: under load the lock sits free while writers sleep.
    Queued on a Python lock (the threads of one gunicorn gthread worker) and then on flock (the
    processes), each is woken as soon as the one before has committed: intake went from 150 to
    about 240 reports/s in bench/reports.py (other writers, such as the task queue's own
    claims, still use the busy handler). Inside a transaction
    already (which holds SQLite's lock) it is a plain savepoint: waiting there for the Python
    lock could deadlock with a thread that holds it and waits for SQLite's."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with _sqlite_writers:
        fd = _writer_lock_file()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            with transaction.atomic():
                yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


_lock_files: dict[str, int] = {}


def _writer_lock_file() -> int | None:
    """A lock file next to the SQLite database, shared by every process that writes reports
    (gunicorn's workers, the task workers): flock wakes the next waiter as soon as the one
    before releases it. None for an in-memory database (tests): one process only."""
    sqlite = cast("SQLiteWrapper", connection)  # only called on SQLite (_write_transaction)
    if sqlite.is_in_memory_db():
        return None
    path = f"{connection.settings_dict['NAME']}.writers"
    if path not in _lock_files:
        _lock_files[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return _lock_files[path]


REPORT_SOURCE = "Tố giác của người dân"


def file_report(*, report_id: int) -> Report | None:
    """File a submitted report: record its indicators, then link them to it, put it into cases
    and mark it filed, in one transaction. Returns the report when this call filed it; None when it
    was filed already (a task run twice) or is gone. The claim is an UPDATE … WHERE filed_at IS
    NULL: of two concurrent runs, the second waits for the first (PostgreSQL's row lock,
    SQLite's write lock) and then updates nothing."""
    report = (
        Report.objects.select_related("unit").filter(pk=report_id, filed_at__isnull=True).first()
    )
    if report is None:
        return None  # the common case of a second run costs no write transaction
    # Before the transaction: recording indicators is idempotent on its own (a second run finds
    # them), and on SQLite every query inside the transaction holds the one write lock that
    # the submissions need too.
    indicators = record_indicators(
        values=[tuple(pair) for pair in report.indicator_keys],
        source=REPORT_SOURCE,
        canonical=True,
    )
    with _write_transaction():
        now = timezone.now()
        if not Report.objects.filter(pk=report_id, filed_at__isnull=True).update(filed_at=now):
            return None
        report.filed_at = now
        links = Report.indicators.through
        links.objects.bulk_create(
            [links(report_id=report.pk, indicator_id=i.pk) for i in indicators],
            ignore_conflicts=True,
        )
        file_into_cases(report=report, indicators=indicators)
    return report


# --- cases -----------------------------------------------------------------------------------


def _common_unit(units: Iterable[Unit]) -> Unit | None:
    """The lowest unit of the tree that covers all of these (materialised paths)."""
    units = list(units)
    paths = [u.path for u in units]
    if not paths:
        return None
    prefix = paths[0]
    for path in paths[1:]:
        n = 0
        while n < min(len(prefix), len(path)) and prefix[n] == path[n]:
            n += 1
        prefix = prefix[:n]
    prefix = prefix[: len(prefix) - len(prefix) % Unit.steplen]
    if not prefix:
        return root_unit()
    # Often one of them is the common unit itself (a commune's report in its district's case).
    return next((u for u in units if u.path == prefix), None) or Unit.objects.get(path=prefix)


def _case_of(indicator: Indicator) -> Case | None:
    link = CaseIndicator.objects.select_related("case").filter(indicator=indicator).first()
    return link.case if link else None


def _cases_by_indicator(indicators: list[Indicator]) -> dict[int, Case]:
    """The case of each of these indicators that has one, by indicator id, in one query."""
    links = CaseIndicator.objects.select_related("case").filter(indicator__in=indicators)
    return {link.indicator_id: link.case for link in links}


def file_into_cases(*, report: Report, indicators: list[Indicator]) -> list[Case]:
    """Put the report into the cases of its indicators (the module's rules), in a few queries
    however many indicators it names."""
    held = _cases_by_indicator(indicators) if indicators else {}
    cases: dict[int, Case] = {}
    for indicator in indicators:  # the first case is that of the first indicator a case holds
        if (case := held.get(indicator.pk)) is not None:
            cases.setdefault(case.pk, case)
    loose = [i for i in indicators if i.pk not in held]
    if loose or not indicators:
        target = next(iter(cases.values()), None) or Case.objects.create(unit=report.unit)
        cases.setdefault(target.pk, target)
        if loose:
            # No savepoint per indicator: a loose one that a concurrent filing put into its own
            # case first is skipped here (ON CONFLICT DO NOTHING), and found again just after.
            CaseIndicator.objects.bulk_create(
                [CaseIndicator(case=target, indicator=i) for i in loose], ignore_conflicts=True
            )
            for case in _cases_by_indicator(loose).values():
                cases.setdefault(case.pk, case)
    through = Case.reports.through
    through.objects.bulk_create(
        [through(case_id=pk, report_id=report.pk) for pk in cases], ignore_conflicts=True
    )
    for case in cases.values():
        if case.status == CaseStatus.CLOSED and _needs_reopening(case):
            _set_case_status(case, CaseStatus.OPEN, actor=None, reason="Có tố giác mới.")
        refresh_case(case)
    return list(cases.values())


def _needs_reopening(case: Case) -> bool:
    """New reports reopen a closed case unless every indicator of it is listed already."""
    statuses = list(case.indicators.values_list("status", flat=True))
    return not statuses or any(s != Status.LISTED for s in statuses)


def compute_priority(case: Case, now: datetime | None = None) -> int:
    """Higher first in the queue: many reports, much money lost, recent, and the detection
    app's risk score (Case.risk_score, 0..1) when it has set one."""
    if case.status == CaseStatus.MERGED:
        return 0
    now = now or timezone.now()
    score = 10 * min(case.report_count, 50)
    if case.money_lost:
        score += int(10 * math.log10(case.money_lost + 1))  # 1 million đồng: +60
    if case.latest_report_at:
        age = now - case.latest_report_at
        if age < timedelta(days=1):
            score += 30
        elif age < timedelta(days=7):
            score += 15
        elif age < timedelta(days=30):
            score += 5
    score += int(50 * max(0.0, min(1.0, case.risk_score)))
    if case.status == CaseStatus.CLOSED:
        score //= 10
    return score


def refresh_case(case: Case) -> Case:
    """Recompute the figures kept on the case row, its unit and its priority (three queries,
    and at most two more when its reports come from several units). What the priority reads
    but this does not compute (status, risk score) is read again first: the caller's copy may
    be older than a verifier's closing."""
    case.refresh_from_db(fields=["status", "closed_at", "risk_score"])
    reports = case.reports.all()
    figures = reports.aggregate(n=Count("pk"), money=Sum("money_lost"), latest=Max("created_at"))
    case.report_count = figures["n"]
    case.money_lost = figures["money"] or 0
    case.latest_report_at = figures["latest"]
    pairs = set(reports.order_by().values_list("scam_type", "unit_id").distinct())
    case.scam_types = sorted({scam_type for scam_type, _unit in pairs})
    unit_ids = {unit_id for _scam_type, unit_id in pairs}
    if unit_ids and unit_ids != {case.unit_id}:
        case.unit = _common_unit(Unit.objects.filter(pk__in=unit_ids)) or case.unit
    case.priority = compute_priority(case)
    # Only the computed fields: a verifier may have assigned or closed the case meanwhile, and a
    # whole-row save from this (older) copy would undo it.
    case.save(update_fields=REFRESHED_FIELDS)
    return case


REFRESHED_FIELDS = [
    "report_count",
    "money_lost",
    "latest_report_at",
    "scam_types",
    "unit",
    "priority",
]


def set_case_risk_score(*, case: Case, score: float) -> Case:
    """For the detection app: its risk score (0..1) raises the case in the queue."""
    case.risk_score = max(0.0, min(1.0, float(score)))
    case.priority = compute_priority(case)
    case.save(update_fields=["risk_score", "priority"])
    return case


def score_cases_of_report(*, report: Report) -> list[Case]:
    """Let the detection app rate the messages of each case this report is in: the most
    dangerous cases rise in the verifiers' queue before anyone has read them."""
    scored = []
    for case in report.cases.all():
        texts = list(
            case.reports.exclude(message_text="")
            .order_by("-created_at")
            .values_list("message_text", flat=True)[:20]
        )
        scored.append(set_case_risk_score(case=case, score=score_case_text(texts=texts).score))
    return scored


def refresh_priorities() -> int:
    """Recency counts in the priority, so open cases are re-scored from time to time."""
    count = 0
    for case in Case.objects.filter(status=CaseStatus.OPEN).iterator():
        priority = compute_priority(case)
        if priority != case.priority:
            Case.objects.filter(pk=case.pk).update(priority=priority)
            count += 1
    return count


# --- permission and input checks -------------------------------------------------------------


def _require_verifier(user: User, unit: Unit) -> None:
    if not can_act(user, Permission.VERIFY_REPORTS, unit):
        raise PermissionDenied(_("Bạn không có quyền xác minh hồ sơ của đơn vị này."))


def _reason(text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise WorkflowError(_("Hãy ghi lý do."))
    if len(text) > MAX_REASON:
        raise WorkflowError(_("Lý do quá dài (tối đa %(n)d ký tự).") % {"n": MAX_REASON})
    return text


def _require_open(case: Case) -> None:
    if case.status == CaseStatus.MERGED:
        raise WorkflowError(
            _("Hồ sơ này đã được gộp vào hồ sơ #%(n)s.") % {"n": case.merged_into_id}
        )


def _case_indicators(case: Case, chosen: Iterable[Indicator | int] | None) -> list[Indicator]:
    """The chosen indicators (or their ids) of the case; all of them when none are chosen."""
    own = {i.pk: i for i in case.indicators.all()}
    if chosen is None:
        return list(own.values())
    picked = [own.get(i if isinstance(i, int) else i.pk) for i in chosen]
    found = [i for i in picked if i is not None]
    if not picked or len(found) < len(picked):
        raise WorkflowError(_("Hãy chọn dấu hiệu thuộc hồ sơ này."))
    return found


def _set_case_status(case: Case, status: str, *, actor: User | None, reason: str) -> None:
    if case.status == status:
        return
    before = case.status
    case.status = status
    case.closed_at = timezone.now() if status != CaseStatus.OPEN else None
    case.priority = compute_priority(case)
    case.save(update_fields=["status", "closed_at", "priority"])
    action = AuditAction.CASE_REOPENED if status == CaseStatus.OPEN else AuditAction.CASE_CLOSED
    if status == CaseStatus.MERGED:
        return  # recorded by merge_cases
    record_event(
        actor=actor,
        action=action,
        case=case,
        before={"status": before},
        after={"status": status},
        reason=reason,
    )


def _close_if_decided(case: Case, actor: User) -> None:
    statuses = list(case.indicators.values_list("status", flat=True))
    pending = case.proposals.filter(status=ProposalStatus.PENDING).exists()
    if statuses and not pending and all(s in FINAL_STATUSES for s in statuses):
        _set_case_status(
            case, CaseStatus.CLOSED, actor=actor, reason="Mọi dấu hiệu đã có kết luận."
        )


def _mark_under_review(indicators: Iterable[Indicator], *, actor: User, case: Case | None) -> None:
    for indicator in indicators:
        if indicator.status != Status.NEW or not start_indicator_review(indicator=indicator):
            continue
        record_event(
            actor=actor,
            action=AuditAction.REVIEW_STARTED,
            case=case,
            indicator=indicator,
            before={"status": Status.NEW},
            after={"status": Status.UNDER_REVIEW},
        )


# --- case work -------------------------------------------------------------------------------


def start_review(*, case: Case, verifier: User) -> None:
    _require_verifier(verifier, case.unit)
    _require_open(case)
    with transaction.atomic():
        _mark_under_review(case.indicators.all(), actor=verifier, case=case)


def assign_case(*, case: Case, verifier: User, assignee: User | None) -> Case:
    """Give the case to a verifier (or to nobody) who may verify on the case's unit."""
    _require_verifier(verifier, case.unit)
    _require_open(case)
    if assignee is not None and not can_act(assignee, Permission.VERIFY_REPORTS, case.unit):
        raise WorkflowError(_("Người được giao phải là xác minh viên của đơn vị phụ trách hồ sơ."))
    with transaction.atomic():
        before = case.assigned_to.get_username() if case.assigned_to else ""
        case.assigned_to = assignee
        case.save(update_fields=["assigned_to"])
        record_event(
            actor=verifier,
            action=AuditAction.ASSIGNED,
            case=case,
            before={"assigned_to": before},
            after={"assigned_to": assignee.get_username() if assignee else ""},
        )
        if assignee is not None:
            _mark_under_review(case.indicators.all(), actor=verifier, case=case)
    return case


def add_note(*, case: Case, author: User, text: str) -> CaseNote:
    _require_verifier(author, case.unit)
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Ghi chú đang trống."))
    if len(text) > 4000:
        raise WorkflowError(_("Ghi chú quá dài (tối đa 4000 ký tự)."))
    return CaseNote.objects.create(case=case, author=author, text=text)


def close_case(*, case: Case, verifier: User, reason: str) -> Case:
    _require_verifier(verifier, case.unit)
    _require_open(case)
    with transaction.atomic():
        _set_case_status(case, CaseStatus.CLOSED, actor=verifier, reason=_reason(reason))
    return case


def reopen_case(*, case: Case, verifier: User, reason: str) -> Case:
    _require_verifier(verifier, case.unit)
    _require_open(case)
    with transaction.atomic():
        _set_case_status(case, CaseStatus.OPEN, actor=verifier, reason=_reason(reason))
    return case


# --- retention -------------------------------------------------------------------------------


@dataclass
class PurgeResult:
    reports: int = 0
    appeals: int = 0
    files: int = 0


def _delete_evidence(evidence_qs: QuerySet[Evidence]) -> int:
    names = list(evidence_qs.values_list("file", flat=True))
    evidence_qs.delete()
    # Files go only once the rows are gone for good.
    transaction.on_commit(lambda: _discard_files(names))
    return len(names)


def purge_personal_data(*, now: datetime | None = None) -> PurgeResult:
    """Blank the personal fields and delete the evidence of closed reports and decided appeals
    older than REPORTS_RETENTION_DAYS. What the scam message said, the indicators, the scam type,
    the money lost and the unit stay: they are the record of the scam, not of the person."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    result = PurgeResult()
    with transaction.atomic():
        reports = Report.objects.filter(created_at__lt=cutoff, purged_at__isnull=True).exclude(
            cases__status=CaseStatus.OPEN
        )
        ids = list(reports.values_list("pk", flat=True))
        result.files += _delete_evidence(Evidence.objects.filter(report_id__in=ids))
        result.reports = Report.objects.filter(pk__in=ids).update(
            contact_name="",
            contact_phone="",
            contact_email="",
            consent_to_contact=False,
            description="",
            idempotency_scope="",
            idempotency_key="",
            idempotency_fingerprint="",
            purged_at=now,
        )
        appeals = Appeal.objects.filter(decided_at__lt=cutoff, purged_at__isnull=True).exclude(
            status=AppealStatus.RECEIVED
        )
        appeal_ids = list(appeals.values_list("pk", flat=True))
        result.files += _delete_evidence(Evidence.objects.filter(appeal_id__in=appeal_ids))
        result.appeals = Appeal.objects.filter(pk__in=appeal_ids).update(
            owner_name="", owner_contact="", explanation="", purged_at=now
        )
        if result.reports or result.appeals:
            record_event(
                actor=None,
                action=AuditAction.PURGED,
                after={"reports": result.reports, "appeals": result.appeals, "files": result.files},
                reason=f"Hết thời hạn lưu {retention_days()} ngày.",
            )
    return result
