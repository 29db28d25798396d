"""Channel credentials: entered by an admin of the province, stored encrypted, never shown
again; a token the service refused is shown on the page."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from bulletins.channels import configured_channels, get_post_channel
from bulletins.channels.base import NeedsNewToken
from bulletins.models import ChannelAccount
from orgs.models import Role, RoleAssignment, User
from orgs.testing import sign_in_verified

from .conftest import make_revision

pytestmark = pytest.mark.django_db
TOKEN = "EAAG-bi-mat-cua-trang-0123456789"
LIST = reverse("bulletins:channels")


def _edit(key):
    return reverse("bulletins:channel-edit", kwargs={"key": key})


def _admin(client, world):
    sign_in_verified(client, world.person("admin"))
    return client


def test_admin_saves_facebook_credentials_encrypted_and_never_sees_them_again(client, world):
    _admin(client, world)
    response = client.post(_edit("facebook"), {"page_id": "1122334455", "page_token": TOKEN})
    assert response.status_code == 302 and response["Location"] == LIST
    account = ChannelAccount.objects.get(key="facebook")
    assert TOKEN not in account.credentials_encrypted
    assert "1122334455" not in account.credentials_encrypted
    assert account.credentials() == {"page_id": "1122334455", "page_token": TOKEN}
    assert account.saved_by == world.person("admin") and account.saved_at
    for page in (client.get(LIST), client.get(_edit("facebook"))):
        assert page.status_code == 200
        assert TOKEN.encode() not in page.content and b"1122334455" not in page.content
    assert "đã lưu" in client.get(LIST).content.decode()
    assert configured_channels() == ["facebook"]


def test_admin_saves_zalo_credentials(client, world):
    _admin(client, world)
    data = {
        "app_id": "2001",
        "secret_key": "bi-mat-ung-dung",
        "access_token": "ma-truy-cap",
        "refresh_token": "ma-lam-moi",
        "mode": "followers",
    }
    assert client.post(_edit("zalo"), data).status_code == 302
    stored = ChannelAccount.objects.get(key="zalo").credentials()
    assert stored == data
    page = client.get(LIST).content.decode()
    assert "ma-truy-cap" not in page and "bi-mat-ung-dung" not in page


def test_a_half_filled_form_saves_nothing(client, world):
    _admin(client, world)
    response = client.post(_edit("facebook"), {"page_id": "abc", "page_token": ""})
    assert response.status_code == 400
    assert "Mã Trang chỉ gồm chữ số." in response.content.decode()
    assert not ChannelAccount.objects.exists()


def test_refused_token_is_shown_and_new_credentials_clear_it(
    client, world, facebook_account, fake_facebook
):
    fake_facebook.revoke_token()
    with pytest.raises(NeedsNewToken):
        get_post_channel("facebook").post(revision=make_revision(world))
    _admin(client, world)
    page = client.get(LIST).content.decode()
    assert 'data-testid="needs-token"' in page and "190" in page
    data = {"page_id": fake_facebook.page_id, "page_token": fake_facebook.token}
    client.post(_edit("facebook"), data)
    assert not ChannelAccount.objects.get(key="facebook").needs_new_token
    assert get_post_channel("facebook").post(revision=make_revision(world))


def test_a_switched_off_channel_is_not_used(client, world, facebook_account):
    _admin(client, world)
    client.post(_edit("facebook"), {"action": "disable"})
    assert configured_channels() == []
    with pytest.raises(NeedsNewToken):
        get_post_channel("facebook")
    client.post(_edit("facebook"), {"action": "enable"})
    assert configured_channels() == ["facebook"]


@pytest.mark.parametrize("url", [LIST, _edit("facebook"), _edit("zalo")])
def test_only_an_admin_of_the_province_reaches_the_pages(client, world, url):
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    assert "/login" in client.get(url)["Location"] or "next=" in client.get(url)["Location"]
    sign_in_verified(client, world.person("editor"))  # no MANAGE_UNITS
    assert client.get(url).status_code == 403
    district_admin = User.objects.create(username="admin_d1", home_unit=world.unit("D1"))
    RoleAssignment.objects.create(user=district_admin, unit=world.unit("D1"), role=Role.ADMIN)
    sign_in_verified(client, district_admin)  # an admin, of another unit than the province
    assert client.get(url).status_code == 403
    assert client.post(_edit("facebook"), {"page_id": "1", "page_token": "x"}).status_code == 403
    assert not ChannelAccount.objects.exists()


def test_unknown_channel_is_404(client, world):
    _admin(client, world)
    assert client.get(_edit("twitter")).status_code == 404


def test_credentials_key_rotation_and_a_lost_key(settings, world, fake_facebook):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CANHGIAC_CREDENTIALS_KEY = old
    account = ChannelAccount(key="facebook")
    account.set_credentials({"page_id": fake_facebook.page_id, "page_token": fake_facebook.token})
    account.save()
    settings.CANHGIAC_CREDENTIALS_KEY = f"{new},{old}"  # rotated: the old key still decrypts
    assert get_post_channel("facebook").post(revision=make_revision(world))
    settings.CANHGIAC_CREDENTIALS_KEY = new  # the old key is gone
    with pytest.raises(NeedsNewToken) as raised:
        get_post_channel("facebook")
    assert raised.value.code == "unreadable"
    assert ChannelAccount.objects.get(key="facebook").needs_new_token


def test_the_staff_home_offers_the_channel_page_to_admins_only(client, world):
    sign_in_verified(client, world.person("editor"))
    assert LIST not in client.get(reverse("staff-home")).content.decode()
    _admin(client, world)
    assert LIST in client.get(reverse("staff-home")).content.decode()
