"""The operator's and the managers' pages: prepare, submit, approve, pause, stop, in scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from drills.models import Campaign, CampaignStatus
from drills.services import prepare_campaign, submit_campaign
from orgs.testing import sign_in_verified

from .campaign_world import ALLOWED_DOMAIN, DrillWorld, build_drill_world


@pytest.fixture
def dw(world, settings) -> DrillWorld:
    settings.DRILLS_ALLOWED_MAIL_DOMAINS = [ALLOWED_DOMAIN]
    return build_drill_world(world)


def _client(client, dw: DrillWorld, name: str):
    sign_in_verified(client, dw.person(name))
    return client


def _form_data(dw: DrillWorld, *, unit: str, targets: list[str]) -> dict[str, object]:
    plan = dw.plan()
    return {
        "name": "Diễn tập qua trang",
        "unit": dw.unit(unit).pk,
        "template": dw.template.pk,
        "landing_page": dw.landing.pk,
        "sending_profile": dw.profile.pk,
        "target_units": [dw.unit(c).pk for c in targets],
        "window_start": plan.window_start.isoformat(),
        "window_end": plan.window_end.isoformat(),
        "day_start": "08:00",
        "day_end": "16:00",
    }


def test_operator_prepares_and_submits_then_manager_approves_through_the_pages(client, dw):
    c = _client(client, dw, "operator_d1_c1")
    response = c.post(
        reverse("drills:campaign-create"), _form_data(dw, unit="D1-C1", targets=["D1-C1"])
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("drills:campaign", args=[campaign.pk])
    page = c.get(response["Location"])
    assert "Bản nháp" in page.content.decode()
    c.post(reverse("drills:campaign-action", args=[campaign.pk, "submit"]))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL

    m = _client(client, dw, "manager_d1_c1")
    listing = m.get(reverse("drills:approvals")).content.decode()
    assert "Diễn tập qua trang" in listing
    m.post(reverse("drills:approval", args=[campaign.pk]), {"action": "approve", "note": "OK"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.APPROVED
    assert campaign.approved_by == dw.person("manager_d1_c1")

    m.post(reverse("drills:approval", args=[campaign.pk]), {"action": "pause"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED


def test_commune_operator_cannot_choose_another_commune_in_the_form(client, dw):
    c = _client(client, dw, "operator_d1_c1")
    response = c.post(
        reverse("drills:campaign-create"), _form_data(dw, unit="D1-C1", targets=["D1-C2"])
    )
    assert response.status_code == 200
    assert not Campaign.objects.exists()
    assert "Xã Một Hai" not in response.content.decode()  # not even offered


def test_campaign_of_another_unit_is_not_found_for_an_operator(client, dw):
    campaign = prepare_campaign(operator=dw.person("drill_operator"), plan=dw.plan())
    c = _client(client, dw, "operator_d1_c1")
    assert c.get(reverse("drills:campaign", args=[campaign.pk])).status_code == 404
    response = c.post(reverse("drills:campaign-action", args=[campaign.pk, "stop"]))
    assert response.status_code == 404
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_manager_of_another_district_neither_sees_nor_approves(client, dw):
    operator = dw.person("drill_operator")
    campaign = submit_campaign(
        operator=operator, campaign=prepare_campaign(operator=operator, plan=dw.plan())
    )
    m = _client(client, dw, "manager_d2")
    assert "Diễn tập quý I" not in m.get(reverse("drills:approvals")).content.decode()
    response = m.post(reverse("drills:approval", args=[campaign.pk]), {"action": "approve"})
    assert response.status_code == 404
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL
    assert not Campaign.objects.sendable().exists()


def test_a_manager_covering_only_part_of_the_targets_is_told_and_cannot_approve(client, dw):
    operator = dw.person("drill_operator")
    plan = dw.plan(targets=("D1", "D2"))
    campaign = submit_campaign(
        operator=operator, campaign=prepare_campaign(operator=operator, plan=plan)
    )
    m = _client(client, dw, "manager_d1")
    page = m.get(reverse("drills:approval", args=[campaign.pk])).content.decode()
    assert 'data-testid="cannot-approve"' in page
    m.post(reverse("drills:approval", args=[campaign.pk]), {"action": "approve"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL


def test_staff_menu_offers_drills_to_operators_and_approvals_to_managers(client, dw):
    home = reverse("staff-home")
    op = _client(client, dw, "drill_operator").get(home).content.decode()
    assert f'href="{reverse("drills:campaigns")}"' in op
    mg = _client(client, dw, "manager_d1").get(home).content.decode()
    assert f'href="{reverse("drills:approvals")}"' in mg
    assert f'href="{reverse("drills:campaigns")}"' not in mg


def test_form_offers_only_the_operators_units_and_the_shipped_templates(client, dw):
    page = _client(client, dw, "operator_d1_c1").get(reverse("drills:campaign-create"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Xã Một Một" in html and "Xã Một Hai" not in html and "Huyện Hai" not in html
    assert dw.template.name in html
    assert "staff_d1_c1" in html
    assert "outsider_d1_c1" not in html  # not at the organisation's domain: not offered
