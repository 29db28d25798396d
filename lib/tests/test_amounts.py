"""Amounts typed the way people write them, and clear Vietnamese refusals of everything else."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.amounts import MAX_LENGTH, AmountError, parse_amount

LIMIT = 10**13


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000000", 5_000_000),
        ("5.000.000", 5_000_000),
        ("5.000.000đ", 5_000_000),
        ("5.000.000 VNĐ", 5_000_000),
        ("5,000,000 đồng", 5_000_000),
        ("5 000 000", 5_000_000),
        ("5.000.000,00 đ", 5_000_000),
        ("5tr", 5_000_000),
        ("5TR", 5_000_000),
        ("5 triệu", 5_000_000),
        ("5 trieu dong", 5_000_000),
        ("5 củ", 5_000_000),
        ("5,5 triệu", 5_500_000),
        ("1.5tr", 1_500_000),
        ("500k", 500_000),
        ("500 nghìn", 500_000),
        ("500 ngàn đồng", 500_000),
        ("1,2 tỷ", 1_200_000_000),
        ("1,2 tỉ", 1_200_000_000),
        ("1,500 tỷ", 1_500_000_000),
        ("1.500 triệu", 1_500_000_000),
        ("2 trăm nghìn", 200_000),
        ("2 chục triệu", 20_000_000),
        ("1 tỷ 200 triệu", 1_200_000_000),
        ("1 triệu 200 nghìn 500", 1_200_500),
        ("1tr2", 1_200_000),
        ("5 triệu 500", 5_500_000),
        ("1 tỷ 25", 1_250_000_000),
        ("  300k  ", 300_000),
        # NFD (as some phone keyboards send it) reads as NFC.
        ("5 trie\u0302\u0323u", 5_000_000),
    ],
)
def test_amounts_as_people_write_them(text, expected):
    assert parse_amount(text, maximum=LIMIT) == expected


def test_empty_is_no_amount():
    assert parse_amount("", maximum=LIMIT) is None
    assert parse_amount("   ", maximum=LIMIT) is None


@pytest.mark.parametrize(
    "text",
    [
        "năm triệu",  # words without digits
        "khoảng 5 triệu",
        "5 đô",
        "-5000",
        "5tr 2tr",  # the same unit twice
        "200 triệu 1 tỷ",  # growing units
        "50.00.000",  # a grouping nobody writes
        "5..000",
        "1e9",
        "5 triệu!",
        "0x10",
    ],
)
def test_what_is_no_amount_gets_a_vietnamese_message(text):
    with pytest.raises(AmountError) as error:
        parse_amount(text, maximum=LIMIT)
    assert "Không hiểu số tiền" in str(error.value)


def test_a_fraction_of_one_dong_is_refused():
    with pytest.raises(AmountError, match="số đồng chẵn"):
        parse_amount("5,5", maximum=LIMIT)
    with pytest.raises(AmountError, match="số đồng chẵn"):
        parse_amount("1,2345 k", maximum=LIMIT)


def test_too_large_and_too_long_are_refused():
    with pytest.raises(AmountError, match="quá lớn"):
        parse_amount("20.000 tỷ", maximum=LIMIT)
    assert parse_amount("10.000 tỷ", maximum=LIMIT) == LIMIT
    with pytest.raises(AmountError, match="quá dài"):
        parse_amount("1" * (MAX_LENGTH + 1), maximum=LIMIT)


@given(st.text(max_size=60))
def test_any_text_gives_an_amount_or_an_amount_error(text):
    try:
        value = parse_amount(text, maximum=LIMIT)
    except AmountError as error:
        assert str(error)
    else:
        assert value is None or 0 <= value <= LIMIT


@given(st.integers(min_value=0, max_value=LIMIT))
def test_dotted_groups_round_trip(value):
    assert parse_amount(f"{value:,}".replace(",", ".") + " đ", maximum=LIMIT) == value
