"""Scam patterns added after reading where the analysis went wrong on real SMS: SIM-lock robocalls,
"silence means consent" traps, spam that dodges filters, search-engine links, consumer-finance
collectors texting from personal numbers, and the look-alike corrections that go with them
(app deep links, schools' .edu.vn names)."""

import csv
import io

import pytest
from django.core.management import call_command

from detection.analysis import analyse_message
from detection.evaluation import Labelled, label_conflicts
from detection.lookalike import score_domain
from detection.rules import broken_words, evaluate
from detection.text import fold
from indicators.matcher import MatcherIndex

pytestmark = pytest.mark.django_db

EMPTY = MatcherIndex([])


def codes(message: str) -> set[str]:
    return evaluate(fold(message))[1]


def reason_codes(message: str, **kwargs) -> set[str]:
    analysis = analyse_message(message, matcher=EMPTY, **kwargs)
    return {r.code for r in analysis.reasons + analysis.reassurances}


# --- rules -----------------------------------------------------------------------------------


def test_sim_lock_with_press_a_key_is_the_robocall_script():
    message = (
        "Thong bao: thue bao cua quy khach se bi khoa sau 2 gio nua. Bam phim 9 de gap tong dai "
        "vien ho tro."
    )
    assert {"account_lock", "press_key", "telecom_lock_call"} <= codes(message)
    # Either half alone is not the script.
    assert "telecom_lock_call" not in codes(
        "Thuê bao của bạn sẽ bị khoá 1 chiều do chưa chuẩn hoá."
    )
    assert "telecom_lock_call" not in codes("Bấm phím 1 để nghe lại lời nhắn thoại.")


@pytest.mark.parametrize(
    "message",
    [
        "Nếu quý khách không phản hồi, hệ thống sẽ mặc định xác nhận tham gia gói bảo hiểm.",
        "Quy khach khong huy trong 24h thi coi nhu dong y dang ky dich vu, phi 150.000d/thang.",
    ],
)
def test_silence_taken_as_consent_is_a_trap(message):
    assert "default_consent" in codes(message)


def test_automatic_renewal_of_a_package_is_not_the_consent_trap():
    message = "Goi cuoc MAX90 cua Quy khach se tu dong gia han vao ngay 05/12. Chi tiet LH 198."
    assert "default_consent" not in codes(message)


@pytest.mark.parametrize(
    "message",
    [
        "Mo ban dat nen gan san bay, so hong rieng, chi tu 15 tr/nen, CK 10%.",
        "Can ban gap lo dat tho cu 100m2, SHR, XD ngay.",
    ],
)
def test_land_sale_blasts_are_offers(message):
    assert "real_estate" in codes(message)


def test_land_sale_from_a_personal_number_is_unlawful_advertising():
    message = "Mo ban dat nen khu cong nghiep, so hong rieng, chi tu 15 tr/nen, LH 0912345678."
    assert "personal_offer" in reason_codes(message, sender_type="personal_number")
    assert "personal_offer" not in reason_codes(message, sender_type="brandname")


def test_a_gift_to_collect_at_a_link_is_a_prize_and_a_link_action():
    message = "Qua tang mien phi! Ban co co hoi nhan duoc mot chiec dien thoai. Nhan ngay k9xq.top"
    assert {"prize", "act_on_link"} <= codes(message)
    assert "act_on_link" not in codes("Cảm ơn bạn, mình nhận ngay rồi nhé.")


def test_digits_for_letters_and_letters_between_dots_count_as_broken_words():
    assert broken_words("e g4i xinh mu0n l4m quen vs 4nh nk4") >= 3
    assert broken_words(".n.a.p. .t.i.e.n ngay vao .v.i.p") >= 3
    # Addresses, dates, model names and "v.v." are ordinary.
    assert broken_words("so 3 p.5 q.3 tp.hcm ngay 1.2.2024 v.v. iphone14pro 4g mp3") <= 1


# --- analysis --------------------------------------------------------------------------------


def test_a_search_engine_link_to_another_site_is_explained():
    analysis = analyse_message(
        "Vao ngay https://www.google.com/search?q=cash6868.com de nhan 100k", matcher=EMPTY
    )
    reason = next(r for r in analysis.reasons if r.code == "search_link")
    assert "cash6868.com" in reason.text
    plain = reason_codes("Tra cuu tai https://www.google.com/maps/place/Ho+Guom")
    assert "search_link" not in plain


def test_a_finance_company_collector_on_a_personal_number_is_high_risk():
    message = (
        "MCREDIT THONG BAO: hop dong 1002003004 qua han 20 ngay, so tien 2,150,000d. Thanh toan "
        "gap trong hom nay."
    )
    personal = analyse_message(message, sender_type="personal_number", matcher=EMPTY)
    assert "personal_sender" in {r.code for r in personal.reasons}
    assert personal.risk == "high"
    assert any("MCredit" in r.text for r in personal.reasons)


# --- look-alikes -----------------------------------------------------------------------------


def test_a_brand_on_an_app_deep_link_service_is_suspicious_not_a_sure_fake():
    bare = score_domain("viettelmoney.go.link")
    assert bare.level == "suspicious"
    assert bare.reasons[0].startswith("viettelmoney.go.link là đường link mở ứng dụng")
    assert "risky_tld" not in bare.codes  # the service chose .link, not the sender
    assert score_domain("vietcombank-xacthuc.go.link").level == "strong"
    assert score_domain("vietcombank-xacthuc.link").level == "strong"


@pytest.mark.parametrize("value", ["ftu.edu.vn", "cs2.ftu.edu.vn/tuyen-sinh", "vtmoney.vn"])
def test_schools_and_official_domains_are_not_look_alikes(value):
    result = score_domain(value)
    assert result.official and not result.flagged


def test_a_school_name_that_imitates_a_bank_is_still_a_look_alike():
    assert score_domain("agribanks.edu.vn").level == "strong"
    assert not score_domain("agribanks.edu.vn").official
    assert score_domain("vietcombank.edu.vn.xacthuc.xyz").level == "strong"


def test_a_brand_can_keep_its_domain_out_of_the_typo_check():
    assert score_domain("mcredit.com.vn").official
    assert not score_domain("credit.com.vn").flagged  # one edit from mcredit, an ordinary name


# --- labels that contradict each other -------------------------------------------------------


def test_nearly_identical_messages_labelled_both_ways_are_found():
    notice = (
        "Moi quy phu huynh tham du hoi thao tuyen sinh truc tuyen luc 19h toi nay tai duong link "
        "zoom cua nha truong, ma phong {code}."
    )
    rows = [
        Labelled(notice.format(code=111), 0),
        Labelled(notice.format(code=222), 1),
        Labelled("Ban da trung thuong xe SH, nop phi 500k de nhan qua.", 1),
        Labelled("Con oi toi nay me ve muon, con an com truoc nhe.", 0),
    ]
    found = label_conflicts(rows)
    assert [(c.scam, c.ordinary) for c in found] == [(1, 0)]
    assert found[0].similarity >= 0.8


def test_evaluate_detector_reports_label_conflicts(tmp_path):
    path = tmp_path / "labels.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["content", "label"])
        text = "Quy khach da dang ky thanh cong goi cuoc thang {n}, chi tiet tai ung dung cua nha mang."
        writer.writerow([text.format(n=5), 1])
        writer.writerow([text.format(n=6), 0])
    out = io.StringIO()
    call_command("evaluate_detector", str(path), "--conflicts", stdout=out)
    output = out.getvalue()
    assert "scam #0 ~ ordinary #1" in output
    assert output.strip().splitlines()[-1].endswith("label_conflicts=1")


# --- ordinary messages the rules used to misread ---------------------------------------------


@pytest.mark.parametrize(
    ("message", "absent"),
    [
        # A phone book service, an office to visit, a friend coming over: not debt threats.
        ("Dịch vụ sao lưu danh bạ, ảnh, video lên đám mây, soạn DK gửi 1098.", "debt_threat"),
        ("Mời ông/bà mang CCCD đến cơ quan BHXH gần nhất để hoàn tất hồ sơ.", "debt_threat"),
        ("Mời ông/bà mang CCCD đến cơ quan BHXH gần nhất để hoàn tất hồ sơ.", "debt_visit"),
        ("Chieu nay em xuong nha chi choi nhe, nho nau com.", "debt_threat"),
        # "điện thoại" and "thông tin thể thao" are not requests for card data.
        (
            "Tổng đài giải đáp số điện thoại doanh nghiệp, thông tin thể thao, giá vàng.",
            "card_data",
        ),
        # A notice that gives the code to type is not a request for it.
        (
            "Co dang nhap moi vao ung dung. Neu la ban, nhap ma bao mat 583920 de tiep tuc. "
            "Khong chia se ma nay cho ai.",
            "otp_request",
        ),
        # The menu of a carrier's own number.
        ("Chi tiết gọi 198 bấm phím 2 (0đ). Trân trọng.", "press_key"),
        ("Can ho tro, goi 1800 1091 bam phim 1 de gap tong dai vien.", "press_key"),
        # A police warning that tells how crooks take codes.
        (
            "Tội phạm gọi điện thoại bằng nhiều thủ đoạn để lấy mã OTP của người dân.",
            "otp_request",
        ),
    ],
)
def test_ordinary_wording_no_longer_triggers_the_rule(message, absent):
    assert absent not in codes(message)


@pytest.mark.parametrize(
    ("message", "present"),
    [
        (
            "Khoan vay cua ban da qua han 30 ngay, chung toi se cho nguoi den tan nha lam viec.",
            "debt_visit",
        ),
        ("No qua han, se goi cho toan bo danh ba cua ban de bao.", "debt_threat"),
        ("Vui long cung cap so the va ma CVV de hoan tien.", "card_data"),
        ("Thue bao sap bi khoa, an phim 9 de gap tu van vien.", "press_key"),
        ("Nhân viên ngân hàng cần bạn đọc mã xác thực vừa gửi về máy.", "otp_request"),
    ],
)
def test_the_narrowed_rules_still_catch_the_scams(message, present):
    assert present in codes(message)


# --- who sent it -----------------------------------------------------------------------------


def test_a_prize_from_a_personal_number_is_fraud_not_just_spam():
    message = "Chuc mung so dien thoai cua ban trung thuong giai nhat 1 xe SH, lien he de nhan."
    personal = reason_codes(message, sender_type="personal_number")
    assert "personal_fraud_offer" in personal and "personal_offer" not in personal
    assert "personal_fraud_offer" not in reason_codes(message, sender_type="brandname")
    # A loan offer from a personal SIM is unlawful advertising, weighed as such.
    loan = "Ho tro vay von tin chap den 50 trieu, giai ngan trong ngay, lai suat thap."
    assert "personal_offer" in reason_codes(loan, sender_type="personal_number")


def test_official_channel_wording_does_not_reassure_from_a_personal_number():
    message = (
        "Khoan vay cua ban bi dong bang, chi can den tai cua hang gan nhat hoac goi 1900 1234."
    )
    brand = analyse_message(message, sender_type="brandname", matcher=EMPTY)
    personal = analyse_message(message, sender_type="personal_number", matcher=EMPTY)
    assert "official_channel" in {r.code for r in brand.reassurances}
    assert "official_channel" not in {r.code for r in personal.reassurances}
