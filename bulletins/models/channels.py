"""Who receives bulletins outside the web: email subscribers of a unit's list, and the
province's accounts on Zalo OA and Facebook Page (credentials encrypted, bulletins/crypto.py)."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit

from ..crypto import decrypt_json, encrypt_json


def new_subscriber_token() -> str:
    return secrets.token_urlsafe(32)


class MailingList(models.Model):
    """The bulletins of one unit by email: a unit has at most one list, made on its first
    subscriber (subscriptions.subscribe)."""

    unit = models.OneToOneField(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="mailing_list"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("danh sách thư")
        verbose_name_plural = _("danh sách thư")

    def __str__(self) -> str:
        return str(self.unit)


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("Chờ xác nhận")
    CONFIRMED = "confirmed", _("Đã xác nhận")
    UNSUBSCRIBED = "unsubscribed", _("Đã huỷ")


class SubscriberQuerySet(models.QuerySet["Subscriber"]):
    def confirmed(self) -> SubscriberQuerySet:
        return self.filter(status=SubscriberStatus.CONFIRMED)


class Subscriber(models.Model):
    """One address on one list (double opt-in). `token` names it in the confirmation and
    unsubscribe links: a list's unsubscribe is that list's (RFC 8058 List-Unsubscribe)."""

    mailing_list = models.ForeignKey(
        MailingList, on_delete=models.CASCADE, related_name="subscribers"
    )
    email = models.EmailField(_("thư điện tử"), max_length=254)
    status = models.CharField(
        max_length=12, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    token = models.CharField(max_length=64, unique=True, default=new_subscriber_token)
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("người nhận thư")
        verbose_name_plural = _("người nhận thư")
        constraints = [
            models.UniqueConstraint(fields=["mailing_list", "email"], name="subscriber_per_list")
        ]
        indexes = [models.Index(fields=["mailing_list", "status"])]

    def __str__(self) -> str:
        return self.email


class ChannelKey(models.TextChoices):
    ZALO = "zalo", _("Zalo Official Account")
    FACEBOOK = "facebook", _("Trang Facebook")


class ChannelAccount(models.Model):
    """The credentials of one outside channel, entered by an admin and never shown again: the
    page shows only that they are saved, when, and the last error the service gave."""

    key = models.CharField(max_length=16, choices=ChannelKey.choices, unique=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(_("đang dùng"), default=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the service refused the token (Facebook 190, Zalo refresh failed): the admin
    # must enter new credentials; the outbox keeps the items waiting.
    needs_new_token = models.BooleanField(default=False)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Zalo: when each broadcast went out (the quota counts them per day and per month).
    broadcast_times = models.JSONField(default=list, blank=True)
    # Zalo: the token of an article created but not yet verified, per revision id, so that a
    # retry asks about that article instead of creating a second one.
    pending_articles = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("tài khoản kênh")
        verbose_name_plural = _("tài khoản kênh")

    def __str__(self) -> str:
        return self.get_key_display()

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)

    def credentials(self) -> dict[str, Any]:
        """The decrypted credentials (raises crypto.CredentialsUnreadable)."""
        return decrypt_json(self.credentials_encrypted)

    def set_credentials(self, values: dict[str, Any]) -> None:
        self.credentials_encrypted = encrypt_json(values)


class ZaloFollowerMessage(models.Model):
    """A revision sent to one Zalo follower by message (when broadcast is off): one row per
    (revision, follower), written right after Zalo's answer, so a retry skips those done."""

    revision = models.ForeignKey("bulletins.Revision", on_delete=models.CASCADE, related_name="+")
    user_id = models.CharField(max_length=64)
    message_id = models.CharField(max_length=128)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "user_id"], name="zalo_message_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.message_id}"
