"""Telling a person the outcome of what they reported in a chat, once, within Zalo's rules.

check_outcomes() (a periodic task) looks at every report made in a conversation whose outcome
the person has not been told yet, and for each that now has one (listed, cleared, insufficient
evidence, closed: reports.models.public_status) writes one follow-up OutboundMessage: QUEUED
when the conversation's interaction window is open, WAITING otherwise (the worker queues it
again on the person's next message). A person who said "dừng" gets none: their reports are
not looked at until they say "tiếp tục".

Which reports are read: only those filed into cases (an unfiled one is "received") whose
indicators or cases already give an outcome (a listed indicator; else none under review and
every indicator decided, or every case closed), found in one query of EXISTS; a report still
waiting for its verifiers, even one with some indicators decided, costs nothing. The outcome itself comes from
reports.models.public_status, the one definition the tracking page uses too.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from indicators.models import Status
from reports.models import Case, CaseStatus, PublicStatus, Report, public_status

from .answers import outcome_text
from .models import OutboundKind, OutboundMessage, OutboundStatus, TipReport

OUTCOMES = frozenset(
    str(status)
    for status in (
        PublicStatus.LISTED,
        PublicStatus.CLEARED,
        PublicStatus.INSUFFICIENT,
        PublicStatus.CLOSED,
    )
)
# Indicator statuses that decide a report without a listing (reports.models.public_status).
DECIDED = [Status.CLEARED, Status.INSUFFICIENT_EVIDENCE]
BATCH = 500


def check_outcomes(*, now: datetime | None = None) -> int:
    """One follow-up for each chat report that reached an outcome since the person was last
    told (see the module's text). Returns how many were made."""
    moment = now if now is not None else timezone.now()
    indicators = Report.indicators.through.objects.filter(report_id=OuterRef("report_id"))
    cases = Case.reports.through.objects.filter(report_id=OuterRef("report_id"))
    listed = Exists(indicators.filter(indicator__status=Status.LISTED))
    # NEW or UNDER_REVIEW: the report is "under review" (or waits for its cases) until listed.
    undecided = Exists(indicators.exclude(indicator__status__in=DECIDED))
    decided = Exists(indicators.filter(indicator__status__in=DECIDED))
    closed = Exists(cases.exclude(case__status=CaseStatus.OPEN)) & ~Exists(
        cases.filter(case__status=CaseStatus.OPEN)
    )
    under_review = Exists(indicators.filter(indicator__status=Status.UNDER_REVIEW))
    candidates = (
        TipReport.objects.filter(told_at__isnull=True)
        # What public_status() tells apart, in SQL: listed wins; an indicator under review
        # holds the report back; then every indicator decided, or every case closed.
        .filter(listed | (~under_review & ((decided & ~undecided) | closed)))
        .filter(
            report__filed_at__isnull=False,
            conversation__stopped_at__isnull=True,
            conversation__purged_at__isnull=True,  # a purged one has no external_id left
        )
        .select_related("report")
        .order_by("pk")
    )
    made = 0
    for tip in candidates.iterator(chunk_size=BATCH):
        status = str(public_status(tip.report))
        if status in OUTCOMES and _tell(tip.pk, status, moment):
            made += 1
    return made


def _tell(tip_pk: int, status: str, now: datetime) -> bool:
    """Write the follow-up and mark it told, unless another run did it first."""
    with transaction.atomic():
        tip = (
            TipReport.objects.select_for_update(of=("self",))
            .select_related("conversation", "report")
            .filter(pk=tip_pk)
            .first()
        )
        if tip is None or tip.told_at is not None or tip.conversation.stopped_at:
            return False
        conversation = tip.conversation
        OutboundMessage.objects.create(
            conversation=conversation,
            event=None,
            kind=OutboundKind.FOLLOW_UP,
            text=outcome_text(status, tip.report.tracking_code),
            status=OutboundStatus.QUEUED
            if conversation.window_open(now)
            else OutboundStatus.WAITING,
            created_at=now,
        )
        tip.told_status = status
        tip.told_at = now
        tip.save(update_fields=["told_status", "told_at"])
    return True
