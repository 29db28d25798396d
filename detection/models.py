"""Messages labelled by verifiers, and the classifier models trained from them."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .text import clean, fold

MAX_CONTENT = 5000
# Where verifiers' labels come from (reports: "report:<id>"); imported sources may not use it.
VERIFIER_SOURCE_PREFIX = "report:"


def text_key(content: str) -> str:
    """The hash that says "the same message": folded (case, diacritics, invisible characters)
    with runs of white space made one, so a re-typed copy of a text is stored once."""
    folded = " ".join(fold(clean(content or "")).split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


class SenderType(models.TextChoices):
    """What the phone showed as sender; the same values as the check page and the API."""

    UNKNOWN = "", _("Không rõ")
    BRANDNAME = "brandname", _("Tên thương hiệu")
    SHORTCODE = "shortcode", _("Đầu số ngắn")
    PERSONAL_NUMBER = "personal_number", _("Số điện thoại cá nhân")


class LabelledMessage(models.Model):
    """A labelled message train_detector learns from: judged by a verifier (reports feed these,
    source "report:<id>", labelled_by set) or imported from a labelled corpus by
    `manage.py import_labelled_messages` (source = the corpus name, with file, line, when, by).

    The same folded text (text_hash) is stored once per source and label. Which rows are
    trained on is decided per text in `training_rows()`: a verifier's label wins over imported
    ones; labels that disagree with nobody to decide keep the text out of training.

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
        _("nguồn"),
        max_length=100,
        blank=True,
        help_text=_("report:123 cho nhãn của cán bộ xác minh; tên kho tin cho tin đã nhập"),
    )
    sender_type = models.CharField(
        _("loại người gửi"), max_length=20, choices=SenderType.choices, blank=True, default=""
    )
    text_hash = models.CharField(
        _("mã băm của nội dung đã chuẩn hoá"), max_length=64, blank=True, db_index=True
    )
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người gán nhãn"),
    )
    # Provenance of imported rows (empty for verifiers' labels).
    source_file = models.CharField(_("tệp nguồn"), max_length=255, blank=True)
    source_line = models.PositiveIntegerField(_("dòng trong tệp"), null=True, blank=True)
    imported_at = models.DateTimeField(_("nhập lúc"), null=True, blank=True)
    imported_by = models.CharField(_("nhập bởi"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tin nhắn đã gán nhãn")
        verbose_name_plural = _("tin nhắn đã gán nhãn")
        ordering = ["id"]
        constraints = [
            # Re-importing a file adds nothing; both labels of a disputed text can be kept.
            models.UniqueConstraint(
                fields=["source", "text_hash", "label"],
                condition=models.Q(imported_at__isnull=False),
                name="detection_imported_text_once_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_label_display()}: {self.content[:60]}"

    @property
    def is_verifier_label(self) -> bool:
        return self.imported_at is None


VERIFIER_GROUP = "verifier"  # the source name of verifiers' labels in training counts
RESERVED_SOURCES = frozenset({"seed", VERIFIER_GROUP})


@dataclass(frozen=True)
class TrainingText:
    """One text to train on, after the labels of all its copies were weighed."""

    content: str
    label: int
    sender_type: str
    source: str  # "verifier" or the name of the imported corpus


@dataclass
class TrainingSelection:
    texts: list[TrainingText]
    conflicts: int  # texts left out: their labels disagree and no verifier decided
    overruled: int  # imported copies whose label a verifier's label replaced


class _LabelRow(Protocol):
    """The columns of a LabelledMessage that select_training_texts reads."""

    @property
    def text_hash(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def label(self) -> int: ...
    @property
    def sender_type(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def imported_at(self) -> datetime | None: ...


def select_training_texts() -> TrainingSelection:
    """Every labelled text once: a verifier's label if any (verifiers who disagree leave the
    text out), else the imported label when all sources agree, else the text is left out.
    Rows made without label_message (no text_hash) get their key computed here."""
    groups: dict[str, list[_LabelRow]] = defaultdict(list)
    fields = ("text_hash", "content", "label", "sender_type", "source", "imported_at")
    for row in LabelledMessage.objects.order_by("id").values_list(*fields, named=True):
        groups[row.text_hash or text_key(row.content)].append(row)
    selection = TrainingSelection([], 0, 0)
    for rows in groups.values():
        verifier = [row for row in rows if row.imported_at is None]
        deciding = verifier or rows
        label = deciding[0].label
        if any(row.label != label for row in deciding):
            selection.conflicts += 1
            continue
        if verifier:
            selection.overruled += sum(1 for row in rows if row.label != label)
        sender = next(
            (row.sender_type for row in rows if row.sender_type and row.label == label), ""
        )
        source = VERIFIER_GROUP if verifier else deciding[0].source
        selection.texts.append(TrainingText(deciding[0].content, int(label), sender, source))
    return selection


class DetectorModelQuerySet(models.QuerySet["DetectorModel"]):
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
    # {source: {"train": n, "holdout": m}}: "seed", "verifier" or an imported corpus name.
    sources = models.JSONField(_("số tin theo nguồn"), default=dict, blank=True)
    excluded_count = models.PositiveIntegerField(_("số tin bị loại vì nhãn mâu thuẫn"), default=0)
    # {"folds": k, "count": n, "precision": {"mean", "std"}, "recall": ..., "f1": ...}; filled by
    # train_detector (folds of its training part) or later by evaluate_detector.
    cv_scores = models.JSONField(_("kết quả kiểm tra chéo"), null=True, blank=True)
    replaced = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thay cho mô hình"),
    )
    seconds = models.FloatField(_("thời gian huấn luyện (giây)"), null=True, blank=True)
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
