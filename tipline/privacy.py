"""The tipline's personal data and its retention: the person's id on the channel (the Zalo user
id), what they wrote (the events' text and attachments, the conversation's draft) and what we
wrote back to them are personal data, kept like a reporter's contact (reports.services):
blanked after REPORTS_RETENTION_DAYS, except while a report made in the conversation is in a
case still open (the verifiers may need to reach the person, and the follow-up must reach them).

Once purged, the conversation has no external id: Conversation.window_open() is False, so no
follow-up can be sent to it; a new message from the same person starts a new conversation.

Scheduled daily by `register_periodic(task_path="tipline.privacy.purge_personal_data_task",
every=timedelta(days=1))` in tipline/apps.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from reports.audit import record_event
from reports.models import AuditAction, CaseStatus
from reports.services import retention_days

from .models import Conversation, InboundEvent, OutboundMessage, OutboundStatus, State

PURGED_ERROR = "Đã xoá dữ liệu cá nhân: không gửi nữa."
BATCH = 500  # conversations per transaction: a long write lock would stall the webhook


@dataclass
class PurgeResult:
    conversations: int = 0
    events: int = 0
    messages: int = 0


class PurgeCounts(TypedDict):
    conversations: int
    events: int
    messages: int


def purgeable(*, now: datetime) -> list[int]:
    """Ids of the conversations whose last activity is older than the retention period and
    none of whose reports is in an open case."""
    cutoff = now - timedelta(days=retention_days())
    return list(
        Conversation.objects.filter(purged_at__isnull=True)
        .alias(last_at=Coalesce("last_inbound_at", "created_at"))
        .filter(last_at__lt=cutoff)
        .exclude(tip_reports__report__cases__status=CaseStatus.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _purge_batch(ids: list[int], now: datetime) -> PurgeResult:
    result = PurgeResult()
    with transaction.atomic():
        # Re-checked inside the transaction: a message that arrived meanwhile keeps it.
        cutoff = now - timedelta(days=retention_days())
        ids = list(
            Conversation.objects.filter(pk__in=ids, purged_at__isnull=True)
            .alias(last_at=Coalesce("last_inbound_at", "created_at"))
            .filter(last_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        if not ids:
            return result
        result.events = InboundEvent.objects.filter(conversation_id__in=ids).update(
            text="", attachment_url="", error=""
        )
        outbound = OutboundMessage.objects.filter(conversation_id__in=ids)
        # What was never sent can no longer be sent: nobody to send it to.
        outbound.filter(status__in=[OutboundStatus.QUEUED, OutboundStatus.WAITING]).update(
            status=OutboundStatus.FAILED, error=PURGED_ERROR
        )
        result.messages = outbound.update(text="")
        result.conversations = Conversation.objects.filter(pk__in=ids).update(
            external_id="", draft={}, state=State.IDLE, purged_at=now
        )
    return result


def purge_personal_data(*, now: datetime | None = None) -> PurgeResult:
    """Blank the personal data of conversations past the retention period (see the module)."""
    now = now or timezone.now()
    ids = purgeable(now=now)
    total = PurgeResult()
    for start in range(0, len(ids), BATCH):
        part = _purge_batch(ids[start : start + BATCH], now)
        total.conversations += part.conversations
        total.events += part.events
        total.messages += part.messages
    if total.conversations:
        record_event(
            actor=None,
            action=AuditAction.PURGED,
            after={"conversations": total.conversations, "events": total.events},
            reason=f"Trò chuyện: hết thời hạn lưu {retention_days()} ngày.",
        )
    return total


@task()
def purge_personal_data_task() -> PurgeCounts:
    """Blank the personal data of conversations past REPORTS_RETENTION_DAYS."""
    result = purge_personal_data()
    return {
        "conversations": result.conversations,
        "events": result.events,
        "messages": result.messages,
    }


__all__ = ["PurgeResult", "purge_personal_data", "purge_personal_data_task", "purgeable"]
