"""Indicators, the list changes that version the list, and allowlist additions."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import Kind


class Status(models.TextChoices):
    NEW = "new", _("Mới")
    UNDER_REVIEW = "under_review", _("Đang xác minh")
    LISTED = "listed", _("Đã đưa vào danh sách cảnh báo")
    CLEARED = "cleared", _("Đã xác minh: không phải lừa đảo, hoặc đã gỡ")
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Chưa đủ bằng chứng")


class Category(models.TextChoices):
    SCAM = "scam", _("Lừa đảo chiếm đoạt tài sản")
    PHISHING = "phishing", _("Giả mạo để đánh cắp thông tin đăng nhập")
    IMPERSONATION = "impersonation", _("Mạo danh cơ quan, tổ chức, cá nhân")
    MALWARE = "malware", _("Phát tán mã độc, ứng dụng độc hại")
    INVESTMENT = "investment", _("Đầu tư, tiền ảo lừa đảo")
    GAMBLING = "gambling", _("Cờ bạc trực tuyến")
    OTHER = "other", _("Khác")


class Risk(models.TextChoices):
    LOW = "low", _("Thấp")
    MEDIUM = "medium", _("Trung bình")
    HIGH = "high", _("Cao")


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def listed(self, now: datetime | None = None) -> IndicatorQuerySet:
        """Listed and not expired: what the matcher holds."""
        now = now or timezone.now()
        return self.filter(status=Status.LISTED).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class Indicator(models.Model):
    """One canonical indicator (see indicators.normalise) and what is known about it."""

    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    value = models.CharField(_("giá trị chuẩn hoá"), max_length=2048)
    status = models.CharField(
        _("trạng thái"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    category = models.CharField(
        _("phân loại"), max_length=20, choices=Category.choices, default=Category.SCAM
    )
    risk = models.CharField(
        _("mức rủi ro"), max_length=10, choices=Risk.choices, default=Risk.MEDIUM
    )
    public_reason = models.TextField(_("lý do công bố"), blank=True)
    source = models.CharField(_("nguồn"), max_length=200, blank=True)
    listed_at = models.DateTimeField(_("đưa vào danh sách lúc"), null=True, blank=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("dấu hiệu")
        verbose_name_plural = _("dấu hiệu")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="indicator_kind_value_unique")
        ]
        indexes = [models.Index(fields=["status", "kind"], name="indicator_status_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def is_listed_now(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == Status.LISTED and (self.expires_at is None or self.expires_at > now)


class ListChange(models.Model):
    """One listing or delisting. The id is the list version: feeds serve "changes since N"."""

    class Action(models.TextChoices):
        ADDED = "added", _("Đưa vào danh sách")
        REMOVED = "removed", _("Gỡ khỏi danh sách")

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="changes", verbose_name=_("dấu hiệu")
    )
    action = models.CharField(_("thao tác"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("thay đổi danh sách")
        verbose_name_plural = _("thay đổi danh sách")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_action_display()}: {self.indicator}"


class AllowedName(models.Model):
    """A never-block name added by verifiers, beyond the shipped data/allowlist.txt."""

    name = models.CharField(_("tên miền"), max_length=253, unique=True)
    include_subdomains = models.BooleanField(
        _("gồm cả tên miền con"),
        default=True,
        help_text=_(
            "Bỏ chọn với nền tảng cho mỗi khách hàng một tên miền con (như web.app): khi đó "
            "tên miền con của khách hàng vẫn có thể bị đưa vào danh sách."
        ),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("tên miền không bao giờ chặn")
        verbose_name_plural = _("tên miền không bao giờ chặn")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
