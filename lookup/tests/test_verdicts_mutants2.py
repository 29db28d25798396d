"""Verdicts as people read them (issue 15, point 7): the exact sentence for every kind of
match and verdict, every field of the batch answer for an official, a suspicious, an IDN and a
phone value, and check_many's kinds and scorer switch. Found by the mutation run of
bench/mutation.py (the formatting of messages and check_value/check_many survived it)."""

import pytest

from lib.budget import BudgetExceeded, CpuBudget
from lookup.verdicts import check_many, check_text, check_value

from .helpers import LISTED_DOMAIN, LISTED_EMAIL, LISTED_URL, build_list

pytestmark = pytest.mark.django_db

CAUTION = "đừng nhập mật khẩu, mã OTP hay thông tin thẻ vào đó."
SHARED = (
    "một trang chính thức hoặc nền tảng dùng chung: trên nền tảng dùng chung ai cũng tạo được "
    "trang, hãy xem kỹ đó có đúng là trang bạn cần không."
)
NEVER_BLOCKED = "là trang chính thức hoặc nền tảng dùng chung, không bao giờ bị chặn cả tên miền."


@pytest.fixture
def listed():
    return build_list()


MESSAGES = [
    (LISTED_DOMAIN, f"{LISTED_DOMAIN} có trong danh sách cảnh báo."),
    (
        f"www.{LISTED_DOMAIN}",
        f"www.{LISTED_DOMAIN} thuộc tên miền {LISTED_DOMAIN}, tên miền này có trong danh sách "
        "cảnh báo.",
    ),
    (
        f"{LISTED_URL}/trang-2",
        f"{LISTED_URL}/trang-2 nằm dưới địa chỉ {LISTED_URL}, địa chỉ này có trong danh sách "
        "cảnh báo.",
    ),
    (
        f"ai@{LISTED_DOMAIN}",
        f"Email ai@{LISTED_DOMAIN} dùng tên miền {LISTED_DOMAIN}, tên miền này có trong danh "
        "sách cảnh báo.",
    ),
    ("HoTro.VCB@gmail.com", f"{LISTED_EMAIL} có trong danh sách cảnh báo."),
    (
        f"https://{LISTED_DOMAIN}",
        f"https://{LISTED_DOMAIN}/ là {LISTED_DOMAIN}, có trong danh sách cảnh báo.",
    ),
    ("0912 345 678", "+84912345678 có trong danh sách cảnh báo."),
    ("vietcombank.com.vn", f"vietcombank.com.vn {NEVER_BLOCKED}"),
    ("https://facebook.com/", f"facebook.com {NEVER_BLOCKED}"),
    (
        "https://vietcombank.com.vn/ca-nhan",
        "https://vietcombank.com.vn/ca-nhan thuộc tên miền chính thức của Vietcombank.",
    ),
    (
        "hotro@vietcombank.com.vn",
        "Email hotro@vietcombank.com.vn dùng tên miền chính thức của Vietcombank.",
    ),
    ("https://abc.gov.vn/x", "https://abc.gov.vn/x thuộc tên miền của cơ quan nhà nước (.gov.vn)."),
    ("1900 545413", "+841900545413: đây là tổng đài chính thức của Vietcombank."),
    (
        "vietcombank-xacthuc.com/login",
        "http://vietcombank-xacthuc.com/login chưa có trong danh sách cảnh báo, nhưng có dấu "
        f"hiệu giả mạo Vietcombank: {CAUTION}",
    ),
    (
        "vietcomb\u0430nk.com.vn",
        "vietcomb\u0430nk.com.vn chưa có trong danh sách cảnh báo, nhưng có dấu hiệu giả mạo "
        f"Vietcombank: {CAUTION}",
    ),
    (
        "xn--pple-43d.com",
        "\u0430pple.com chưa có trong danh sách cảnh báo, nhưng có dấu hiệu của trang lừa đảo: "
        f"{CAUTION}",
    ),
    (
        "https://sites.google.com/view/abc",
        "Chưa có thông tin về địa chỉ https://sites.google.com/view/abc. Địa chỉ này nằm trên "
        f"sites.google.com, {SHARED}",
    ),
    ("ai@abc.gov.vn", "Chưa có thông tin về ai@abc.gov.vn trong danh sách cảnh báo."),
    ("ai.do@gmail.com", "Chưa có thông tin về ai.do@gmail.com trong danh sách cảnh báo."),
    ("0987 654 321", "Chưa có thông tin về +84987654321 trong danh sách cảnh báo."),
    (
        "???",
        "Không nhận ra đây là đường dẫn, tên miền, số điện thoại, số tài khoản, email hay tài "
        "khoản mạng xã hội.",
    ),
]


@pytest.mark.parametrize(("raw", "message"), MESSAGES)
def test_each_answer_is_one_exact_sentence(listed, raw, message):
    assert check_value(raw).message() == message


def test_an_official_domain_answers_every_field(listed):
    assert check_value("vietcombank.com.vn").as_json() == {
        "kind": "domain",
        "value": "vietcombank.com.vn",
        "status": "allowlisted",
        "verdict": "official",
        "reasons": [],
        "brand": "Vietcombank",
        "brand_official": "vietcombank.com.vn",
        "display_value": "vietcombank.com.vn",
        "mixed_scripts": [],
        "phone": None,
        "listed": False,
        "allowlisted": True,
        "match": None,
        "category": None,
        "matched_kind": None,
        "matched_value": None,
        "error": None,
    }


def test_a_cyrillic_lookalike_answers_every_field(listed):
    check = check_value("vietcomb\u0430nk.com.vn")
    assert check.lookalike is not None
    data = check.as_json()
    assert data == {
        "kind": "domain",
        "value": "xn--vietcombnk-6qi.com.vn",
        "status": "not_listed",
        "verdict": "suspicious",
        "reasons": check.lookalike.reasons,
        "brand": "Vietcombank",
        "brand_official": "vietcombank.com.vn",
        "display_value": "vietcomb\u0430nk.com.vn",
        "mixed_scripts": ["LATIN", "CYRILLIC"],
        "phone": None,
        "listed": False,
        "allowlisted": False,
        "match": None,
        "category": None,
        "matched_kind": None,
        "matched_value": None,
        "error": None,
    }
    assert data["reasons"] and all(isinstance(r, str) and r for r in data["reasons"])


def test_an_idn_that_mimics_nothing_still_shows_its_unicode_host(listed):
    data = check_value("https://ngân-hàng-của-tôi.vn/").as_json()
    assert data["value"] == "https://xn--ngn-hng-ca-ti-tdb0a31aj806b.vn/"
    assert data["display_value"] == "https://ngân-hàng-của-tôi.vn/"
    assert (data["verdict"], data["mixed_scripts"], data["brand"]) == ("unknown", [], None)


def test_a_hotline_answers_every_phone_field(listed):
    data = check_value("1900 545413").as_json()
    assert (data["verdict"], data["brand"], data["status"]) == (
        "official",
        "Vietcombank",
        "not_listed",
    )
    assert data["phone"] is not None
    assert data["phone"]["hotline_of"] == "Vietcombank"
    assert set(data["phone"]) == {
        "kind", "label", "network", "area", "country", "hotline_of", "note",
    }  # fmt: skip
    mobile = check_value("0987 654 321").as_json()["phone"]
    assert mobile is not None
    assert (mobile["kind"], mobile["network"], mobile["hotline_of"]) == ("mobile", "Viettel", None)
    assert mobile["label"].startswith("số di động")


def test_a_listed_lookalike_keeps_its_brand_for_people_but_not_for_resolvers(listed):
    from indicators.services import list_indicator

    list_indicator(kind="domain", value="vietcombank-xacthuc.com", category="phishing")
    value = "http://vietcombank-xacthuc.com/login"
    people = check_value(value)
    resolvers = check_value(value, score_listed=False)
    assert people.verdict == resolvers.verdict == "listed"
    assert people.lookalike is not None and people.lookalike.flagged
    assert resolvers.lookalike is None
    [batch] = check_many([value], score_listed=False)
    assert batch.lookalike is None and batch.status == "listed"
    [scored] = check_many([value])
    assert scored.lookalike is not None and scored.lookalike.flagged


def test_an_unlisted_value_is_scored_even_for_resolvers(listed):
    check = check_value("vietcombank-xacthuc.com/login", score_listed=False)
    assert check.verdict == "suspicious" and check.brand_name == "Vietcombank"


def test_the_kind_given_in_a_batch_is_the_kind_used(listed):
    checks = check_many([("0912345678", "phone"), ("Vietcombank 0071000986547", "bank_account")])
    assert [(c.kind, c.value, c.status, c.raw) for c in checks] == [
        ("phone", "+84912345678", "listed", "0912345678"),
        ("bank_account", "VCB:0071000986547", "listed", "Vietcombank 0071000986547"),
    ]
    [wrong] = check_many([(LISTED_DOMAIN, "phone")])
    assert wrong.status == "invalid" and wrong.error


def test_a_batch_stops_once_its_budget_is_used_up(listed):
    spent = CpuBudget(seconds=0.0)
    with pytest.raises(BudgetExceeded):
        check_many([LISTED_DOMAIN], budget=spent)
    assert check_many([], budget=spent) == []


def test_a_sender_name_of_digits_says_what_number_it_is(listed):
    check = check_value("9029", "sender")
    assert check.phone is not None and check.lookalike is None
    assert (check.kind, check.status, check.phone_label) == (
        "sender",
        "not_listed",
        "đầu số ngắn 9029",
    )
    named = check_value("VCB", "sender")
    assert (named.kind, named.status, named.phone, named.phone_label) == (
        "sender",
        "not_listed",
        None,
        "",
    )


def test_a_page_deep_on_a_brand_site_names_the_brand_owning_the_parent_domain(listed):
    check = check_value("https://digibank.vietcombank.com.vn/dang-nhap")
    assert (check.verdict, check.brand_name) == ("official", "Vietcombank")
    assert check.as_json()["brand_official"] == "vietcombank.com.vn"


def test_a_message_shows_the_exact_sentence_of_each_value(listed):
    result = check_text(f"Chuyen tien vao tai khoan va goi 0912 345 678 hoac vao {LISTED_DOMAIN}")
    assert [c.message() for c in result.found] == [
        "+84912345678 có trong danh sách cảnh báo.",
        f"{LISTED_DOMAIN} có trong danh sách cảnh báo.",
    ]


def test_a_page_of_the_state_domain_itself_is_official(listed):
    check = check_value("https://gov.vn/abc")
    assert (check.status, check.verdict, check.brand_name) == ("not_listed", "official", None)
    assert check.message() == "https://gov.vn/abc thuộc tên miền của cơ quan nhà nước (.gov.vn)."


def test_a_page_on_a_name_verifiers_allowlisted_is_no_brands_own(listed):
    from indicators.services import allow_name

    allow_name(name="truong-thu.edu.vn", include_subdomains=True, note="thử")
    home = check_value("truong-thu.edu.vn")
    assert (home.status, home.verdict) == ("allowlisted", "official")
    page = check_value("https://truong-thu.edu.vn/trang")
    assert (page.status, page.allowlisted, page.verdict, page.brand_name) == (
        "not_listed", True, "unknown", None,
    )  # fmt: skip


def test_a_page_under_www_of_a_brand_domain_names_the_brand(listed):
    check = check_value("https://www.chinhphu.vn/a")
    assert (check.verdict, check.brand_name) == ("official", "Chính phủ")
    assert check.message() == "https://www.chinhphu.vn/a thuộc tên miền chính thức của Chính phủ."


def test_a_mobile_number_answers_every_phone_field(listed):
    assert check_value("0987 654 321").as_json()["phone"] == {
        "kind": "mobile",
        "label": "số di động Viettel",
        "network": "Viettel",
        "area": None,
        "country": None,
        "hotline_of": None,
        "note": "Nhà mạng theo đầu số; thuê bao có thể đã chuyển mạng giữ số.",
    }


def test_an_email_keeps_the_address_as_written(listed):
    check = check_value("Ai.Do@Gmail.com")
    assert (check.raw, check.value, check.status) == (
        "Ai.Do@Gmail.com",
        "ai.do@gmail.com",
        "not_listed",
    )
    at_listed = check_value(f"Ai@{LISTED_DOMAIN.upper()}")
    assert (at_listed.raw, at_listed.match) == (f"Ai@{LISTED_DOMAIN.upper()}", "email_domain")


def test_a_few_unreadable_words_are_a_message_with_nothing_found_not_an_error(listed):
    words = check_text("khong phai gi")
    assert (words.is_message, words.error, words.found) == (True, "", [])
    one = check_text("???")
    assert (one.is_message, one.single, one.found) == (False, None, [])
    assert one.error.startswith("Không nhận ra đây là")


def test_a_message_at_the_length_limit_is_read_and_one_past_it_is_refused(listed):
    text = f"Goi ngay 0912 345 678 de nhan qua {LISTED_DOMAIN} "
    at_limit = text + "x" * (5000 - len(text))
    read = check_text(at_limit)
    assert read.error == "" and read.is_message and read.any_listed
    refused = check_text(at_limit + "y")
    assert refused.error == "Nội dung quá dài (tối đa 5000 ký tự)." and refused.found == []


def test_every_listed_value_of_a_message_gets_its_details(listed):
    result = check_text(f"Goi 0912 345 678 hoac vao {LISTED_DOMAIN} de nhan qua tri an ngay")
    details = {c.value: c.details for c in result.found}
    assert set(details) == {"+84912345678", LISTED_DOMAIN}
    assert all(d is not None and d["report_count"] == 0 for d in details.values())
    domain = details[LISTED_DOMAIN]
    assert domain is not None
    assert domain["public_reason"] == "Giả mạo trang đăng nhập Vietcombank để lấy mật khẩu và OTP."
    assert domain["risk"] == "high" and domain["listed_at"] is not None
