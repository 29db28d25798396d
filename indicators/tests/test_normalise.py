"""normalise() and guess_kind(): one canonical value per indicator, Vietnamese errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.banks import banks
from indicators.kinds import Kind
from indicators.normalise import guess_kind, normalise, normalise_any

TRON_ADDRESS = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        (Kind.URL, "hxxps://vcb-xacthuc[.]top/Login?id=1#x", "https://vcb-xacthuc.top/Login?id=1"),
        (Kind.URL, "ehoaq. com/dang-nhap", "http://ehoaq.com/dang-nhap"),
        (Kind.URL, "HTTP://WWW.Ehoaq.COM.", "http://www.ehoaq.com/"),
        (Kind.URL, "http://3279880203/blah", "http://195.127.0.11/blah"),
        (Kind.URL, "http://cốccốc.vn/tải", "http://xn--cccc-0x5ac.vn/t%E1%BA%A3i"),
        (Kind.DOMAIN, "ehoaq. com", "ehoaq.com"),
        (Kind.DOMAIN, "https://WWW.Ehoaq.com/path?q=1", "www.ehoaq.com"),
        (Kind.DOMAIN, "*.ehoaq.com", "ehoaq.com"),
        (Kind.DOMAIN, "sn99.cc:100", "sn99.cc"),
        (Kind.DOMAIN, "Điện-Lực.vn", "xn--in-lc-4ya7534cyja.vn"),
        (Kind.IP, "3279880203", "195.127.0.11"),
        (Kind.IP, "[2001:0db8::0001]", "2001:db8::1"),
        (Kind.PHONE, "+84 86 725 6447", "+84867256447"),
        (Kind.PHONE, "086.725.6447", "+84867256447"),
        (Kind.PHONE, "84867256447", "+84867256447"),
        (Kind.PHONE, "(+84) 867-256-447", "+84867256447"),
        (Kind.PHONE, "028 3822 1234", "+842838221234"),
        (Kind.SENDER, "Vietcombank", "VIETCOMBANK"),
        (Kind.SENDER, " 9029 ", "9029"),
        (Kind.SENDER, "FE  Credit", "FE CREDIT"),
        (Kind.BANK_ACCOUNT, "Vietcombank: 0071000986547", "VCB:0071000986547"),
        (Kind.BANK_ACCOUNT, "STK 123456789 MB", "MB:123456789"),
        (Kind.BANK_ACCOUNT, "970436 0071 0009 86547", "VCB:0071000986547"),
        (Kind.BANK_ACCOUNT, "Ngân hàng TMCP Á Châu - 12345678", "ACB:12345678"),
        (Kind.BANK_ACCOUNT, "MoMo +84 912 345 678", "MOMO:0912345678"),
        (Kind.EMAIL, "HoTro.VCB@Gmail.COM", "hotro.vcb@gmail.com"),
        (Kind.EMAIL, "hotro[at]vcb-support[.]com", "hotro@vcb-support.com"),
        (Kind.SOCIAL_PROFILE, "https://www.facebook.com/BVCHORAY", "facebook.com/bvchoray"),
        (
            Kind.SOCIAL_PROFILE,
            "m.facebook.com/profile.php?id=1000123&ref=x",
            "facebook.com/profile.php?id=1000123",
        ),
        (Kind.SOCIAL_PROFILE, "https://zalo.me/84912345678", "zalo.me/0912345678"),
        (Kind.SOCIAL_PROFILE, "t.me/HoTro_VCB", "t.me/hotro_vcb"),
        (
            Kind.SOCIAL_PROFILE,
            "https://www.tiktok.com/@Nguoi.Ban/video/123",
            "tiktok.com/@nguoi.ban",
        ),
        (
            Kind.CRYPTO_WALLET,
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "0x52908400098527886e0f7030069857d2e4169ee7",
        ),
        (Kind.CRYPTO_WALLET, TRON_ADDRESS, TRON_ADDRESS),
    ],
)
def test_normalise_gives_the_canonical_value(kind, raw, value):
    assert normalise(kind, raw) == value


@pytest.mark.parametrize(
    ("kind", "raw", "says"),
    [
        (Kind.URL, "", "Chưa nhập"),
        (Kind.URL, "ftp://ehoaq.com/x", "http"),
        (Kind.URL, "http://ehoaq.invalidtld/", "đuôi tên miền"),
        (Kind.DOMAIN, "195.127.0.11", "địa chỉ IP"),
        (Kind.DOMAIN, "ehoaq", "đuôi tên miền"),
        (Kind.IP, "ehoaq.com", "không phải địa chỉ IP"),
        (Kind.PHONE, "0071000986547", "không phải số điện thoại hợp lệ"),
        (Kind.PHONE, "gọi 0912", "chỉ gồm chữ số"),
        (Kind.SENDER, "0912345678", "Số điện thoại"),
        (Kind.BANK_ACCOUNT, "0071000986547", "Chưa rõ ngân hàng"),
        (Kind.BANK_ACCOUNT, "Vietcombank 123", "từ 6 đến 19 chữ số"),
        (Kind.BANK_ACCOUNT, "MB 0912345678 Vietcombank 0071000986547", "nhiều ngân hàng"),
        (Kind.EMAIL, "hotro.vcb", "tên@tênmiền"),
        (Kind.SOCIAL_PROFILE, "https://www.facebook.com/login.php", "không phải trang"),
        (Kind.SOCIAL_PROFILE, "https://ehoaq.com/abc", "không phải đường dẫn Facebook"),
        (Kind.CRYPTO_WALLET, TRON_ADDRESS[:-1] + "u", "mã kiểm tra"),
        ("nonsense", "x", "Loại dấu hiệu"),
    ],
)
def test_normalise_says_in_vietnamese_what_is_wrong(kind, raw, says):
    with pytest.raises(ValueError, match=says):
        normalise(kind, raw)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("https://ehoaq.com/login", Kind.URL),
        ("ehoaq. com", Kind.DOMAIN),
        ("ehoaq.com/dang-nhap", Kind.URL),
        ("195.127.0.11", Kind.IP),
        ("0867 256 447", Kind.PHONE),
        ("+84867256447", Kind.PHONE),
        ("Vietcombank: 0071000986547", Kind.BANK_ACCOUNT),
        ("STK 123456789 MB", Kind.BANK_ACCOUNT),
        ("hotro.vcb@gmail.com", Kind.EMAIL),
        ("https://www.facebook.com/BVCHORAY", Kind.SOCIAL_PROFILE),
        ("zalo.me/0912345678", Kind.SOCIAL_PROFILE),
        ("https://sites.google.com/view/hoadondo", Kind.URL),
        ("VIETCOMBANK", Kind.SENDER),
        ("9029", Kind.SENDER),
        (TRON_ADDRESS, Kind.CRYPTO_WALLET),
    ],
)
def test_guess_kind_of_one_pasted_value(raw, kind):
    assert guess_kind(raw) == kind
    assert normalise_any(raw)[0] == kind


@pytest.mark.parametrize("raw", ["0071000986547", "xin chào bạn", "???"])
def test_guess_kind_says_when_it_cannot_tell(raw):
    with pytest.raises(ValueError, match="[a-zà-ỹ]"):
        guess_kind(raw)


# --- properties ---------------------------------------------------------------------------------

ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80)
TLDS = ["com", "vn", "com.vn", "net", "xyz", "top", "org.vn", "online"]
LABEL = st.from_regex(r"\A[a-z0-9](?:[a-z0-9\-]{0,12}[a-z0-9])?\Z")
SEGMENT = st.from_regex(r"\A[A-Za-z0-9_\-~]{1,10}\Z")


@st.composite
def urls(draw):
    labels = draw(st.lists(LABEL, min_size=1, max_size=3))
    host = ".".join(labels) + "." + draw(st.sampled_from(TLDS))
    path = "/" + "/".join(draw(st.lists(SEGMENT, max_size=4)))
    query = draw(st.one_of(st.none(), st.from_regex(r"\A[a-z]{1,5}=[A-Za-z0-9]{0,6}\Z")))
    return host, path, query


def _percent_encode_some(text, picks):
    return "".join(
        f"%{ord(c):02X}" if c.isalnum() and pick else c for c, pick in zip(text, picks, strict=True)
    )


@st.composite
def url_spellings(draw):
    host, path, query = draw(urls())
    base = f"http://{host}{path}" + ("" if query is None else f"?{query}")
    spelled_host = "".join(c.upper() if draw(st.booleans()) else c for c in host)
    spelled_host += draw(st.sampled_from(["", ".", "..", ":80"]))
    picks = draw(st.lists(st.booleans(), min_size=len(path), max_size=len(path)))
    spelled_path = _percent_encode_some(path, picks)
    if draw(st.booleans()):
        spelled_path = spelled_path.replace("%", "%25", 1)  # escaped twice
    if draw(st.booleans()) and spelled_path != "/":
        spelled_path = "/./x/.." + spelled_path
    scheme = draw(st.sampled_from(["http://", "HTTP://", "", "hxxp://", "http://user@"]))
    tail = ("" if query is None else f"?{query}") + draw(st.sampled_from(["", "#frag", "#"]))
    around = draw(st.sampled_from(["", " ", "\t", "  \n"]))
    return base, f"{around}{scheme}{spelled_host}{spelled_path}{tail}{around}"


@given(url_spellings())
def test_spellings_of_one_url_give_one_value(pair):
    base, spelling = pair
    assert normalise(Kind.URL, spelling) == normalise(Kind.URL, base)


MOBILE_PREFIXES = [
    "86",
    "96",
    "97",
    "98",
    "32",
    "33",
    "35",
    "70",
    "77",
    "79",
    "81",
    "83",
    "88",
    "90",
    "91",
    "94",
]


@st.composite
def phone_spellings(draw):
    nsn = draw(st.sampled_from(MOBILE_PREFIXES)) + draw(st.from_regex(r"\A[0-9]{7}\Z"))
    groups = [nsn[:2], nsn[2:5], nsn[5:]]
    separator = draw(st.sampled_from(["", " ", ".", "-"]))
    lead = draw(st.sampled_from(["0", "+84", "84", "+84 ", "(+84) ", "0"]))
    if lead == "0" and separator:
        grouped = separator.join(["0" + nsn[:3], nsn[3:6], nsn[6:]])
    else:
        grouped = lead + separator.join(groups)
    return nsn, grouped


@given(phone_spellings())
def test_spellings_of_one_phone_give_one_value(pair):
    nsn, spelling = pair
    assert normalise(Kind.PHONE, spelling) == f"+84{nsn}"


@st.composite
def account_spellings(draw):
    bank = draw(st.sampled_from([b for b in banks().values() if b.kind == "bank"]))
    alias = draw(st.sampled_from(bank.aliases))
    alias = draw(st.sampled_from([alias, alias.upper(), alias.lower()]))
    digits = draw(st.from_regex(r"\A[0-9]{6,19}\Z"))
    separator = draw(st.sampled_from(["", " ", ".", "-"]))
    step = draw(st.integers(3, 5))
    number = separator.join(digits[i : i + step] for i in range(0, len(digits), step))
    joiner = draw(st.sampled_from([": ", " ", " - ", ", STK ", " số tài khoản "]))
    if draw(st.booleans()):
        return bank.code, digits, f"{alias}{joiner}{number}"
    return bank.code, digits, f"STK {number} {alias}"


@given(account_spellings())
def test_spellings_of_one_account_give_one_value(spelled):
    code, digits, spelling = spelled
    assert normalise(Kind.BANK_ACCOUNT, spelling) == f"{code}:{digits}"


def _second(pair):
    return pair[1]


SAMPLES = {
    Kind.URL: st.one_of(
        url_spellings().map(_second),
        st.from_regex(r"\A(https?://)?[a-z]{1,8}\.(com|vn)/[\x21-\x7e]{0,24}\Z"),
    ),
    Kind.DOMAIN: url_spellings().map(_second),
    Kind.IP: st.one_of(
        st.integers(0, 2**32 - 1).map(str),
        st.from_regex(r"\A(0x[0-9a-f]{1,2}|0[0-7]{1,3}|[0-9]{1,3})(\.[0-9]{1,3}){0,3}\Z"),
        st.ip_addresses(v=6).map(lambda ip: f"[{ip.exploded}]"),
    ),
    Kind.PHONE: phone_spellings().map(_second),
    Kind.SENDER: st.from_regex(r"\A[A-Za-zđĐàá0-9 .\-]{1,12}\Z"),
    Kind.BANK_ACCOUNT: account_spellings().map(lambda spelled: spelled[2]),
    Kind.EMAIL: st.tuples(st.from_regex(r"\A[A-Za-z0-9._+\-]{1,12}\Z"), urls()).map(
        lambda pair: f"{pair[0]}@{pair[1][0]}"
    ),
    Kind.SOCIAL_PROFILE: st.tuples(
        st.sampled_from(
            ["facebook.com/", "https://m.facebook.com/", "zalo.me/", "t.me/", "tiktok.com/@"]
        ),
        st.from_regex(r"\A[A-Za-z0-9_.+]{1,12}\Z"),
    ).map("".join),
    Kind.CRYPTO_WALLET: st.sampled_from(
        [
            TRON_ADDRESS,
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ",
        ]
    ),
}


@given(st.data())
def test_normalise_is_idempotent(data):
    kind = data.draw(st.sampled_from(list(Kind)))
    raw = data.draw(st.one_of(SAMPLES[kind], ANY_TEXT))
    try:
        value = normalise(kind, raw)
    except ValueError:
        return
    assert normalise(kind, value) == value


@given(st.sampled_from(list(Kind)), ANY_TEXT)
def test_normalise_raises_nothing_but_value_error(kind, raw):
    try:
        normalise(kind, raw)
    except ValueError as error:
        assert str(error)


@given(ANY_TEXT)
def test_guess_kind_raises_nothing_but_value_error(raw):
    try:
        kind = guess_kind(raw)
    except ValueError:
        return
    normalise(kind, raw)  # what it guesses, it can normalise


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (Kind.URL, "http://a.com/x/%5B.%5D/y"),  # "[.]" in a path is content, not a dot
        (Kind.URL, "http://a.com/hxxp%3A//b"),
        (Kind.URL, "http://a%2Fb.com/"),
        (Kind.URL, "http://a.com/p%3Fq?r#s"),
        (Kind.URL, "http://xn--cccc-0x5ac.vn/%E1%BA%A3"),
        (Kind.EMAIL, "a(dot)b@ehoaq[.]com"),
        (Kind.DOMAIN, "ehoaq.com/[.]"),
    ],
)
def test_normalise_is_idempotent_on_tricky_values(kind, raw):
    try:
        value = normalise(kind, raw)
    except ValueError:
        return
    assert normalise(kind, value) == value


# --- the text policy (lib.text) and emails that are not emails --------------------------------


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ("0912\x00345678", "NUL"),
        ("http://lua\x00dao.vn/", "NUL"),
        ("ehoaq\x1b.com", "ký tự điều khiển"),
        ("ehoaq\x85.com", "ký tự điều khiển"),
        ("http://vietcombank.com.vn\u202e/kpa.exe", "đổi chiều chữ"),
        ("\u2066ehoaq.com\u2069", "đổi chiều chữ"),
        ("+84\u200f912345678", "đổi chiều chữ"),
        ("ehoaq\ud800.com", "Unicode không hợp lệ"),
        ("ehoaq\n.com", "một dòng"),
    ],
)
def test_control_and_bidi_characters_are_refused_in_vietnamese(raw, said):
    with pytest.raises(ValueError, match=said):
        normalise_any(raw)
    with pytest.raises(ValueError, match=said):
        normalise(Kind.DOMAIN, raw)


def test_whitespace_around_a_pasted_value_is_still_trimmed():
    assert normalise_any("\t0912 345 678\r\n") == (Kind.PHONE, "+84912345678")


@pytest.mark.parametrize(
    "raw", ["scam..er@bidv-hotro.vn", ".hotro@bidv-hotro.vn", "hotro.@bidv-hotro.vn", "a b@c.vn"]
)
def test_an_invalid_email_is_refused_never_reduced_to_its_domain(raw):
    with pytest.raises(ValueError, match="email"):
        guess_kind(raw)
    with pytest.raises(ValueError, match="email"):
        normalise(Kind.DOMAIN, raw)


def test_the_host_of_a_url_with_user_info_is_still_its_domain():
    # The phishing trick "official name@real host" is a URL; its domain is the real host.
    assert normalise(Kind.DOMAIN, "http://vietcombank.com.vn@ehoaq.com/x") == "ehoaq.com"
    assert guess_kind("http://vietcombank.com.vn@ehoaq.com/x") == Kind.URL
