"""Writes on campaigns: prepare, submit, approve (four eyes), reject, pause, resume, stop; and
who a campaign may reach.

Consent is the rule here: a drill_operator prepares, a unit_manager covering every target unit
approves, and only people at the organisation's own mail domains are ever recipients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access import can_act, require_unit
from orgs.models import Permission, Role, RoleAssignment, Unit, User

from .models import (
    Campaign,
    CampaignAction,
    CampaignLog,
    CampaignStatus,
    LandingPage,
    SendingProfile,
    Template,
)

# Working hours a send window must stay inside (Asia/Ho_Chi_Minh): drills arrive at work.
EARLIEST_START = time(7, 0)
LATEST_END = time(17, 30)
MAX_WINDOW_DAYS = 31


class DrillError(Exception):
    """A rule of drills refused the action; the message is for the person who tried."""


def allowed_mail_domains() -> frozenset[str]:
    """The organisation's own mail domains (setting DRILLS_ALLOWED_MAIL_DOMAINS). Empty by
    default: until someone names them, no drill reaches anyone."""
    raw = getattr(settings, "DRILLS_ALLOWED_MAIL_DOMAINS", ())
    if isinstance(raw, str):
        raw = raw.split(",")
    return frozenset(d.strip().lower().lstrip("@") for d in raw if d.strip())


def is_allowed_address(email: str) -> bool:
    _local, at, domain = email.strip().rpartition("@")
    return bool(at) and domain.lower() in allowed_mail_domains()


@dataclass(frozen=True)
class CampaignPlan:
    """What an operator fills in; checked by `prepare_campaign`."""

    name: str
    unit: Unit
    template: Template
    landing_page: LandingPage
    sending_profile: SendingProfile
    target_units: list[Unit]
    chosen_people: list[User]
    window_start: date
    window_end: date
    day_start: time = time(8, 0)
    day_end: time = time(16, 30)


def _check_window(plan: CampaignPlan) -> None:
    today = timezone.localdate()
    if plan.window_start < today or plan.window_end < plan.window_start:
        raise DrillError(_("Khoảng ngày gửi phải bắt đầu từ hôm nay và kết thúc sau ngày bắt đầu."))
    if (plan.window_end - plan.window_start).days > MAX_WINDOW_DAYS:
        raise DrillError(_("Khoảng ngày gửi dài tối đa 31 ngày."))
    if not EARLIEST_START <= plan.day_start < plan.day_end <= LATEST_END:
        raise DrillError(_("Giờ gửi phải nằm trong giờ làm việc (07:00–17:30)."))
    span = (plan.window_end - plan.window_start).days + 1
    if span < 7 and all(
        date.fromordinal(plan.window_start.toordinal() + i).weekday() >= 5 for i in range(span)
    ):
        raise DrillError(_("Khoảng ngày gửi phải có ít nhất một ngày làm việc (thứ Hai–thứ Sáu)."))


def _check_targets(operator: User, plan: CampaignPlan) -> None:
    """The operator must hold RUN_DRILLS on the owning unit, every target unit and every
    chosen person's unit: an operator of one commune cannot reach another."""
    require_unit(operator, Permission.RUN_DRILLS, plan.unit)
    if not plan.target_units and not plan.chosen_people:
        raise DrillError(_("Hãy chọn ít nhất một đơn vị hoặc một người nhận."))
    for unit in plan.target_units:
        require_unit(operator, Permission.RUN_DRILLS, unit)
        if not plan.unit.covers(unit):
            raise DrillError(_("Đơn vị nhận phải thuộc đơn vị tổ chức đợt diễn tập."))
    for person in plan.chosen_people:
        if person.home_unit is None or not plan.unit.covers(person.home_unit):
            raise DrillError(_("Người nhận phải là cán bộ của đơn vị tổ chức."))
        require_unit(operator, Permission.RUN_DRILLS, person.home_unit)
        if not is_allowed_address(person.email):
            raise DrillError(
                _("Địa chỉ thư của %(name)s không thuộc tên miền được phép.")
                % {"name": person.get_full_name() or person.username}
            )
    # A province's sending profile serves every unit below it; a commune's serves only it.
    if not plan.sending_profile.unit.covers(plan.unit):
        raise DrillError(_("Cấu hình gửi thư này không dùng được cho đơn vị tổ chức."))


def _log(*, campaign: Campaign, actor: User, action: str, from_status: str, note: str = "") -> None:
    """A person's step (the platform's own "done" is logged by sending.py)."""
    CampaignLog.objects.create(
        campaign=campaign,
        actor=actor,
        actor_label=actor.get_username()[:150],
        action=action,
        from_status=from_status,
        to_status=campaign.status,
        note=note.strip()[:2000],
    )


def prepare_campaign(*, operator: User, plan: CampaignPlan) -> Campaign:
    """Create a draft campaign; nothing is sent until a manager approves it."""
    _check_targets(operator, plan)
    _check_window(plan)
    if not plan.template.is_active or not plan.landing_page.is_active:
        raise DrillError(_("Mẫu thư hoặc trang đích này không còn được dùng."))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=plan.name.strip()[:200],
            unit=plan.unit,
            template=plan.template,
            landing_page=plan.landing_page,
            sending_profile=plan.sending_profile,
            window_start=plan.window_start,
            window_end=plan.window_end,
            day_start=plan.day_start,
            day_end=plan.day_end,
            created_by=operator,
        )
        campaign.target_units.set(plan.target_units)
        campaign.chosen_people.set(plan.chosen_people)
        _log(campaign=campaign, actor=operator, action=CampaignAction.PREPARED, from_status="")
    return campaign


def _locked(campaign: Campaign) -> Campaign:
    """The campaign re-read under a row lock, so two people acting at once see one order."""
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


_S = CampaignStatus
_LIVE = frozenset({_S.DRAFT, _S.AWAITING_APPROVAL, _S.APPROVED, _S.SENDING, _S.PAUSED})

# The one table of who-goes-where: each action, the statuses it may start from and where it
# leads. STOPPED is final (absent from every "from"); sending.py owns APPROVED→SENDING→DONE.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    CampaignAction.SUBMITTED: (frozenset({_S.DRAFT}), _S.AWAITING_APPROVAL),
    CampaignAction.APPROVED: (frozenset({_S.AWAITING_APPROVAL}), _S.APPROVED),
    CampaignAction.REJECTED: (frozenset({_S.AWAITING_APPROVAL}), _S.DRAFT),
    CampaignAction.PAUSED: (frozenset({_S.APPROVED, _S.SENDING}), _S.PAUSED),
    CampaignAction.RESUMED: (frozenset({_S.PAUSED}), _S.APPROVED),
    CampaignAction.STOPPED: (_LIVE, _S.STOPPED),
}


def _move(*, campaign: Campaign, actor: User, action: str, note: str = "") -> Campaign:
    allowed_from, to = TRANSITIONS[action]
    with transaction.atomic():
        current = _locked(campaign)
        if current.status not in allowed_from:
            raise DrillError(
                _("Không thể thực hiện khi đợt diễn tập đang ở trạng thái “%(status)s”.")
                % {"status": current.get_status_display()}
            )
        before = current.status
        current.status = to
        if action == CampaignAction.SUBMITTED:
            current.submitted_at = timezone.now()
        elif action == CampaignAction.APPROVED:
            current.approved_by, current.approved_at = actor, timezone.now()
        elif action == CampaignAction.REJECTED:
            current.approved_by, current.approved_at = None, None
        current.save()
        _log(campaign=current, actor=actor, action=action, from_status=before, note=note)
    return current


def _require_operator(user: User, campaign: Campaign) -> None:
    require_unit(user, Permission.RUN_DRILLS, campaign.unit)


def submit_campaign(*, operator: User, campaign: Campaign) -> Campaign:
    _require_operator(operator, campaign)
    return _move(campaign=campaign, actor=operator, action=CampaignAction.SUBMITTED)


def manager_paths(user: User) -> list[str]:
    """Tree paths where `user` holds the unit_manager role itself (no other role stands in)."""
    if not (user.is_authenticated and user.is_active):
        return []
    return list(
        RoleAssignment.objects.filter(user=user, role=Role.UNIT_MANAGER).values_list(
            "unit__path", flat=True
        )
    )


def units_to_approve(campaign: Campaign) -> list[Unit]:
    """Every unit a manager must cover: the target units and the chosen people's units."""
    units = list(campaign.target_units.all())
    units += [
        p.home_unit for p in campaign.chosen_people.select_related("home_unit") if p.home_unit
    ]
    return units


def can_approve(user: User, campaign: Campaign) -> bool:
    """A unit_manager covering each target unit, who did not prepare the campaign."""
    if user.pk == campaign.created_by_id:
        return False
    paths = manager_paths(user)
    units = units_to_approve(campaign)
    return bool(units) and all(any(u.path.startswith(p) for p in paths) for u in units)


def approve_campaign(*, manager: User, campaign: Campaign, note: str = "") -> Campaign:
    """Four eyes: the approver is a unit_manager over every target, never the preparer."""
    if manager.pk == campaign.created_by_id:
        raise DrillError(_("Người chuẩn bị không thể tự phê duyệt đợt diễn tập của mình."))
    if not can_approve(manager, campaign):
        raise DrillError(_("Chỉ quản lý phụ trách tất cả đơn vị nhận mới được phê duyệt."))
    return _move(campaign=campaign, actor=manager, action=CampaignAction.APPROVED, note=note)


def reject_campaign(*, manager: User, campaign: Campaign, note: str) -> Campaign:
    if not can_approve(manager, campaign):
        raise DrillError(_("Chỉ quản lý phụ trách tất cả đơn vị nhận mới được trả lại."))
    if not note.strip():
        raise DrillError(_("Hãy ghi lý do trả lại."))
    return _move(campaign=campaign, actor=manager, action=CampaignAction.REJECTED, note=note)


def can_control(user: User, campaign: Campaign) -> bool:
    """Who may pull the brake (pause, stop): the operators of the campaign's unit, and any
    manager of a target unit: either side of the consent may withdraw it."""
    if can_act(user, Permission.RUN_DRILLS, campaign.unit):
        return True
    paths = manager_paths(user)
    return any(u.path.startswith(p) for u in units_to_approve(campaign) for p in paths)


def pause_campaign(*, user: User, campaign: Campaign, note: str = "") -> Campaign:
    if not can_control(user, campaign):
        raise DrillError(_("Bạn không có quyền tạm dừng đợt diễn tập này."))
    return _move(campaign=campaign, actor=user, action=CampaignAction.PAUSED, note=note)


def resume_campaign(*, operator: User, campaign: Campaign) -> Campaign:
    """Back to sending under the same approval; only the operators resume."""
    _require_operator(operator, campaign)
    return _move(campaign=campaign, actor=operator, action=CampaignAction.RESUMED)


def stop_campaign(*, user: User, campaign: Campaign, note: str = "") -> Campaign:
    """Final: a stopped campaign sends nothing more and is never resumed."""
    if not can_control(user, campaign):
        raise DrillError(_("Bạn không có quyền dừng đợt diễn tập này."))
    return _move(campaign=campaign, actor=user, action=CampaignAction.STOPPED, note=note)


def at_allowed_domains() -> Q:
    """A filter on User: an address at one of the allowed domains (nothing when none are set)."""
    domains = allowed_mail_domains()
    if not domains:
        return Q(pk__in=[])
    q = Q()
    for domain in domains:
        q |= Q(email__iendswith="@" + domain)
    return q


def recipients_for(campaign: Campaign) -> QuerySet[User]:
    """The people an approved campaign reaches: active staff of the target units (and every
    unit below them) and the chosen people, only at the allowed mail domains."""
    targets = Unit.objects.within(campaign.target_units.all())
    chosen = campaign.chosen_people.values("pk")
    return (
        User.objects.filter(Q(home_unit__in=targets) | Q(pk__in=chosen), is_active=True)
        .filter(at_allowed_domains())
        .distinct()
        .order_by("pk")
    )
