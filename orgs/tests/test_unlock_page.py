"""Unit admins unlock accounts protected after failed sign-ins, from a Vietnamese staff page."""

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from orgs import lockout
from orgs.models import Role, RoleAssignment, SignInThrottle, User
from orgs.testing import PASSWORD, sign_in_verified

pytestmark = pytest.mark.django_db

PAGE = "/staff/locked-accounts/"
UNLOCK = "/staff/locked-accounts/unlock/"
LOGIN = "/staff/login/"


def sign_in(username, *, address, password=PASSWORD):
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("staff-home")


def lock_out(username: str) -> None:
    """Both protections: the per-account delay (past 20 failures from many addresses) and axes'
    lock of one address (5 failures from it)."""
    for _ in range(20):
        lockout.record_failure(username=username)
    for _ in range(5):
        sign_in(username, address="10.9.9.9", password="sai-mat-khau")


@pytest.fixture
def admin_d2(world):
    user = User.objects.create(username="admin_d2", home_unit=world.unit("D2"))
    RoleAssignment.objects.create(user=user, unit=world.unit("D2"), role=Role.ADMIN)
    return user


def test_admin_unlocks_an_account_and_its_owner_signs_in_again(client, world):
    lock_out("staff_d1_c1")
    assert sign_in("staff_d1_c1", address="10.0.5.5").status_code == 429
    assert sign_in("staff_d1_c1", address="10.9.9.9").status_code != 302
    sign_in_verified(client, world.person("admin"))
    page = client.get(PAGE)
    text = page.content.decode()
    assert page.status_code == 200 and "no-cache" in page["Cache-Control"]
    assert "Tài khoản bị khoá đăng nhập" in text and "staff_d1_c1" in text
    assert "10.9.9.9" in text and "Xã Một Một" in text
    assert "staff_d1_c2" not in text  # not locked

    done = client.post(UNLOCK, {"username": "staff_d1_c1"}, follow=True)
    assert "Đã mở khoá tài khoản staff_d1_c1" in done.content.decode()
    assert not SignInThrottle.objects.filter(username="staff_d1_c1").exists()
    assert not AccessAttempt.objects.filter(username="staff_d1_c1").exists()
    assert "staff_d1_c1" not in client.get(PAGE).content.decode()
    assert signed_in(sign_in("staff_d1_c1", address="10.0.5.5"))
    assert signed_in(sign_in("staff_d1_c1", address="10.9.9.9"))
    entry = LogEntry.objects.get(object_id=str(world.person("staff_d1_c1").pk))
    assert entry.user.username == "admin" and entry.change_message == "Mở khoá đăng nhập"


def test_an_admin_of_another_district_neither_sees_nor_unlocks_the_account(client, world, admin_d2):
    lock_out("staff_d1_c1")
    lock_out("staff_d2_c1")
    sign_in_verified(client, admin_d2)
    text = client.get(PAGE).content.decode()
    assert "staff_d2_c1" in text and "staff_d1_c1" not in text
    assert client.post(UNLOCK, {"username": "staff_d1_c1"}).status_code == 404
    assert SignInThrottle.objects.filter(username="staff_d1_c1").exists()
    assert sign_in("staff_d1_c1", address="10.0.5.5").status_code == 429
    # Someone with a role above the district is not the district admin's to unlock either.
    lock_out("verifier_province")
    assert client.post(UNLOCK, {"username": "verifier_province"}).status_code == 404
    assert client.post(UNLOCK, {"username": "staff_d2_c1"}).status_code == 302
    assert signed_in(sign_in("staff_d2_c1", address="10.0.5.5"))


def test_only_admins_reach_the_page(client, world):
    lock_out("staff_d1_c1")
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)
    assert client.post(UNLOCK, {"username": "staff_d1_c1"}).status_code == 302
    for name in ("verifier_d1", "manager_d1", "staff_d1_c2"):
        sign_in_verified(client, world.person(name))
        assert client.get(PAGE).status_code == 403
        assert client.post(UNLOCK, {"username": "staff_d1_c1"}).status_code == 403
    assert SignInThrottle.objects.filter(username="staff_d1_c1").exists()
    sign_in_verified(client, world.person("admin"))
    assert client.get(UNLOCK).status_code == 405  # unlocking is a POST


def test_the_page_says_so_when_nobody_is_locked(client, world):
    sign_in_verified(client, world.person("admin"))
    assert "Không có tài khoản nào" in client.get(PAGE).content.decode()
