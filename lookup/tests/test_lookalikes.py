import pytest

from detection.lookalike import LookalikeResult, score_host, score_url
from indicators.allowlist import Allowlist
from lookup import lookalikes
from lookup.lookalikes import lookalike_for


@pytest.fixture(autouse=True)
def _empty_cache():
    lookalikes.clear_cache()
    yield
    lookalikes.clear_cache()


def _answer(kind, value, **kwargs) -> LookalikeResult:
    found = lookalike_for(kind, value, **kwargs)
    assert found is not None, value
    return found


def _same(a, b) -> None:
    assert (a.host, a.registrable, a.score, a.level, a.official) == (
        b.host,
        b.registrable,
        b.score,
        b.level,
        b.official,
    )
    assert a.brand == b.brand
    assert a.codes == b.codes
    assert a.reasons == b.reasons


@pytest.mark.parametrize(
    "url",
    [
        "http://vietcombank-xacthuc.com/login",
        "http://vietcombank.com.vn.secure-login.xyz/",
        "http://xn--vietcombnk-6qi.com.vn/",  # Cyrillic "а"
        "http://vietcombank.com.vn/",
        "http://sites.google.com/view/vietcombank-hotro",
        "http://sites.google.com/view/tiem-banh-nha-lan",
        "http://bit.ly/abc",
        "http://example.com/some/page",
    ],
)
def test_url_answers_as_the_scorer_does(url):
    _same(lookalike_for("url", url), score_url(url))


def test_domain_and_email_answer_as_score_host():
    _same(lookalike_for("domain", "agribanks.space"), score_host("agribanks.space"))
    found = _answer("email", "hotro@vietcombank-cskh.com")
    _same(found, score_host("vietcombank-cskh.com"))
    assert found.flagged and found.brand is not None and found.brand.key == "vietcombank"


def test_other_kinds_have_no_answer():
    assert lookalike_for("phone", "+84912345678") is None
    assert lookalike_for("bank_account", "VCB:0071000986547") is None


def test_the_path_brand_is_seen_on_each_call_although_the_host_is_cached():
    plain = _answer("url", "http://sites.google.com/view/tiem-banh-nha-lan")
    fake = _answer("url", "http://sites.google.com/view/vietcombank-hotro")
    assert not plain.flagged
    assert fake.flagged and fake.brand is not None and fake.brand.key == "vietcombank"
    assert "brand_in_path" in fake.codes
    short = _answer("url", "http://bit.ly/abc")
    assert "shortener" in short.codes


def test_the_answer_is_cached_per_host_and_paths_share_it():
    first = lookalike_for("url", "http://vietcombank-xacthuc.com/login")
    info = lookalikes.cache_info()
    again = lookalike_for("url", "http://vietcombank-xacthuc.com/other/page?x=1")
    same_host = lookalike_for("domain", "vietcombank-xacthuc.com")
    after = lookalikes.cache_info()
    assert after.hits == info.hits + 2
    assert after.currsize == info.currsize == 1
    _same(first, again)
    _same(first, same_host)


def test_callers_cannot_change_the_cached_answer():
    first = _answer("domain", "vietcombank-xacthuc.com")
    expected = list(first.reasons)
    first.score = 0.0
    first.findings[0].params["host"] = "tampered.example"
    first.findings[0].score = 0.0
    first.findings.clear()
    again = _answer("domain", "vietcombank-xacthuc.com")
    assert again.flagged
    assert again.reasons == expected
    assert "tampered" not in " ".join(again.reasons)


def test_the_cache_is_bounded():
    info = lookalikes.cache_info()
    assert info.maxsize == lookalikes.CACHE_SIZE
    assert info.maxsize is not None and info.maxsize <= 100_000
    for n in range(200):
        lookalike_for("domain", f"host-{n}.example.com")
    assert lookalikes.cache_info().currsize == 200


def test_an_allowlist_makes_its_names_official():
    allowlist = Allowlist(covering=frozenset({"vietcombank-xacthuc.com"}), exact=frozenset())
    found = _answer("url", "http://vietcombank-xacthuc.com/login", allowlist=allowlist)
    assert found.official and not found.flagged
    # ... without changing the cached answer for callers without it.
    assert _answer("url", "http://vietcombank-xacthuc.com/login").flagged


def test_the_setting_turns_the_scorer_off(settings):
    settings.LOOKUP_LOOKALIKES = False
    assert lookalike_for("url", "http://vietcombank-xacthuc.com/login") is None
    assert lookalike_for("domain", "vietcombank-xacthuc.com") is None
    settings.LOOKUP_LOOKALIKES = True
    assert _answer("domain", "vietcombank-xacthuc.com").flagged
