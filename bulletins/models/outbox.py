"""The outbox: what publishing must deliver to the outside, exactly once.

One `OutboxItem` per (revision, channel, recipient list), written in the publishing
transaction with a unique `key`, so publishing twice writes nothing new. An email item is
expanded by the worker into one `EmailDelivery` per subscriber of its list (unique per item and
subscriber), each claimed, sent and marked sent on its own; a Zalo or Facebook item is one post.

A claim is a lease (`lease_until`): a worker killed mid-delivery leaves its rows SENDING, and
once the lease has run out another worker takes them again. A post whose earlier attempt may
have reached the channel (a timeout, or a worker that died while sending) is `uncertain`: the
next attempt first asks the channel whether the post is already there."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    ZALO = "zalo", _("Zalo OA")
    FACEBOOK = "facebook", _("Trang Facebook")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    # The channel refused the credentials (Zalo/Facebook token): waits for an admin.
    WAITING = "waiting", _("Chờ quản trị cấp lại mã truy cập")
    FAILED = "failed", _("Gửi lỗi")


class OutboxItem(models.Model):
    key = models.CharField(max_length=120, unique=True)
    revision = models.ForeignKey(
        "bulletins.Revision", on_delete=models.PROTECT, related_name="outbox_items"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    mailing_list = models.ForeignKey(
        "bulletins.MailingList",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outbox_items",
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    # Nothing is sent before this moment: the scheduled publishing time, then each backoff.
    not_before = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)  # retries asked for by an editor
    uncertain = models.BooleanField(default=False)
    expanded = models.BooleanField(default=False)  # email: the deliveries have been written
    expanded_through = models.BigIntegerField(default=0)  # email: the last subscriber written
    remote_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "not_before"], name="bulletins_outbox_due")]

    def __str__(self) -> str:
        return self.key


class EmailDelivery(models.Model):
    item = models.ForeignKey(OutboxItem, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        "bulletins.Subscriber", on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    not_before = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    message_id = models.CharField(max_length=250, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "subscriber"], name="bulletins_delivery_once_per_subscriber"
            )
        ]
        indexes = [
            models.Index(fields=["status", "not_before"], name="bulletins_delivery_due"),
            models.Index(fields=["item", "status"], name="bulletins_delivery_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.subscriber_id}"
