"""Verdicts: what a listing covers, what the allowlist protects, and the hash API."""

import functools
import hashlib
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.allowlist import parse_allowlist, shipped_allowlist
from indicators.kinds import Kind
from indicators.matcher import IndexRow, MatcherIndex, listing_expressions
from indicators.normalise import normalise

LISTED = [
    (Kind.DOMAIN, "ehoaq.com"),
    (Kind.URL, "sites.google.com/view/hoadondo"),
    (Kind.URL, "http://lua-dao.vn/nhan-qua?ma=1"),
    (Kind.DOMAIN, "zalo.me"),  # as cut down in public lists: must not block Zalo
    (Kind.DOMAIN, "www.facebook.com"),
    (Kind.URL, "https://www.facebook.com/BVCHORAY"),
    (Kind.DOMAIN, "github.io"),
    (Kind.DOMAIN, "scam.web.app"),
    (Kind.DOMAIN, "vcb-xacthuc.gov.vn.ehoaq.top"),
    (Kind.IP, "195.127.0.11"),
    (Kind.PHONE, "0867 256 447"),
    (Kind.BANK_ACCOUNT, "Vietcombank: 0071000986547"),
    (Kind.SOCIAL_PROFILE, "t.me/HoTro_VCB"),
    (Kind.EMAIL, "hotro.vcb@gmail.com"),
]


def build(listed=LISTED, allowlist=None) -> MatcherIndex:
    rows = [
        IndexRow(pk, kind.value, normalise(kind, raw), "scam")
        for pk, (kind, raw) in enumerate(listed, start=1)
    ]
    return MatcherIndex(rows, allowlist=allowlist)


@pytest.fixture(scope="module")
def index():
    return build()


@pytest.mark.parametrize(
    ("url", "matched", "match"),
    [
        ("http://ehoaq.com/", "ehoaq.com", "exact"),
        ("https://EHOAQ.com/dang-nhap?x=1#top", "ehoaq.com", "exact"),
        ("https://a.b.c.d.e.f.ehoaq.com/x/y/z", "ehoaq.com", "subdomain"),
        (
            "https://sites.google.com/view/hoadondo",
            "http://sites.google.com/view/hoadondo",
            "exact",
        ),
        (
            "https://sites.google.com/view/hoadondo/trang-2",
            "http://sites.google.com/view/hoadondo",
            "url_prefix",
        ),
        ("http://lua-dao.vn/nhan-qua?ma=1", "http://lua-dao.vn/nhan-qua?ma=1", "exact"),
        (
            "https://www.facebook.com/BVCHORAY?ref=share",
            "https://www.facebook.com/BVCHORAY",
            "url_prefix",
        ),
        ("https://scam.web.app/login", "scam.web.app", "exact"),
        ("http://3279880203/anything", "195.127.0.11", "exact"),
        ("http://vcb-xacthuc.gov.vn.ehoaq.top/", "vcb-xacthuc.gov.vn.ehoaq.top", "exact"),
        ("https://t.me/hotro_vcb", "t.me/hotro_vcb", "exact"),
    ],
)
def test_listed_urls_name_the_listing_that_matched(index, url, matched, match):
    verdict = index.check_url(url)
    assert verdict.listed
    assert verdict.matched_value == matched
    assert verdict.match == match
    assert verdict.category == "scam"
    assert verdict.matched_pk is not None
    assert matched.split("/")[-1] in verdict.reason or matched in verdict.reason


@pytest.mark.parametrize(
    "url",
    [
        "https://ehoaq.com.vn/",  # a different registrable domain
        "https://notehoaq.com/",
        "https://sites.google.com/view/hoadondo-that",  # not under the listed prefix
        "https://sites.google.com/view/other",
        "https://sites.google.com/",
        "http://lua-dao.vn/nhan-qua",  # the listing is that exact query
        "https://zalo.me/0912345678",  # zalo.me is allowlisted: no domain-level block
        "https://zalo.me/",
        "https://www.facebook.com/",  # likewise facebook.com and everything under it
        "https://www.facebook.com/vietcombank",
        "https://pages.github.io/",  # github.io is a public suffix: covers nobody
        "https://web.app/",
        "https://other.web.app/",
        "https://gov.vn/",
        "http://195.127.0.12/",
    ],
)
def test_what_the_listings_do_not_cover(index, url):
    verdict = index.check_url(url)
    assert not verdict.listed, verdict


def test_allowlisted_hosts_say_so(index):
    verdict = index.check_url("https://zalo.me/0912345678")
    assert verdict.allowlisted
    assert "zalo.me" in verdict.reason
    assert not index.check_url("https://ehoaq.com.vn/").allowlisted
    listed_page = index.check_url("https://sites.google.com/view/hoadondo")
    assert listed_page.listed and listed_page.allowlisted


@pytest.mark.parametrize(
    ("kind", "raw", "listed", "match"),
    [
        (Kind.DOMAIN, "ehoaq.com", True, "exact"),
        (Kind.DOMAIN, "login.ehoaq.com", True, "subdomain"),
        (Kind.DOMAIN, "gov.vn", False, ""),
        (Kind.URL, "hxxps://login.ehoaq[.]com/abc", True, "subdomain"),
        (Kind.URL, "ehoaq. com/abc", True, "exact"),
        (Kind.DOMAIN, "zalo.me", False, ""),
        (Kind.DOMAIN, "www.facebook.com", False, ""),
        (Kind.DOMAIN, "scam.web.app", True, "exact"),
        (Kind.DOMAIN, "x.scam.web.app", True, "subdomain"),
        (Kind.IP, "0xc37f000b", True, "exact"),
        (Kind.PHONE, "+84 86 725 6447", True, "exact"),
        (Kind.PHONE, "0867256448", False, ""),
        (Kind.BANK_ACCOUNT, "STK 0071 0009 86547 VCB", True, "exact"),
        (Kind.BANK_ACCOUNT, "STK 0071 0009 86547 BIDV", False, ""),
        (Kind.EMAIL, "HoTro.VCB@gmail.com", True, "exact"),
        (Kind.SOCIAL_PROFILE, "https://t.me/HOTRO_VCB", True, "exact"),
    ],
)
def test_check_any_kind(index, kind, raw, listed, match):
    verdict = index.check(kind, raw)
    assert (verdict.listed, verdict.match) == (listed, match)
    assert verdict.kind == kind.value


def test_domain_verdict_explains_the_subdomain(index):
    verdict = index.check(Kind.DOMAIN, "login.ehoaq.com")
    assert verdict.reason == (
        "Tên miền ehoaq.com nằm trong danh sách cảnh báo; login.ehoaq.com là tên miền con của nó."
    )


def test_check_rejects_invalid_values(index):
    with pytest.raises(ValueError, match="số điện thoại"):
        index.check(Kind.PHONE, "12")


@given(st.text(max_size=200))
def test_check_url_never_raises(text):
    assert _shared_index().check_url(text).kind == "url"


@functools.cache
def _shared_index() -> MatcherIndex:
    return build()


def test_allowlist_additions_take_effect():
    allowlist = shipped_allowlist().with_names([("ehoaq.com", True)])
    index = build(allowlist=allowlist)
    assert not index.check_url("https://ehoaq.com/").listed
    assert index.check_url("https://ehoaq.com/").allowlisted


def test_exact_allowlist_names_leave_customers_listable():
    allowlist = parse_allowlist("=web.app\nfacebook.com  # comment\n")
    assert allowlist.covers("web.app")
    assert not allowlist.covers("scam.web.app")
    assert allowlist.covers("m.facebook.com")
    assert not allowlist.covers("facebook.com.vn")


def test_shipped_allowlist_protects_platforms_and_the_state():
    allowlist = shipped_allowlist()
    for host in [
        "zalo.me",
        "sites.google.com",
        "apps.apple.com",
        "play.google.com",
        "www.facebook.com",
        "dichvucong.gov.vn",
        "vietcombank.com.vn",
        "github.io",
    ]:
        assert allowlist.covers(host), host
    for host in ["scam.github.io", "ehoaq.com", "vietcombank-xacthuc.com", "gov.vn.ehoaq.top"]:
        assert not allowlist.covers(host), host


def test_listing_expressions():
    assert listing_expressions("domain", "ehoaq.com") == ["ehoaq.com/"]
    assert listing_expressions("url", "http://a.vn/p") == ["a.vn/p", "a.vn/p/"]
    assert listing_expressions("url", "http://a.vn/p?q=1") == ["a.vn/p?q=1"]
    assert listing_expressions("ip", "2001:db8::1") == ["[2001:db8::1]/"]
    assert listing_expressions("phone", "+84867256447") == ["phone:+84867256447"]


def test_full_hashes_and_prefixes_cover_every_expression(index):
    expected = sorted(
        hashlib.sha256(e.encode()).digest()
        for kind, raw in LISTED
        for e in listing_expressions(kind.value, normalise(kind, raw))
    )
    assert list(index.full_hashes()) == expected
    prefixes = index.hash_prefixes()
    assert len(prefixes) % 4 == 0
    assert sorted({h[:4] for h in expected}) == [
        prefixes[i : i + 4] for i in range(0, len(prefixes), 4)
    ]
    domain_hash = hashlib.sha256(b"ehoaq.com/").digest()
    assert index.full_hashes_for_prefix(domain_hash[:4]) == [domain_hash]
    assert index.full_hashes_for_prefix(domain_hash[:4] + b"\x00" * 28) in ([], [domain_hash])
    assert index.full_hashes_for_prefix(b"\xff\xff\xff\xff") == []


def test_the_index_is_compact():
    # 20,000 listings: flat buffers, a few dozen bytes per listing beyond the 32-byte hashes.
    rows = [IndexRow(i, "domain", f"scam{i}.vn", "scam") for i in range(20_000)]
    index = MatcherIndex(rows)
    assert len(index) == 20_000
    assert index.memory_bytes() < 20_000 * 150
    assert index.check_url(f"https://www.scam{19_999}.vn/x").listed
    assert not index.check_url("https://www.scam20000.vn/x").listed


def test_expired_listings_are_reported_by_the_index():
    from django.utils import timezone

    now = timezone.now()
    index = MatcherIndex([], next_expiry=now + timedelta(hours=1))
    assert not index.expired(now)
    assert index.expired(now + timedelta(hours=2))
