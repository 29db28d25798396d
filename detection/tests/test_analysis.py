"""analyse_message: risk, reasons and advice for pasted messages; score_case_text for queues."""

import pytest

from detection.analysis import analyse_message, score_case_text
from indicators.matcher import MatcherIndex, reset_matcher

# The analysis reads which trained model is active from the database.
pytestmark = pytest.mark.django_db

EMPTY = MatcherIndex([])


def analyse(text, **kwargs):
    return analyse_message(text, matcher=EMPTY, **kwargs)


def test_issue_example_is_high_risk_with_the_three_reasons():
    analysis = analyse(
        "Vietcombank thông báo: tài khoản của bạn liên quan đến đường dây rửa tiền, sẽ bị "
        "bắt giữ nếu không hợp tác. Chuyển ngay số dư vào tài khoản an toàn theo hướng dẫn "
        "tại https://vietcombank-xacthuc.com trước 17h hôm nay."
    )
    assert analysis.risk == "high"
    text = " ".join(r.text for r in analysis.reasons)
    assert "Vietcombank" in text and "vietcombank-xacthuc.com" in text  # the link imitates
    assert "bắt" in text  # threatens arrest
    assert "tài khoản an toàn" in text  # asks for a transfer
    assert analysis.headline.startswith("Rủi ro cao: ")
    assert any("vietcombank.com.vn" in line for line in analysis.advice)


@pytest.mark.parametrize(
    "text",
    [
        "Ma OTP cua Quy khach la 482913. Tuyet doi KHONG cung cap ma OTP cho bat ky ai, ke ca "
        "nhan vien ngan hang.",
        "VCB: TK 0071xxxx4521 -1,250,000VND luc 08:14 12/03/2025. SD: 8,432,100VND. ND: tien dien",
        "Viettel: Dang ky goi V120 chi 120.000d/thang, soan V120 gui 191. Chi tiet tai viettel.vn",
        "Techcombank lưu ý: cập nhật sinh trắc học trên ứng dụng Techcombank Mobile, không bấm "
        "link lạ. Chi tiết tại techcombank.com",
        "Mẹ ơi con về muộn, mẹ để cơm cho con nhé.",
    ],
)
def test_ordinary_bank_telecom_and_family_messages_are_low_risk(text):
    analysis = analyse(text, sender_type="brandname")
    assert analysis.risk == "low", [r.text for r in analysis.reasons]


def test_strong_look_alike_link_makes_it_high_even_from_a_brandname():
    analysis = analyse(
        "TPBank: Quy khach vui long cap nhat thong tin tai tpbank-capnhat.site",
        sender_type="brandname",
    )
    assert analysis.risk == "high"
    assert any(r.kind == "lookalike" for r in analysis.reasons)


def test_personal_number_speaking_for_a_bank_raises_the_risk():
    text = "Agribank thông báo quý khách có khoản tiền chờ nhận, liên hệ 0912345678."
    plain = analyse(text)
    personal = analyse(text, sender_type="personal_number")
    assert personal.z > plain.z
    assert any(r.code == "personal_sender" for r in personal.reasons)


def test_brandname_hint_lowers_the_score_a_little():
    text = "Quy khach duoc tang 1GB data, kiem tra tai ung dung."
    assert analyse(text, sender_type="brandname").z < analyse(text).z
    assert analyse(text, sender_type="nonsense").sender_type is None


def test_classifier_probability_and_top_phrases_are_reported():
    analysis = analyse("Tuyển CTV làm nhiệm vụ chốt đơn, hoa hồng 20%, nạp tiền nhận thưởng.")
    assert analysis.probability > 0.5
    assert analysis.top_phrases
    data = analysis.as_dict()
    assert set(data) >= {"risk", "score", "reasons", "advice", "indicators", "classifier"}
    assert data["classifier"]["top_phrases"] == [p.text for p in analysis.top_phrases]


def test_empty_message_is_low_with_advice():
    analysis = analyse("   ")
    assert analysis.risk == "low" and analysis.advice and not analysis.reasons


def test_indicators_are_extracted_and_reported():
    analysis = analyse(
        "Liên hệ 0912345678 hoặc vào vietcombank-hotro.top, email hotro@vcb-xacminh.com"
    )
    kinds = {i.kind for i in analysis.indicators}
    assert {"phone", "email"} <= kinds and ({"url", "domain"} & kinds)
    web = [i for i in analysis.indicators if i.kind in ("url", "domain")][0]
    assert web.lookalike is not None and web.lookalike.flagged


@pytest.mark.django_db
def test_listed_indicator_makes_any_message_high():
    from indicators.services import list_indicator

    reset_matcher()
    list_indicator(kind="phone", value="0987654321", public_reason="Đã xác minh lừa đảo")
    analysis = analyse_message("Chao ban, goi lai cho minh so 0987654321 nhe.")
    assert analysis.risk == "high" and analysis.listed
    assert analysis.reasons[0].kind == "listed"
    reset_matcher()


@pytest.mark.django_db
def test_case_score_orders_dangerous_cases_first():
    reset_matcher()
    dangerous = score_case_text(
        texts=["Công an yêu cầu chuyển tiền vào tài khoản an toàn, không được nói với ai."]
    )
    harmless = score_case_text(texts=["Chiều nay họp lớp lúc 5h nhé mọi người."])
    assert dangerous.score > harmless.score
    assert dangerous.risk == "high" and harmless.risk == "low"
    assert score_case_text(texts=[]).score == 0.0
