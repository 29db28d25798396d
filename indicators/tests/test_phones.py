import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.normalise import normalise, normalise_any
from indicators.phones import (
    HOTLINES_FILE,
    KINDS,
    canonical_hotline,
    describe_phone,
    hotline_brand,
    hotlines,
)


@pytest.mark.parametrize(
    ("raw", "network"),
    [
        ("0862 345 678", "Viettel"),
        ("0332345678", "Viettel"),
        ("0912345678", "VinaPhone"),
        ("0901234567", "MobiFone"),
        ("0921234567", "Vietnamobile"),
        ("0591234567", "Gmobile"),
        ("0559123456", "Reddi"),
        ("0998123456", "Itelecom"),
    ],
)
def test_mobile_names_its_network(raw, network):
    info = describe_phone(normalise("phone", raw))
    assert info.kind == "mobile"
    assert info.network == network
    assert info.label == f"số di động {network}"
    assert "chuyển mạng" in (info.note or "")  # the range's network, not necessarily today's


@pytest.mark.parametrize(
    ("raw", "area", "label"),
    [
        ("024 3825 1234", "Hà Nội", "số cố định ở Hà Nội"),
        ("028 3829 1234", "TP Hồ Chí Minh", "số cố định ở TP Hồ Chí Minh"),
        ("0236 3821 234", "TP Đà Nẵng", "số cố định ở TP Đà Nẵng"),
        # Hà Giang merged into Tuyên Quang in 2025; its area code 0219 stayed, and the
        # metadata still names the province the code was given to.
        ("0219 3861 234", "Hà Giang", "số cố định ở Hà Giang"),
    ],
)
def test_landline_names_its_area(raw, area, label):
    info = describe_phone(normalise("phone", raw))
    assert (info.kind, info.area, info.label) == ("landline", area, label)
    assert info.network is None and info.country is None


def test_1800_is_a_free_service_number():
    info = describe_phone(normalise("phone", "1800 6868"))
    assert info.kind == "service"
    assert info.label == "tổng đài 1800 (miễn phí)"
    assert info.note is None and info.hotline_of is None


def test_1900_warns_of_the_high_rate():
    info = describe_phone(normalise("phone", "1900 6868 99"))
    assert info.kind == "service"
    assert info.label == "tổng đài 1900 (tính cước cao)"
    assert "cước cao" in (info.note or "")
    assert info.hotline_of is None


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("+855 12 345 678", "Campuchia"),
        ("+856 20 5512 3456", "Lào"),
        ("+86 138 1234 5678", "Trung Quốc"),
        ("+66 81 234 5678", "Thái Lan"),
        ("+63 917 123 4567", "Philippines"),
        ("+1 202 555 0123", "Hoa Kỳ"),
        ("+44 7400 123456", "Anh"),
        ("+254 712 345678", "KE"),  # not in the table: the region code
    ],
)
def test_foreign_number_names_its_country(raw, country):
    info = describe_phone(normalise("phone", raw))
    assert info.kind == "foreign"
    assert info.country == country
    assert info.label == f"số nước ngoài ({country})"
    assert info.network is None and info.area is None


def test_bank_hotline_is_recognised_in_every_written_form():
    for raw in ("1900 545413", "1900.54.54.13", "+84 1900545413"):
        info = describe_phone(normalise("phone", raw))
        assert (info.hotline_of, info.hotline_brand_key) == ("Vietcombank", "vietcombank")
    assert hotline_brand("+841900545413") == ("vietcombank", "Vietcombank")
    assert describe_phone("+84 1800 1091").hotline_brand_key == "vinaphone"


def test_a_number_one_digit_off_a_hotline_is_not_one():
    assert hotline_brand("+841900545414") is None
    assert describe_phone("+841900545414").hotline_of is None


def test_short_numbers_as_the_lookup_gives_them():
    # A 3-6 digit number is the sender kind for the lookup (normalise_phone refuses it).
    assert normalise_any("113") == ("sender", "113")
    police = describe_phone("113")
    assert police.kind == "service" and police.label == "số khẩn cấp 113"
    assert police.hotline_brand_key == "bocongan"
    spam = describe_phone(normalise("sender", "5656"))
    assert spam.kind == "service" and spam.label == "đầu số ngắn 5656"
    assert spam.hotline_of and spam.hotline_brand_key is None
    other = describe_phone("9029")
    assert other.label == "đầu số ngắn 9029" and other.hotline_of is None
    assert describe_phone("+84113").hotline_brand_key == "bocongan"


@pytest.mark.parametrize(
    "value", ["", "abc", "+", "+84", "++84912", "+99912345", "+84241234567", "12", "\x00", None, 5]
)
def test_what_is_no_number_is_unknown(value):
    info = describe_phone(value)
    assert info.kind == "unknown" and info.label
    assert info.hotline_of is None


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.from_regex(r"\+?[0-9 .()\-]{0,20}", fullmatch=True)))
def test_describe_phone_never_raises(value):
    info = describe_phone(value)
    assert info.kind in KINDS and isinstance(info.label, str) and info.label


def test_every_hotline_entry_parses_once_and_has_a_name():
    data = yaml.safe_load(HOTLINES_FILE.read_text(encoding="utf-8"))
    written = [raw for item in data["hotlines"] for raw in item["numbers"]]
    assert len(hotlines()) == len(written) > 30
    for item in data["hotlines"]:
        assert item["name"].strip()
        assert set(item) == {"brand", "name", "numbers"}
        for raw in item["numbers"]:
            number = canonical_hotline(raw)
            info = describe_phone(number)
            assert info.kind == "service" or info.kind == "landline", raw
            assert info.hotline_of == item["name"]


def test_hotline_file_refuses_a_number_that_is_none():
    with pytest.raises(ValueError):
        canonical_hotline("024 123 4567")
    with pytest.raises(ValueError):
        canonical_hotline("hotline")
