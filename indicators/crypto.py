"""Crypto wallet addresses: Ethereum-style (0x…), Bitcoin (base58 and bech32), Tron (T…)."""

import hashlib
import re

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

ETH = re.compile(r"0x[0-9a-fA-F]{40}")
TRON = re.compile(r"T[1-9A-HJ-NP-Za-km-z]{33}")
BTC_BASE58 = re.compile(r"[13][1-9A-HJ-NP-Za-km-z]{25,34}")
BTC_BECH32 = re.compile(r"bc1[02-9ac-hj-np-z]{11,71}")
# For finding addresses in free text; every candidate still goes through normalise_wallet.
IN_TEXT = re.compile(
    r"(?<![\w])(?:0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33}|[13][1-9A-HJ-NP-Za-km-z]{25,34}"
    r"|(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71})(?![\w])"
)


def _base58check(address: str) -> bytes | None:
    number = 0
    for char in address:
        number = number * 58 + _BASE58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(address) - len(address.lstrip("1"))) + body
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload


def _bech32_ok(address: str) -> bool:
    hrp, _, data = address.rpartition("1")
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    values += [_BECH32.index(c) for c in data]
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            checksum ^= generator[i] if (top >> i) & 1 else 0
    return checksum in (1, 0x2BC830A3)  # bech32 (segwit v0) or bech32m (v1+)


def normalise_wallet(text: str) -> str:
    """One canonical address, or ValueError with what is wrong."""
    address = text.strip()
    if ETH.fullmatch(address):
        return address.lower()
    if BTC_BECH32.fullmatch(address.lower()) and address in (address.lower(), address.upper()):
        if _bech32_ok(address.lower()):
            return address.lower()
        raise ValueError("Địa chỉ ví Bitcoin (bc1…) sai mã kiểm tra; hãy kiểm tra lại từng ký tự.")
    if TRON.fullmatch(address):
        payload = _base58check(address)
        if payload is not None and payload[:1] == b"\x41" and len(payload) == 21:
            return address
        raise ValueError("Địa chỉ ví Tron (T…) sai mã kiểm tra; hãy kiểm tra lại từng ký tự.")
    if BTC_BASE58.fullmatch(address):
        payload = _base58check(address)
        if payload is not None and payload[:1] in (b"\x00", b"\x05") and len(payload) == 21:
            return address
        raise ValueError("Địa chỉ ví Bitcoin sai mã kiểm tra; hãy kiểm tra lại từng ký tự.")
    raise ValueError(
        "Không nhận ra địa chỉ ví: hỗ trợ ví Ethereum/BSC (0x…), Bitcoin (1…, 3…, bc1…) và "
        "Tron/USDT-TRC20 (T…)."
    )
