"""The check page in a real Chromium, 360 px wide: answers in place, no console errors."""

import pytest
from playwright.sync_api import expect

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


LOOKALIKES = [
    "vietcombank-xacthuc.com/login",
    "vietcombank.com.vn.secure-login.xyz",
    "vietcomb\u0430nk.com.vn",  # Cyrillic "а"
]
ORANGE = "rgb(194, 65, 12)"  # .verdict-suspicious border (lookup.css)


def check(page, value: str):
    """Check `value` and wait until its answer has replaced the last one: three look-alikes in
    a row all answer "suspicious", so without this an assertion could pass on the previous
    card and the next one read the card while it is swapped out (a detached element has no
    computed style)."""
    page.evaluate(
        "() => document.querySelectorAll('[data-testid=verdict]')"
        ".forEach(e => { e.dataset.stale = '1'; })"
    )
    page.get_by_label("Nội dung cần tra cứu").fill(value)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator('[data-testid="verdict"][data-stale]')).to_have_count(0)
    expect(page.get_by_test_id("verdict").first).to_be_visible()


def assert_focus_on_the_verdict(page, verdict: str):
    """Focus is on the heading of the new card, and the card is on the screen."""
    expect(page.locator(f'[data-testid="verdict"][data-verdict="{verdict}"] h2')).to_be_focused()
    focused = page.evaluate(
        "(() => { const e = document.activeElement;"
        " const card = e.closest('[data-testid=verdict]');"
        " const box = card.getBoundingClientRect();"
        " return {tag: e.tagName, verdict: card.dataset.verdict,"
        " top: box.top, height: window.innerHeight}; })()"
    )
    assert focused["tag"] == "H2" and focused["verdict"] == verdict
    # A function, not an expression: Playwright evaluates an expression again on every
    # poll with eval, which the page's CSP (no 'unsafe-eval') refuses once scrolling lags.
    page.wait_for_function(
        "() => { const b = document.activeElement.getBoundingClientRect();"
        " return b.top >= 0 && b.bottom <= window.innerHeight; }"
    )


def test_lookalikes_are_orange_with_reasons_and_focus_lands_on_the_verdict(
    live_server, page, console_errors
):
    build_world()
    build_list()
    page.goto(live_server.url + "/kiem-tra/")
    for value in LOOKALIKES:
        check(page, value)
        card = page.locator('[data-testid="verdict"][data-verdict="suspicious"]')
        expect(card).to_contain_text("Có dấu hiệu giả mạo Vietcombank")
        expect(card.get_by_test_id("lookalike-reasons").locator("li").first).to_be_visible()
        expect(card.get_by_test_id("official-address")).to_have_text(
            "Địa chỉ chính thức của Vietcombank: vietcombank.com.vn"
        )
        colour = card.evaluate("e => getComputedStyle(e).borderLeftColor")
        assert colour == ORANGE, (value, colour)
        assert "an toàn" not in card.inner_text().lower()
        assert_focus_on_the_verdict(page, "suspicious")
        assert_fits_phone(page)
    # The Cyrillic one is shown as people read it, with the scripts it mixes.
    expect(page.get_by_test_id("display-value")).to_have_text(LOOKALIKES[2])
    expect(page.get_by_test_id("mixed-scripts")).to_contain_text(
        "Tên miền trộn chữ Latinh và Kirin (Cyrillic)"
    )
    assert console_errors == []


def test_a_real_hotline_is_green_and_a_listed_domain_is_red(live_server, page, console_errors):
    build_world()
    build_list()
    page.goto(live_server.url + "/kiem-tra/")
    check(page, "1900 545413")  # Vietcombank's hotline (indicators/data/hotlines.yaml)
    card = page.locator('[data-testid="verdict"][data-verdict="official"]')
    expect(card).to_contain_text("Tổng đài chính thức của Vietcombank")
    expect(card).to_contain_text("đây là tổng đài chính thức của Vietcombank")
    assert card.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(29, 107, 52)"
    assert_focus_on_the_verdict(page, "official")

    check(page, LISTED_DOMAIN)
    card = page.locator('[data-testid="verdict"][data-verdict="listed"]')
    expect(card).to_contain_text("Cảnh báo: có trong danh sách lừa đảo")
    assert card.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(166, 27, 27)"
    assert_focus_on_the_verdict(page, "listed")
    assert_fits_phone(page)
    assert console_errors == []


def test_a_pasted_message_chip_and_card_of_a_lookalike_link_agree(
    live_server, page, console_errors
):
    build_world()
    build_list()
    page.goto(live_server.url + "/kiem-tra/")
    check(
        page,
        "Vietcombank thong bao: tai khoan cua quy khach bi khoa, xac thuc ngay tai "
        "https://vietcombank-xacthuc.com/login de tiep tuc su dung dich vu.",
    )
    card = page.locator('[data-testid="verdict"]')
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("data-verdict", "suspicious")
    assert card.evaluate("e => getComputedStyle(e).borderLeftColor") == ORANGE
    chip = page.locator(".found .tag")
    expect(chip).to_have_attribute("data-verdict", "suspicious")
    expect(chip).to_contain_text("Giả mạo Vietcombank")
    # Focus goes to the first heading of the answer: the risk of the whole message.
    expect(page.locator("#analysis-title")).to_be_focused()
    assert_fits_phone(page)
    assert console_errors == []


def test_a_whole_page_answer_also_puts_the_focus_on_the_verdict(live_server, page):
    build_world()
    build_list()
    page.goto(live_server.url + "/kiem-tra/?q=vietcombank-xacthuc.com")
    assert_focus_on_the_verdict(page, "suspicious")
