"""Writes of the reports app: submitting reports, grouping them into cases, the verification
workflow under the four-eyes rule, appeals, and the retention purge.

Rules (documented here because they are the contract other apps and the UI rely on):
- A report's indicators are recorded through indicators.services.record_indicator. An indicator
  belongs to one case at most. A report joins every case that holds one of its indicators; its
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

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import Indicator, Status
from indicators.services import record_indicator, start_indicator_review
from orgs.access import can_act
from orgs.models import Permission, Unit

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
    new_tracking_code,
)

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


# --- submission ------------------------------------------------------------------------------


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


def _save_files(files: list[CleanFile], saved: list[str], **owner) -> None:
    for clean in files:
        evidence = Evidence(
            content_type=clean.content_type, size=len(clean.content), sha256=clean.sha256, **owner
        )
        evidence.file.save(f"e.{clean.extension}", ContentFile(clean.content), save=False)
        saved.append(evidence.file.name)
        evidence.save()


def _discard_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def submit_report(
    *,
    data: ReportInput,
    files: list[CleanFile],
    source: str,
    partner_key=None,
    idempotency_scope: str = "",
    idempotency_key: str = "",
) -> tuple[Report, bool]:
    """Store a report (files already cleaned) and file it into cases. Returns (report, created);
    a retry with the same idempotency scope and key returns the first report, created=False."""
    idempotency_key = idempotency_key[:100]
    idempotency_scope = idempotency_scope[:80] if idempotency_key else ""

    def earlier() -> Report | None:
        if not idempotency_key:
            return None
        return Report.objects.filter(
            idempotency_scope=idempotency_scope, idempotency_key=idempotency_key
        ).first()

    if (found := earlier()) is not None:
        return found, False
    saved: list[str] = []
    try:
        with transaction.atomic():
            report = Report.objects.create(
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
                partner_key=partner_key,
                idempotency_scope=idempotency_scope,
                idempotency_key=idempotency_key,
            )
            indicators = [
                record_indicator(kind=kind, value=value, source="Tố giác của người dân")
                for kind, value in dict.fromkeys(data.indicators)
            ]
            report.indicators.set(indicators)
            _save_files(files, saved, report=report)
            file_into_cases(report=report, indicators=indicators)
            if report.message_text:
                from .tasks import score_report_cases_task

                transaction.on_commit(lambda: score_report_cases_task.enqueue(report.pk))
    except IntegrityError:
        _discard_files(saved)
        if (found := earlier()) is not None:  # a concurrent retry won the race
            return found, False
        raise
    except BaseException:
        _discard_files(saved)
        raise
    return report, True


# --- cases -----------------------------------------------------------------------------------


def _common_unit(units: Iterable[Unit]) -> Unit | None:
    """The lowest unit of the tree that covers all of these (materialised paths)."""
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
    return Unit.objects.get(path=prefix)


def _case_of(indicator: Indicator) -> Case | None:
    link = CaseIndicator.objects.select_related("case").filter(indicator=indicator).first()
    return link.case if link else None


def _attach(case: Case, indicator: Indicator) -> Case:
    """Put an indicator into a case, unless a concurrent request put it into another first."""
    try:
        with transaction.atomic():
            CaseIndicator.objects.create(case=case, indicator=indicator)
    except IntegrityError:
        return _case_of(indicator) or case
    return case


def file_into_cases(*, report: Report, indicators: list[Indicator]) -> list[Case]:
    cases: dict[int, Case] = {}
    loose: list[Indicator] = []
    for indicator in indicators:
        case = _case_of(indicator)
        if case is None:
            loose.append(indicator)
        else:
            cases[case.pk] = case
    if loose or not indicators:
        target = next(iter(cases.values()), None) or Case.objects.create(unit=report.unit)
        for indicator in loose:
            case = _attach(target, indicator)
            cases[case.pk] = case
        cases[target.pk] = target
    for case in cases.values():
        case.reports.add(report)
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
    """Recompute the figures kept on the case row, its unit and its priority."""
    reports = case.reports.all()
    figures = reports.aggregate(money=Sum("money_lost"))
    case.report_count = reports.count()
    case.money_lost = figures["money"] or 0
    latest = reports.order_by("-created_at").values_list("created_at", flat=True).first()
    case.latest_report_at = latest
    case.scam_types = sorted(set(reports.values_list("scam_type", flat=True)))
    unit_ids = set(reports.values_list("unit_id", flat=True))
    if unit_ids:
        case.unit = _common_unit(Unit.objects.filter(pk__in=unit_ids)) or case.unit
    case.priority = compute_priority(case)
    case.save()
    return case


def set_case_risk_score(*, case: Case, score: float) -> Case:
    """For the detection app: its risk score (0..1) raises the case in the queue."""
    case.risk_score = max(0.0, min(1.0, float(score)))
    case.priority = compute_priority(case)
    case.save(update_fields=["risk_score", "priority"])
    return case


def score_cases_of_report(*, report: Report) -> list[Case]:
    """Let the detection app rate the messages of each case this report is in: the most
    dangerous cases rise in the verifiers' queue before anyone has read them."""
    from detection.analysis import score_case_text

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


def _require_verifier(user, unit: Unit) -> None:
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


def _case_indicators(case: Case, chosen: Iterable[Indicator] | None) -> list[Indicator]:
    own = {i.pk: i for i in case.indicators.all()}
    if chosen is None:
        return list(own.values())
    picked = [own.get(getattr(i, "pk", i)) for i in chosen]
    if not picked or None in picked:
        raise WorkflowError(_("Hãy chọn dấu hiệu thuộc hồ sơ này."))
    return picked


def _set_case_status(case: Case, status: str, *, actor, reason: str) -> None:
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


def _close_if_decided(case: Case, actor) -> None:
    statuses = list(case.indicators.values_list("status", flat=True))
    pending = case.proposals.filter(status=ProposalStatus.PENDING).exists()
    if statuses and not pending and all(s in FINAL_STATUSES for s in statuses):
        _set_case_status(
            case, CaseStatus.CLOSED, actor=actor, reason="Mọi dấu hiệu đã có kết luận."
        )


def _mark_under_review(indicators: Iterable[Indicator], *, actor, case: Case | None) -> None:
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


def start_review(*, case: Case, verifier) -> None:
    _require_verifier(verifier, case.unit)
    _require_open(case)
    with transaction.atomic():
        _mark_under_review(case.indicators.all(), actor=verifier, case=case)


def assign_case(*, case: Case, verifier, assignee) -> Case:
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


def add_note(*, case: Case, author, text: str) -> CaseNote:
    _require_verifier(author, case.unit)
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Ghi chú đang trống."))
    if len(text) > 4000:
        raise WorkflowError(_("Ghi chú quá dài (tối đa 4000 ký tự)."))
    return CaseNote.objects.create(case=case, author=author, text=text)


def close_case(*, case: Case, verifier, reason: str) -> Case:
    _require_verifier(verifier, case.unit)
    _require_open(case)
    with transaction.atomic():
        _set_case_status(case, CaseStatus.CLOSED, actor=verifier, reason=_reason(reason))
    return case


def reopen_case(*, case: Case, verifier, reason: str) -> Case:
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


def _delete_evidence(evidence_qs) -> int:
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
