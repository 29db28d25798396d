"""Drills in the admin. Templates, landing pages and sending profiles are edited here (HTML is
sanitised on save); campaigns and their log are read-only: preparing, approving, pausing and
stopping go through the staff pages (drills.services), where four eyes and the log are kept."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lib.admin import ReadOnlyAdmin

from .forms import SendingProfileForm
from .models import Campaign, CampaignLog, LandingPage, SendingProfile, Template
from .sanitise import clean_landing_html, clean_mail_html


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin[Template]):
    list_display = ["name", "difficulty", "lesson_topic", "is_active"]
    list_filter = ["difficulty", "is_active"]
    search_fields = ["name", "subject", "slug"]

    def save_model(self, request: HttpRequest, obj: Template, form: Any, change: bool) -> None:
        obj.html_body = clean_mail_html(obj.html_body)
        super().save_model(request, obj, form, change)


@admin.register(LandingPage)
class LandingPageAdmin(admin.ModelAdmin[LandingPage]):
    list_display = ["name", "slug", "is_active"]

    def save_model(self, request: HttpRequest, obj: LandingPage, form: Any, change: bool) -> None:
        # Whatever an admin pastes, the page keeps no field names, actions or scripts.
        obj.html = clean_landing_html(obj.html)
        super().save_model(request, obj, form, change)


@admin.register(SendingProfile)
class SendingProfileAdmin(admin.ModelAdmin[SendingProfile]):
    form = SendingProfileForm
    list_display = ["name", "unit", "smtp_host", "sender_domain"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin[Campaign]):
    list_display = ["name", "unit", "status", "template", "approved_by", "created_at"]
    list_filter = ["status"]


@admin.register(CampaignLog)
class CampaignLogAdmin(ReadOnlyAdmin[CampaignLog]):
    list_display = ["at", "campaign", "action", "actor_label"]
    list_filter = ["action"]
