"""normalise() skips cleaning and refanging for clean http(s) URLs: the answer must be the one
the full path gives, error or value, for every such URL."""

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.kinds import Kind
from indicators.normalise import _clean, normalise, normalise_url
from indicators.urlcanon import _FAST, clean_url_parts


def _full(raw: str) -> str:
    try:
        return normalise_url(_clean(raw))
    except ValueError as error:
        return f"error: {error}"


def _fast(raw: str) -> str:
    try:
        return normalise(Kind.URL, raw)
    except ValueError as error:
        return f"error: {error}"


@settings(max_examples=150, deadline=None)
@given(st.from_regex(_FAST, fullmatch=True))
def test_clean_urls_get_the_full_answer(raw):
    assert _fast(raw) == _full(raw)


LABEL = st.sampled_from(["vietcombank", "xn--vietcombnk-2k0d", "a-b", "-x", "x-", "WWW", "h" * 64])
TLD = st.sampled_from(["com", "vn", "com.vn", "xyz", "notatld", "COM"])
PATH = st.sampled_from(["", "/", "/a/b", "/./a", "/a/../b", "//x", "/a?b=1", "/%41", "/(dot)"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["http", "https", "HTTP", "hxxp"]), st.lists(LABEL, max_size=3), TLD, PATH)
def test_hosts_and_paths_that_need_a_look(scheme, labels, tld, path):
    raw = f"{scheme}://{'.'.join([*labels, tld])}{path}"
    assert _fast(raw) == _full(raw)


def test_the_fast_path_is_taken_and_refused():
    assert getattr(clean_url_parts("https://Example.com/a/b?x=1"), "host", None) == "example.com"
    for raw in (
        "http://a[.]com/",
        "http://a.com/./b",
        "http://a.com//b",
        "http://1.2.3.4/",
        "http://a.com/#x",
        "ftp://a.com/",
        " http://a.com/",
    ):
        assert clean_url_parts(raw) is None, raw
