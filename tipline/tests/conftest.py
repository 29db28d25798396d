"""Fixtures of the tipline's intake tests: the fake Zalo OA for chat (tipline/testing), the Zalo
channel account holding its credentials (encrypted, as an admin enters them, with the OA secret
key of the webhook), a partner bridge with a callback receiver on loopback, and helpers that
POST signed events to the webhooks through Django's test client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from bulletins.models import ChannelAccount, ChannelKey
from bulletins.testing._server import FakeService, Reply, Request
from lib import ratelimit
from orgs.models import PartnerKey
from orgs.testing import World
from tipline import senders, signature, worker
from tipline.models import ZALO, Conversation, TiplineBridge
from tipline.testing.fake_zalo_chat import FakeZaloChat, sign_event, zalo_event

ZALO_URL = "/tipline/zalo/webhook"
BRIDGE_URL = "/tipline/bridge/events"


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    signature.clear_cache()
    senders.forget_clients()
    cache.clear()
    worker.forget_pauses()
    ratelimit.forget_reserved()
    yield
    signature.clear_cache()
    senders.forget_clients()


@pytest.fixture
def fake_chat(settings: Any) -> Iterator[FakeZaloChat]:
    with FakeZaloChat() as server:
        assert isinstance(server, FakeZaloChat)
        settings.ZALO_API_BASE = server.base_url
        settings.ZALO_OAUTH_BASE = server.base_url
        settings.TIPLINE_ATTACHMENT_HOSTS = [server.base_url, "zdn.vn"]
        settings.TIPLINE_IMAGE_TIMEOUT = 2
        yield server


def save_chat_account(server: FakeZaloChat) -> ChannelAccount:
    account = ChannelAccount(key=ChannelKey.ZALO)
    account.set_credentials(
        {
            "app_id": server.app_id,
            "secret_key": server.secret_key,
            "access_token": server.access_token,
            "refresh_token": server.refresh_token,
            "oa_secret_key": server.oa_secret_key,
            "mode": "messages",
        }
    )
    account.save()
    return account


@pytest.fixture
def zalo_account(db: None, fake_chat: FakeZaloChat) -> ChannelAccount:
    return save_chat_account(fake_chat)


ZALO_USER = "zalo-user-5120"


@pytest.fixture
def zalo(client: Client, zalo_account: Any, fake_chat: FakeZaloChat, chat_ready: Any) -> Any:
    """Say things to the OA as a person on Zalo: the fake learns that they wrote, the
    webhook stores the event."""

    class Person:
        fake = fake_chat
        count = 0

        def say(self, text: str = "", *, kind: str = "text", image_url: str = "") -> None:
            Person.count += 1
            fake_chat.user_wrote(ZALO_USER)
            event = zalo_event(kind, ZALO_USER, f"m-{Person.count}", text=text, image_url=image_url)
            assert post_zalo(client, event).status_code == 200

        def conversation(self) -> Conversation:
            return Conversation.objects.get(channel=ZALO, external_id=ZALO_USER)

    return Person()


def post_zalo(
    client: Client,
    event: dict[str, Any],
    *,
    secret: str = "OA-SECRET",  # noqa: S107 (the fake's test value)
    app_id: str | None = None,
    header: str | None = None,
    body: bytes | None = None,
) -> Any:
    """POST `event` as Zalo does (signed with `secret`), or `body` with `header` as given."""
    raw = body if body is not None else json.dumps(event).encode()
    if header is None:
        header = sign_event(
            raw,
            app_id=app_id or str(event["app_id"]),
            timestamp=str(event["timestamp"]),
            secret=secret,
        )
    headers = {"X-ZEvent-Signature": header} if header else {}
    return client.post(ZALO_URL, data=raw, content_type="application/json", headers=headers)


# --- bridges --------------------------------------------------------------------------------


class CallbackReceiver(FakeService):
    """A partner's callback: records what it got; `status` is what it answers."""

    def __init__(self) -> None:
        super().__init__()
        self.status = 200
        self.received: list[Request] = []
        self.route("POST", "/callback", self._callback)

    def _callback(self, request: Request, _values: dict[str, str]) -> Reply:
        if self.status < 300:
            self.received.append(request)
        return Reply(self.status, {"ok": self.status < 300})

    @property
    def url(self) -> str:
        return f"{self.base_url}/callback"


@dataclass
class Bridge:
    bridge: TiplineBridge
    secret: str
    receiver: CallbackReceiver

    def post(self, client: Client, payload: dict[str, Any], *, secret: str | None = None) -> Any:
        body = json.dumps(payload).encode()
        header = signature.bridge_signature(body=body, secret=secret or self.secret)
        headers = {"X-CanhGiac-Bridge": str(self.bridge.pk), "X-CanhGiac-Signature": header}
        return client.post(BRIDGE_URL, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def bridge(world: World, settings: Any) -> Iterator[Bridge]:
    settings.TIPLINE_BRIDGE_ALLOW_HTTP = True
    with CallbackReceiver() as receiver:
        assert isinstance(receiver, CallbackReceiver)
        partner, _raw = PartnerKey.issue(name="Bot đối tác", unit=world.unit("P"))
        made, secret = signature.create_bridge(partner=partner, callback_url=receiver.url)
        yield Bridge(made, secret, receiver)


@pytest.fixture
def chat_ready(world: World, settings: Any, tmp_path: Any) -> Iterator[World]:
    """What respond() needs: the shared units, a media folder of the test's own, a fresh
    in-memory matcher (it outlives a test's rolled-back transaction)."""
    from indicators.matcher import reset_matcher

    settings.MEDIA_ROOT = tmp_path / "media"
    reset_matcher()
    yield world
    reset_matcher()
