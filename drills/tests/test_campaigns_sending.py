"""Point 8 end to end through real SMTP (aiosmtpd on loopback): no mail leaves before a manager
covering every target unit approves, none after a pause or a stop, and none to an address
outside the organisation's domains."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from drills import sending
from drills.services import (
    DrillError,
    approve_campaign,
    pause_campaign,
    prepare_campaign,
    stop_campaign,
    submit_campaign,
)

from .campaign_world import ALLOWED_DOMAIN, DrillWorld, build_drill_world


@pytest.fixture
def dw(world, settings, smtp_server) -> DrillWorld:
    settings.DRILLS_ALLOWED_MAIL_DOMAINS = [ALLOWED_DOMAIN]
    drill_world = build_drill_world(world)
    drill_world.profile.smtp_port = settings.EMAIL_PORT
    drill_world.profile.save()
    return drill_world


def _after_window(campaign) -> datetime:
    end = datetime.combine(campaign.window_end + timedelta(days=1), time(0, 0))
    return timezone.make_aware(end)


def test_nothing_is_sent_until_a_manager_covering_every_target_approves(dw, smtp_server):
    operator = dw.person("drill_operator")
    campaign = prepare_campaign(operator=operator, plan=dw.plan(targets=("D1", "D2")))
    later = _after_window(campaign)
    assert sending.send_due(now=later) == 0
    campaign = submit_campaign(operator=operator, campaign=campaign)
    assert sending.send_due(now=later) == 0
    with pytest.raises(DrillError):
        approve_campaign(manager=dw.person("manager_d1"), campaign=campaign)
    assert sending.send_due(now=later) == 0
    assert smtp_server == []

    approve_campaign(manager=dw.person("manager_province"), campaign=campaign)
    sent = sending.send_due(now=later)
    assert sent > 0 and len(smtp_server) == sent
    addressees = {m["X-Envelope-To"] for m in smtp_server}
    assert all(a.endswith("@" + ALLOWED_DOMAIN) for a in addressees)
    assert f"staff_d2_c1@{ALLOWED_DOMAIN}" in addressees
    assert "outsider@gmail.com" not in addressees


@pytest.mark.parametrize("brake", [pause_campaign, stop_campaign])
def test_a_paused_or_stopped_campaign_sends_nothing(dw, smtp_server, brake):
    operator = dw.person("drill_operator")
    campaign = submit_campaign(
        operator=operator, campaign=prepare_campaign(operator=operator, plan=dw.plan())
    )
    campaign = approve_campaign(manager=dw.person("manager_d1"), campaign=campaign)
    brake(user=dw.person("manager_d1"), campaign=campaign)
    assert sending.send_due(now=_after_window(campaign)) == 0
    assert smtp_server == []
