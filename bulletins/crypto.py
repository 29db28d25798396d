"""Encryption of channel credentials at rest: a JSON object through lib/crypto.py (Fernet,
CANHGIAC_CREDENTIALS_KEY, rotation and the key derived from SECRET_KEY are described there)."""

from __future__ import annotations

import json
from typing import Any

from lib.crypto import CredentialsUnreadable, decrypt_text, encrypt_text

__all__ = ["CredentialsUnreadable", "decrypt_json", "encrypt_json"]

PURPOSE = "bulletins.ChannelAccount"


def encrypt_json(value: dict[str, Any]) -> str:
    return encrypt_text(json.dumps(value, sort_keys=True), purpose=PURPOSE)


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        data = json.loads(decrypt_text(token, purpose=PURPOSE))
    except json.JSONDecodeError as exc:
        raise CredentialsUnreadable("not JSON") from exc
    if not isinstance(data, dict):
        raise CredentialsUnreadable("not an object")
    return data
