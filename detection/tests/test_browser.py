"""The check page in a real Chromium at 360 px: paste a message, see the risk and the reasons."""

import pytest

from indicators.matcher import reset_matcher

pytestmark = pytest.mark.django_db(transaction=True)

SCAM = (
    "Bộ Công an thông báo: tài khoản của bạn liên quan đường dây rửa tiền. Chuyển ngay số dư "
    "vào tài khoản an toàn và xác minh tại https://vietcombank-xacthuc.com trước 17h hôm nay."
)


def fits_phone(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_check_page_shows_risk_and_reasons_on_a_phone(live_server, page, console_errors):
    reset_matcher()
    page.goto(live_server.url + "/kiem-tra-tin-nhan/")
    page.get_by_label("Nội dung tin nhắn").fill(SCAM)
    page.get_by_label("Tin nhắn gửi từ đâu?").select_option("personal_number")
    page.get_by_role("button", name="Kiểm tra").click()
    result = page.get_by_test_id("analysis")
    result.wait_for()
    # The risk is said in words, not by colour alone.
    assert "Rủi ro cao" in page.locator(".risk-label").inner_text()
    reasons = page.get_by_test_id("reasons").inner_text()
    assert "vietcombank-xacthuc.com" in reasons
    assert "tài khoản an toàn" in reasons
    assert page.get_by_test_id("advice").is_visible()
    # htmx swapped the result in: the page was not reloaded, the text is still in the box.
    assert page.get_by_label("Nội dung tin nhắn").input_value() == SCAM
    assert fits_phone(page)
    assert console_errors == []
    reset_matcher()


def test_check_page_works_without_javascript(live_server, browser):
    reset_matcher()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/kiem-tra-tin-nhan/")
    page.get_by_label("Nội dung tin nhắn").fill("Mẹ ơi con về muộn, mẹ để cơm cho con nhé.")
    page.get_by_role("button", name="Kiểm tra").click()
    page.wait_for_load_state()
    assert "Rủi ro thấp" in page.locator(".risk-label").inner_text()
    assert fits_phone(page)
    context.close()
    reset_matcher()
