"""The check page in a real Chromium, 360 px wide: answers in place, no console errors."""

import pytest
from playwright.sync_api import expect

from lookup import views
from orgs.testing import build_world

from .helpers import LISTED_DOMAIN, build_list

pytestmark = pytest.mark.django_db(transaction=True)


def assert_fits_phone(page):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than the 360px screen"


def test_a_citizen_checks_a_link_a_number_and_a_message_on_a_phone(
    live_server, page, console_errors
):
    build_world()
    build_list()
    page.goto(live_server.url + "/kiem-tra/")
    assert_fits_phone(page)
    box = page.get_by_label("Nội dung cần tra cứu")
    box.fill(f"https://dang-nhap.{LISTED_DOMAIN}/tai-khoan/xac-thuc-ngay-hom-nay")
    page.get_by_role("button", name="Tra cứu").click()
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_contain_text("Cảnh báo: có trong danh sách lừa đảo")
    expect(page.get_by_test_id("category")).to_have_text("Giả mạo để đánh cắp thông tin đăng nhập")
    assert page.url.endswith("/kiem-tra/")  # answered in place: htmx, no navigation
    assert_fits_phone(page)

    box.fill("0987 654 321")
    page.get_by_role("button", name="Tra cứu").click()
    expect(verdict).to_contain_text("Chưa có thông tin")
    assert "an toàn" not in page.locator("#result").inner_text().lower()

    box.fill(
        "Vietcombank thong bao: tai khoan cua ban bi tam khoa. Xac thuc ngay tai "
        f"http://{LISTED_DOMAIN}/dang-nhap hoac goi 0912 345 678 de duoc ho tro."
    )
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_test_id("verdict")).to_have_count(2)
    expect(page.locator('[data-status="listed"]')).to_have_count(2)
    if views._analyser() is not None:
        expect(page.get_by_test_id("analysis")).to_contain_text("Rủi ro cao")
    assert_fits_phone(page)
    assert console_errors == []


def test_the_page_works_without_javascript(live_server, browser):
    build_world()
    build_list()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/kiem-tra/")
    page.get_by_label("Nội dung cần tra cứu").fill("gov.vn")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_test_id("verdict")).to_contain_text(
        "Trang chính thức hoặc nền tảng dùng chung"
    )
    assert_fits_phone(page)
    context.close()
