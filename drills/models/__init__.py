"""Drills' models, one module per part (campaigns, tracking)."""

from .campaigns import (
    SENDABLE_STATUSES,
    AppendOnlyError,
    Campaign,
    CampaignAction,
    CampaignLog,
    CampaignQuerySet,
    CampaignStatus,
    LandingPage,
    SendingProfile,
    Template,
)
from .tracking import Event, EventKind, EventSource, FollowUp, Recipient, ReportChannel

__all__ = [
    "SENDABLE_STATUSES",
    "AppendOnlyError",
    "Campaign",
    "CampaignAction",
    "CampaignLog",
    "CampaignQuerySet",
    "CampaignStatus",
    "LandingPage",
    "SendingProfile",
    "Template",
    "Event",
    "EventKind",
    "EventSource",
    "FollowUp",
    "Recipient",
    "ReportChannel",
]
