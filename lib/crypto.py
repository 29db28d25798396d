"""Secrets stored at rest encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from the
`cryptography` library): the channel credentials of bulletins, the SMTP password of a drill's
sending profile.

The key is CANHGIAC_CREDENTIALS_KEY: one Fernet key, or several separated by commas (the first
encrypts, every one decrypts: that is how a key is rotated). Without it, a key is derived from
SECRET_KEY with HKDF, one per `purpose` (so a token of one kind never decrypts as another), so
that a fresh install works; then rotating SECRET_KEY makes the stored secrets unreadable and
the admin enters them again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class CredentialsUnreadable(Exception):
    """The stored secret cannot be decrypted with the configured keys."""


def _derived_key(purpose: str) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        # The salt of the first user (bulletins): keys derived before the move stay the same.
        salt=b"canhgiac-channel-credentials",
        info=purpose.encode(),
    )
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


def _fernet(purpose: str) -> MultiFernet:
    configured = getattr(settings, "CANHGIAC_CREDENTIALS_KEY", "") or ""
    if isinstance(configured, str):
        configured = [k.strip() for k in configured.split(",") if k.strip()]
    keys = [k.encode() if isinstance(k, str) else k for k in configured]
    return MultiFernet([Fernet(key) for key in keys or [_derived_key(purpose)]])


def encrypt_text(value: str, *, purpose: str) -> str:
    """`value` encrypted; `purpose` names what it is ("app.Model"), for the derived key."""
    return _fernet(purpose).encrypt(value.encode()).decode()


def decrypt_text(token: str, *, purpose: str) -> str:
    """The text `token` holds ("" for ""); CredentialsUnreadable when no key opens it."""
    if not token:
        return ""
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialsUnreadable(str(exc) or "invalid token") from exc
