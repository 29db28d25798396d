"""Evidence the analysis weighs since it learnt from real labelled messages: a registered
sender's format copied by a personal number, and how little a two-word message can say."""

import pytest

from detection.analysis import PERSONAL_NOTICE_WEIGHT, SHORT_WORDS, _logit, analyse_message
from detection.rules import evaluate
from detection.text import fold
from indicators.matcher import MatcherIndex

pytestmark = pytest.mark.django_db

EMPTY = MatcherIndex([])

# A carrier's service offer in the format only a short code or a brandname may use.
SERVICE_OFFER = (
    "Dich vu nhac cho dang giam gia 50% trong thang nay, nghe nhac hay moi ngay khi co cuoc goi "
    "den. Soan: NC ON gui 9123 de dang ky, cuoc 3.000d/tuan."
)


def codes(analysis) -> set[str]:
    return {r.code for r in analysis.reasons + analysis.reassurances}


def test_a_registered_senders_format_from_a_personal_number_is_a_copy():
    personal = analyse_message(SERVICE_OFFER, sender_type="personal_number", matcher=EMPTY)
    unknown = analyse_message(SERVICE_OFFER, matcher=EMPTY)
    assert "personal_notice" in codes(personal)
    assert "official_channel" not in codes(personal)
    assert personal.evidence is not None and unknown.evidence is not None
    assert personal.evidence.rules == pytest.approx(PERSONAL_NOTICE_WEIGHT)
    # The format no longer reassures (-1) and now counts against the message (+1).
    assert personal.z == pytest.approx(unknown.z + 1.0 + PERSONAL_NOTICE_WEIGHT)


def test_a_bank_notice_copied_by_a_personal_number_is_a_warning():
    notice = (
        "SACOMBANK: TK 0301xxxx889 -2,500,000VND luc 14:20 02/12. SD: 35,120VND. Neu khong phai "
        "Quy khach thuc hien, vui long lien he ngay nhan vien ho tro de huy giao dich."
    )
    personal = analyse_message(notice, sender_type="personal_number", matcher=EMPTY)
    assert {"personal_sender", "personal_notice"} <= codes(personal)
    assert personal.risk in ("medium", "high")
    brandname = analyse_message(notice, sender_type="brandname", matcher=EMPTY)
    assert "personal_notice" not in codes(brandname)
    assert brandname.risk == "low"


def test_the_same_format_from_a_short_code_stays_low():
    shortcode = analyse_message(SERVICE_OFFER, sender_type="shortcode", matcher=EMPTY)
    assert "personal_notice" not in codes(shortcode)
    assert "official_channel" in codes(shortcode)
    assert shortcode.risk == "low"


def test_a_personal_message_without_a_registered_format_gets_no_notice_reason():
    chat = analyse_message(
        "Chieu nay con ghe nha ba lay do nhe, nho mang theo ao mua vi troi sap mua roi con a.",
        sender_type="personal_number",
        matcher=EMPTY,
    )
    assert "personal_notice" not in codes(chat)
    assert chat.risk == "low"


@pytest.mark.parametrize("text", ["A lô", "Bố xong chưa", "Ok em"])
def test_a_message_of_a_few_words_counts_little_of_the_classifier(text):
    analysis = analyse_message(text, sender_type="personal_number", matcher=EMPTY)
    words = len(text.split())
    assert analysis.evidence is not None
    assert analysis.evidence.logit == pytest.approx(
        _logit(analysis.probability) * words / SHORT_WORDS
    )
    assert analysis.risk == "low"


def test_a_message_of_a_dozen_words_counts_all_of_it():
    text = "Quy khach vui long xac minh tai khoan ngay hom nay de tranh bi khoa vinh vien nhe"
    analysis = analyse_message(text, matcher=EMPTY)
    assert analysis.evidence is not None
    assert analysis.evidence.logit == pytest.approx(_logit(analysis.probability))


def test_a_negation_carries_over_or_to_the_next_request():
    warning = (
        "Ma xac thuc kich hoat ung dung da duoc gui toi so dien thoai cua Quy khach. Tuyet doi "
        "khong tiet lo ma nay cho bat ky ai hoac nhap OTP vao trang web la."
    )
    assert "otp_request" not in evaluate(fold(warning))[1]
    request = "Quy khach vui long nhap OTP vao trang web sau de hoan tat xac minh tai khoan."
    assert "otp_request" in evaluate(fold(request))[1]
