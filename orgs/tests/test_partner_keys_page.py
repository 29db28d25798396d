"""Unit admins issue, list and revoke partner API keys from a staff page."""

import logging
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from lib.ratelimit import fixed_clock, forget_reserved
from orgs import partners
from orgs.models import PartnerKey, Role, RoleAssignment, User
from orgs.testing import sign_in_verified

pytestmark = pytest.mark.django_db

PAGE = "/staff/partner-keys/"
CHECK = "/api/lookup/check"


@pytest.fixture(autouse=True)
def _fresh_key_memory():
    """Keys and rate-limit tokens are remembered per process; a key id may come back."""
    forget_reserved()
    partners.forget()
    yield
    forget_reserved()
    partners.forget()


@pytest.fixture
def admin_d2(world):
    """An admin of district D2 only."""
    user = User.objects.create(username="admin_d2", home_unit=world.unit("D2"))
    RoleAssignment.objects.create(user=user, unit=world.unit("D2"), role=Role.ADMIN)
    return user


def issue(client, *, name="Nhà mạng A", unit="P", rate=30):
    return client.post(PAGE, {"name": name, "unit": unit, "rate_per_minute": str(rate)})


def raw_key_of(response) -> str:
    found = re.search(r'data-testid="raw-key">(cg_[^<]+)</code>', response.content.decode())
    assert found, "the issued page shows the raw key"
    return found.group(1)


def test_admin_issues_a_key_that_works_and_stops_working_once_revoked(client, world, caplog):
    sign_in_verified(client, world.person("admin"))
    with caplog.at_level(logging.DEBUG):
        response = issue(client, rate=30)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = raw_key_of(response)
    key = PartnerKey.objects.get()
    # Stored hashed, scoped as asked; the raw key is neither stored nor logged.
    assert (key.name, key.unit.code, key.rate_per_minute) == ("Nhà mạng A", "P", 30)
    assert raw not in key.key_hash and key.prefix == raw[:10]
    assert raw not in caplog.text and key.prefix in caplog.text
    assert PartnerKey.objects.find_active(raw) == key

    answer = client.get(CHECK, {"q": "a.vn"}, headers={"X-Api-Key": raw})
    assert answer.status_code == 200 and answer.json()["status"] == "not_listed"

    listing = client.get(PAGE).content.decode()
    assert "Nhà mạng A" in listing and f"{key.prefix}…" in listing and raw not in listing

    revoke_url = reverse("partner-key-revoke", args=[key.pk])
    confirm = client.get(revoke_url)
    assert confirm.status_code == 200 and "không hoàn tác được" in confirm.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None  # asking to confirm changes nothing
    done = client.post(revoke_url, follow=True)
    assert "Đã thu hồi khoá" in done.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    refused = client.get(CHECK, {"q": "a.vn"}, headers={"X-Api-Key": raw})
    assert refused.status_code == 401
    # The admin log keeps who issued and who revoked.
    entries = LogEntry.objects.filter(object_id=str(key.pk)).order_by("pk")
    assert [e.change_message for e in entries] == [
        "Cấp khoá API đối tác",
        "Thu hồi khoá API đối tác",
    ]
    assert {e.user.username for e in entries} == {"admin"}


def test_the_issued_rate_per_minute_applies(client, world, settings):
    settings.LOOKUP_API_RATE_PER_IP = 1
    sign_in_verified(client, world.person("admin"))
    raw = raw_key_of(issue(client, rate=3))
    with fixed_clock():  # the four checks in one window, whatever the time
        codes = [
            client.get(CHECK, {"q": "a.vn"}, headers={"X-Api-Key": raw}).status_code
            for _ in range(4)
        ]
    assert codes == [200, 200, 200, 429]


def test_a_district_admin_sees_and_manages_only_the_keys_of_its_district(client, world, admin_d2):
    province_key, _raw = PartnerKey.issue(name="CERT tỉnh", unit=world.unit("P"))
    commune_key, _raw = PartnerKey.issue(name="Bot xã", unit=world.unit("D2-C1"))
    sign_in_verified(client, admin_d2)
    listing = client.get(PAGE).content.decode()
    assert "Bot xã" in listing and "CERT tỉnh" not in listing
    # Only D2 and below can be chosen.
    found = re.search(r'<datalist id="id_unit_list">(.*?)</datalist>', listing, re.S)
    assert found is not None
    datalist = found[1]
    offered = re.findall(r'<option value="([^"]+)">', datalist)
    assert offered and all("Hai" in label for label in offered), offered
    refused = issue(client, unit="D1")
    assert refused.status_code == 400
    assert "Đơn vị “D1” không thuộc phạm vi bạn quản lý." in refused.content.decode()
    assert PartnerKey.objects.count() == 2
    other = reverse("partner-key-revoke", args=[province_key.pk])
    assert client.get(other).status_code == 404
    assert client.post(other).status_code == 404
    province_key.refresh_from_db()
    assert province_key.revoked_at is None
    assert client.post(reverse("partner-key-revoke", args=[commune_key.pk])).status_code == 302
    commune_key.refresh_from_db()
    assert commune_key.revoked_at is not None


def test_only_admins_reach_the_page(client, world):
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/staff/login/")
    for name in ("verifier_province", "manager_d1", "editor"):
        sign_in_verified(client, world.person(name))
        assert client.get(PAGE).status_code == 403
        assert issue(client).status_code == 403
    assert PartnerKey.objects.count() == 0


def test_wrong_input_is_answered_in_vietnamese(client, world):
    sign_in_verified(client, world.person("admin"))
    response = issue(client, name="  ", rate=0)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Hãy điền mục này." in page and "Giới hạn ít nhất là 1 yêu cầu mỗi phút." in page
    nul = issue(client, name="Nhà mạng\x00A").content.decode()
    assert "Văn bản chứa ký tự NUL (U+0000), không được phép." in nul
    assert 'id="id_rate_per_minute_error"' in page  # what the field's aria-describedby names
    assert PartnerKey.objects.count() == 0


def test_staff_home_links_the_page_for_admins_only(client, world):
    sign_in_verified(client, world.person("admin"))
    assert PAGE in client.get("/staff/").content.decode()
    sign_in_verified(client, world.person("verifier_province"))
    assert PAGE not in client.get("/staff/").content.decode()
