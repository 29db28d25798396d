"""The tipline in the admin: read-only and for superusers only. A conversation carries the
person's id on the channel (the Zalo user id) and what they wrote: personal data that no unit's
staff page shows (tipline/privacy.py). Conversations change only through the worker."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from lib.admin import ReadOnlyAdmin

from .models import Conversation, InboundEvent, OutboundMessage, TipReport

_M = TypeVar("_M", bound=Model)


class SuperuserOnly(ReadOnlyAdmin[_M]):
    """Hidden from every staff member but superusers, whatever Django permissions they hold."""

    actions = None

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return self.has_module_permission(request)

    def get_readonly_fields(self, request: HttpRequest, obj: _M | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


class InboundEventInline(admin.TabularInline[InboundEvent, Conversation]):
    model = InboundEvent
    fields = readonly_fields = (
        "received_at", "message_id", "kind", "text", "status", "attempts", "error",
    )  # fmt: skip
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-received_at",)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class OutboundInline(admin.TabularInline[OutboundMessage, Conversation]):
    model = OutboundMessage
    fields = readonly_fields = ("created_at", "kind", "text", "status", "sent_at", "error")
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-created_at",)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


@admin.register(Conversation)
class ConversationAdmin(SuperuserOnly[Conversation]):
    list_display = ["pk", "channel", "external_id", "state", "last_inbound_at", "purged_at"]
    list_filter = ["channel", "state"]
    search_fields = ["external_id"]
    date_hierarchy = "created_at"
    inlines = [InboundEventInline, OutboundInline]


@admin.register(TipReport)
class TipReportAdmin(SuperuserOnly[TipReport]):
    list_display = ["report", "conversation", "told_status", "told_at", "asked_staff"]
    list_filter = ["told_status", "asked_staff"]
