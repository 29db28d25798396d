"""The tipline: citizens check and report by chatting (the province's Zalo Official Account, or a
partner's bot through the generic JSON webhook). One conversation per person and channel; each
incoming message is an InboundEvent (the queue: stored by the webhook, answered by the worker);
each answer or follow-up an OutboundMessage; each report made in a chat a TipReport.

The person's id on the channel (Zalo user id, the partner's user id) is personal data, like a
reporter's contact: only the tipline's staff see it, and it is blanked after the reports'
retention period (tipline/privacy.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import PartnerKey
from reports.models import Report

ZALO = "zalo"


class State(models.TextChoices):
    IDLE = "idle", _("Đang chờ tin")
    REPORT_WHAT = "report_what", _("Tố giác: hỏi sự việc")
    REPORT_MONEY = "report_money", _("Tố giác: hỏi số tiền bị mất")
    REPORT_COMMUNE = "report_commune", _("Tố giác: hỏi xã, phường")


class Conversation(models.Model):
    """One person on one channel. `channel` is "zalo" or "bridge:<pk>" (a TiplineBridge)."""

    channel = models.CharField(_("kênh"), max_length=24)
    external_id = models.CharField(_("mã người dùng trên kênh"), max_length=64)
    state = models.CharField(
        _("bước hội thoại"), max_length=16, choices=State.choices, default=State.IDLE
    )
    # What the conversation has gathered for the report being made (message, indicators,
    # answers, evidence file names) and the last analysed message (for "Tố giác").
    draft = models.JSONField(default=dict, blank=True)
    last_inbound_at = models.DateTimeField(_("tin nhắn gần nhất lúc"), null=True, blank=True)
    # Messages sent since the person's last message (Zalo's window allows a few).
    sent_since_inbound = models.PositiveIntegerField(default=0)
    stopped_at = models.DateTimeField(_("đã xin dừng nhận tin lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("bắt đầu lúc"), default=timezone.now)
    purged_at = models.DateTimeField(_("đã xoá dữ liệu cá nhân lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("cuộc trò chuyện")
        verbose_name_plural = _("cuộc trò chuyện")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="tipline_conversation_person",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.channel})"

    def window_open(self, now: datetime | None = None, *, answer: bool = False) -> bool:
        """Whether a message may be sent now without the person writing first: within
        TIPLINE_WINDOW_HOURS of their last message and fewer than TIPLINE_REPLIES_PER_WINDOW
        messages since (Zalo: 48 hours, 8 messages), and the person has not asked to stop.
        An `answer` to what the person wrote goes out even after "dừng" (which stops the
        follow-ups, not the reply to it)."""
        if (self.stopped_at and not answer) or self.last_inbound_at is None or not self.external_id:
            return False
        moment = now if now is not None else timezone.now()
        hours = int(getattr(settings, "TIPLINE_WINDOW_HOURS", 48))
        limit = int(getattr(settings, "TIPLINE_REPLIES_PER_WINDOW", 8))
        return (
            moment - self.last_inbound_at < timedelta(hours=hours)
            and self.sent_since_inbound < limit
        )


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Chờ trả lời")
    DONE = "done", _("Đã trả lời")
    FAILED = "failed", _("Lỗi")


class InboundEvent(models.Model):
    """One message from a person, stored by the webhook before it answers; unique by the
    channel's message id, so a redelivered event is stored (and answered) once."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    channel = models.CharField(max_length=24)
    message_id = models.CharField(_("mã tin nhắn"), max_length=128)
    kind = models.CharField(max_length=16)  # text, image, other
    text = models.TextField(blank=True)  # personal data: blanked with the conversation
    attachment_url = models.URLField(max_length=1000, blank=True)
    event_time = models.DateTimeField(null=True, blank=True)  # the channel's timestamp
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=8, choices=EventStatus.choices, default=EventStatus.PENDING, db_index=True
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("tin nhắn đến")
        verbose_name_plural = _("tin nhắn đến")
        constraints = [
            models.UniqueConstraint(fields=["channel", "message_id"], name="tipline_event_once")
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="tipline_event_queue")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.message_id}"


class OutboundKind(models.TextChoices):
    ANSWER = "answer", _("Trả lời")
    FOLLOW_UP = "follow_up", _("Báo kết quả")


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    WAITING = "waiting", _("Chờ người dân nhắn lại")
    FAILED = "failed", _("Không gửi được")


class OutboundMessage(models.Model):
    """One message to a person: an answer to an event (its position among that event's
    answers makes it unique, so re-processing an event never sends it twice) or a follow-up."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="outbound"
    )
    event = models.ForeignKey(
        InboundEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=OutboundKind.choices)
    text = models.TextField()
    # [{"title": "Tố giác", "payload": "#to_giac"}, ...]
    quick_replies = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=8, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=128, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("tin nhắn đi")
        verbose_name_plural = _("tin nhắn đi")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "position"],
                condition=models.Q(event__isnull=False),
                name="tipline_answer_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class TipReport(models.Model):
    """A report made in a conversation, and the outcome last told to the person."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="tip_reports"
    )
    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="tip")
    # reports.models.PublicStatus value last told (or waiting to be told).
    told_status = models.CharField(max_length=24, blank=True)
    told_at = models.DateTimeField(null=True, blank=True)
    asked_staff = models.BooleanField(_("hỏi cán bộ"), default=False)

    class Meta:
        verbose_name = _("tố giác qua trò chuyện")
        verbose_name_plural = _("tố giác qua trò chuyện")

    def __str__(self) -> str:
        return str(self.report_id)


class TiplineBridge(models.Model):
    """A partner's bot (or a Messenger bridge) on the generic JSON webhook: it signs what it
    sends with its secret, and the answers are POSTed, signed the same way, to its callback."""

    partner = models.OneToOneField(PartnerKey, on_delete=models.CASCADE, related_name="bridge")
    callback_url = models.URLField(_("địa chỉ nhận câu trả lời"), max_length=500)
    secret_encrypted = models.TextField(editable=False)
    enabled = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cầu nối trò chuyện")
        verbose_name_plural = _("cầu nối trò chuyện")

    def __str__(self) -> str:
        return f"{self.partner.name}"

    @property
    def channel(self) -> str:
        return f"bridge:{self.pk}"
