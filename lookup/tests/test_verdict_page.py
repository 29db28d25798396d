"""The check page's cards say the four verdicts, and a pasted message's chips agree with them."""

import re

import pytest

from .helpers import LISTED_DOMAIN, build_list

pytestmark = pytest.mark.django_db

URL = "/kiem-tra/"
CYRILLIC_VCB = "vietcomb\u0430nk.com.vn"


@pytest.fixture
def listed():
    return build_list()


def cards(html: str) -> list[str]:
    return re.findall(r'data-testid="verdict" data-status="\w+" data-verdict="(\w+)"', html)


def chips(html: str) -> list[str]:
    return re.findall(r'class="tag[^"]*" data-verdict="(\w+)"', html)


def test_a_lookalike_link_gets_an_orange_card_with_reasons_and_the_official_address(client, listed):
    html = client.get(URL, {"q": "vietcombank-xacthuc.com/login"}).content.decode()
    assert cards(html) == ["suspicious"]
    assert "verdict-suspicious" in html and "Có dấu hiệu giả mạo Vietcombank" in html
    assert 'data-testid="lookalike-reasons"' in html
    assert "Địa chỉ chính thức của Vietcombank: vietcombank.com.vn" in html
    assert "an toàn" not in html.lower()


def test_an_idn_lookalike_is_shown_in_unicode_next_to_its_punycode(client, listed):
    html = client.get(URL, {"q": CYRILLIC_VCB}).content.decode()
    assert cards(html) == ["suspicious"]
    assert f'<code data-testid="display-value">{CYRILLIC_VCB}</code>' in html
    assert "xn--vietcombnk-6qi.com.vn" in html
    assert "Tên miền trộn chữ Latinh và Kirin (Cyrillic)" in html


def test_a_hotline_is_green_and_says_whose_it_is(client, listed):
    html = client.get(URL, {"q": "1900 545413"}).content.decode()
    assert cards(html) == ["official"]
    assert "Tổng đài chính thức của Vietcombank" in html
    assert "đây là tổng đài chính thức của Vietcombank" in html
    assert 'data-testid="phone-info"' in html and "1900" in html


def test_a_message_chips_and_cards_agree_on_a_lookalike_link(client, listed):
    message = (
        "Vietcombank thong bao: tai khoan cua quy khach bi khoa, xac thuc ngay tai "
        f"https://vietcombank-xacthuc.com/login hoac http://{LISTED_DOMAIN}/dang-nhap "
        "hoac goi 0987 654 321"
    )
    html = client.post(URL, {"q": message}).content.decode()
    assert chips(html) == cards(html) == ["suspicious", "listed", "unknown"]
    assert html.count('<article class="verdict verdict-suspicious"') == 1  # orange, not yellow
    assert "Giả mạo Vietcombank" in html and "Có dấu hiệu giả mạo Vietcombank" in html
