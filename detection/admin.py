from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import DetectorModel, LabelledMessage


@admin.register(LabelledMessage)
class LabelledMessageAdmin(admin.ModelAdmin[LabelledMessage]):
    list_display = [
        "id",
        "label",
        "scam_type",
        "sender_type",
        "short_content",
        "source",
        "source_line",
        "created_at",
    ]
    list_filter = ["label", "scam_type", "sender_type"]
    search_fields = ["content", "source"]
    readonly_fields = [
        "labelled_by",
        "text_hash",
        "source_file",
        "source_line",
        "imported_at",
        "imported_by",
        "created_at",
    ]

    @admin.display(description=_("nội dung"))
    def short_content(self, obj: LabelledMessage) -> str:
        return obj.content[:80]


@admin.register(DetectorModel)
class DetectorModelAdmin(admin.ModelAdmin[DetectorModel]):
    """Read-only: models are made by manage.py train_detector."""

    list_display = ["id", "created_at", "active", "accepted", "f1", "previous_f1", "train_count"]
    exclude = ["blob", "signature"]
    readonly_fields = [
        "created_at",
        "active",
        "accepted",
        "train_count",
        "labelled_count",
        "holdout_count",
        "f1",
        "precision",
        "recall",
        "previous_f1",
        "sources",
        "excluded_count",
        "cv_scores",
        "replaced",
        "seconds",
        "note",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DetectorModel | None = None) -> bool:
        return False
