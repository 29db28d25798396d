"""The Django admin speaks Vietnamese and carries the project's name."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.models import User
from orgs.testing import PASSWORD, sign_in_verified

pytestmark = pytest.mark.django_db

TITLE = "Cảnh Giác — quản trị"


@pytest.fixture
def superuser():
    return User.objects.create_superuser(username="quan-tri", password=PASSWORD)


def token_for(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_admin_sign_in_page_is_vietnamese_and_titled_for_the_project(client):
    page = client.get("/admin/login/").content.decode()
    assert '<html lang="vi"' in page
    assert f"<title>Đăng nhập | {TITLE}</title>" in page
    assert f'<a href="/admin/">{TITLE}</a>' in page
    assert "Tên đăng nhập" in page and "Mật khẩu" in page  # Django's own catalogue
    assert "Mã xác thực 6 số" in page and "OTP Token" not in page  # django-otp has none
    assert "Django" not in page


def test_admin_index_is_vietnamese(client, superuser):
    sign_in_verified(client, superuser)
    response = client.get("/admin/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<title>Quản trị hệ thống | {TITLE}</title>" in page
    assert "Hoạt động gần đây" in page and "Đổi mật khẩu" in page  # Django's catalogue
    assert "Đơn vị và người dùng" in page  # the project's own app names
    assert "Site administration" not in page and "Recent actions" not in page


def test_admin_asks_for_the_totp_code_in_vietnamese_and_accepts_the_right_one(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="TOTP", confirmed=True)
    form = {"username": "quan-tri", "password": PASSWORD, "next": "/admin/"}
    missing = client.post("/admin/login/", {**form, "otp_token": ""})
    assert missing.status_code == 200
    assert "Hãy nhập mã xác thực 6 số" in missing.content.decode()
    wrong = client.post("/admin/login/", {**form, "otp_token": "000000"})
    assert "Mã xác thực không đúng" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above throttles the next try
    device.throttling_failure_timestamp = None
    device.save()
    right = client.post("/admin/login/", {**form, "otp_token": token_for(device)})
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_strings_missing_from_djangos_vietnamese_come_from_the_project(client, superuser):
    # Django 5.2's Vietnamese catalogue lacks these; locale/vi fills them (LOCALE_PATHS wins).
    sign_in_verified(client, superuser)
    page = client.get("/admin/").content.decode()
    assert "Bỏ qua, đến nội dung chính" in page and "Skip to main content" not in page
    assert "Đổi giao diện (hiện tại: tự động)" in page and "Toggle theme" not in page
    assert "Liên kết thêm mới" in page and "Add link" not in page
    listing = client.get("/admin/orgs/user/").content.decode()
    assert "Chọn mọi đối tượng trên trang này để thao tác" in listing
    assert "Chọn đối tượng này để thao tác - quan-tri" in listing
    assert "Lọc mục điều hướng" in listing and "Filter navigation items" not in listing
    change = client.get(f"/admin/orgs/user/{superuser.pk}/change/").content.decode()
    assert "không ai xem được mật khẩu của người dùng" in change
    assert "Raw passwords" not in change
