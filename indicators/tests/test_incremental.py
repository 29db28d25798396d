"""The index kept up to date by list changes gives every answer a fresh build gives.

Random sequences (fixed seeds) of listings, delistings, re-listings, category changes, URL-level
next to domain-level listings of the same names, expiries and allowlist changes; after each step
the process-wide index (brought up to date through its overlay) is compared, answer by answer,
with build_from_database() at the same moment.
"""

import random
import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from indicators.kinds import Kind
from indicators.matcher import (
    MatcherIndex,
    build_from_database,
    get_matcher,
    listing_expressions,
    refresh_matcher,
)
from indicators.models import Category, Indicator
from indicators.normalise import normalise
from indicators.services import (
    Listing,
    allow_name,
    delist_indicator,
    disallow_name,
    list_indicator,
    list_indicators,
)

# Values that share names and expressions: a domain, its subdomains, URLs under it (one whose
# expression equals the domain's: "lua-dao.vn/"), names on shared platforms and allowlisted ones.
POOL = [
    (Kind.DOMAIN, "lua-dao.vn"),
    (Kind.DOMAIN, "www.lua-dao.vn"),
    (Kind.DOMAIN, "a.b.lua-dao.vn"),
    (Kind.URL, "lua-dao.vn/"),
    (Kind.URL, "http://lua-dao.vn/nhan-qua"),
    (Kind.URL, "lua-dao.vn/nhan-qua/buoc-2"),
    (Kind.URL, "lua-dao.vn/nhan-qua?ma=1"),
    (Kind.DOMAIN, "ehoaq.com"),
    (Kind.DOMAIN, "login.ehoaq.com"),
    (Kind.URL, "ehoaq.com/x/"),
    (Kind.DOMAIN, "zalo.me"),
    (Kind.URL, "zalo.me/g/abc"),
    (Kind.URL, "sites.google.com/view/hoadondo"),
    (Kind.DOMAIN, "scam.web.app"),
    (Kind.DOMAIN, "cong-ty-that.vn"),
    (Kind.URL, "cong-ty-that.vn/trang-gia"),
    (Kind.IP, "195.127.0.11"),
    (Kind.PHONE, "0867256447"),
    (Kind.PHONE, "0912345678"),
    (Kind.SOCIAL_PROFILE, "t.me/HoTro_VCB"),
    (Kind.EMAIL, "hotro.vcb@gmail.com"),
]
URL_PROBES = [
    "http://lua-dao.vn/",
    "https://www.lua-dao.vn/x",
    "http://x.a.b.lua-dao.vn/abc/def",
    "https://lua-dao.vn/nhan-qua",
    "https://lua-dao.vn/nhan-qua/buoc-2/3",
    "https://lua-dao.vn/nhan-qua?ma=1",
    "https://lua-dao.vn/nhan-qua?ma=2",
    "http://ehoaq.com/",
    "http://login.ehoaq.com/dang-nhap",
    "http://ehoaq.com/x/y",
    "https://zalo.me/",
    "https://zalo.me/g/abc/d",
    "https://sites.google.com/view/hoadondo/trang-2",
    "https://scam.web.app/",
    "https://other.web.app/",
    "https://cong-ty-that.vn/",
    "https://cong-ty-that.vn/trang-gia/1",
    "http://195.127.0.11/a",
    "https://t.me/HoTro_VCB",
    "https://khong-co.vn/",
]
HOST_PROBES = [
    "lua-dao.vn",
    "www.lua-dao.vn",
    "x.a.b.lua-dao.vn",
    "ehoaq.com",
    "login.ehoaq.com",
    "zalo.me",
    "scam.web.app",
    "sub.scam.web.app",
    "cong-ty-that.vn",
    "khong-co.vn",
]
VALUE_PROBES = [
    (Kind.PHONE, "0867 256 447"),
    (Kind.PHONE, "+84912345678"),
    (Kind.SOCIAL_PROFILE, "t.me/HoTro_VCB"),
    (Kind.EMAIL, "hotro.vcb@gmail.com"),
    (Kind.IP, "195.127.0.11"),
    (Kind.DOMAIN, "www.lua-dao.vn"),
    (Kind.URL, "lua-dao.vn/nhan-qua/buoc-2"),
]
CATEGORIES = [Category.SCAM, Category.PHISHING, Category.GAMBLING]


def _prefixes() -> list[bytes]:
    import hashlib

    found = []
    for kind, raw in POOL:
        for expression in listing_expressions(kind.value, normalise(kind, raw)):
            found.append(hashlib.sha256(expression.encode()).digest()[:4])
    return found


PREFIXES = _prefixes()


def answers(index: MatcherIndex) -> dict[str, object]:
    """Every answer of the index on the probes, in a form that compares."""
    return {
        "len": len(index),
        "urls": [index.check_url(url) for url in URL_PROBES],
        "hosts": [index.check_host(host) for host in HOST_PROBES],
        "ip": index.check_host("195.127.0.11", kind=Kind.IP),
        "values": [index.check(kind, raw) for kind, raw in VALUE_PROBES],
        "full_hashes": list(index.full_hashes()),
        "hash_prefixes": index.hash_prefixes(),
        "entries": [
            [(full, index.row(row_no)) for full, row_no in index.entries_for_prefix(prefix)]
            for prefix in PREFIXES
        ],
        "for_prefix": [index.full_hashes_for_prefix(prefix) for prefix in PREFIXES],
    }


def assert_same(now: datetime, step: int) -> MatcherIndex:
    index = refresh_matcher(now=now)
    fresh = build_from_database(now=now)
    got, want = answers(index), answers(fresh)
    for key in want:
        assert got[key] == want[key], f"step {step}: {key} differs"
    # The overlay may remember an expiry already delisted: never later than the truth.
    if fresh.next_expiry is not None:
        assert index.next_expiry is not None and index.next_expiry <= fresh.next_expiry
    return index


def _random_step(rng: random.Random, now: datetime) -> datetime:
    roll = rng.random()
    kind, raw = rng.choice(POOL)
    if roll < 0.40:
        expires = rng.choice([None, None, None, now + timedelta(minutes=rng.randint(1, 6))])
        list_indicator(kind=kind, value=raw, category=rng.choice(CATEGORIES), expires_at=expires)
    elif roll < 0.65:
        delist_indicator(kind=kind, value=raw)
    elif roll < 0.75:
        listings = [
            Listing(k.value, normalise(k, r), rng.choice(CATEGORIES))
            for k, r in rng.sample(POOL, rng.randint(2, 6))
        ]
        list_indicators(listings)
    elif roll < 0.78:
        allow_name(name="cong-ty-that.vn", include_subdomains=rng.random() < 0.5)
    elif roll < 0.80:
        disallow_name(name="cong-ty-that.vn")
    else:
        now += timedelta(minutes=rng.randint(0, 3))  # listings expire
    return now


@pytest.mark.django_db
@pytest.mark.parametrize(("seed", "steps", "limit"), [(20, 160, 50_000), (21, 70, 6)])
def test_the_updated_index_answers_as_a_fresh_build(settings, seed, steps, limit):
    settings.INDEX_OVERLAY_MAX_CHANGES = limit
    rng = random.Random(seed)
    now = timezone.now()
    assert_same(now, -1)
    used_overlay = rebuilt = 0
    for step in range(steps):
        before = get_matcher()
        now = _random_step(rng, now)
        index = assert_same(now, step)
        used_overlay += index.overlay_size() > 0
        rebuilt += index is not before and index.overlay_size() == 0
    # Both paths were taken: most steps through the overlay, some through a rebuild (an
    # allowlist change, or the overlay past its limit).
    assert used_overlay > steps // 3
    assert rebuilt >= 1


@pytest.mark.django_db
def test_one_listing_on_a_large_list_is_applied_without_a_rebuild(django_assert_max_num_queries):
    list_indicators([Listing("domain", f"lua-dao-{n}.vn") for n in range(3000)])
    base = get_matcher(refresh=True)
    assert len(base) == 3000 and base.overlay_size() == 0
    list_indicator(kind=Kind.URL, value="lua-dao-7.vn/moi")
    delist_indicator(kind=Kind.DOMAIN, value="lua-dao-8.vn")
    # The version, the changes (with the one applied last, to check it), their indicators.
    with django_assert_max_num_queries(3):
        index = get_matcher(refresh=True)
    assert index.overlay_size() == 2 and len(index) == 3000
    assert index.check_url("http://lua-dao-7.vn/moi").matched_kind == "url"
    assert not index.check_url("http://lua-dao-8.vn/").listed
    # The index handed out before still answers as the list was.
    assert base.check_url("http://lua-dao-8.vn/").listed
    assert base.check_url("http://lua-dao-7.vn/moi").matched_kind == "domain"


@pytest.mark.django_db
def test_an_expiry_is_applied_without_a_rebuild():
    now = timezone.now()
    list_indicator(kind=Kind.PHONE, value="0867256447", expires_at=now + timedelta(minutes=5))
    list_indicator(kind=Kind.PHONE, value="0912345678")
    assert refresh_matcher(now=now).check(Kind.PHONE, "0867256447").listed
    later = now + timedelta(minutes=6)
    index = refresh_matcher(now=later)
    assert not index.check(Kind.PHONE, "0867256447").listed
    assert index.overlay_size() == 1 and len(index) == 1 and index.next_expiry is None


@pytest.mark.django_db(transaction=True)
def test_a_listing_committed_after_a_later_one_is_still_seen():
    """PostgreSQL hands out ListChange ids at insert: the lower id may commit last."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: ids commit in order")
    list_indicator(kind=Kind.DOMAIN, value="truoc.vn")
    get_matcher(refresh=True)
    inserted, release = threading.Event(), threading.Event()

    def slow_listing() -> None:
        try:
            with transaction.atomic():
                list_indicator(kind=Kind.DOMAIN, value="cham.vn")
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_listing)
    thread.start()
    assert inserted.wait(10)
    list_indicator(kind=Kind.DOMAIN, value="nhanh.vn")  # a higher id, committed first
    index = get_matcher(refresh=True)
    assert index.check_host("nhanh.vn").listed and not index.check_host("cham.vn").listed
    release.set()
    thread.join(10)
    index = get_matcher(refresh=True)
    assert index.check_host("cham.vn").listed and index.overlay_size() == 2
    assert Indicator.objects.count() == 3


@pytest.mark.django_db
def test_changes_rolled_back_and_made_again_under_the_same_ids_are_seen():
    """A rolled-back transaction (or a restored backup) can hand out again the ListChange ids the
    index has applied, with other changes under them: the index must not take them as known."""
    from indicators.matcher import reset_matcher

    reset_matcher()
    list_indicator(kind="domain", value="truoc.vn", category="phishing")
    assert get_matcher(refresh=True).check("domain", "truoc.vn").listed
    with pytest.raises(RuntimeError), transaction.atomic():
        list_indicator(kind="domain", value="mat-di.vn", category="phishing")
        assert get_matcher(refresh=True).check("domain", "mat-di.vn").listed
        raise RuntimeError  # rolled back: SQLite gives its ListChange id out again
    list_indicator(kind="domain", value="sau.vn", category="phishing")
    index = get_matcher(refresh=True)
    assert index.check("domain", "sau.vn").listed
    assert not index.check("domain", "mat-di.vn").listed
    assert index.check("domain", "truoc.vn").listed


@pytest.mark.django_db
def test_a_domain_answers_with_its_own_listing_before_a_url_at_its_level():
    """A URL listed at domain level ("http://a.vn/") and the domain itself share an expression:
    a check of the domain names the domain's listing (an appeal of the domain needs it)."""
    from indicators.matcher import reset_matcher

    reset_matcher()
    list_indicator(kind="url", value="http://hai-cach.vn/", category="phishing")
    domain = list_indicator(kind="domain", value="hai-cach.vn", category="phishing")
    verdict = get_matcher(refresh=True).check("domain", "hai-cach.vn")
    assert verdict.listed and verdict.matched_pk == domain.pk
    assert build_from_database().check("domain", "hai-cach.vn").matched_pk == domain.pk
