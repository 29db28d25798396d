"""Encryption of channel credentials at rest (Fernet: AES-128-CBC + HMAC-SHA256, from the
`cryptography` library).

The key is CANHGIAC_CREDENTIALS_KEY: one Fernet key, or several separated by commas (the first
encrypts, every one decrypts: that is how a key is rotated). Without it, a key is derived from
SECRET_KEY with HKDF, so that a fresh install works; then rotating SECRET_KEY makes the stored
credentials unreadable and the admin enters them again (the channel page says so).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class CredentialsUnreadable(Exception):
    """The stored credentials cannot be decrypted with the configured keys."""


def _derived_key() -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"canhgiac-channel-credentials",
        info=b"bulletins.ChannelAccount",
    )
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


def _fernet() -> MultiFernet:
    configured = getattr(settings, "CANHGIAC_CREDENTIALS_KEY", "") or ""
    if isinstance(configured, str):
        configured = [k.strip() for k in configured.split(",") if k.strip()]
    keys = [k.encode() if isinstance(k, str) else k for k in configured] or [_derived_key()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_json(value: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        data = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsUnreadable(str(exc) or "invalid token") from exc
    if not isinstance(data, dict):
        raise CredentialsUnreadable("not an object")
    return data
