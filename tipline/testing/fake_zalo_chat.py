"""The fake Zalo OA of bulletins/testing, with what a chat needs: the customer-service message
and the interaction window, images to download, and signed webhook events.

- `POST /v3.0/oa/message/cs` (header `access_token`): `{"recipient": {"user_id"}, "message":
  {"text", "attachment"?}}`; a template attachment's `payload.buttons` are checked (title,
  type among Zalo's button types, payload). A person who has not written within
  `window_hours` (tell the fake with `user_wrote(user_id)`), or who got `replies_per_window`
  messages since, is refused with -230. `fail_next("message/cs", -211)` (out of quota) or -32
  (rate limit) refuses the next call; `expire_token()` makes the token expire (-216).
  `cs_messages` records what was accepted, with the time.
- `GET /images/<name>`: the bytes given to `add_image` (any content type), for attachment URLs.
- `sign_event`, `zalo_event` and `post_event` make, sign and POST a webhook event as Zalo does
  (CHANNELS.md: `X-ZEvent-Signature: mac=<sha256 hex of app_id + body + timestamp + OA secret
  key>`), for the tests and bench/tipline.py.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from bulletins.testing._server import Reply, Request
from bulletins.testing.fake_zalo import FakeZalo, ok, zalo_error

BUTTON_TYPES = frozenset(
    {"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone", "oa.open.sms"}
)
OUTSIDE_WINDOW = -230


@dataclass
class _Image:
    data: bytes
    content_type: str


class FakeZaloChat(FakeZalo):
    def __init__(
        self,
        *,
        oa_secret_key: str = "OA-SECRET",  # noqa: S107 (a fake's own test value)
        window_hours: float = 48,
        replies_per_window: int = 8,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.oa_secret_key = oa_secret_key
        self.oa_id = "oa-0001"
        self.window_hours = window_hours
        self.replies_per_window = replies_per_window
        self.cs_messages: list[dict[str, Any]] = []
        self._wrote: dict[str, tuple[float, int]] = {}  # user -> (when, replies since)
        self._images: dict[str, _Image] = {}
        self.route("POST", "/v3.0/oa/message/cs", self._cs)

    # What the test tells the fake ----------------------------------------------------------

    def user_wrote(self, user_id: str, *, at: float | None = None) -> None:
        with self.lock:
            self._wrote[user_id] = (time.time() if at is None else at, 0)

    def window_closed(self, user_id: str) -> None:
        """Zalo's own record says the person has not written lately (our side may not know)."""
        with self.lock:
            self._wrote.pop(user_id, None)

    def add_image(self, name: str, data: bytes, *, content_type: str = "image/jpeg") -> str:
        with self.lock:
            self._images[name] = _Image(data, content_type)
        return f"{self.base_url}/images/{name}"

    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.cs_messages if m["user_id"] == user_id]

    # Customer-service messages -------------------------------------------------------------

    def _cs(self, request: Request, _values: dict[str, str]) -> Reply:
        refused = self._api(request)
        if refused:
            return refused
        body = request.json if isinstance(request.json, dict) else {}
        recipient = body.get("recipient")
        message = body.get("message")
        user = recipient.get("user_id") if isinstance(recipient, dict) else None
        if not isinstance(user, str) or not user or not isinstance(message, dict):
            return zalo_error(-201, "recipient.user_id and message are required")
        problem = _message_problem(message)
        if problem:
            return zalo_error(-201, problem)
        wrote = self._wrote.get(user)
        now = time.time()
        if (
            wrote is None
            or now - wrote[0] > self.window_hours * 3600
            or wrote[1] >= self.replies_per_window
        ):
            return zalo_error(OUTSIDE_WINDOW, "User has not interacted with the OA recently")
        self._wrote[user] = (wrote[0], wrote[1] + 1)
        message_id = f"cs-{next(self._ids)}"
        self.cs_messages.append(
            {"message_id": message_id, "user_id": user, "message": message, "time": now}
        )
        return ok({"message_id": message_id, "user_id": user})

    # Images --------------------------------------------------------------------------------

    def _handle(self, http: BaseHTTPRequestHandler, method: str) -> None:
        path = http.path.split("?")[0]
        if method != "GET" or not path.startswith("/images/"):
            super()._handle(http, method)
            return
        with self.lock:
            self.requests.append(Request(method=method, path=path, query={}, headers={}, body=b""))
            image = self._images.get(path.removeprefix("/images/"))
        delay = self._take_delay(path)
        if delay:
            time.sleep(delay)
        try:
            if image is None:
                http.send_response(404)
                http.send_header("Content-Length", "0")
                http.end_headers()
                return
            http.send_response(200)
            http.send_header("Content-Type", image.content_type)
            http.send_header("Content-Length", str(len(image.data)))
            http.end_headers()
            http.wfile.write(image.data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


def _message_problem(message: dict[str, Any]) -> str:
    text = message.get("text")
    attachment = message.get("attachment")
    if text is not None and (not isinstance(text, str) or len(text) > 2000):
        return "message.text must be a string of at most 2000 characters"
    if attachment is None:
        return "" if text else "message.text is required"
    if not isinstance(attachment, dict) or attachment.get("type") != "template":
        return "message.attachment must be a template"
    payload = attachment.get("payload")
    buttons = payload.get("buttons") if isinstance(payload, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 5:
        return "payload.buttons must hold 1 to 5 buttons"
    for button in buttons:
        if (
            not isinstance(button, dict)
            or button.get("type") not in BUTTON_TYPES
            or not isinstance(button.get("title"), str)
            or not 0 < len(button["title"]) <= 100
            or "payload" not in button
        ):
            return "a button needs a title, a type and a payload"
    return ""


# --- Webhook events -------------------------------------------------------------------------


def sign_event(body: bytes, *, app_id: str, timestamp: str, secret: str) -> str:
    """The X-ZEvent-Signature header Zalo sends with `body`."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


_EVENT_NAMES = {"text": "user_send_text", "image": "user_send_image", "link": "user_send_link"}


def zalo_event(
    kind: str,
    user_id: str,
    msg_id: str,
    text: str = "",
    image_url: str = "",
    *,
    app_id: str = "2001",
    oa_id: str = "oa-0001",
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """An event as Zalo POSTs it; `kind` is an event name (user_send_text, user_send_image,
    user_send_link, user_send_sticker, follow, unfollow) or text / image / link."""
    name = _EVENT_NAMES.get(kind, kind)
    stamp = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    if name in ("follow", "unfollow"):
        return {
            "app_id": app_id,
            "oa_id": oa_id,
            "follower": {"id": user_id},
            "user_id_by_app": f"app-{user_id}",
            "event_name": name,
            "source": "testing",
            "timestamp": stamp,
        }
    message: dict[str, Any] = {"msg_id": msg_id}
    if text:
        message["text"] = text
    if name == "user_send_image":
        message["attachments"] = [
            {"type": "image", "payload": {"thumbnail": image_url, "url": image_url}}
        ]
    elif name == "user_send_link":
        url = image_url or text
        message["attachments"] = [
            {"type": "link", "payload": {"url": url, "thumbnail": "", "description": ""}}
        ]
    elif name == "user_send_sticker":
        message["attachments"] = [
            {"type": "sticker", "payload": {"id": "sticker-1", "url": "https://zalo.me/s/1"}}
        ]
    return {
        "app_id": app_id,
        "user_id_by_app": f"app-{user_id}",
        "event_name": name,
        "timestamp": stamp,
        "sender": {"id": user_id},
        "recipient": {"id": oa_id},
        "message": message,
    }


def post_event(
    url: str, event: dict[str, Any], *, secret: str, app_id: str | None = None, timeout: float = 10
) -> tuple[int, bytes]:
    """Sign `event` as Zalo does and POST it to `url`; (HTTP status, body)."""
    body = json.dumps(event, ensure_ascii=False).encode()
    header = sign_event(
        body,
        app_id=app_id or str(event["app_id"]),
        timestamp=str(event["timestamp"]),
        secret=secret,
    )
    request = urllib.request.Request(  # noqa: S310 (a test's own loopback address)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-ZEvent-Signature": header},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
