"""Safe Browsing canonicalisation and expressions, as published by Google, and domains."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.urlcanon import (
    _canonical_slow,
    canonical_parts,
    canonicalize,
    full_hash,
    parse_ipv4,
    public_suffix,
    refang,
    refang_with_map,
    registrable_domain,
    url_expressions,
)
from lib.shared_data import shared_file

# The canonicalisation table of Google's Safe Browsing "URLs and Hashing" documentation.
SAFE_BROWSING_CANONICAL = [
    ("http://host/%25%32%35", "http://host/%25"),
    ("http://host/%25%32%35%25%32%35", "http://host/%25%25"),
    ("http://host/%2525252525252525", "http://host/%25"),
    ("http://host/asdf%25%32%35asd", "http://host/asdf%25asd"),
    ("http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"),
    ("http://www.google.com/", "http://www.google.com/"),
    (
        "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
        "http://168.188.99.26/.secure/www.ebay.com/",
    ),
    (
        "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
        "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
    ),
    (
        "http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
        "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+",
    ),
    ("http://3279880203/blah", "http://195.127.0.11/blah"),
    ("http://www.google.com/blah/..", "http://www.google.com/"),
    ("www.google.com/", "http://www.google.com/"),
    ("www.google.com", "http://www.google.com/"),
    ("http://www.evil.com/blah#frag", "http://www.evil.com/blah"),
    ("http://www.GOOgle.com/", "http://www.google.com/"),
    ("http://www.google.com.../", "http://www.google.com/"),
    ("http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"),
    ("http://www.google.com/q?", "http://www.google.com/q?"),
    ("http://www.google.com/q?r?", "http://www.google.com/q?r?"),
    ("http://www.google.com/q?r?s", "http://www.google.com/q?r?s"),
    ("http://evil.com/foo#bar#baz", "http://evil.com/foo"),
    ("http://evil.com/foo;", "http://evil.com/foo;"),
    ("http://evil.com/foo?bar;", "http://evil.com/foo?bar;"),
    # The table gives this one as bytes: 0x80 is a byte, not the character U+0080.
    (b"http://\x01\x80.com/", "http://%01%80.com/"),
    ("http://notrailingslash.com", "http://notrailingslash.com/"),
    ("http://www.gotaport.com:1234/", "http://www.gotaport.com/"),
    ("  http://www.google.com/  ", "http://www.google.com/"),
    ("http:// leadingspace.com/", "http://%20leadingspace.com/"),
    ("http://%20leadingspace.com/", "http://%20leadingspace.com/"),
    ("%20leadingspace.com/", "http://%20leadingspace.com/"),
    ("https://www.securesite.com/", "https://www.securesite.com/"),
    ("http://host.com/ab%23cd", "http://host.com/ab%23cd"),
    ("http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes"),
]


@pytest.mark.parametrize(("raw", "canonical"), SAFE_BROWSING_CANONICAL)
def test_canonicalisation_matches_the_safe_browsing_table(raw, canonical):
    assert canonicalize(raw) == canonical


@pytest.mark.parametrize(("raw", "canonical"), SAFE_BROWSING_CANONICAL)
def test_the_fast_path_and_the_full_algorithm_agree_on_the_table(raw, canonical):
    assert str(_canonical_slow(raw)) == canonical


# The suffix/prefix expression examples of the same documentation.
@pytest.mark.parametrize(
    ("url", "expressions"),
    [
        (
            "http://a.b.c/1/2.html?param=1",
            [
                "a.b.c/1/2.html?param=1",
                "a.b.c/1/2.html",
                "a.b.c/",
                "a.b.c/1/",
                "b.c/1/2.html?param=1",
                "b.c/1/2.html",
                "b.c/",
                "b.c/1/",
            ],
        ),
        (
            "http://a.b.c.d.e.f.g/1.html",
            [
                "a.b.c.d.e.f.g/1.html",
                "a.b.c.d.e.f.g/",
                "c.d.e.f.g/1.html",
                "c.d.e.f.g/",
                "d.e.f.g/1.html",
                "d.e.f.g/",
                "e.f.g/1.html",
                "e.f.g/",
                "f.g/1.html",
                "f.g/",
            ],
        ),
        ("http://1.2.3.4/1/", ["1.2.3.4/1/", "1.2.3.4/"]),
        (
            "http://a.b/saw-cgi/eBayISAPI.dll/",
            ["a.b/saw-cgi/eBayISAPI.dll/", "a.b/", "a.b/saw-cgi/"],
        ),
        (
            "http://a.b/1/2/3/4/5/6.html",
            ["a.b/1/2/3/4/5/6.html", "a.b/", "a.b/1/", "a.b/1/2/", "a.b/1/2/3/"],
        ),
    ],
)
def test_suffix_prefix_expressions_match_the_safe_browsing_examples(url, expressions):
    assert url_expressions(url) == expressions


def test_full_hash_is_sha256_of_the_expression():
    assert full_hash("abc") == hashlib.sha256(b"abc").digest()


@pytest.mark.parametrize(
    ("host", "ip"),
    [
        ("3279880203", "195.127.0.11"),
        ("0xc37f000b", "195.127.0.11"),
        ("0303.0177.0.013", "195.127.0.11"),
        ("0xc3.0x7f.0x0.0xb", "195.127.0.11"),
        ("195.127.11", "195.127.0.11"),
        ("195.8323083", "195.127.0.11"),
        ("1.2.3.4", "1.2.3.4"),
        ("256.1.1.1", None),
        ("1.2.3.4.5", None),
        ("08.1.1.1", None),
        ("1234x.com", None),
        ("", None),
    ],
)
def test_ipv4_in_any_legal_encoding(host, ip):
    assert parse_ipv4(host) == ip


def test_ipv6_hosts_are_compressed():
    assert canonicalize("http://[2001:0db8:0000:0000:0000:0000:0000:0001]:8080/x") == (
        "http://[2001:db8::1]/x"
    )


def test_idn_hosts_become_punycode_whether_escaped_or_not():
    assert canonicalize("http://cốccốc.vn/") == "http://xn--cccc-0x5ac.vn/"
    assert canonicalize("http://C%E1%BB%91cC%E1%BB%91c.vn/") == "http://xn--cccc-0x5ac.vn/"


def test_user_information_and_port_are_dropped():
    assert canonicalize("http://user:pass@Example.COM:8443/a") == "http://example.com/a"


@pytest.mark.parametrize(
    ("host", "registrable"),
    [
        ("www.ehoaq.com", "ehoaq.com"),
        ("a.b.vietcombank.com.vn", "vietcombank.com.vn"),
        ("dichvucong.gov.vn", "dichvucong.gov.vn"),
        ("scam.github.io", "scam.github.io"),  # private suffix: a customer's own site
        ("github.io", None),
        ("com.vn", None),
        ("195.127.0.11", None),
        ("localhost", None),
    ],
)
def test_registrable_domain_uses_the_bundled_public_suffix_list(host, registrable):
    assert registrable_domain(host) == registrable


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("hxxp://ehoaq[.]com/login", "http://ehoaq.com/login"),
        ("hXXps[:]//vcb-xacthuc(.)top", "https://vcb-xacthuc.top"),
        ("ehoaq. com", "ehoaq.com"),
        ("ehoaq .com", "ehoaq.com"),
        ("ehoaq . com . vn", "ehoaq.com.vn"),
        ("ehoaq[dot]com", "ehoaq.com"),
        ("ehoaq dot com", "ehoaq.com"),
        ("viet\u200bcom\u200bbank.com", "vietcombank.com"),
        ("Chuyển tiền. Vn là ai", "Chuyển tiền. Vn là ai"),
        ("Xong rồi. Hẹn gặp lại", "Xong rồi. Hẹn gặp lại"),
    ],
)
def test_refang_undoes_common_obfuscations_but_leaves_sentences(text, plain):
    assert refang(text) == plain
    mapped, positions = refang_with_map(text)
    assert mapped == plain
    assert len(positions) == len(mapped)
    assert positions == sorted(positions)
    assert all(0 <= p < len(text) for p in positions)


_SIMPLE_URL = st.from_regex(
    r"\A(https?://)?[A-Za-z0-9][A-Za-z0-9\-.]{0,20}(:[0-9]{1,5})?"
    r"(/[A-Za-z0-9/._~!$&'()*+,;=:@%\-]{0,30})?(\?[A-Za-z0-9/?._~=&%\-]{0,20})?(#[a-z]{0,5})?\Z"
)


@given(_SIMPLE_URL)
def test_the_fast_path_gives_what_the_full_algorithm_gives(url):
    assert canonical_parts(url) == _canonical_slow(url)


@given(st.one_of(_SIMPLE_URL, st.text(), st.binary()))
def test_canonicalisation_never_raises_and_is_idempotent(url):
    once = canonicalize(url)
    assert canonicalize(once) == once


EDGE_HOSTS = [
    "www.ck",
    "a.www.ck",
    "a.b.kawasaki.jp",
    "city.kawasaki.jp",
    "x.city.kawasaki.jp",
    "github.io",
    "a.github.io",
    "com.vn",
    "x.blogspot.com",
    "a.b.foo.compute.amazonaws.com",
    "b.a.xn--80ao21a",
    "xn--p1ai",
    "1.2.3.4",
    "localhost",
    "abc.local",
]


def _tldextract_answer(host):
    from indicators.urlcanon import _EXTRACT

    result = _EXTRACT(host)
    registrable = f"{result.domain}.{result.suffix}" if result.domain and result.suffix else None
    return result.suffix or None, registrable


@pytest.mark.parametrize("host", EDGE_HOSTS)
def test_public_suffix_agrees_with_tldextract(host):
    assert (public_suffix(host), registrable_domain(host)) == _tldextract_answer(host)


@pytest.mark.slow
def test_public_suffix_agrees_with_tldextract_on_the_tranco_list():
    path = shared_file("tranco/tranco_top_50k.csv")
    if path is None:
        pytest.skip("../shared/data/tranco/tranco_top_50k.csv is not on this machine")
    hosts = [line.split(",", 1)[1].strip() for line in path.read_text().splitlines() if "," in line]
    hosts += ["www." + host for host in hosts[:5000]]
    disagree = [
        h for h in hosts if (public_suffix(h), registrable_domain(h)) != _tldextract_answer(h)
    ]
    assert disagree == []
