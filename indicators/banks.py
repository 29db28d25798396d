"""Vietnamese banks and e-wallets (data/banks.json), bank mentions in text, account numbers."""

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import phonenumbers

DATA_FILE = Path(__file__).resolve().parent / "data" / "banks.json"

MIN_DIGITS = 6
MAX_DIGITS = 19


@dataclass(frozen=True)
class Bank:
    code: str
    short_name: str
    name: str
    bin: str | None
    kind: str  # "bank" or "ewallet"
    aliases: tuple[str, ...]


# --- folding: lower case without Vietnamese diacritics, one character for one character --------


def _fold_table() -> dict[int, str]:
    table = {cp: chr(cp + 32) for cp in range(ord("A"), ord("Z") + 1)}
    for cp in range(0xC0, 0x2000):
        char = chr(cp)
        base = unicodedata.normalize("NFD", char)[0].lower()
        if base != char and base.isascii() and base.isalpha():
            table[cp] = base
    table.update({ord("đ"): "d", ord("Đ"): "d"})
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """ "Ngân hàng Đông Á" -> "ngan hang dong a"; the result has the length of the input."""
    return text.translate(_FOLD)


# --- the bank list -------------------------------------------------------------------------


@cache
def banks() -> dict[str, Bank]:
    """Every bank and e-wallet by code."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    result = {}
    for item in data["banks"]:
        aliases = tuple(dict.fromkeys([item["code"], item["short_name"], *item["aliases"]]))
        result[item["code"]] = Bank(
            code=item["code"],
            short_name=item["short_name"],
            name=item["name"],
            bin=item["bin"],
            kind=item["kind"],
            aliases=aliases,
        )
    return result


@cache
def banks_by_bin() -> dict[str, Bank]:
    return {bank.bin: bank for bank in banks().values() if bank.bin}


def _alias_words(alias: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(unicodedata.normalize("NFC", alias)))


def _alias_regex(key: str) -> str:
    words = [re.escape(word) for word in key.split()]
    if words[:2] == ["ngan", "hang"]:
        # "Ngân hàng TMCP Á Châu" is "Ngân hàng Á Châu" with the company form spelled out.
        words[1] += r"(?:[\s.\-_&]*tmcp)?"
    return r"[\s.\-_&]*".join(words)


@cache
def _alias_index() -> tuple[re.Pattern[str], dict[str, Bank]]:
    keys: dict[str, Bank] = {}
    by_compact: dict[str, Bank] = {}
    for bank in banks().values():
        for alias in bank.aliases:
            key = " ".join(_alias_words(alias))
            keys.setdefault(key, bank)
            # The pattern lets the separators between words go ("acb bank" matches "acbbank"),
            # so a match is looked up by its letters alone.
            other = by_compact.setdefault(_compact(key), bank)
            if other is not bank:
                raise ValueError(f"banks.json: alias {alias!r} names {other.code} and {bank.code}")
    # Longest first, so "ngan hang sai gon thuong tin" wins over "ngan hang sai gon".
    alternatives = "|".join(_alias_regex(key) for key in sorted(keys, key=len, reverse=True))
    pattern = re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")
    return pattern, by_compact


def _compact(matched: str) -> str:
    """An alias or a match of it as bare letters and digits, "tmcp" after "ngan hang" left out."""
    letters = "".join(re.findall(r"[a-z0-9]+", matched))
    return "nganhang" + letters[12:] if letters.startswith("nganhangtmcp") else letters


@dataclass(frozen=True)
class BankMention:
    bank: Bank
    start: int
    end: int


def bank_mentions(text: str) -> list[BankMention]:
    """Where banks are named in a text (offsets are those of the NFC text given)."""
    pattern, by_key = _alias_index()
    mentions = []
    for match in pattern.finditer(fold(text)):
        mentions.append(BankMention(by_key[_compact(match[0])], match.start(), match.end()))
    return mentions


def find_bank(name: str) -> Bank | None:
    """The bank a name, short name, code or BIN stands for; None when unknown."""
    name = name.strip()
    if name.isdigit():
        return banks_by_bin().get(name)
    return _alias_index()[1].get(_compact(" ".join(_alias_words(name))))


# --- account numbers -----------------------------------------------------------------------


def canonical_account(bank: Bank, number: str) -> str:
    """ "CODE:digits" for a number written with spaces, dots or dashes; ValueError if wrong."""
    digits = re.sub(r"[\s.\-]", "", number)
    if bank.kind == "ewallet" and digits.startswith(("+", "84", "0")):
        digits = _wallet_phone(digits)
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"Số tài khoản chỉ gồm chữ số; “{number}” có ký tự khác.")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise ValueError(
            f"Số tài khoản có từ {MIN_DIGITS} đến {MAX_DIGITS} chữ số; “{number}” có "
            f"{len(digits)} chữ số."
        )
    return f"{bank.code}:{digits}"


def _wallet_phone(digits: str) -> str:
    # E-wallet accounts are phone numbers: "+84 912…", "84912…" and "0912…" are one account.
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException:
        return digits
    if number.country_code == 84 and phonenumbers.is_valid_number(number):
        return "0" + str(number.national_number)
    return digits


_CANONICAL = re.compile(r"([A-Z][A-Z0-9]*):(\d+)")
_NUMBER_RUN = re.compile(r"\+?\d+(?:[ .\-]+\d+)*")


def parse_account(raw: str) -> str:
    """A bank account as written ("Vietcombank: 0071 0009 86547", "STK 123456789 MB",
    "970436 0071000986547", "VCB:0071000986547") to "CODE:digits"; ValueError otherwise."""
    text = unicodedata.normalize("NFC", raw).strip()
    match = _CANONICAL.fullmatch(text)
    if match and match[1] in banks():
        return canonical_account(banks()[match[1]], match[2])
    mentions = bank_mentions(text)
    found = {m.bank.code: m.bank for m in mentions}
    rest = list(text)
    for m in mentions:
        rest[m.start : m.end] = [" "] * (m.end - m.start)
    runs = _NUMBER_RUN.findall("".join(rest))
    if not found and runs:
        # "970436 0071000986547": a NAPAS BIN in front of the number.
        head = re.split(r"[ .\-]+", runs[0].lstrip("+"), maxsplit=1)
        if head[0] in banks_by_bin() and (len(head) > 1 or len(runs) > 1):
            found = {"bin": banks_by_bin()[head[0]]}
            runs = ([head[1]] if len(head) > 1 else []) + runs[1:]
    if not found:
        raise ValueError(
            "Chưa rõ ngân hàng: hãy ghi kèm tên ngân hàng hoặc ví, ví dụ "
            "“Vietcombank 0071000986547”."
        )
    if len(found) > 1:
        names = ", ".join(sorted(b.short_name for b in found.values()))
        raise ValueError(
            f"Có nhiều ngân hàng trong cùng một giá trị ({names}); hãy nhập từng tài khoản."
        )
    if len(runs) != 1:
        raise ValueError(
            "Cần đúng một số tài khoản." if runs else "Chưa thấy số tài khoản (dãy chữ số)."
        )
    return canonical_account(next(iter(found.values())), runs[0])
