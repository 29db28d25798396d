"""Issue 17, point 8, in a real Chromium 360 px wide: an operator prepares a drill on the staff
pages, a manager of the target commune approves it, the mail goes out through a real SMTP sink
on loopback, the person opens it, follows its link, types into the look-alike page (nothing of
it leaves the browser or is stored), sees the cues, reports another drill mail of theirs, and
the results page shows the report."""

from __future__ import annotations

import logging
import re
import socket
import urllib.request
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone
from playwright.sync_api import expect

from drills import services
from drills.models import (
    Campaign,
    Event,
    EventKind,
    EventSource,
    FollowUp,
    Recipient,
    ReportChannel,
    Template,
)
from drills.sending import DRILL_HEADER, LOCAL_TIME, send_due
from orgs.browser_testing import assert_fits_phone
from orgs.models import Role
from orgs.testing import build_world, sign_in_verified
from training.models import Lesson

from .campaign_world import ALLOWED_DOMAIN, DrillWorld, add_person, build_drill_world
from .test_tracking import _db_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SINK_PORTS = range(19640, 19660)  # this test's own loopback ports
# A phone's Chrome: headless Chromium names itself "HeadlessChrome", which tracking rightly
# counts as a scanner; the person in this test reads their mail on a phone.
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36"
)
TYPED = {"Tên đăng nhập": "tran.thi.mai@canhgiac.test", "Mật khẩu": "MaiMatKhau#2026!qz"}
PERSON = "staff_d1_c1"


@pytest.fixture(scope="module")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "user_agent": PHONE_AGENT}


@pytest.fixture
def sink():
    """A real SMTP server on a loopback port of this test's range (aiosmtpd); yields its port
    and the list of messages it received."""
    from aiosmtpd.controller import Controller

    received: list[EmailMessage] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802  # aiosmtpd's name
            received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def _free_port() -> int:
    for port in SINK_PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip(f"no free port in {SINK_PORTS.start}-{SINK_PORTS.stop - 1}")


@dataclass
class PathWorld:
    drills: DrillWorld
    other: Campaign  # a second drill to the same commune, awaiting approval: the one reported
    sink: list[EmailMessage]


@pytest.fixture
def path_world(sink, settings, audit_flushable) -> PathWorld:
    """Commune D1-C1 with six people at the allowed domain (enough for rates) and one at
    gmail.com, the shipped templates and their lesson, a sending profile pointing at the sink,
    and a second campaign to the same commune, sent for approval."""
    port, received = sink
    settings.DRILLS_ALLOWED_MAIL_DOMAINS = [ALLOWED_DOMAIN]
    # The person reads the mail the moment it arrives: the "within seconds of delivery" rule
    # (test_tracking) would call them a scanner; here a scanner is known by its agent.
    settings.DRILLS_SCANNER_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    Lesson.objects.create(
        slug="mat-khau-an-toan", title="Mật khẩu an toàn", topic="passwords", minutes=3,
        audience="all", body="Không bao giờ nhập mật khẩu vào trang lạ.",
    )  # fmt: skip
    world = build_drill_world(build_world())
    for n in range(1, 4):
        add_person(world.world, f"can_bo_{n}", Role.STAFF, "D1-C1")
    world.profile.smtp_port = port
    world.profile.save(update_fields=["smtp_port"])
    today = timezone.localdate()
    plan = world.plan(
        unit="D1-C1", targets=("D1-C1",), name="Diễn tập bảo hiểm xã hội",
        template=Template.objects.exclude(pk=world.template.pk).order_by("pk").first(),
        window_start=today, window_end=today + timedelta(days=6),
    )  # fmt: skip
    operator = world.person("operator_d1_c1")
    other = services.submit_campaign(
        operator=operator, campaign=services.prepare_campaign(operator=operator, plan=plan)
    )
    return PathWorld(drills=world, other=other, sink=received)


def _sign_in_as(page, live_server, user) -> None:
    """The session a password-and-TOTP sign-in gives (the sign-in form has its own tests)."""
    client = Client()
    sign_in_verified(client, user)
    page.context.clear_cookies()
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": cookie, "url": live_server.url}])


def _prepare_in_browser(page, live_server, world: DrillWorld) -> Campaign:
    """The operator's staff pages: the form, then "send for approval"."""
    _sign_in_as(page, live_server, world.person("operator_d1_c1"))
    page.goto(live_server.url + reverse("drills:campaign-create"))
    assert_fits_phone(page)
    today = timezone.localdate()
    commune = str(world.unit("D1-C1").pk)
    page.get_by_label("Tên đợt diễn tập").fill("Diễn tập mật khẩu thư công vụ")
    page.get_by_label("Đơn vị tổ chức").select_option(commune)
    page.get_by_label("Mẫu thư").select_option(str(world.template.pk))
    page.get_by_label("Trang đích").select_option(str(world.landing.pk))
    page.get_by_label("Cấu hình gửi thư").select_option(str(world.profile.pk))
    page.get_by_label("Đơn vị nhận (cả các đơn vị trực thuộc)").select_option([commune])
    page.get_by_label("Gửi từ ngày").fill(today.isoformat())
    page.get_by_label("Gửi đến ngày").fill((today + timedelta(days=6)).isoformat())
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Bản nháp")
    expect(page.get_by_test_id("recipient-count")).to_have_text("6")  # gmail.com left out
    assert_fits_phone(page)
    page.get_by_role("button", name="Gửi quản lý phê duyệt").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Chờ phê duyệt")
    assert_fits_phone(page)
    return Campaign.objects.get(name="Diễn tập mật khẩu thư công vụ")


def _approve_in_browser(page, live_server, world: DrillWorld, campaign: Campaign) -> None:
    _sign_in_as(page, live_server, world.person("manager_d1_c1"))
    page.goto(live_server.url + reverse("drills:approvals"))
    assert_fits_phone(page)
    page.get_by_role("link", name=campaign.name).click()
    page.wait_for_url(live_server.url + reverse("drills:approval", args=[campaign.pk]))
    assert_fits_phone(page)
    page.get_by_role("button", name="Phê duyệt", exact=True).click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Đã phê duyệt")
    expect(page.get_by_test_id("campaign-log")).to_contain_text("Phê duyệt · manager_d1_c1")
    assert_fits_phone(page)
    campaign.refresh_from_db()
    assert campaign.approved_by == world.person("manager_d1_c1")


def _send_now(campaign: Campaign) -> int:
    """The periodic task's own function, at the end of the send window: every mail is due."""
    last_day = campaign.window_end
    return send_due(now=datetime.combine(last_day, time(17, 30), LOCAL_TIME))


def _subject(mail: EmailMessage) -> str:
    # Django folds a long encoded subject after "Subject:"; the parser keeps that space.
    return str(mail["Subject"]).strip()


def _mail_of(received: list[EmailMessage], *, to: str, subject: str) -> EmailMessage:
    mails = [m for m in received if m["To"] == to and _subject(m) == subject]
    assert len(mails) == 1, [(m["To"], _subject(m)) for m in received]
    return mails[0]


def _html(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def _click_link(html: str) -> str:
    links = re.findall(r'<a href="([^"]+)"', html)
    assert len(links) == 1, links
    return links[0]


def _person_events(recipient: Recipient, kind: str) -> list[str]:
    return list(recipient.events.filter(kind=kind).values_list("source", flat=True))


def _results_row(page, campaign: Campaign):
    return page.get_by_test_id("drill-results").locator("tr", has_text=campaign.name)


def test_the_whole_drill_in_a_phone_browser(
    live_server, page, console_errors, path_world, caplog, settings
):
    caplog.set_level(logging.DEBUG)
    settings.SITE_URL = live_server.url  # the links in the mail
    world, sink, other = path_world.drills, path_world.sink, path_world.other
    person = world.person(PERSON)
    campaign = _prepare_in_browser(page, live_server, world)
    assert _send_now(campaign) == 0  # nothing goes out before a manager approves
    assert sink == []
    _approve_in_browser(page, live_server, world, campaign)
    assert _send_now(campaign) == 6

    recipient = Recipient.objects.get(campaign=campaign, person=person)
    html = _received_mail(sink, campaign, recipient, live_server.url)
    _gateway_fetches(_click_link(html), recipient)
    _read_and_tap(page, html, recipient)
    _type_and_send(page, recipient, world.template, caplog)

    # The other drill is approved and sent later; the same person reports it with one press
    # of the staff portal's button (it reports their newest drill mail).
    services.approve_campaign(manager=world.person("manager_province"), campaign=other)
    assert _send_now(other) == 6
    _mail_of(sink, to=person.email, subject=other.template.subject)
    _report_in_portal(page, live_server, person)
    reports = Event.objects.filter(recipient__person=person, kind=EventKind.REPORTED)
    assert list(reports.values_list("recipient__campaign", "channel")) == [
        (other.pk, ReportChannel.PORTAL)
    ]
    thanks = [m for m in sink if m["To"] == person.email and "Cảm ơn" in _subject(m)]
    assert len(thanks) == 1
    assert [v for v in TYPED.values() for m in sink if v in str(m)] == []

    _results_in_browser(page, live_server, world, campaign=campaign, other=other)
    assert console_errors == []


def _received_mail(sink, campaign: Campaign, recipient: Recipient, base_url: str) -> str:
    """Every recipient got one mail, all at the allowed domain; the person's names the drill
    in its header and links to the tracking URL. Its HTML part."""
    ours = [m for m in sink if _subject(m) == campaign.template.subject]
    assert sorted(m["To"] for m in ours) == sorted(
        campaign.recipients.values_list("email", flat=True)
    )
    assert all(m["To"].endswith("@" + ALLOWED_DOMAIN) for m in sink)  # never the gmail.com one
    mail = _mail_of(sink, to=recipient.email, subject=campaign.template.subject)
    assert f"id={recipient.tracking_id}" in mail[DRILL_HEADER]
    html = _html(mail)
    assert _click_link(html) == f"{base_url}/d/{recipient.tracking_id}"
    return html


def _gateway_fetches(link: str, recipient: Recipient) -> None:
    """The mail gateway fetches the link on delivery: kept apart, never a click."""
    gateway = urllib.request.Request(link, headers={"User-Agent": "Mimecast-Scanner/1.0"})  # noqa: S310
    with urllib.request.urlopen(gateway, timeout=10) as response:  # noqa: S310  # live_server
        assert response.status == 200
    assert _person_events(recipient, EventKind.CLICKED) == [EventSource.SCANNER]
    assert not FollowUp.objects.filter(recipient=recipient).exists()


def _read_and_tap(page, html: str, recipient: Recipient) -> None:
    """The person reads the received mail on their phone (its pixel loads), taps its link and
    lands on the look-alike page, whose beacon makes the click a person's."""
    with page.expect_response(lambda r: r.url.endswith("/o.gif")) as pixel:
        page.set_content(html)
    assert pixel.value.status == 200
    assert_fits_phone(page)
    assert _person_events(recipient, EventKind.OPENED) == [EventSource.PERSON]
    with page.expect_response(lambda r: r.url.endswith(f"/d/{recipient.tracking_id}/b")) as beacon:
        page.get_by_role("link").click()
    assert beacon.value.status == 204
    expect(page.get_by_role("heading", name="Đăng nhập hộp thư")).to_be_visible()
    assert_fits_phone(page)
    assert sorted(_person_events(recipient, EventKind.CLICKED)) == sorted(
        [EventSource.SCANNER, EventSource.UNCONFIRMED, EventSource.PERSON]
    )


def _type_and_send(page, recipient: Recipient, template: Template, caplog) -> None:
    """Real-looking values typed and sent: none leaves the browser or is kept; the page that
    follows explains the template's cues and gives the lesson."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {r.url} {r.post_data or ''}"))
    for label, value in TYPED.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Đây là thư diễn tập, không phải thư lừa đảo thật"
    )
    assert_fits_phone(page)
    for cue in template.cue_list():
        expect(page.locator(".drill-cues li", has_text=cue)).to_have_count(1)
    expect(page.get_by_role("link", name="Mật khẩu an toàn")).to_be_visible()
    assert any(s.startswith("POST ") and s.split()[1].endswith("/s") for s in sent), sent
    stored = _db_text()
    for value in TYPED.values():
        assert [s for s in sent if value in s] == []
        assert value not in stored
        assert value not in caplog.text
    assert _person_events(recipient, EventKind.SUBMITTED) == [EventSource.PERSON]
    lesson = FollowUp.objects.filter(recipient=recipient).values_list("lesson__slug", flat=True)
    assert list(lesson) == ["mat-khau-an-toan"]


def _results_in_browser(page, live_server, world: DrillWorld, *, campaign, other) -> None:
    """The commune's manager sees the report and the click, next to the difficulty. Six mails
    each: one report of the other drill; one click, one form and one scanner hit of this."""
    _sign_in_as(page, live_server, world.person("manager_d1_c1"))
    page.goto(live_server.url + reverse("drills:results"))
    assert_fits_phone(page)
    one_in_six = f"{formats.localize(round(100 / 6, 1))}%"
    none = f"{formats.localize(0.0)}%"
    reported = _results_row(page, other)
    expect(reported.locator("[data-label='Báo cáo']")).to_have_text(one_in_six)
    expect(reported.locator("[data-label='Bấm liên kết']")).to_have_text(none)
    expect(reported.locator("[data-label='Độ khó']")).to_have_text(f"{other.template.difficulty}/5")
    clicked = _results_row(page, campaign)
    expect(clicked.locator("[data-label='Báo cáo']")).to_have_text(none)
    expect(clicked.locator("[data-label='Bấm liên kết']")).to_have_text(one_in_six)
    expect(clicked.locator("[data-label='Gửi biểu mẫu']")).to_have_text(one_in_six)
    expect(clicked.locator("[data-label='Máy quét thư']")).to_have_text("1")
    expect(clicked.locator("[data-label='Độ khó']")).to_have_text(
        f"{campaign.template.difficulty}/5"
    )


def _report_in_portal(page, live_server, person) -> None:
    """ "Báo cáo thư đáng ngờ" on the staff home: one press, nothing to paste."""
    _sign_in_as(page, live_server, person)
    page.goto(live_server.url + reverse("staff-home"))
    assert_fits_phone(page)
    page.get_by_role("button", name="Báo cáo thư đáng ngờ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cảm ơn bạn đã báo cáo thư đáng ngờ")
    expect(page.get_by_text("Chúng tôi vừa gửi thư xác nhận tới hộp thư của bạn.")).to_be_visible()
    assert_fits_phone(page)
