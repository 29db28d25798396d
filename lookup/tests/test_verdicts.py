import pytest

from indicators.matcher import reset_matcher
from indicators.services import delist_indicator
from lookup.verdicts import (
    ALLOWLISTED,
    INVALID,
    LISTED,
    NOT_LISTED,
    add_details,
    check_many,
    check_text,
    check_value,
)
from reports.tests.factories import make_report

from .helpers import LISTED_DOMAIN, build_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    return build_list()


def test_a_listed_domain_and_its_subdomain_are_listed(listed):
    exact = check_value(LISTED_DOMAIN)
    assert (exact.status, exact.kind, exact.match, exact.category) == (
        LISTED,
        "domain",
        "exact",
        "phishing",
    )
    deep = check_value(f"https://login.{LISTED_DOMAIN}/dang-nhap?next=/")
    assert deep.status == LISTED and deep.kind == "url" and deep.match == "subdomain"
    assert deep.matched_value == LISTED_DOMAIN
    assert LISTED_DOMAIN in deep.message()


def test_phone_account_and_email_in_any_spelling(listed):
    assert check_value("+84 912 345 678").status == LISTED
    assert check_value("VCB: 0071 0009 86547").status == LISTED
    assert check_value("HoTro.VCB@Gmail.com").status == LISTED


def test_an_address_at_a_listed_domain_is_listed_but_gmail_is_not_official(listed):
    at_listed = check_value(f"ketoan@{LISTED_DOMAIN}")
    assert at_listed.status == LISTED and at_listed.match == "email_domain"
    other = check_value("ai.do@gmail.com")
    assert other.status == NOT_LISTED and not other.allowlisted


def test_not_listed_says_no_information_never_safe(listed):
    check = check_value("https://mot-trang-binh-thuong.vn/")
    assert check.status == NOT_LISTED
    assert "Chưa có thông tin" in check.message()
    assert "an toàn" not in check.message().lower()


def test_official_domain_is_allowlisted_but_a_page_on_a_platform_is_not_official(listed):
    assert check_value("facebook.com").status == ALLOWLISTED
    assert check_value("https://www.facebook.com/").status == ALLOWLISTED
    page = check_value("https://sites.google.com/view/trang-khac")
    assert page.status == NOT_LISTED and page.allowlisted
    assert "nền tảng dùng chung" in page.message()
    # The listed page on the same platform is listed all the same.
    assert check_value("https://sites.google.com/view/nhan-qua-tri-an").status == LISTED


def test_a_listing_of_an_allowlisted_name_never_applies_at_domain_level(listed):
    check = check_value("chinhphu.vn")
    assert check.status == ALLOWLISTED and not check.listed


def test_invalid_values_say_why_in_vietnamese(listed):
    check = check_value("0071000986547")
    assert check.status == INVALID and "tên ngân hàng" in check.error
    assert check_value("x" * 3000).status == INVALID


def test_batch_keeps_order_and_kinds(listed):
    checks = check_many(["https://vcb-xac-thuc.com/a", ("0912345678", "phone"), "???", "gov.vn"])
    assert [c.status for c in checks] == [LISTED, LISTED, INVALID, ALLOWLISTED]


def test_delisted_value_is_no_longer_listed(listed):
    delist_indicator(kind="domain", value=LISTED_DOMAIN)
    reset_matcher()
    assert check_value(LISTED_DOMAIN).status == NOT_LISTED


def test_details_count_reports_of_the_matched_indicator(world, listed):
    make_report(world.unit("D1-C1"), LISTED_DOMAIN)
    make_report(world.unit("D2-C1"), f"http://{LISTED_DOMAIN}/x", LISTED_DOMAIN)
    check = check_value(f"www.{LISTED_DOMAIN}")
    add_details([check])
    assert check.details["report_count"] == 2
    assert check.details["public_reason"].startswith("Giả mạo trang đăng nhập")


def test_a_message_is_split_into_its_indicators(listed):
    result = check_text(
        "VCB thong bao: tai khoan cua quy khach bi khoa, xac thuc tai "
        "http://vcb-xac-thuc.com/dang-nhap hoac goi 0987 654 321"
    )
    assert result.is_message
    statuses = {c.kind: c.status for c in result.found}
    assert statuses == {"url": LISTED, "phone": NOT_LISTED}


def test_a_single_value_is_not_a_message(listed):
    result = check_text("  Vietcombank 0071000986547 ")
    assert not result.is_message and result.single.status == LISTED
    assert result.single.details is not None


@pytest.mark.parametrize(
    "raw",
    [
        "HTTP://VCB-Xac-Thuc.COM/Dang-Nhap",
        "https://1.2.3.4/x",
        "http://0xc3.0x7f.0.013/a",
        "https://xn--cccc-5qa.vn/",
        "https://Ngân-Hàng.vn/a b",
        "http://a.b.c.d.vcb-xac-thuc.com/../x/./y?z=1#frag",
        "https://www.facebook.com/vcb.ho.tro",
        "https://t.me/hotro_vcb",
        "http://localhost/x",
        "https://evil.com:8443/login",
        "https://vcb\u200b-xac-thuc.com/dang-nhap",
        "https://nga\u0302n-ha\u0300ng.vn/",  # decomposed diacritics
        " https://ehoaq[.]com/x ",
    ],
)
def test_the_fast_path_for_web_addresses_agrees_with_guessing(raw):
    """classify() skips the kind guessing for http(s) addresses: same answer either way."""
    from indicators.normalise import normalise_any
    from lookup.verdicts import classify

    try:
        expected = normalise_any(raw)
    except ValueError:
        expected = None
    try:
        got = classify(raw)
    except ValueError:
        got = None
    assert got == expected
