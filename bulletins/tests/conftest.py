"""Fixtures of the bulletins tests: the fake Zalo OA and Facebook Page servers on loopback
(bulletins/testing), the settings that point the clients at them, and the channel accounts
holding their credentials (encrypted, as an admin would have entered them).

    def test_publish_reaches_both(fake_channels):
        ...
        assert len(fake_channels.facebook.posts) == 1
        assert len(fake_channels.zalo.broadcasts) == 1

A worker started as a subprocess does not see pytest's `settings`: pass it
`fake_channels.environ` (CANHGIAC_ZALO_API_BASE, ...) if settings.py reads those variables.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest

from bulletins.testing.fake_facebook import FakeFacebook
from bulletins.testing.fake_zalo import FakeZalo

_SERIAL = itertools.count(1)


@pytest.fixture
def fake_facebook(settings):
    """A fake Graph API for one Page; FACEBOOK_GRAPH_BASE points at it."""
    with FakeFacebook() as server:
        settings.FACEBOOK_GRAPH_BASE = server.base_url
        settings.FACEBOOK_RATE_LIMIT_WAIT = 30
        yield server


@pytest.fixture
def fake_zalo(settings):
    """A fake Zalo OA (OAuth and OpenAPI on one server); the ZALO_* bases point at it."""
    with FakeZalo() as server:
        settings.ZALO_API_BASE = server.base_url
        settings.ZALO_OAUTH_BASE = server.base_url
        settings.ZALO_VERIFY_INTERVAL = 0.01
        yield server


def save_facebook_account(server: FakeFacebook):
    from bulletins.models import ChannelAccount, ChannelKey

    account = ChannelAccount(key=ChannelKey.FACEBOOK)
    account.set_credentials({"page_id": server.page_id, "page_token": server.token})
    account.save()
    return account


def save_zalo_account(server: FakeZalo, *, mode: str = "broadcast"):
    from bulletins.models import ChannelAccount, ChannelKey

    account = ChannelAccount(key=ChannelKey.ZALO)
    account.set_credentials(
        {
            "app_id": server.app_id,
            "secret_key": server.secret_key,
            "access_token": server.access_token,
            "refresh_token": server.refresh_token,
            "mode": mode,
        }
    )
    account.save()
    return account


@pytest.fixture
def facebook_account(db, fake_facebook):
    return save_facebook_account(fake_facebook)


@pytest.fixture
def zalo_account(db, fake_zalo):
    return save_zalo_account(fake_zalo)


@dataclass
class FakeChannels:
    facebook: FakeFacebook
    zalo: FakeZalo
    environ: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def fake_channels(facebook_account, zalo_account, fake_facebook, fake_zalo):
    """Both fake servers running, and both channel accounts saved (broadcast mode on Zalo)."""
    environ = {
        "CANHGIAC_FACEBOOK_GRAPH_BASE": fake_facebook.base_url,
        "CANHGIAC_ZALO_API_BASE": fake_zalo.base_url,
        "CANHGIAC_ZALO_OAUTH_BASE": fake_zalo.base_url,
        "CANHGIAC_ZALO_VERIFY_INTERVAL": "0.01",
    }
    return FakeChannels(facebook=fake_facebook, zalo=fake_zalo, environ=environ)


def make_revision(world, *, title: str = "Cảnh báo: tin nhắn giả mạo ngân hàng", number: int = 1):
    """A published revision of a new warning of the province (for the channel tests)."""
    from django.utils import timezone

    from bulletins.models import Bulletin, BulletinStatus, Kind, Revision, RevisionState

    n = next(_SERIAL)
    editor = world.person("editor")
    bulletin = Bulletin.objects.create(
        kind=Kind.WARNING,
        slug=f"kenh-thu-{n}",
        unit=world.unit("P"),
        created_by=editor,
        status=BulletinStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    return Revision.objects.create(
        bulletin=bulletin,
        number=number,
        state=RevisionState.PUBLISHED,
        title=f"{title} ({n})",
        summary="Không bấm vào đường dẫn trong tin nhắn, không đọc mã OTP cho ai.",
        body_markdown="Ngân hàng không gửi đường dẫn đăng nhập qua tin nhắn.",
        body_html="<p>Ngân hàng không gửi đường dẫn đăng nhập qua tin nhắn.</p>",
        written_by=editor,
        published_at=timezone.now(),
    )


@pytest.fixture
def revision(world):
    return make_revision(world)
