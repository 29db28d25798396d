"""The tipline's personal data and its retention: the person's id on the channel (the Zalo user
id), what they wrote (the events' text and attachments, the conversation's draft) and what we
wrote back to them are personal data, kept like a reporter's contact (reports.services) for
REPORTS_RETENTION_DAYS, except while a report made in the conversation is in a case still open
(the verifiers may need to reach the person, and the follow-up must reach them).

Each message is kept for the period from its own time (an event from when it was received, an
answer from when it was written): someone who writes once a year does not keep every earlier
message. The conversation's own fields (the id on the channel, the draft) go once its last
activity is older than the period, and with them every message left in it.

Once purged, the conversation has no external id: Conversation.window_open() is False, so no
follow-up can be sent to it; a new message from the same person starts a new conversation.

Scheduled daily by `register_periodic(task_path="tipline.tasks.purge_personal_data_task",
every=timedelta(days=1))` in tipline/apps.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from reports.audit import record_event
from reports.models import AuditAction, CaseStatus
from reports.services import retention_days

from .models import (
    Conversation,
    EventStatus,
    InboundEvent,
    OutboundMessage,
    OutboundStatus,
    State,
    TipReport,
)

PURGED_ERROR = "Đã xoá dữ liệu cá nhân: không gửi nữa."
PURGED_EVENT_ERROR = "Đã xoá dữ liệu cá nhân: không trả lời nữa."
BATCH = 500  # rows per transaction: a long write lock would stall the webhook


@dataclass
class PurgeResult:
    conversations: int = 0
    events: int = 0
    messages: int = 0

    def add(self, other: PurgeResult) -> None:
        self.conversations += other.conversations
        self.events += other.events
        self.messages += other.messages


def _in_open_case() -> QuerySet[TipReport, int]:
    """The conversations kept whatever their age: a report made in them is in an open case."""
    return TipReport.objects.filter(report__cases__status=CaseStatus.OPEN).values_list(
        "conversation_id", flat=True
    )


def _purgeable(cutoff: datetime) -> QuerySet[Conversation]:
    """Conversations not yet purged, last active before `cutoff`, with no report in an open
    case."""
    return (
        Conversation.objects.filter(purged_at__isnull=True)
        .alias(last_at=Coalesce("last_inbound_at", "created_at"))
        .filter(last_at__lt=cutoff)
        .exclude(pk__in=_in_open_case())
    )


def _old_events(cutoff: datetime) -> QuerySet[InboundEvent]:
    """Events received before `cutoff` that still hold what the person sent."""
    return (
        InboundEvent.objects.filter(received_at__lt=cutoff)
        .exclude(text="", attachment_url="")
        .exclude(conversation_id__in=_in_open_case())
    )


def _old_messages(cutoff: datetime) -> QuerySet[OutboundMessage]:
    """Messages written before `cutoff` that still hold their text."""
    return (
        OutboundMessage.objects.filter(created_at__lt=cutoff)
        .exclude(text="")
        .exclude(conversation_id__in=_in_open_case())
    )


def _ids(queryset: QuerySet[Any]) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def _batches(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]


def _blank_events(events: QuerySet[InboundEvent]) -> int:
    """`events` must select the same rows once blanked (by pk or by conversation)."""
    count = events.update(text="", attachment_url="", error="")
    # A pending event is never answered once what the person sent is gone.
    events.filter(status=EventStatus.PENDING).update(
        status=EventStatus.FAILED, error=PURGED_EVENT_ERROR
    )
    return count


def _blank_messages(messages: QuerySet[OutboundMessage]) -> int:
    """`messages` must select the same rows once blanked (by pk or by conversation)."""
    # What was never sent can no longer be sent: its text is gone.
    messages.filter(status__in=[OutboundStatus.QUEUED, OutboundStatus.WAITING]).update(
        status=OutboundStatus.FAILED, error=PURGED_ERROR
    )
    return messages.update(text="")


def _purge_conversations(ids: list[int], cutoff: datetime, now: datetime) -> PurgeResult:
    result = PurgeResult()
    with transaction.atomic():
        # Checked again inside the transaction: a message that arrived or a case reopened
        # meanwhile keeps the conversation.
        ids = _ids(_purgeable(cutoff).filter(pk__in=ids))
        if not ids:
            return result
        # Every message left goes with the conversation, however recent: nobody to send it to.
        result.events = _blank_events(InboundEvent.objects.filter(conversation_id__in=ids))
        result.messages = _blank_messages(OutboundMessage.objects.filter(conversation_id__in=ids))
        result.conversations = Conversation.objects.filter(pk__in=ids).update(
            external_id="", draft={}, state=State.IDLE, purged_at=now
        )
    return result


def _purge_old_rows(cutoff: datetime) -> PurgeResult:
    """The old messages of the conversations that stay: still active, or not purgeable."""
    result = PurgeResult()
    for batch in _batches(_ids(_old_events(cutoff))):
        with transaction.atomic():
            ids = _ids(_old_events(cutoff).filter(pk__in=batch))  # a case reopened meanwhile
            result.events += _blank_events(InboundEvent.objects.filter(pk__in=ids))
    for batch in _batches(_ids(_old_messages(cutoff))):
        with transaction.atomic():
            ids = _ids(_old_messages(cutoff).filter(pk__in=batch))
            result.messages += _blank_messages(OutboundMessage.objects.filter(pk__in=ids))
    return result


def purge_personal_data(*, now: datetime | None = None) -> PurgeResult:
    """Blank the personal data past the retention period (see the module)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    total = PurgeResult()
    for ids in _batches(_ids(_purgeable(cutoff))):
        total.add(_purge_conversations(ids, cutoff, now))
    total.add(_purge_old_rows(cutoff))
    if total.conversations or total.events or total.messages:
        record_event(
            actor=None,
            action=AuditAction.PURGED,
            after={
                "conversations": total.conversations,
                "events": total.events,
                "messages": total.messages,
            },
            reason=f"Trò chuyện: hết thời hạn lưu {retention_days()} ngày.",
        )
    return total


__all__ = ["PurgeResult", "purge_personal_data"]
