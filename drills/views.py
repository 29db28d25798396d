"""Staff pages of drills: the operator's campaigns (list, prepare, detail with submit, pause,
resume and stop) and the managers' approvals. Every query is scoped to the person's units."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.access import AuthenticatedHttpRequest, require_unit, staff_required, units_for
from orgs.models import Permission, Unit, User

from . import services
from .forms import CampaignForm, NoteForm
from .models import Campaign, CampaignQuerySet, CampaignStatus
from .services import DrillError


@staff_required(Permission.RUN_DRILLS)
def campaign_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    campaigns = (
        Campaign.objects.touching(units_for(request.user, Permission.RUN_DRILLS))
        .select_related("unit", "template")
        .order_by("-created_at", "-pk")[:200]
    )
    return render(request, "drills/staff/list.html", {"campaigns": campaigns})


@staff_required(Permission.RUN_DRILLS)
def campaign_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = units_for(request.user, Permission.RUN_DRILLS)
    form = CampaignForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.prepare_campaign(operator=request.user, plan=form.plan())
        except (DrillError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("drills:campaign", pk=campaign.pk)
    return render(request, "drills/staff/form.html", {"form": form})


def _campaign_for_operator(request: AuthenticatedHttpRequest, pk: int) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("unit", "template"), pk=pk)
    # Another unit's campaign is "not found", not "forbidden": its existence is not shown.
    try:
        require_unit(request.user, Permission.RUN_DRILLS, campaign.unit)
    except PermissionDenied:
        raise Http404 from None
    return campaign


def _detail_context(campaign: Campaign, user: User) -> dict[str, object]:
    return {
        "campaign": campaign,
        "log": campaign.log.select_related("actor"),
        "targets": campaign.target_units.order_by("path"),
        "chosen": campaign.chosen_people.order_by("username"),
        "recipient_count": services.recipients_for(campaign).count(),
        "can_approve": services.can_approve(user, campaign),
        "can_control": services.can_control(user, campaign),
        "note_form": NoteForm(),
        "statuses": CampaignStatus,
    }


@staff_required(Permission.RUN_DRILLS)
def campaign_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for_operator(request, pk)
    context = _detail_context(campaign, request.user)
    return render(request, "drills/staff/detail.html", context)


def _run(request: AuthenticatedHttpRequest, act: Callable[[str], object]) -> None:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        act(note)
    except (DrillError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã cập nhật đợt diễn tập."))


OPERATOR_ACTIONS = ("submit", "pause", "resume", "stop")


@require_POST
@staff_required(Permission.RUN_DRILLS)
def campaign_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponseBase:
    if action not in OPERATOR_ACTIONS:
        raise Http404
    campaign = _campaign_for_operator(request, pk)
    user = request.user
    acts: dict[str, Callable[[str], object]] = {
        "submit": lambda note: services.submit_campaign(operator=user, campaign=campaign),
        "pause": lambda note: services.pause_campaign(user=user, campaign=campaign, note=note),
        "resume": lambda note: services.resume_campaign(operator=user, campaign=campaign),
        "stop": lambda note: services.stop_campaign(user=user, campaign=campaign, note=note),
    }
    _run(request, acts[action])
    return redirect("drills:campaign", pk=campaign.pk)


def _managed_campaigns(user: User) -> CampaignQuerySet:
    """Campaigns reaching a unit this person manages (by target unit or a chosen person)."""
    if user.is_superuser:
        return Campaign.objects.all()
    paths = services.manager_paths(user)
    if not paths:
        return Campaign.objects.none()
    units = Unit.objects.within_paths(paths)
    return Campaign.objects.filter(
        Q(target_units__in=units) | Q(chosen_people__home_unit__in=units)
    ).distinct()


@staff_required(Permission.MANAGE_TRAINING)
def approval_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    campaigns = _managed_campaigns(request.user)
    rows = campaigns.exclude(status=CampaignStatus.DRAFT).select_related("unit", "template")
    context = {
        "waiting": [c for c in rows if c.status == CampaignStatus.AWAITING_APPROVAL],
        "others": [
            c
            for c in rows.order_by("-created_at")[:100]
            if c.status != CampaignStatus.AWAITING_APPROVAL
        ],
    }
    return render(request, "drills/staff/approvals.html", context)


def _campaign_for_manager(request: AuthenticatedHttpRequest, pk: int) -> Campaign:
    campaigns = _managed_campaigns(request.user)
    return get_object_or_404(
        campaigns.exclude(status=CampaignStatus.DRAFT).select_related("unit", "template"), pk=pk
    )


MANAGER_ACTIONS = ("approve", "reject", "pause", "stop")


@staff_required(Permission.MANAGE_TRAINING)
def approval_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    campaign = _campaign_for_manager(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in MANAGER_ACTIONS:
            raise Http404
        user = request.user
        acts: dict[str, Callable[[str], object]] = {
            "approve": lambda n: services.approve_campaign(manager=user, campaign=campaign, note=n),
            "reject": lambda n: services.reject_campaign(manager=user, campaign=campaign, note=n),
            "pause": lambda n: services.pause_campaign(user=user, campaign=campaign, note=n),
            "stop": lambda n: services.stop_campaign(user=user, campaign=campaign, note=n),
        }
        _run(request, acts[action])
        return redirect("drills:approval", pk=campaign.pk)
    context = _detail_context(campaign, request.user)
    return render(request, "drills/staff/approval.html", context)
