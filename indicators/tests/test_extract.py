"""extract(): every indicator in real-looking Vietnamese scam (and ordinary) messages."""

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.extract import extract
from indicators.kinds import Kind
from lib.shared_data import shared_file

TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

MESSAGES = [
    (
        "[TB] Tai khoan cua Quy khach bi tam khoa do dang nhap bat thuong. Truy cap ehoaq. com "
        "de xac minh truoc 17h hom nay.",
        {(Kind.DOMAIN, "ehoaq.com")},
    ),
    (
        "Vietcombank thong bao: TK cua ban se bi khoa, vui long dang nhap "
        "hxxps://vcb-xacthuc[.]top/login de cap nhat sinh trac hoc.",
        {(Kind.URL, "https://vcb-xacthuc.top/login")},
    ),
    (
        "Chúc mừng bạn trúng thưởng 50.000.000đ. Phí nhận quà 500k chuyển về STK 123456789 MB, "
        "nội dung: họ tên + SĐT.",
        {(Kind.BANK_ACCOUNT, "MB:123456789")},
    ),
    (
        "Em là nhân viên CSKH, chị chuyển phí mở khoá vào Vietcombank: 0071000986547 chủ TK "
        "NGUYEN VAN A giúp em ạ",
        {(Kind.BANK_ACCOUNT, "VCB:0071000986547")},
    ),
    (
        "Nhan thay co hanh vi LOI DUNG TIN NHIEM, CHIEM DOAT TAI SAN. yc tt gap truoc 13g "
        "16/2/2025. LH 0867256447 de giai quyet.",
        {(Kind.PHONE, "+84867256447")},
    ),
    (
        "Cục thuế thông báo hoàn thuế TNCN. Gọi ngay +84 86 725 6447 hoặc 086.725.6447 "
        "(Zalo) để được hướng dẫn.",
        {(Kind.PHONE, "+84867256447")},
    ),
    (
        "EVN thong bao cat dien do no cuoc. Lien he (+84) 912 345 678 hoac gui email "
        "hotro.evn@gmail.com truoc 16h.",
        {(Kind.PHONE, "+84912345678"), (Kind.EMAIL, "hotro.evn@gmail.com")},
    ),
    (
        "Bác sĩ Chợ Rẫy tư vấn miễn phí tại https://www.facebook.com/BVCHORAY, đặt lịch qua "
        "t.me/HoTro_BacSi",
        {
            (Kind.URL, "https://www.facebook.com/BVCHORAY"),
            (Kind.SOCIAL_PROFILE, "facebook.com/bvchoray"),
            (Kind.URL, "http://t.me/HoTro_BacSi"),
            (Kind.SOCIAL_PROFILE, "t.me/hotro_bacsi"),
        },
    ),
    (
        "Shopee tri an khach hang, nhan qua tai shopee-tri-an . vn/qua?ma=VN2025 ngay hom nay!",
        {(Kind.URL, "http://shopee-tri-an.vn/qua?ma=VN2025")},
    ),
    (
        "Cong dich vu cong: cap nhat dinh danh muc 2 tai www.dichvucong-gov.online, neu khong "
        "tai khoan VNeID se bi khoa.",
        {(Kind.DOMAIN, "www.dichvucong-gov.online")},
    ),
    (
        "Ví MoMo của bạn được hoàn 2.350.000đ, xác nhận tại momo-hoantien(.)vip hoặc chuyển phí "
        "về ví MoMo 0912 345 678.",
        {(Kind.DOMAIN, "momo-hoantien.vip"), (Kind.BANK_ACCOUNT, "MOMO:0912345678")},
    ),
    (
        "Dau tu USDT loi nhuan 30%/thang. Nap vao vi TRC20 " + TRON + " va bao admin.",
        {(Kind.CRYPTO_WALLET, TRON)},
    ),
    (
        "Ban co buu pham bi hoan. Truy cap http://3279880203/vnpost de cap nhat dia chi.",
        {(Kind.URL, "http://195.127.0.11/vnpost")},
    ),
    (
        "STK: 1903 5555 0120 18 Techcombank - TRAN THI B. Chuyển xong chụp màn hình gửi em.",
        {(Kind.BANK_ACCOUNT, "TCB:19035555012018")},
    ),
    (
        "Tải ứng dụng tại cốccốc-update.vn hoặc apps.apple.com/vn/app/id1346969467 nhé",
        {
            (Kind.DOMAIN, "xn--cccc-update-799ec.vn"),
            (Kind.URL, "http://apps.apple.com/vn/app/id1346969467"),
        },
    ),
    (
        "Ủng hộ đồng bào vùng lũ qua các tài khoản: 11223344 tại Vietinbank; 9988776655 tại "
        "BIDV; 1400123456789 tại Agribank.",
        {
            (Kind.BANK_ACCOUNT, "ICB:11223344"),
            (Kind.BANK_ACCOUNT, "BIDV:9988776655"),
            (Kind.BANK_ACCOUNT, "VBA:1400123456789"),
        },
    ),
    (
        "Chuc mung Quy khach trung thuong SH. Goi ngay 1900 54 54 15 de nhan qua.Xin cam on!",
        {(Kind.PHONE, "+841900545415")},
    ),
    # Ordinary messages: amounts, balances, dates, times and one-time codes are not indicators.
    (
        "TK ViettelPay GD +999 VND luc 2023-06-03 09:39:43 So du 3,372 VND ND: 230603945961315 "
        "VIETTELMONEY TRATHUONG MACQ 230603945961315",
        set(),
    ),
    (
        "VCB: TK 0071000986547 +5,000,000VND luc 10:20 21/03/2025. SD 12,345,678VND. "
        "Ma OTP 123456, khong chia se cho bat ky ai.",
        {(Kind.BANK_ACCOUNT, "VCB:0071000986547")},
    ),
    (
        "Quý khách đã thanh toán 910.046 VNĐ. Tổng số tiền 19.137.909 VNĐ. TP.HCM, v.v. "
        "Hẹn gặp lại lúc 08:09 ngày 27/03/2025.",
        set(),
    ),
    (
        "Mẹ ơi con đổi số, lưu số mới 0912345678 nhé. Chiều con qua, mẹ nhờ Vietcombank chuyển "
        "giúp con ít tiền.",
        {(Kind.PHONE, "+84912345678")},
    ),
]


@pytest.mark.parametrize(("text", "expected"), MESSAGES)
def test_extract_finds_every_indicator_in_a_message(text, expected):
    assert {(f.kind, f.value) for f in extract(text)} == expected


def test_findings_point_back_into_the_text():
    text = "Truy cập ehoaq. com hoặc gọi 086.725.6447"
    found = {f.kind: f for f in extract(text)}
    assert text[found[Kind.DOMAIN].start : found[Kind.DOMAIN].end] == "ehoaq. com"
    assert text[found[Kind.PHONE].start : found[Kind.PHONE].end] == "086.725.6447"
    assert found[Kind.DOMAIN].text == "ehoaq.com"


def test_each_indicator_is_reported_once_in_order():
    found = extract("Gọi 0867256447, sau đó gọi lại +84 867 256 447. Web: ehoaq.com, ehoaq.com")
    assert [(f.kind, f.value) for f in found] == [
        (Kind.PHONE, "+84867256447"),
        (Kind.DOMAIN, "ehoaq.com"),
    ]


@given(st.text(max_size=300))
def test_extract_never_raises(text):
    for finding in extract(text):
        assert finding.start <= finding.end


@pytest.mark.slow
def test_extract_runs_over_the_shared_sms_set():
    path = shared_file("sms/vi_sms_dev.csv")
    if path is None:
        pytest.skip("../shared/data/sms/vi_sms_dev.csv is not on this machine")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    smishing_with_findings = 0
    for row in rows:
        found = extract(row["content"])
        if row["label"] == "1" and found:
            smishing_with_findings += 1
    smishing = sum(1 for row in rows if row["label"] == "1")
    # Most smishing messages carry a link, a number or an account to act on.
    assert smishing_with_findings >= smishing // 2


def test_words_inside_a_link_do_not_turn_a_phone_into_an_account():
    text = "VCB thong bao: xac minh tai http://vcb-khoa-tk.com/login hoac goi 0912 345 678"
    found = {(f.kind, f.value) for f in extract(text)}
    assert (Kind.PHONE, "+84912345678") in found
    assert not any(kind == Kind.BANK_ACCOUNT for kind, _ in found)


# --- a bare host is the site itself: a domain indicator, which the DNS feeds carry ------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Xac thuc tai vietcombank-xacthuc.com de tranh bi khoa.",
            (Kind.DOMAIN, "vietcombank-xacthuc.com"),
        ),
        ("Truy cap ehoaq.com ngay hom nay", (Kind.DOMAIN, "ehoaq.com")),
        ("Truy cap ehoaq.com/ ngay", (Kind.DOMAIN, "ehoaq.com")),
        ("Bam vao ehoaq.com/# de nhan qua", (Kind.DOMAIN, "ehoaq.com")),
        ("Bam vao ehoaq.com// de nhan qua", (Kind.DOMAIN, "ehoaq.com")),
        ("Dang nhap ehoaq.com/login de xac minh", (Kind.URL, "http://ehoaq.com/login")),
        ("Xem ehoaq.com/?ref=sms", (Kind.URL, "http://ehoaq.com/?ref=sms")),
        ("Vao http://x.com/ ngay", (Kind.URL, "http://x.com/")),
        ("Vao https://ehoaq.com ngay", (Kind.URL, "https://ehoaq.com/")),
    ],
)
def test_a_bare_host_gives_a_domain_and_a_path_or_a_scheme_a_url(text, expected):
    assert [(f.kind, f.value) for f in extract(text)] == [expected]


def test_an_allowlisted_bare_host_stays_what_it_was():
    # The extractor does not consult the allowlist: an official name is found as a domain, as
    # before; the matcher and the listing rules are what keep it from being blocked.
    found = extract("Kiem tra tai vietcombank.com.vn hoac sites.google.com/view/qua-tang")
    assert [(f.kind, f.value) for f in found] == [
        (Kind.DOMAIN, "vietcombank.com.vn"),
        (Kind.URL, "http://sites.google.com/view/qua-tang"),
    ]
