"""The bank list the team wrote (data/banks.json) and bank mentions in text."""

import pytest

from indicators.banks import bank_mentions, banks, banks_by_bin, find_bank


def test_codes_bins_and_aliases_are_unique_and_well_formed():
    all_banks = list(banks().values())
    assert len(all_banks) >= 40
    bins = [b.bin for b in all_banks if b.bin]
    assert len(bins) == len(set(bins))
    assert all(len(b) == 6 and b.isdigit() for b in bins)
    assert all(b.code.isupper() and b.code.isalnum() for b in all_banks)
    assert {b.kind for b in all_banks} == {"bank", "ewallet"}
    # Every alias names exactly one bank (the index refuses to build otherwise).
    assert bank_mentions("") == []


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Vietcombank", "VCB"),
        ("vietinbank", "ICB"),
        ("Ngân hàng Nông nghiệp", "VBA"),
        ("ngan hang ky thuong", "TCB"),
        ("TP Bank", "TPB"),
        ("Ngân hàng Bưu điện Liên Việt", "LPB"),
        ("OceanBank", "MBV"),
        ("DongA Bank", "VIKKI"),
        ("970436", "VCB"),
        ("971005", "VIETTELMONEY"),
        ("Ví MoMo", "MOMO"),
        ("Ngân hàng Ở Đâu", None),
    ],
)
def test_find_bank_by_name_short_name_or_bin(name, code):
    bank = find_bank(name)
    assert (bank.code if bank else None) == code


def test_bank_mentions_in_text_are_whole_words_and_longest_first():
    text = "Chuyển qua Ngân hàng Sài Gòn Thương Tín hoặc MB, không phải mbx hay Việt Nam à"
    mentions = bank_mentions(text)
    assert [(m.bank.code, text[m.start : m.end]) for m in mentions] == [
        ("STB", "Ngân hàng Sài Gòn Thương Tín"),
        ("MB", "MB"),
    ]


def test_banks_by_bin_covers_the_big_four():
    assert {banks_by_bin()[b].code for b in ("970436", "970415", "970418", "970405")} == {
        "VCB",
        "ICB",
        "BIDV",
        "VBA",
    }


def test_a_bank_name_glued_to_bank_in_a_host_name_is_found():
    # "acb bank" written without the space, as in a phishing host name, used to raise KeyError.
    assert [(m.bank.code, m.start, m.end) for m in bank_mentions("acbbank.xyz")] == [("ACB", 0, 7)]
    assert getattr(find_bank("ACBBank"), "code", None) == "ACB"
    assert getattr(find_bank("Ngân hàng TMCP Á Châu"), "code", None) == "ACB"
