"""Messages labelled by verifiers, and the classifier models trained from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_CONTENT = 5000


class LabelledMessage(models.Model):
    """A message a verifier has judged (reports feed these); train_detector learns from them.

    The text may hold personal data of the person who received it (names, account numbers):
    only the training command and verifiers read it, and it is never shown on public pages.
    """

    class Label(models.IntegerChoices):
        ORDINARY = 0, _("Tin nhắn bình thường")
        SCAM = 1, _("Tin nhắn lừa đảo")

    content = models.TextField(_("nội dung"), max_length=MAX_CONTENT)
    label = models.PositiveSmallIntegerField(_("nhãn"), choices=Label.choices)
    scam_type = models.CharField(_("kiểu lừa đảo"), max_length=40, blank=True)
    source = models.CharField(
        _("nguồn"), max_length=100, blank=True, help_text=_("Ví dụ: report:123")
    )
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người gán nhãn"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tin nhắn đã gán nhãn")
        verbose_name_plural = _("tin nhắn đã gán nhãn")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_label_display()}: {self.content[:60]}"


class DetectorModelQuerySet(models.QuerySet):
    def active(self) -> DetectorModelQuerySet:
        return self.filter(active=True)


class DetectorModel(models.Model):
    """One run of train_detector: the model it trained (signed pickle) and how it scored.

    Only the active row is used; a run whose model scored worse than the active one on the
    held-out part is kept for the record with accepted=False and no model bytes.
    """

    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    blob = models.BinaryField(_("mô hình"), blank=True, default=b"")
    signature = models.CharField(_("chữ ký"), max_length=64, blank=True)
    active = models.BooleanField(_("đang dùng"), default=False)
    accepted = models.BooleanField(_("được chấp nhận"), default=False)
    train_count = models.PositiveIntegerField(_("số tin huấn luyện"), default=0)
    labelled_count = models.PositiveIntegerField(_("số tin do cán bộ gán nhãn"), default=0)
    holdout_count = models.PositiveIntegerField(_("số tin kiểm tra"), default=0)
    f1 = models.FloatField(_("F1 trên phần kiểm tra"), default=0.0)
    precision = models.FloatField(_("độ chính xác"), default=0.0)
    recall = models.FloatField(_("độ phủ"), default=0.0)
    previous_f1 = models.FloatField(_("F1 của mô hình trước"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    objects = DetectorModelQuerySet.as_manager()

    class Meta:
        verbose_name = _("mô hình phân loại tin nhắn")
        verbose_name_plural = _("mô hình phân loại tin nhắn")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=models.Q(active=True),
                name="detection_one_active_model",
            )
        ]

    def __str__(self) -> str:
        state = _("đang dùng") if self.active else _("không dùng")
        return f"#{self.pk} F1={self.f1:.3f} ({state})"
