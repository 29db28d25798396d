"""The client's address behind trusted proxies (lib/proxies.py): X-Forwarded-For is read from
the right through the proxies CANHGIAC_TRUSTED_PROXIES names, never believed otherwise, and the
rate limits and the lock-out per address count that address."""

import pytest
from django.core.cache import cache
from django.test import Client

from lib.proxies import client_address, parse_networks, resolve
from lib.ratelimit import fixed_clock, forget_reserved
from orgs.testing import PASSWORD

NGINX = parse_networks(("127.0.0.1",))
TWO_TIERS = parse_networks(("10.0.0.0/24", "::1"))


@pytest.mark.parametrize(
    ("remote", "xff", "networks", "expected"),
    [
        # No trusted proxy: the header is ignored, whoever sent it.
        ("203.0.113.9", "198.51.100.1", (), "203.0.113.9"),
        ("127.0.0.1", "198.51.100.1", (), "127.0.0.1"),
        # The peer is trusted: the address it appended is the client.
        ("127.0.0.1", "198.51.100.1", NGINX, "198.51.100.1"),
        # A client's own forged entries sit left of the one nginx appended: never believed.
        ("127.0.0.1", "1.1.1.1, 198.51.100.1", NGINX, "198.51.100.1"),
        # The peer is not one of ours: its header means nothing.
        ("203.0.113.9", "198.51.100.1", NGINX, "203.0.113.9"),
        # Two proxies of ours (load balancer, then nginx): skipped from the right.
        ("10.0.0.5", "198.51.100.1, 10.0.0.7", TWO_TIERS, "198.51.100.1"),
        ("::1", "2001:db8::7, 10.0.0.7", TWO_TIERS, "2001:db8::7"),
        # Ports and brackets as some proxies write them.
        ("127.0.0.1", "198.51.100.1:4711", NGINX, "198.51.100.1"),
        ("127.0.0.1", "[2001:db8::7]:4711", NGINX, "2001:db8::7"),
        # IPv4 seen through an IPv6 socket is the same client.
        ("::ffff:127.0.0.1", "198.51.100.1", NGINX, "198.51.100.1"),
        # Unreadable entries: stop at the last address we could trust, never further left.
        ("127.0.0.1", "198.51.100.1, not-an-address", NGINX, "127.0.0.1"),
        ("127.0.0.1", "", NGINX, "127.0.0.1"),
        ("127.0.0.1", " , ", NGINX, "127.0.0.1"),
        ("10.0.0.5", "198.51.100.1, garbage, 10.0.0.7", TWO_TIERS, "10.0.0.7"),
        # Every hop is ours: the leftmost one read.
        ("10.0.0.5", "10.0.0.8, 10.0.0.7", TWO_TIERS, "10.0.0.8"),
        # No peer address at all (a test client, a unix socket).
        ("", "198.51.100.1", NGINX, None),
        ("unix:/run/canhgiac.sock", "198.51.100.1", NGINX, None),
    ],
)
def test_client_address_from_the_forwarded_chain(remote, xff, networks, expected):
    assert resolve(remote, xff, networks) == expected


def test_a_long_forged_chain_is_read_no_further_than_twenty_hops():
    chain = ", ".join(["198.51.100.1"] + ["127.0.0.1"] * 30)
    assert resolve("127.0.0.1", chain, NGINX) == "127.0.0.1"


def test_a_wrong_trusted_proxy_entry_is_an_error_not_ignored():
    with pytest.raises(ValueError):
        parse_networks(("10.0.0.300",))


def test_the_setting_names_the_trusted_proxies(settings, rf):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    settings.TRUSTED_PROXIES = []
    assert client_address(request) == "127.0.0.1"
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    assert client_address(request) == "198.51.100.1"


@pytest.fixture
def fresh_limits():
    cache.clear()
    forget_reserved()
    with fixed_clock():  # a test's requests in one window, whatever the time
        yield
    forget_reserved()


def _checks(client, forwarded_for: str, times: int) -> list[int]:
    return [
        client.get(
            "/api/lookup/check",
            {"q": "vi-du-chua-co-thong-tin.vn"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        ).status_code
        for _ in range(times)
    ]


@pytest.mark.django_db
def test_lookup_limit_counts_each_client_behind_a_trusted_proxy(settings, fresh_limits):
    settings.LOOKUP_API_RATE_PER_IP = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client()
    assert _checks(client, "198.51.100.1", 3) == [200, 200, 429]
    assert _checks(client, "198.51.100.2", 2) == [200, 200]
    # A forged entry left of the proxy's does not buy a fresh limit.
    assert _checks(client, "9.9.9.9, 198.51.100.1", 1) == [429]


@pytest.mark.django_db
def test_without_trusted_proxies_everyone_behind_the_proxy_shares_one_limit(settings, fresh_limits):
    settings.LOOKUP_API_RATE_PER_IP = 2
    settings.TRUSTED_PROXIES = []
    client = Client()
    assert _checks(client, "198.51.100.1", 2) == [200, 200]
    assert _checks(client, "198.51.100.2", 1) == [429]


def _sign_in(username: str, password: str, forwarded_for: str) -> int:
    return (
        Client()
        .post(
            "/staff/login/",
            {"username": username, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )
        .status_code
    )


def test_the_lock_per_address_locks_the_client_not_the_proxy(world, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(5):
        _sign_in("staff_d1_c1", "sai-mat-khau", "198.51.100.1")
    assert _sign_in("staff_d1_c1", PASSWORD, "198.51.100.1") == 429
    # Another citizen behind the same proxy is not locked out.
    assert _sign_in("staff_d1_c1", PASSWORD, "198.51.100.2") == 302


def test_a_request_without_an_address_is_counted_as_unknown_but_locked_as_none(rf):
    """axes stores the address in an inet column on PostgreSQL: no placeholder there."""
    from lib.ratelimit import client_ip

    request = rf.get("/")
    del request.META["REMOTE_ADDR"]
    assert client_address(request) is None
    assert client_ip(request) == "unknown"


def test_force_login_records_no_address(world):
    """The test client's force_login (and any login without a request address) reaches axes'
    user_logged_in handler, which stores the address: it must be None, not "unknown"."""
    Client().force_login(world.person("staff_d1_c1"))
