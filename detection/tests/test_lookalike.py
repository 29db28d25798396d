"""Look-alike scoring of domains and URLs against the protected brands."""

import pytest
from django.utils import translation

from detection.lookalike import score_domain, score_host, score_url
from indicators.allowlist import Allowlist, shipped_allowlist


@pytest.mark.parametrize(
    ("value", "brand", "code"),
    [
        ("vietcombank-xacthuc.com", "vietcombank", "brand_word"),
        ("acb.vn-ebanks.xyz", "acb", "brand_token"),
        ("isacombank.net", "sacombank", "brand_word"),
        ("agribanks.space", "agribank", "brand_word"),
        ("sacombank.net.vn", "sacombank", "same_name"),
        ("vnietinbank.com", "vietinbank", "typo"),
        ("aribank.info", "agribank", "typo"),
        ("vietc0mbank.com", "vietcombank", "leet"),  # a digit for a letter
        ("mbtk-bank.com", "mbbank", "brand_token"),
        ("vietcombank.com.vn.secure-login.xyz", "vietcombank", "brand_subdomain"),
        ("vietcom-digibank.weebly.com", "vietcombank", "brand_subdomain"),
        ("xacnhanmomo.weebly.com", "momo", "brand_token"),
        ("dichvucong.gov.vn.com", "chinhphu", "gov_fake"),
        ("dichvucong-gov.top", "chinhphu", "gov_fake"),
        ("vneid-capnhat.online", "vneid", "brand_word"),
        ("bambooaiirways.com", "bambooairways", "typo"),
        ("shinhanbank.info.vn", "shinhan", "brand_word"),
        ("facebook-security-check.xyz", "facebook", "brand_word"),
        # A foreign bank uses many domains, but none with a cheap ending, and its Vietnamese
        # sites are on the official list.
        ("hsbc-vnd.top", "hsbc", "brand_token"),
        ("hsbc-the.vn", "hsbc", "brand_token"),
    ],
)
def test_look_alikes_of_protected_brands_are_strong(value, brand, code):
    result = score_domain(value)
    assert result.level == "strong", (value, result.score, result.reasons)
    assert result.brand is not None and result.brand.key == brand
    assert code in result.codes


@pytest.mark.parametrize(
    "value",
    [
        "vietcombаnk.com",  # Cyrillic а
        "xn--vietcombnk-6qi.com",  # the same name as it travels, in punycode
        "vіetinbank.vn",  # Cyrillic і
        "tеchcombank.com",  # Cyrillic е
        "bidv.cοm.vn.xn--80ak6aa92e.com",  # Greek ο, then a Cyrillic name
    ],
)
def test_idn_homographs_are_strong_and_say_why(value):
    result = score_domain(value)
    assert result.level == "strong", (value, result.score, result.reasons)
    assert "homoglyph" in result.codes or "mixed_script" in result.codes or result.brand
    if "homoglyph" in result.codes:
        assert "trông giống chữ Latinh" in result.reasons[0]


def test_homoglyph_reason_shows_how_the_name_looks():
    result = score_domain("xn--vietcombnk-6qi.com")
    assert result.codes[0] == "homoglyph"
    assert "vietcombаnk.com" in result.reasons[0]  # the Unicode form people see
    assert "vietcombank.com.vn" in result.reasons[0]  # and the real site


@pytest.mark.parametrize(
    "value",
    [
        "vietcombank.com.vn",
        "vcbdigibank.vietcombank.com.vn",
        "acb.com.vn",
        "online.acb.com.vn",
        "mbbank.com.vn",
        "dichvucong.gov.vn",
        "thuedientu.gdt.gov.vn",
        "vneid.gov.vn",
        "momo.vn",
        "shopee.vn",
        "google.com",
        "facebook.com",
        "zalo.me",
        "sites.google.com",
        "weebly.com",
    ],
)
def test_official_domains_and_allowlist_are_never_flagged(value):
    result = score_domain(value)
    assert result.score == 0.0
    assert result.official


@pytest.mark.parametrize(
    "value",
    [
        "macbook.com",  # "acb" inside an unrelated word
        "mbc.net",
        "tiktokmod.pro",  # a global brand with no login or prize word
        "tiktok-trend.top",  # nor does a cheap ending count for it (not a bank or a wallet)
        "hsbc.co.uk",
        "otpbank.hu",  # "tpbank" inside another bank's name
        "agibank.com.br",  # one letter from Agribank, but a Brazilian bank
        "tbank.ru",
        "bamboohr.com",
        "digitalgov.gov",
        "skin.club",
        "meta.vn",
        "shopee.co.id",
        "apple.co",
    ],
)
def test_ordinary_names_near_brand_words_are_not_flagged(value):
    result = score_domain(value)
    assert not result.flagged, (value, result.score, result.reasons)


def test_free_hosting_alone_is_a_weak_sign_and_with_a_brand_a_strong_one():
    plain = score_host("nhom-hoc-tap.weebly.com")
    assert "free_hosting" in plain.codes and not plain.flagged
    assert "weebly.com" in plain.reasons[0]
    branded = score_host("vietcombank-hotro.weebly.com")
    assert branded.level == "strong"


def test_risky_tld_alone_is_weak_and_with_prize_words_suspicious():
    assert not score_host("my-blog.xyz").flagged
    assert "risky_tld" in score_host("my-blog.xyz").codes
    prize = score_host("sukien-nhanqua.xyz")
    assert prize.flagged and prize.level == "suspicious"


def test_brand_page_on_a_site_builder_path_is_strong():
    result = score_url("https://sites.google.com/view/vietcombank-hotro-khachhang")
    assert result.level == "strong"
    assert "brand_in_path" in result.codes
    assert not score_url("https://sites.google.com/view/lop-12a1").flagged


def test_shortener_and_ip_links():
    assert "shortener" in score_url("https://bit.ly/abc123").codes
    ip = score_url("http://103.45.67.89/login")
    assert ip.flagged and "ip" in ip.codes


def test_allowlist_given_by_the_matcher_is_respected():
    allowlist = shipped_allowlist().with_names([("vietcombank-xacthuc.com", True)])
    assert isinstance(allowlist, Allowlist)
    assert score_host("vietcombank-xacthuc.com", allowlist=allowlist).score == 0.0


def test_reasons_follow_the_language_of_the_request():
    with translation.override("en"):
        english = score_domain("vietcombank-xacthuc.com").reasons[0]
    vietnamese = score_domain("vietcombank-xacthuc.com").reasons[0]
    assert "Tên miền" in vietnamese
    assert "Tên miền" not in english and "vietcombank.com.vn" in english


def test_cached_results_are_not_changed_by_url_findings():
    before = score_host("bit.ly")
    score_url("https://bit.ly/abc")
    assert score_host("bit.ly").codes == before.codes


def test_short_bank_name_padded_with_a_stray_letter_or_digits_is_suspicious():
    for value in ("w-acb.com", "acb-88.net"):
        result = score_domain(value)
        assert result.flagged and result.level == "suspicious", value
        assert result.brand is not None and result.brand.key == "acb"
        assert result.codes == ["padded_token"]
    # A real word next to the short name is some other business, and a foreign ending is
    # another country's company.
    assert not score_domain("my-acb.com").flagged
    assert not score_domain("acb-group.com").flagged
    assert not score_domain("w-acb.de").flagged
