"""Lock-out per account across addresses (orgs/lockout.py) next to axes' lock per address."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orgs import lockout
from orgs.models import SignInThrottle
from orgs.testing import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/staff/login/"
WRONG = "sai-mat-khau"
PROTECTED = "tạm thời được bảo vệ"


def attempt(username, password=PASSWORD, *, address, client=None):
    client = client or Client()
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def guess_from_many_addresses(username, *, addresses=20, each=4):
    statuses = []
    for a in range(1, addresses + 1):
        for _ in range(each):
            statuses.append(attempt(username, WRONG, address=f"10.0.0.{a}").status_code)
    return statuses


@pytest.fixture
def clock(monkeypatch):
    """Move orgs.lockout's clock forward without sleeping."""
    start = timezone.now()
    offset = {"value": timedelta(0)}
    monkeypatch.setattr(lockout, "now", lambda: start + offset["value"])

    def advance(**kwargs):
        offset["value"] += timedelta(**kwargs)

    return advance


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("staff-home")


def test_guesses_from_twenty_addresses_protect_the_account_from_a_twenty_first(world, clock):
    statuses = guess_from_many_addresses("staff_d1_c1")
    # Each address stays under axes' limit of 5; after the 20th failure the account is protected
    # and the other 60 guesses are refused without a password check.
    assert statuses[:20] == [200] * 20 and statuses[20:] == [429] * 60
    assert SignInThrottle.objects.get(username="staff_d1_c1").failures == 20
    refused = attempt("staff_d1_c1", address="10.0.1.21")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    page = refused.content.decode()
    assert PROTECTED in page and "quản trị viên của đơn vị" in page and "1 phút" in page


def test_the_right_password_works_once_the_short_delay_has_passed(world, clock):
    guess_from_many_addresses("staff_d1_c1")
    clock(seconds=61)
    assert signed_in(attempt("staff_d1_c1", address="10.0.1.21"))


def test_each_further_failure_doubles_the_delay_up_to_fifteen_minutes(world, clock):
    guess_from_many_addresses("staff_d1_c1", addresses=5)  # exactly 20 failures
    clock(seconds=61)
    assert attempt("staff_d1_c1", WRONG, address="10.0.2.1").status_code == 200  # 21st: 2 min
    clock(seconds=61)
    assert attempt("staff_d1_c1", address="10.0.1.21").status_code == 429
    clock(seconds=60)
    assert signed_in(attempt("staff_d1_c1", address="10.0.1.21"))
    assert [lockout.delay_after(n).total_seconds() for n in (19, 20, 21, 23, 24, 40)] == [
        0,
        60,
        120,
        480,
        900,
        900,
    ]


def test_an_admin_unlocks_the_account_at_once(world, clock, capsys):
    guess_from_many_addresses("staff_d1_c1")
    call_command("unlock_account", "staff_d1_c1")
    assert "Đã mở khoá tài khoản staff_d1_c1" in capsys.readouterr().out
    assert signed_in(attempt("staff_d1_c1", address="10.0.1.21"))
    # Axes' locks of every address went too: an address that had 4 failures starts afresh.
    assert attempt("staff_d1_c1", WRONG, address="10.0.0.1").status_code == 200


def test_the_lock_per_address_still_works(world):
    for _ in range(5):
        attempt("staff_d1_c1", WRONG, address="10.0.3.1")
    locked = attempt("staff_d1_c1", address="10.0.3.1")
    assert locked.status_code == 429 and "tạm khoá" in locked.content.decode()
    assert signed_in(attempt("staff_d1_c1", address="10.0.3.2"))  # 5 failures: under 20


def test_an_unrelated_account_is_not_affected(world, clock):
    guess_from_many_addresses("staff_d1_c1")
    assert signed_in(attempt("staff_d1_c2", address="10.0.1.21"))
    assert signed_in(attempt("staff_d1_c2", address="10.0.0.3"))


def test_the_persons_own_browser_and_address_do_not_wait(world, clock):
    own_browser = Client()
    assert signed_in(attempt("staff_d1_c1", address="10.0.9.1", client=own_browser))
    own_browser.post(reverse("logout"))
    guess_from_many_addresses("staff_d1_c1")
    assert attempt("staff_d1_c1", address="10.0.9.99").status_code == 429
    # The browser that signed in before, now on another network (a phone on mobile data).
    assert signed_in(attempt("staff_d1_c1", address="10.0.9.99", client=own_browser))
    # The address the person signed in from, in a browser without the cookie.
    assert signed_in(attempt("staff_d1_c1", address="10.0.9.1"))


def test_a_forged_device_cookie_is_not_trusted(world, clock):
    guess_from_many_addresses("staff_d1_c1")
    forger = Client()
    forger.cookies[lockout.DEVICE_COOKIE] = "W10:forged:signature"
    assert attempt("staff_d1_c1", address="10.0.1.22", client=forger).status_code == 429


def test_staff_with_a_second_factor_are_protected_the_same_way(world, clock):
    guess_from_many_addresses("verifier_d1")
    assert PROTECTED in attempt("verifier_d1", address="10.0.1.21").content.decode()
    clock(seconds=61)
    assert attempt("verifier_d1", address="10.0.1.21")["Location"].startswith(reverse("otp-setup"))


def test_an_admin_unlocks_from_the_django_admin(world, clock):
    from django.contrib.auth import get_user_model

    from orgs.testing import sign_in_verified

    guess_from_many_addresses("staff_d1_c1", addresses=5)
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "x" * 16)
    admin_client = Client()
    sign_in_verified(admin_client, boss)
    listing = admin_client.get("/admin/orgs/signinthrottle/")
    assert listing.status_code == 200 and "staff_d1_c1" in listing.content.decode()
    row = SignInThrottle.objects.get(username="staff_d1_c1")
    done = admin_client.post(
        "/admin/orgs/signinthrottle/",
        {"action": "unlock_sign_in", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "Đã mở khoá: staff_d1_c1" in done.content.decode()
    assert signed_in(attempt("staff_d1_c1", address="10.0.1.21"))
