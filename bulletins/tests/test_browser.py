"""Issue 16, point 8, in a real Chromium 360 px wide: an editor drafts a warning from a case,
a second editor approves it, the bulletin is on /canh-bao/ and in the Atom feed, and the fake
Zalo OA and Facebook Page each received exactly one post (the delivery run here, through the
outbox worker's own function)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from bulletins.models import Bulletin, BulletinStatus, OutboxItem
from bulletins.outbox import deliver_pending
from orgs.browser_testing import assert_fits_phone
from orgs.testing import sign_in_verified

from .content_world import SECRET_EMAIL, SECRET_NAME, SECRET_PHONE, editors, listed_case

pytestmark = pytest.mark.django_db(transaction=True)
ATOM = "{http://www.w3.org/2005/Atom}"


def _sign_in_as(page, live_server, user) -> None:
    """Sign in with the session a password-and-TOTP sign-in would give (as the reports
    browser tests do): this test is about bulletins, not the sign-in form."""
    client = Client()
    sign_in_verified(client, user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_a_warning_from_a_case_reaches_the_web_the_feed_zalo_and_facebook(
    live_server, page, console_errors, fake_channels, audit_flushable, settings
):
    from orgs.testing import build_world

    settings.SITE_URL = live_server.url
    people = editors(build_world())
    case = listed_case(people)

    # The district editor drafts the warning from the case and sends it for review.
    _sign_in_as(page, live_server, people.person("editor_d1"))
    page.goto(live_server.url + "/staff/bulletins/")
    assert_fits_phone(page)
    page.get_by_role("link", name=f"Soạn cảnh báo từ hồ sơ #{case.pk}").click()
    expect(page.get_by_test_id("from-case")).to_be_visible()
    expect(page.get_by_label("Hình thức lừa đảo")).to_have_value("fake_website")
    body = page.get_by_label("Nội dung")
    assert "Trang giả mạo ngân hàng" in body.input_value()
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_EMAIL):
        assert secret not in page.content()
    page.get_by_label("Tiêu đề").fill("Cảnh báo trang giả mạo Vietcombank")
    assert_fits_phone(page)
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.get_by_role("button", name="Gửi duyệt").click()
    expect(page.get_by_test_id("status")).to_have_text("Chờ duyệt")
    expect(page.get_by_role("button", name="Duyệt và đăng")).to_have_count(0)
    assert_fits_phone(page)
    bulletin = Bulletin.objects.get()

    # A second editor, of the province above, approves and publishes.
    _sign_in_as(page, live_server, people.person("editor"))
    page.goto(f"{live_server.url}/staff/bulletins/{bulletin.pk}/")
    page.get_by_role("button", name="Duyệt và đăng").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã đăng")
    assert_fits_phone(page)
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.PUBLISHED
    assert set(OutboxItem.objects.values_list("channel", flat=True)) == {"zalo", "facebook"}

    # Anyone: the public list, the bulletin's page, the Atom feed.
    page.context.clear_cookies()
    page.goto(live_server.url + "/canh-bao/")
    assert_fits_phone(page)
    page.get_by_role("link", name="Cảnh báo trang giả mạo Vietcombank").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cảnh báo trang giả mạo Vietcombank")
    assert_fits_phone(page)
    feed = page.request.get(live_server.url + "/canh-bao/atom/")
    assert feed.ok
    root = ET.fromstring(feed.body())  # noqa: S314  # our own response
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles == ["Cảnh báo trang giả mạo Vietcombank"]

    # The outbox worker's delivery, run here: one post on each channel, carrying the link.
    deliver_pending(max_seconds=60)
    deliver_pending(max_seconds=10)  # a second pass sends nothing again
    assert len(fake_channels.facebook.posts) == 1
    assert len(fake_channels.zalo.broadcasts) == 1
    link = bulletin.revisions.get().public_url
    assert link in str(fake_channels.facebook.posts[0])
    assert list(OutboxItem.objects.values_list("status", flat=True)) == ["sent", "sent"]
    assert console_errors == []


def test_the_bulletin_pages_have_no_axe_violations(
    live_server, page, console_errors, audit_flushable
):
    """axe-core, as canhgiac/tests/test_axe.py runs it, on the pages of this app with content
    in them: the list, a warning with an image, a corrected fact-check, an old revision, and
    the editors' list, form and review page."""
    from axe_playwright_python.sync_playwright import Axe

    from canhgiac.tests.test_axe import violations
    from orgs.testing import build_world

    from .content_world import correct, draft, published
    from .test_content import _jpeg_with_gps

    people = editors(build_world())
    case = listed_case(people)
    warning = published(people, units=[people.unit("D1")])
    from bulletins import services
    from bulletins.models import Kind

    services.add_image(
        bulletin=warning,
        editor=people.person("editor"),
        upload=_jpeg_with_gps(),
        alt="Tin nhắn giả",
    )
    fact_check = published(people, kind=Kind.FACT_CHECK)
    correct(people, fact_check, note="Bổ sung nguồn của Bộ Y tế.")
    pending = draft(people, author="editor_d1", unit="D1")
    services.submit_for_review(bulletin=pending, editor=people.person("editor_d1"))
    axe = Axe()
    found: list[str] = []
    states = {
        "bulletin list": "/canh-bao/",
        "bulletin list filtered": "/canh-bao/?loai=kiem-chung",
        "warning": warning.get_absolute_url(),
        "corrected fact-check": fact_check.get_absolute_url(),
        "old revision": f"/canh-bao/{fact_check.slug}/ban/1/",
    }
    for label, path in states.items():
        page.goto(live_server.url + path)
        found += violations(page, axe, label)
    _sign_in_as(page, live_server, people.person("editor"))
    staff_states = {
        "editors' list": "/staff/bulletins/",
        "new bulletin": "/staff/bulletins/new/",
        "draft from a case": f"/staff/bulletins/from-case/{case.pk}/",
        "review page": f"/staff/bulletins/{pending.pk}/",
        "edit page": f"/staff/bulletins/{pending.pk}/edit/",
    }
    for label, path in staff_states.items():
        page.goto(live_server.url + path)
        found += violations(page, axe, label)
    assert found == []
    assert console_errors == []
