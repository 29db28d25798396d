"""A foreign number in a message that speaks for a Vietnamese brand raises the risk; a brand's
real hotline is a note, never a discount on the risk."""

import pytest
import yaml

from detection.analysis import analyse_message
from detection.brands import brands
from indicators.matcher import MatcherIndex
from indicators.phones import HOTLINES_FILE, hotlines

# The analysis reads which trained model is active from the database.
pytestmark = pytest.mark.django_db

EMPTY = MatcherIndex([])
VCB = "Vietcombank: Quy khach co giao dich can xac nhan, vui long goi {contact}."


def analyse(text, **kwargs):
    return analyse_message(text, matcher=EMPTY, **kwargs)


def codes(analysis):
    return [r.code for r in analysis.reasons]


@pytest.mark.parametrize("sender_type", [None, "brandname"])
def test_vietcombank_message_with_a_cambodian_number_is_riskier_than_without(sender_type):
    plain = analyse(VCB.format(contact="tong dai"), sender_type=sender_type)
    foreign = analyse(VCB.format(contact="+855 12 345 678"), sender_type=sender_type)
    assert plain.risk == "low"
    assert foreign.risk in ("medium", "high")
    assert foreign.z >= plain.z + 1.5
    reason = next(r for r in foreign.reasons if r.code == "foreign_phone")
    assert reason.weight > 0
    assert "Vietcombank" in reason.text and "Campuchia" in reason.text
    assert "+855 12 345 678" in reason.text


def test_foreign_number_becomes_an_indicator_not_a_personal_mobile():
    analysis = analyse("Agribank thong bao: lien he ngay (+86) 138 1234 5678 de nhan tien.")
    phones = [i for i in analysis.indicators if i.kind == "phone"]
    assert [p.value for p in phones] == ["+8613812345678"]
    reason = next(r for r in analysis.reasons if r.code == "foreign_phone")
    assert "Agribank" in reason.text and "Trung Quốc" in reason.text
    # The "call this mobile" reason speaks of Vietnamese mobiles only.
    assert "personal_contact" not in codes(analysis)


def test_a_listed_foreign_number_is_found_in_the_list():
    matcher = MatcherIndex([(1, "phone", "+85512345678", "scam")])
    analysis = analyse_message("Goi ngay +855 12 345 678 de nhan qua", matcher=matcher)
    assert analysis.listed and analysis.risk == "high"


@pytest.mark.parametrize(
    "text",
    [
        "Chao ban, minh dang o Phnom Penh, goi minh qua so +855 12 345 678 nhe.",  # no brand
        "DHL Express: your parcel is waiting, call +852 2400 3388.",  # international brand
        VCB.format(contact="1900 545413"),  # a Vietnamese number
        VCB.format(contact="+855 12"),  # no number at all
    ],
)
def test_no_foreign_number_reason_without_a_vietnamese_brand_and_a_foreign_number(text):
    assert "foreign_phone" not in codes(analyse(text))


def test_real_hotline_in_a_clean_message_is_a_weightless_reassurance():
    real = analyse(VCB.format(contact="1900 545413"))
    other = analyse(VCB.format(contact="1900 545414"))  # one digit off: nobody's hotline
    note = [r for r in real.reassurances if r.code == "official_hotline"]
    assert len(note) == 1 and note[0].weight == 0
    assert "tổng đài chính thức của Vietcombank" in note[0].text
    assert not any(r.code == "official_hotline" for r in other.reassurances)
    assert real.z == pytest.approx(other.z)  # the note moves nothing


def test_real_hotline_in_a_scam_never_lowers_the_risk():
    scam = (
        "Vietcombank thông báo tài khoản bị khoá, xác minh ngay tại vietcombank-xacminh.com "
        "hoặc gọi {number}."
    )
    real = analyse(scam.format(number="1900 545413"))
    other = analyse(scam.format(number="1900 545414"))
    assert real.risk == other.risk == "high"
    assert real.z == pytest.approx(other.z)
    assert not any(r.code == "official_hotline" for r in real.reassurances)
    assert any("tổng đài chính thức của Vietcombank" in line for line in real.advice)
    assert "Kẻ gian cũng chép số thật" in " ".join(real.advice)


def test_hotline_of_another_brand_is_no_note():
    analysis = analyse(VCB.format(contact="1900 545441"))  # MoMo's number in Vietcombank's name
    assert not any(r.code == "official_hotline" for r in analysis.reassurances)


def test_every_hotline_names_an_existing_brand_or_an_agency():
    known = brands()
    data = yaml.safe_load(HOTLINES_FILE.read_text(encoding="utf-8"))
    for item in data["hotlines"]:
        assert item["brand"] is None or item["brand"] in known, item
    agencies = {h.number for h in hotlines().values() if h.brand is None}
    assert {"114", "115", "111", "5656"} <= agencies
    assert hotlines()["+841900545413"].brand == "vietcombank"
