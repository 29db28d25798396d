"""Who may put a message into the tipline: Zalo's signed webhook events and the partners' bridges.

Zalo (CHANNELS.md; secondary sources agree on the shape): the header `X-ZEvent-Signature` is
`mac=` + the SHA-256 hex of app_id + raw body + timestamp + the OA secret key, where app_id
and timestamp (milliseconds) are the event's own fields. The app id and the OA secret key come
from the Zalo channel account (bulletins' ChannelAccount: keys "app_id" and "oa_secret_key"),
decrypted once and kept in this process for TIPLINE_CREDENTIALS_CACHE_SECONDS.

A bridge signs like Stripe: `X-CanhGiac-Signature: t=<unix>,v1=<HMAC-SHA256 hex of "<t>." +
raw body>` with the bridge's own secret, generated here, stored encrypted and shown once; the
answers POSTed to its callback carry the same header made with the same secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from bulletins.channels.accounts import load_account
from bulletins.channels.base import ChannelError
from lib.crypto import decrypt_text, encrypt_text
from orgs.models import PartnerKey

from .models import TiplineBridge

BRIDGE_PURPOSE = "tipline.TiplineBridge"
_lock = threading.Lock()
_cache: dict[str, tuple[float, object]] = {}


def cache_seconds() -> float:
    """TIPLINE_CREDENTIALS_CACHE_SECONDS: how long decrypted credentials (and the Zalo client
    of tipline/senders.py) are kept in this process."""
    return float(getattr(settings, "TIPLINE_CREDENTIALS_CACHE_SECONDS", 60))


def max_skew_seconds() -> int:
    return int(getattr(settings, "TIPLINE_WEBHOOK_MAX_SKEW_SECONDS", 600))


def clear_cache() -> None:
    """Forget the decrypted credentials (tests; an admin's change shows after the cache time)."""
    with _lock:
        _cache.clear()


def _cached(key: str) -> object | None:
    with _lock:
        found = _cache.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]


def _remember(key: str, value: object) -> None:
    with _lock:
        _cache[key] = (time.monotonic() + cache_seconds(), value)


# --- Zalo -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZaloKeys:
    app_id: str
    oa_secret_key: str


def zalo_keys() -> ZaloKeys | None:
    """The Zalo app id and OA secret key, or None when the channel has none (webhook closed)."""
    found = _cached("zalo")
    if isinstance(found, ZaloKeys):
        return found
    try:
        _account, credentials = load_account("zalo")
    except ChannelError:
        return None
    app_id = str(credentials.get("app_id") or "")
    secret = str(credentials.get("oa_secret_key") or "")
    if not app_id or not secret:
        return None
    keys = ZaloKeys(app_id=app_id, oa_secret_key=secret)
    _remember("zalo", keys)
    return keys


def zalo_mac(*, app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    data = app_id.encode() + body + timestamp.encode() + secret.encode()
    return hashlib.sha256(data).hexdigest()


def zalo_signature_ok(
    *, header: str, app_id: str, body: bytes, timestamp: str, secret: str
) -> bool:
    """Whether `header` (the X-ZEvent-Signature value) is Zalo's MAC of this body; constant time."""
    given = header.strip()
    if given.lower().startswith("mac="):
        given = given[4:]
    expected = zalo_mac(app_id=app_id, body=body, timestamp=timestamp, secret=secret)
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())


def timestamp_fresh(seconds: float, *, now: float | None = None) -> bool:
    moment = time.time() if now is None else now
    return abs(moment - seconds) <= max_skew_seconds()


# --- Bridges --------------------------------------------------------------------------------


def bridge_signature(*, body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The X-CanhGiac-Signature header value for `body`."""
    moment = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={mac}"


def bridge_signature_ok(*, header: str, body: bytes, secret: str, now: float | None = None) -> bool:
    """Whether `header` signs `body` with `secret` at a time within the allowed skew."""
    parts: dict[str, str] = {}
    for piece in header.split(",")[:8]:
        name, _sep, value = piece.strip().partition("=")
        parts.setdefault(name, value)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or len(stamp) > 12 or not given:
        return False
    if not timestamp_fresh(int(stamp), now=now):
        return False
    expected = bridge_signature(body=body, secret=secret, timestamp=int(stamp)).split("v1=")[1]
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def bridge_secret(bridge: TiplineBridge) -> str:
    key = f"bridge:{bridge.pk}:{hashlib.sha256(bridge.secret_encrypted.encode()).hexdigest()}"
    found = _cached(key)
    if isinstance(found, str):
        return found
    secret = decrypt_text(bridge.secret_encrypted, purpose=BRIDGE_PURPOSE)
    _remember(key, secret)
    return secret


def active_bridge(raw_id: str) -> TiplineBridge | None:
    """The enabled bridge named by the X-CanhGiac-Bridge header, whose partner key is valid."""
    if not raw_id.isdigit() or len(raw_id) > 18:
        return None
    return (
        TiplineBridge.objects.select_related("partner")
        .filter(pk=int(raw_id), enabled=True, partner__revoked_at__isnull=True)
        .first()
    )


def _check_callback(url: str) -> None:
    URLValidator(schemes=["https", "http"])(url)
    if url.startswith("http://") and not getattr(settings, "TIPLINE_BRIDGE_ALLOW_HTTP", False):
        raise ValidationError("Địa chỉ nhận câu trả lời phải dùng https.")


def create_bridge(*, partner: PartnerKey, callback_url: str) -> tuple[TiplineBridge, str]:
    """A bridge for `partner`; returns it and its secret, which is shown this once only."""
    _check_callback(callback_url)
    secret = "cgb_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        bridge = TiplineBridge.objects.create(
            partner=partner,
            callback_url=callback_url,
            secret_encrypted=encrypt_text(secret, purpose=BRIDGE_PURPOSE),
        )
    return bridge, secret


# --- Attachments ----------------------------------------------------------------------------


def attachment_allowed(url: str) -> bool:
    """Whether the worker may download `url`: https on a host of TIPLINE_ATTACHMENT_HOSTS (a
    name matches itself and its subdomains), or an entry that is a whole base address such as
    the tests' fake (`http://127.0.0.1:PORT`), which the URL must start with. Never one with a
    control character, a lone surrogate or an invisible one (it could not even be stored)."""
    if len(url) > 1000 or not url.isprintable():
        return False
    try:
        split = urlsplit(url)
        host = (split.hostname or "").lower()
    except ValueError:
        return False
    if split.username or split.password:
        return False
    for entry in getattr(settings, "TIPLINE_ATTACHMENT_HOSTS", []):
        entry = str(entry).lower()
        if "://" in entry:
            if url.lower().startswith(entry.rstrip("/") + "/"):
                return True
        elif split.scheme == "https" and (host == entry or host.endswith("." + entry)):
            return True
    return False
