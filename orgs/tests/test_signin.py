import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.models import OTP_ROLES, Role
from orgs.testing import PASSWORD, WORLD_PEOPLE

pytestmark = pytest.mark.django_db

LOGIN = "/staff/login/"


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def token_for(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_passwords_are_hashed_with_argon2(world):
    assert world.person("staff_d1_c1").password.startswith("argon2")


def test_the_site_hashes_with_argon2_at_djangos_cost_not_the_tests_quick_one():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from canhgiac import settings as site_settings

    assert site_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert (Argon2PasswordHasher.time_cost, Argon2PasswordHasher.memory_cost) == (2, 102400)


def test_staff_without_otp_role_goes_straight_to_staff_home(client, world):
    response = sign_in(client, "staff_d1_c1")
    assert response.status_code == 302 and response["Location"] == reverse("staff-home")
    page = client.get(reverse("staff-home"))
    assert page.status_code == 200
    assert "Học và làm bài kiểm tra" in page.content.decode()
    assert "Xác minh tố giác" not in page.content.decode()


@pytest.mark.parametrize("name", [n for n, (role, _) in WORLD_PEOPLE.items() if role in OTP_ROLES])
def test_totp_is_required_for_verifier_editor_drill_operator_and_admin(client, world, name):
    response = sign_in(client, name)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp-setup"))
    # Signed in with a password only: staff pages stay closed.
    staff = client.get(reverse("staff-home"))
    assert staff.status_code == 302 and staff["Location"] == reverse("otp-verify")
    assert client.get(reverse("unit-list")).status_code == 302


def test_roles_that_need_totp_are_exactly_those_named():
    assert set(OTP_ROLES) == {Role.VERIFIER, Role.EDITOR, Role.DRILL_OPERATOR, Role.ADMIN}


def test_enrolling_a_totp_device_then_signing_in_with_a_code(client, world):
    sign_in(client, "verifier_d1")
    setup = client.get(reverse("otp-setup"))
    assert setup.status_code == 200 and b"<svg" in setup.content
    device = TOTPDevice.objects.get(user=world.person("verifier_d1"), confirmed=False)
    bad = "000000" if token_for(device) != "000000" else "111111"
    wrong = client.post(reverse("otp-setup"), {"token": bad})
    assert "Mã không đúng" in wrong.content.decode()
    throttled = client.post(reverse("otp-setup"), {"token": token_for(device)})
    assert "đợi vài giây" in throttled.content.decode()  # failures slow down guessing
    device.refresh_from_db()
    device.throttle_reset()  # as if the wait had passed
    done = client.post(reverse("otp-setup"), {"token": token_for(device)})
    assert done.status_code == 302
    assert client.get(reverse("staff-home")).status_code == 200

    # A later sign-in asks for a code from the enrolled device.
    client.logout()
    assert sign_in(client, "verifier_d1")["Location"].startswith(reverse("otp-verify"))
    assert client.get(reverse("staff-home")).status_code == 302
    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again in this test
    device.save()
    assert client.post(reverse("otp-verify"), {"token": token_for(device)}).status_code == 302
    assert client.get(reverse("staff-home")).status_code == 200


def test_admin_site_requires_the_second_factor(client, world):
    admin = world.person("admin")
    admin.is_staff = True
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_account_is_locked_after_repeated_failures(client, world, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    answers = [sign_in(client, "staff_d1_c1", "sai-mat-khau") for _ in range(5)]
    # Four failures are answered with the form again; the fifth reaches the limit and is
    # already answered as locked.
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429]
    assert "mật khẩu chính xác" in answers[3].content.decode()
    locked = sign_in(client, "staff_d1_c1")  # even the right password is refused now
    assert locked.status_code == 429
    assert "tạm khoá" in locked.content.decode()
    assert client.get(reverse("staff-home")).status_code == 302
    # Another account from the same address is not affected.
    assert sign_in(client, "staff_d1_c2")["Location"] == reverse("staff-home")


def test_wrong_password_shows_a_vietnamese_message(client, world):
    response = sign_in(client, "staff_d1_c1", "sai-mat-khau")
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()
