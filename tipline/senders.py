"""How an answer reaches the person: Zalo's customer-service message, or a POST to a partner
bridge's callback. A sender sends one OutboundMessage and returns the channel's id for it, or
raises one of the three errors below; tipline/worker.py decides what happens to the row.

Zalo (CHANNELS.md): `POST /v3.0/oa/message/cs` with `{"recipient": {"user_id"}, "message":
{"text", "attachment"?}}`. Quick replies are buttons of type "oa.query.hide" in a template
attachment's `payload.buttons` (`{"title", "type", "payload"}`): pressing one sends its
payload back as the person's text (a user_send_text event) without showing the code in the
chat. Zalo takes at most 5 buttons and a text of 2000 characters. The token refresh (-216) is
the bulletins client's (bulletins/channels/zalo.py, under a row lock).

Bridge: `POST <callback_url>` with JSON `{"user_id", "reply_to", "text", "quick_replies":
[{"title", "payload"}], "message_id"}` (message_id: ours, the same on a retry, for the
partner to drop a repeat), signed as the bridge signs its events (tipline/signature.py)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Protocol

from django.conf import settings

from bulletins.channels.base import NeedsNewToken, Permanent, RetryLater
from bulletins.channels.zalo import ZaloOA

from . import signature
from .models import ZALO, Conversation, OutboundMessage

ZALO_WINDOW_CODES = frozenset({-230, -213})  # outside the interaction window; not following
ZALO_MAX_TEXT = 2000
ZALO_MAX_BUTTONS = 5


class WindowClosed(Exception):
    """The channel will not take a message for this person now: it waits for their next one."""


class SendLater(Exception):
    """Not now (quota, rate limit, the service or the network down): the channel pauses."""

    def __init__(self, message: str, *, after_seconds: int = 60, counts: bool = True) -> None:
        super().__init__(message)
        self.after_seconds = after_seconds
        # Whether the try counts towards the message's attempts: waiting for quota does not.
        self.counts = counts


class SendRefused(Exception):
    """Refused for good (a malformed message, the bridge switched off): the row fails."""


class Sender(Protocol):
    def send(self, *, conversation: Conversation, message: OutboundMessage) -> str: ...


def _quick_replies(message: OutboundMessage) -> list[dict[str, str]]:
    replies = message.quick_replies if isinstance(message.quick_replies, list) else []
    return [
        {"title": str(r.get("title", ""))[:100], "payload": str(r.get("payload", ""))[:1000]}
        for r in replies
        if isinstance(r, dict)
    ]


def zalo_message(message: OutboundMessage) -> dict[str, Any]:
    """The `message` object of Zalo's cs call for `message`."""
    body: dict[str, Any] = {"text": message.text[:ZALO_MAX_TEXT]}
    buttons = [
        {"title": r["title"], "type": "oa.query.hide", "payload": r["payload"]}
        for r in _quick_replies(message)[:ZALO_MAX_BUTTONS]
    ]
    if buttons:
        body["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    return body


_clients = threading.local()


def _zalo_client() -> ZaloOA:
    """The Zalo client, kept for TIPLINE_CREDENTIALS_CACHE_SECONDS in this thread (its token
    refresh reads the stored row again under the lock, so an old copy is safe)."""
    found: tuple[float, ZaloOA] | None = getattr(_clients, "zalo", None)
    if found is not None and found[0] > time.monotonic():
        return found[1]
    client = ZaloOA.from_account()
    _clients.zalo = (time.monotonic() + signature.cache_seconds(), client)
    return client


def forget_clients() -> None:
    _clients.zalo = None


class ZaloSender:
    def send(self, *, conversation: Conversation, message: OutboundMessage) -> str:
        try:
            client = _zalo_client()
            answer = client.send_cs(user_id=conversation.external_id, message=zalo_message(message))
        except RetryLater as exc:
            raise SendLater(str(exc), after_seconds=exc.after_seconds, counts=False) from exc
        except NeedsNewToken as exc:
            # The admin must enter new credentials: everything waits, nothing fails.
            forget_clients()
            raise SendLater(str(exc), after_seconds=300, counts=False) from exc
        except Permanent as exc:
            raise SendRefused(str(exc)) from exc
        code = int(answer.get("error") or 0)
        if code in ZALO_WINDOW_CODES:
            raise WindowClosed(f"Zalo: {answer.get('message', '')} [{code}]")
        if code != 0:
            raise SendRefused(f"Zalo: {answer.get('message', '')} [{code}]")
        data = answer.get("data")
        return str(data.get("message_id", "")) if isinstance(data, dict) else ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a callback that moves is a failure, never followed


_opener = urllib.request.build_opener(_NoRedirect)


def bridge_timeout() -> float:
    return float(getattr(settings, "TIPLINE_BRIDGE_TIMEOUT", 5))


class BridgeSender:
    """Sends to one bridge, read once (with its partner) when the sender is made: the worker
    makes a sender for each batch of one conversation's messages."""

    def __init__(self, bridge_id: int) -> None:
        self.bridge_id = bridge_id
        self.bridge = signature.active_bridge(str(bridge_id))

    def send(self, *, conversation: Conversation, message: OutboundMessage) -> str:
        bridge = self.bridge
        if bridge is None:
            # Switched off, or its partner's key revoked: the partner gets nothing more.
            raise SendRefused("cầu nối đã tắt, khoá đối tác đã bị thu hồi hoặc không còn")
        if not bridge.callback_url.startswith(("https://", "http://")):
            raise SendRefused("địa chỉ nhận câu trả lời không hợp lệ")
        reply_to = message.event.message_id if message.event_id and message.event else None
        payload = {
            "user_id": conversation.external_id,
            "reply_to": reply_to,
            "text": message.text,
            "quick_replies": _quick_replies(message),
            "message_id": f"cg-{message.pk}",
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        secret = signature.bridge_secret(bridge)
        headers = {
            "Content-Type": "application/json",
            "X-CanhGiac-Bridge": str(bridge.pk),
            "X-CanhGiac-Signature": signature.bridge_signature(body=body, secret=secret),
        }
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            bridge.callback_url, data=body, headers=headers, method="POST"
        )
        try:
            with _opener.open(request, timeout=bridge_timeout()) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SendLater(f"bridge: {type(exc).__name__}", after_seconds=30) from exc
        if not 200 <= status < 300:
            raise SendLater(f"bridge HTTP {status}", after_seconds=30)
        return f"cg-{message.pk}"


def sender_for(channel: str) -> Sender:
    if channel == ZALO:
        return ZaloSender()
    prefix, _sep, raw = channel.partition(":")
    if prefix == "bridge" and raw.isdigit():
        return BridgeSender(int(raw))
    raise ValueError(f"no sender for channel {channel!r}")
