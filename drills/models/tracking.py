"""Who received a drill mail and what happened to it: one random tracking id per recipient, and
events (sent, opened, clicked, submitted, reported). Nothing a person types is ever stored: the
landing page's script sends only the word "submitted", and no event has a field for a value.

Mail scanners and link previews open and follow links before any person does; their hits are
kept, with `source`, apart from people's, so that a rate never counts a machine."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# No look-alike characters (0/O, 1/l/I): a mail administrator may read an id aloud.
TRACKING_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_ID_LENGTH = 16  # ~93 bits: not guessable, short enough for a link


def new_tracking_id() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_ID_LENGTH))


class Recipient(models.Model):
    """One person in one campaign, with the time their mail is due and was sent."""

    campaign = models.ForeignKey(
        "drills.Campaign", on_delete=models.CASCADE, related_name="recipients"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drill_recipients"
    )
    email = models.EmailField(_("thư điện tử"))
    tracking_id = models.CharField(max_length=32, unique=True, default=new_tracking_id)
    due_at = models.DateTimeField(_("giờ gửi dự kiến"), db_index=True)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    send_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("người nhận diễn tập")
        verbose_name_plural = _("người nhận diễn tập")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="drill_recipient_once")
        ]

    def __str__(self) -> str:
        return self.tracking_id


class EventKind(models.TextChoices):
    SENT = "sent", _("Đã gửi")
    OPENED = "opened", _("Đã mở")
    CLICKED = "clicked", _("Đã bấm liên kết")
    SUBMITTED = "submitted", _("Đã gửi biểu mẫu")
    REPORTED = "reported", _("Đã báo cáo")


class EventSource(models.TextChoices):
    PERSON = "person", _("Người")
    # A hit from a known scanner agent or within seconds of delivery.
    SCANNER = "scanner", _("Máy quét thư")
    # A link hit not (yet) confirmed by the landing page's beacon.
    UNCONFIRMED = "unconfirmed", _("Chưa xác nhận")


class ReportChannel(models.TextChoices):
    PORTAL = "portal", _("Nút báo cáo")
    FORWARD = "forward", _("Chuyển tiếp thư")


class Event(models.Model):
    """Something that happened to a recipient's mail. No field for anything typed, on purpose."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    source = models.CharField(max_length=16, choices=EventSource.choices, default="person")
    channel = models.CharField(max_length=16, choices=ReportChannel.choices, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sự kiện diễn tập")
        verbose_name_plural = _("sự kiện diễn tập")
        indexes = [models.Index(fields=["recipient", "kind", "source"])]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.source}"


class FollowUp(models.Model):
    """The lesson given to a person who clicked, with a deadline: once per recipient (the
    one-to-one row is the guard). The lesson is training's assignment to that one person, so
    it is on their own list and in their unit's training progress; `assignment` is None only
    when there was no lesson to give or the person has no home unit."""

    recipient = models.OneToOneField(Recipient, on_delete=models.CASCADE, related_name="follow_up")
    lesson = models.ForeignKey(
        "training.Lesson", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignment = models.OneToOneField(
        "training.Assignment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateTimeField(_("hạn hoàn thành"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bài học sau diễn tập")
        verbose_name_plural = _("bài học sau diễn tập")

    def __str__(self) -> str:
        return f"{self.recipient_id} → {self.lesson_id}"

    def is_overdue(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) > self.deadline
