"""The tipline in the admin: read-only and for superusers only. A conversation carries the
person's id on the channel (the Zalo user id) and what they wrote: personal data that no unit's
staff page shows (tipline/privacy.py). Conversations change only through the worker.

Without the add, change and delete permissions Django already shows every field read-only,
offers no action and no empty inline form; what is left here is who may look, and how much."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lib.admin import ReadOnlyAdmin

from .models import Conversation, InboundEvent, OutboundMessage, TipReport

_M = TypeVar("_M", bound=Model)

NEWEST = 50  # rows per inline: a long chat would otherwise render thousands


class SuperuserOnly(ReadOnlyAdmin[_M]):
    """Hidden from every staff member but superusers, whatever Django permissions they hold."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return self.has_module_permission(request)


class NewestFormSet(BaseInlineFormSet[_M, Conversation, ModelForm[_M]]):
    """Only the NEWEST rows, in the inline's ordering (newest first)."""

    def get_queryset(self) -> QuerySet[_M]:
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset()[:NEWEST]
        return self._queryset


class NewestInline(admin.TabularInline[_M, Conversation]):
    """The newest NEWEST rows of a conversation (with `formset = NewestFormSet`), read-only."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class InboundEventInline(NewestInline[InboundEvent]):
    model = InboundEvent
    formset = NewestFormSet[InboundEvent]
    fields = ("received_at", "message_id", "kind", "text", "status", "attempts", "error")
    ordering = ("-received_at", "-pk")
    verbose_name_plural = format_lazy(_("{count} tin nhắn đến gần nhất"), count=NEWEST)


class OutboundInline(NewestInline[OutboundMessage]):
    model = OutboundMessage
    formset = NewestFormSet[OutboundMessage]
    fields = ("created_at", "kind", "text", "status", "sent_at", "error")
    ordering = ("-created_at", "-pk")
    verbose_name_plural = format_lazy(_("{count} tin nhắn đi gần nhất"), count=NEWEST)


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
    list_select_related = ["report", "conversation"]
    list_filter = ["told_status", "asked_staff"]
