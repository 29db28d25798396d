"""Consent and control of campaigns (issue 17, points 1, 2 and 8): an operator prepares, a
unit_manager covering every target approves (four eyes, logged), pause and stop hold, and
recipients are only staff at the organisation's own mail domains."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from drills.models import AppendOnlyError, Campaign, CampaignAction, CampaignLog, CampaignStatus
from drills.services import (
    DrillError,
    approve_campaign,
    pause_campaign,
    prepare_campaign,
    recipients_for,
    reject_campaign,
    resume_campaign,
    stop_campaign,
    submit_campaign,
)
from orgs.models import Role, RoleAssignment

from .campaign_world import ALLOWED_DOMAIN, DrillWorld, build_drill_world


@pytest.fixture
def dw(world, settings) -> DrillWorld:
    settings.DRILLS_ALLOWED_MAIL_DOMAINS = [ALLOWED_DOMAIN]
    return build_drill_world(world)


def _submitted(dw: DrillWorld, targets: tuple[str, ...] = ("D1",)) -> Campaign:
    operator = dw.person("drill_operator")
    campaign = prepare_campaign(operator=operator, plan=dw.plan(targets=targets))
    return submit_campaign(operator=operator, campaign=campaign)


def test_campaign_is_not_sendable_until_a_covering_manager_approves(dw):
    operator = dw.person("drill_operator")
    campaign = prepare_campaign(operator=operator, plan=dw.plan())
    assert campaign.status == CampaignStatus.DRAFT
    assert not Campaign.objects.sendable().exists()
    campaign = submit_campaign(operator=operator, campaign=campaign)
    assert not campaign.is_sendable
    assert not Campaign.objects.sendable().exists()

    campaign = approve_campaign(manager=dw.person("manager_d1"), campaign=campaign, note="Đồng ý")
    assert list(Campaign.objects.sendable()) == [campaign]
    assert campaign.approved_by == dw.person("manager_d1")
    log = list(campaign.log.values_list("action", "actor__username", "to_status"))
    assert log == [
        (CampaignAction.PREPARED, "drill_operator", CampaignStatus.DRAFT),
        (CampaignAction.SUBMITTED, "drill_operator", CampaignStatus.AWAITING_APPROVAL),
        (CampaignAction.APPROVED, "manager_d1", CampaignStatus.APPROVED),
    ]


def test_manager_of_one_target_unit_cannot_approve_a_campaign_reaching_another(dw):
    campaign = _submitted(dw, targets=("D1", "D2"))
    for name in ("manager_d1", "manager_d2"):
        with pytest.raises(DrillError):
            approve_campaign(manager=dw.person(name), campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL
    assert not Campaign.objects.sendable().exists()
    approve_campaign(manager=dw.person("manager_province"), campaign=campaign)
    assert Campaign.objects.sendable().count() == 1


def test_chosen_people_count_as_target_units_for_approval(dw):
    operator = dw.person("drill_operator")
    plan = dw.plan(targets=("D1",), chosen_people=[dw.person("staff_d2_c1")])
    campaign = submit_campaign(
        operator=operator, campaign=prepare_campaign(operator=operator, plan=plan)
    )
    with pytest.raises(DrillError):
        approve_campaign(manager=dw.person("manager_d1"), campaign=campaign)


@pytest.mark.parametrize("name", ["verifier_d1", "admin", "drill_operator", "staff_d1_c1"])
def test_only_the_unit_manager_role_approves(dw, name):
    campaign = _submitted(dw)
    with pytest.raises(DrillError):
        approve_campaign(manager=dw.person(name), campaign=campaign)
    assert not Campaign.objects.sendable().exists()


def test_preparer_who_is_also_manager_cannot_approve_own_campaign(dw):
    both = dw.person("manager_province")
    RoleAssignment.objects.create(user=both, unit=dw.unit("P"), role=Role.DRILL_OPERATOR)
    campaign = prepare_campaign(operator=both, plan=dw.plan())
    campaign = submit_campaign(operator=both, campaign=campaign)
    with pytest.raises(DrillError, match="tự phê duyệt"):
        approve_campaign(manager=both, campaign=campaign)
    approve_campaign(manager=dw.person("manager_d1"), campaign=campaign)


def test_a_draft_cannot_be_approved_before_it_is_submitted(dw):
    campaign = prepare_campaign(operator=dw.person("drill_operator"), plan=dw.plan())
    with pytest.raises(DrillError):
        approve_campaign(manager=dw.person("manager_d1"), campaign=campaign)


def test_rejection_sends_it_back_to_draft_with_a_reason(dw):
    campaign = _submitted(dw)
    with pytest.raises(DrillError):
        reject_campaign(manager=dw.person("manager_d1"), campaign=campaign, note=" ")
    campaign = reject_campaign(manager=dw.person("manager_d1"), campaign=campaign, note="Sai ngày")
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.log.values_list("note", flat=True).last() == "Sai ngày"


def test_drill_operator_of_one_commune_cannot_target_another_commune(dw):
    operator = dw.person("operator_d1_c1")
    own = prepare_campaign(operator=operator, plan=dw.plan(unit="D1-C1", targets=("D1-C1",)))
    assert own.status == CampaignStatus.DRAFT
    with pytest.raises(PermissionDenied):
        prepare_campaign(operator=operator, plan=dw.plan(unit="D1-C1", targets=("D1-C2",)))
    with pytest.raises(PermissionDenied):
        prepare_campaign(operator=operator, plan=dw.plan(unit="D1-C2", targets=("D1-C2",)))
    with pytest.raises((PermissionDenied, DrillError)):
        prepare_campaign(
            operator=operator,
            plan=dw.plan(unit="D1-C1", targets=(), chosen_people=[dw.person("staff_d1_c2")]),
        )
    assert Campaign.objects.count() == 1


def test_commune_manager_approves_own_commune_campaign(dw):
    operator = dw.person("operator_d1_c1")
    campaign = prepare_campaign(operator=operator, plan=dw.plan(unit="D1-C1", targets=("D1-C1",)))
    campaign = submit_campaign(operator=operator, campaign=campaign)
    approve_campaign(manager=dw.person("manager_d1_c1"), campaign=campaign)
    assert Campaign.objects.sendable().count() == 1


def test_recipients_are_staff_of_targets_and_below_at_allowed_domains_only(dw, settings):
    campaign = _submitted(dw, targets=("D1",))
    names = set(recipients_for(campaign).values_list("username", flat=True))
    assert {"staff_d1_c1", "staff_d1_c2", "manager_d1", "operator_d1_c1"} <= names
    assert "outsider_d1_c1" not in names  # gmail.com is not the organisation's
    assert "staff_d2_c1" not in names
    settings.DRILLS_ALLOWED_MAIL_DOMAINS = []
    assert not recipients_for(campaign).exists()


def test_chosen_person_at_a_foreign_domain_is_refused(dw):
    plan = dw.plan(targets=(), chosen_people=[dw.person("outsider_d1_c1")])
    with pytest.raises(DrillError, match="tên miền"):
        prepare_campaign(operator=dw.person("drill_operator"), plan=plan)


def test_inactive_people_are_not_recipients(dw):
    campaign = _submitted(dw)
    staff = dw.person("staff_d1_c1")
    staff.is_active = False
    staff.save()
    assert staff not in recipients_for(campaign)


def test_pause_resume_and_stop_control_sending(dw):
    campaign = approve_campaign(manager=dw.person("manager_d1"), campaign=_submitted(dw))
    # A manager of a target unit may pull the brake, not only the operator.
    campaign = pause_campaign(user=dw.person("manager_d1"), campaign=campaign)
    assert not Campaign.objects.sendable().exists()
    with pytest.raises(PermissionDenied):
        resume_campaign(operator=dw.person("manager_d1"), campaign=campaign)
    campaign = resume_campaign(operator=dw.person("drill_operator"), campaign=campaign)
    assert Campaign.objects.sendable().count() == 1
    campaign = stop_campaign(user=dw.person("drill_operator"), campaign=campaign)
    assert not Campaign.objects.sendable().exists()
    with pytest.raises(DrillError):
        resume_campaign(operator=dw.person("drill_operator"), campaign=campaign)
    with pytest.raises(DrillError):
        pause_campaign(user=dw.person("drill_operator"), campaign=campaign)


def test_someone_outside_the_campaign_cannot_pause_or_stop_it(dw):
    campaign = approve_campaign(manager=dw.person("manager_d1"), campaign=_submitted(dw))
    for action in (pause_campaign, stop_campaign):
        with pytest.raises(DrillError):
            action(user=dw.person("manager_d2"), campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.APPROVED


@pytest.mark.parametrize(
    "change",
    [
        {"day_start": time(6, 0)},
        {"day_end": time(19, 0)},
        {"day_start": time(15, 0), "day_end": time(9, 0)},
        {"window_days": -3},
        {"weekend_only": True},
    ],
)
def test_send_window_stays_in_working_hours_and_weekdays(dw, change):
    plan = dw.plan()
    if "window_days" in change:
        plan = dw.plan(window_start=plan.window_start - timedelta(days=10))
    elif "weekend_only" in change:
        saturday = plan.window_start + timedelta(days=(5 - plan.window_start.weekday()) % 7)
        plan = dw.plan(window_start=saturday, window_end=saturday + timedelta(days=1))
    else:
        plan = dw.plan(**change)
    with pytest.raises(DrillError):
        prepare_campaign(operator=dw.person("drill_operator"), plan=plan)


def test_campaign_log_is_append_only(dw):
    campaign = _submitted(dw)
    entry = CampaignLog.objects.filter(campaign=campaign).earliest("at")
    entry.note = "sửa"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        CampaignLog.objects.filter(campaign=campaign).update(note="x")
