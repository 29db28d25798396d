"""The public report form, filled and sent from a real Chromium 360 px wide."""

import re

import pytest
from playwright.sync_api import expect

from orgs.browser_testing import assert_fits_phone
from orgs.testing import build_world
from reports.models import Evidence, Report
from reports.tests.factories import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_citizen_reports_a_scam_from_a_phone(live_server, page, console_errors, immediate_tasks):
    build_world()
    page.goto(live_server.url + "/to-giac/")
    assert_fits_phone(page)
    box = page.locator("#id_website").bounding_box()
    assert box["x"] + box["width"] <= 0  # the honeypot is moved out of sight by CSS
    page.get_by_label("Bạn bị lừa hoặc bị mời chào qua đâu?").select_option("sms")
    page.get_by_label("Hình thức lừa đảo").select_option("fake_bank_sms")
    page.get_by_label("Chuyện gì đã xảy ra?").fill("Tôi nhận tin nhắn báo khoá tài khoản.")
    page.get_by_label("Dán tin nhắn").fill(
        "VCB: TK cua quy khach bi khoa, xac thuc tai http://vcb-xac-thuc.com/dang-nhap "
        "hoac goi 0912 345 678"
    )
    page.get_by_role("button", name="Tìm dấu hiệu trong tin nhắn").click()
    indicators = page.get_by_label("Số điện thoại, số tài khoản, đường dẫn")
    expect(indicators).to_have_value(re.compile(r"\+84912345678"))
    assert "http://vcb-xac-thuc.com/dang-nhap" in indicators.input_value()
    page.get_by_label("Số tiền đã mất (đồng)").fill("2.500.000")
    page.get_by_label("Bạn sống ở xã, phường nào?").fill("Huyện Hai — Xã Hai Một")
    page.get_by_label("Ảnh chụp màn hình").set_input_files(
        {"name": "man-hinh.png", "mimeType": "image/png", "buffer": png_bytes((400, 800))}
    )
    page.get_by_label("Số điện thoại", exact=True).fill("0987654321")
    page.get_by_label("Tôi đồng ý để cán bộ xác minh liên hệ").check()
    assert_fits_phone(page)
    page.get_by_role("button", name="Gửi tố giác").click()
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    report = Report.objects.get()
    assert code.replace("-", "") == report.tracking_code  # shown in groups of four
    assert report.money_lost == 2_500_000 and report.unit.code == "D2-C1"
    assert report.indicators.count() == 2 and Evidence.objects.count() == 1
    assert_fits_phone(page)
    page.get_by_role("link", name="Xem trạng thái").click()
    assert "Đã tiếp nhận" in page.get_by_test_id("status").inner_text()
    assert_fits_phone(page)
    assert console_errors == []


def test_verifier_works_a_case_on_a_phone(live_server, page, console_errors, audit_flushable):
    from django.conf import settings
    from django.test import Client

    from orgs.testing import sign_in_verified
    from reports.tests.factories import make_report

    world = build_world()
    report = make_report(world.unit("D1-C1"), "0912345678", "http://lua.com/x", money=3_000_000)
    case = report.cases.get()
    client = Client()
    sign_in_verified(client, world.person("verifier_d1"))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(live_server.url + "/staff/reports/")
    assert "3.000.000" in page.get_by_test_id("queue").inner_text()
    assert_fits_phone(page)
    page.get_by_role("link", name=f"#{case.pk}").click()
    page.get_by_text("Giao xác minh viên").click()
    page.get_by_label("Xác minh viên").select_option("verifier_d1")
    page.get_by_role("button", name="Giao", exact=True).click()
    assert "Đã giao hồ sơ." in page.locator(".messages").inner_text()
    assert_fits_phone(page)
    assert console_errors == []


def test_bulk_import_says_it_is_working_and_cannot_be_sent_twice(live_server, page, console_errors):
    from django.conf import settings
    from django.test import Client

    from orgs.testing import sign_in_verified

    world = build_world()
    client = Client()
    sign_in_verified(client, world.person("verifier_province"))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(live_server.url + "/staff/reports/import/")
    assert_fits_phone(page)
    message = page.get_by_text("Đang xử lý…")
    expect(message).to_be_hidden()
    page.get_by_label("Hoặc dán vào đây").fill("lua-dao-mot.vn\nlua-dao-hai.vn\n")
    page.get_by_label("Nguồn").fill("Danh sách thử")
    # Count the posts that would leave the page, without leaving it.
    page.evaluate(
        """() => { window.sent = 0; document.addEventListener("submit", (event) => {
            if (!event.defaultPrevented) window.sent += 1; event.preventDefault(); }); }"""
    )
    page.get_by_role("button", name="Thực hiện").click()
    expect(message).to_be_visible()
    expect(page.get_by_role("button", name="Thực hiện")).to_be_disabled()
    assert_fits_phone(page)
    page.evaluate("() => document.querySelector('form[data-busy]').requestSubmit()")
    assert page.evaluate("() => window.sent") == 1  # one post, however impatient the person is
    # And for real: the answer replaces the page.
    page.reload()
    expect(message).to_be_hidden()
    page.get_by_label("Hoặc dán vào đây").fill("lua-dao-mot.vn\nlua-dao-hai.vn\n")
    page.get_by_label("Nguồn").fill("Danh sách thử")
    page.get_by_role("button", name="Thực hiện").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("Kết quả chạy thử")
    assert console_errors == []
