"""The public and staff home pages in a real Chromium, 360 px wide like a cheap phone."""

import pytest

from orgs.browser_testing import assert_fits_phone, sign_in
from orgs.testing import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_public_home_renders_on_a_phone_without_console_errors(live_server, page, console_errors):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text().startswith("Dừng lại một nhịp")
    assert page.evaluate("typeof htmx") == "object"  # served from the project, allowed by CSP
    assert_fits_phone(page)
    # Keyboard users reach the skip link first and see where the focus is.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert console_errors == []


def test_language_switcher_works_in_the_browser(live_server, page, console_errors):
    page.goto(live_server.url + "/")
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="Đổi").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Pause for a moment")
    assert page.locator("html").get_attribute("lang") == "en"
    assert console_errors == []


def test_staff_home_lists_what_the_person_may_do(live_server, page, console_errors):
    build_world()
    sign_in(page, live_server.url, "manager_d1")
    page.wait_for_url(live_server.url + "/staff/")
    permissions = page.get_by_test_id("permissions").inner_text()
    assert "Giao bài học, xem tiến độ" in permissions
    assert "Xác minh tố giác" not in permissions
    assert "Quản lý đơn vị — Huyện Một" in page.locator("main").inner_text()
    assert_fits_phone(page)
    assert console_errors == []


def test_totp_setup_page_shows_the_qr_code_within_the_csp(live_server, page, console_errors):
    build_world()
    sign_in(page, live_server.url, "verifier_d1")
    page.wait_for_url("**/staff/otp/setup/**")
    assert page.locator(".qr svg").is_visible()
    assert_fits_phone(page)
    assert console_errors == []


def test_a_citizen_checks_a_number_from_the_home_page(live_server, page, console_errors):
    page.goto(live_server.url + "/")
    page.get_by_label("Cần kiểm tra gì?").fill("0912 345 678")
    page.get_by_role("button", name="Kiểm tra ngay").click()
    page.wait_for_url(live_server.url + "/kiem-tra/")
    assert "Chưa có thông tin" in page.locator("main").inner_text()
    assert_fits_phone(page)
    assert console_errors == []
