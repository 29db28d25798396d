import pytest

from indicators.matcher import reset_matcher
from indicators.services import delist_indicator
from lookup.verdicts import (
    ALLOWLISTED,
    INVALID,
    LISTED,
    NOT_LISTED,
    OFFICIAL,
    SUSPICIOUS,
    UNKNOWN,
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
    assert check.details is not None
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
    assert not result.is_message and result.single is not None
    assert result.single.status == LISTED
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


# --- the four verdicts: listed, suspicious, official, unknown ---------------------------------

CYRILLIC_VCB = "vietcomb\u0430nk.com.vn"  # the "а" is Cyrillic
LOOKALIKES = ["vietcombank-xacthuc.com/login", "vietcombank.com.vn.secure-login.xyz", CYRILLIC_VCB]


@pytest.mark.parametrize("raw", LOOKALIKES)
def test_a_lookalike_of_a_bank_is_suspicious_with_reasons_and_the_official_address(listed, raw):
    check = check_value(raw)
    assert check.status == NOT_LISTED  # the status keeps its meaning for partners
    assert check.verdict == SUSPICIOUS
    assert check.brand is not None
    assert check.brand.name == "Vietcombank" and check.brand.official == "vietcombank.com.vn"
    assert check.reasons and all(isinstance(r, str) and r for r in check.reasons)
    assert "giả mạo Vietcombank" in check.message()
    assert "an toàn" not in " ".join([check.message(), *check.reasons]).lower()
    data = check.as_json()
    assert (data["verdict"], data["brand"], data["brand_official"]) == (
        "suspicious",
        "Vietcombank",
        "vietcombank.com.vn",
    )
    assert data["reasons"] == check.reasons


def test_a_cyrillic_lookalike_is_shown_in_unicode_with_its_mixed_scripts(listed):
    check = check_value(CYRILLIC_VCB)
    assert check.value == "xn--vietcombnk-6qi.com.vn"
    assert check.display_host == check.display_value == CYRILLIC_VCB
    assert check.mixed_scripts == ["LATIN", "CYRILLIC"]
    assert check.mixed_scripts_text == "Tên miền trộn chữ Latinh và Kirin (Cyrillic)"
    email = check_value(f"hotro@{CYRILLIC_VCB}")
    assert email.verdict == SUSPICIOUS and email.display_value == f"hotro@{CYRILLIC_VCB}"
    # A Vietnamese name in Unicode is one script (Latin with marks): nothing mixed.
    plain = check_value("https://ngân-hàng-của-tôi.vn/")
    assert plain.display_host == "ngân-hàng-của-tôi.vn" and plain.mixed_scripts == []
    assert check_value("vietcombank.com.vn").display_host is None


@pytest.mark.parametrize(
    ("raw", "verdict", "brand"),
    [
        (LISTED_DOMAIN, LISTED, None),
        (f"https://www.{LISTED_DOMAIN}/dang-nhap", LISTED, None),
        ("vietcombank.com.vn", OFFICIAL, "Vietcombank"),  # allowlisted
        ("https://vietcombank.com.vn/ca-nhan", OFFICIAL, "Vietcombank"),  # a page of its own site
        ("hotro@vietcombank.com.vn", OFFICIAL, "Vietcombank"),
        ("https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", OFFICIAL, None),
        ("https://mot-trang-binh-thuong.vn/", UNKNOWN, None),
        ("ai.do@gmail.com", UNKNOWN, None),  # Google's domain, anyone's address
        ("https://www.facebook.com/groups/vay-tien-nhanh", UNKNOWN, None),  # anyone's page
        ("0987 654 321", UNKNOWN, None),
    ],
)
def test_every_value_gets_one_of_four_verdicts(listed, raw, verdict, brand):
    check = check_value(raw)
    assert check.verdict == verdict
    if brand:
        assert check.brand_name == brand
    if verdict != SUSPICIOUS:
        assert check.reasons == []
    assert "an toàn" not in check.message().lower()


def test_a_page_on_a_shared_platform_that_names_a_bank_is_suspicious_not_official(listed):
    check = check_value("https://sites.google.com/view/vietcombank-xac-thuc-tai-khoan")
    assert check.allowlisted and check.status == NOT_LISTED
    assert check.verdict == SUSPICIOUS and check.brand_name == "Vietcombank"


def test_batch_answers_verdicts_in_order(listed):
    checks = check_many([*LOOKALIKES, LISTED_DOMAIN, "gov.vn", "binh-thuong.vn", "???"])
    assert [c.verdict for c in checks] == [
        SUSPICIOUS,
        SUSPICIOUS,
        SUSPICIOUS,
        LISTED,
        OFFICIAL,
        UNKNOWN,
        INVALID,
    ]
    assert [c.status for c in checks[:3]] == [NOT_LISTED] * 3


def test_without_the_scorer_the_lookalikes_have_no_information(listed, settings):
    settings.LOOKUP_LOOKALIKES = False
    assert {check_value(raw).verdict for raw in LOOKALIKES} == {UNKNOWN}


def test_a_message_finds_a_lookalike_link_suspicious(listed):
    result = check_text(
        "Vietcombank thong bao: tai khoan cua quy khach se bi khoa, xac thuc ngay tai "
        "https://vietcombank-xacthuc.com/login de tiep tuc su dung"
    )
    assert [(c.kind, c.verdict) for c in result.found] == [("url", SUSPICIOUS)]


# --- phone numbers ----------------------------------------------------------------------------


def test_a_bank_hotline_is_official_and_a_mobile_number_says_its_network(listed):
    from indicators.phones import hotlines

    assert "+841900545413" in hotlines(), "Vietcombank's hotline should be in hotlines.yaml"
    hotline = check_value("1900 545413")
    assert hotline.verdict == OFFICIAL and hotline.status == NOT_LISTED
    assert hotline.brand_name == "Vietcombank"
    assert "đây là tổng đài chính thức của Vietcombank" in hotline.message()
    phone = hotline.as_json()["phone"]
    assert phone is not None and phone["hotline_of"] == "Vietcombank"
    mobile = check_value("0987 654 321")
    assert mobile.verdict == UNKNOWN and mobile.phone is not None
    assert mobile.phone.kind == "mobile"
    phone = mobile.as_json()["phone"]
    assert phone is not None and phone["label"].startswith("số di động")
    # A listed number stays listed, whatever it is.
    listed_phone = check_value("0912 345 678")
    assert listed_phone.verdict == LISTED and listed_phone.phone is not None
