"""Find every indicator in free text: an SMS, a chat message, an email.

URLs with or without a scheme and their usual obfuscations ("ehoaq. com", "hxxp", "[.]"),
Vietnamese phone numbers (0…, +84, 84, spaced or dotted), bank accounts with the bank named
nearby ("Vietcombank: 0071000986547", "STK 123456789 MB"), emails, social profile links and crypto
wallets. Each finding carries its canonical value and where it stands in the (NFC) text.
"""

import re
from dataclasses import dataclass

import phonenumbers

from lib.nfc import nfc

from .banks import BankMention, bank_mentions, canonical_account, fold
from .crypto import IN_TEXT as WALLET_IN_TEXT
from .kinds import Kind
from .normalise import normalise
from .social import PLATFORM_HOSTS, social_profile
from .urlcanon import canonical_parts, public_suffix, refang_with_map


@dataclass(frozen=True)
class Found:
    kind: Kind
    value: str  # canonical
    text: str  # as it stands in the text, after undoing obfuscation
    start: int  # offsets in the NFC-normalised input
    end: int


_EMAIL = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[\w\-]+\.)+[A-Za-z][\w\-]+"
)
_URL_WITH_SCHEME = re.compile(r"(?i)\bhttps?://[^\s<>\"'`{}|\\^]+")
# A host name (Unicode letters allowed, checked against the public suffix list), then port/path.
_BARE_HOST = re.compile(
    r"(?<![\w@/.\-])((?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+[^\W\d_][\w\-]{0,62})"
    r"(?::\d{2,5})?(/[^\s<>\"'`{}|\\^]*)?"
)
_BARE_IPV4_URL = re.compile(
    r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?::\d{2,5}(?:/[^\s<>\"'`]*)?|/[^\s<>\"'`]*)"
)
_PHONE = re.compile(
    r"(?<![\w+])(?<!\d[.,])(?:(?:\(\+?84\)|\+84|84|0)(?:[ .\-]?\d){8,10}"
    r"|1[89]00(?:[ .\-]?\d){4,6})(?!\d)"  # 1900/1800 hotlines
)
_ACCOUNT = re.compile(r"(?<![\w+.,])\d(?:[ .\-]?\d){6,18}(?![\w])")
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_DATE = re.compile(r"(?:19|20)\d\d[\-.]\d\d?[\-.]\d\d?|\b\d\d?[\-.]\d\d?[\-.](?:19|20)\d\d")
_AFTER_AMOUNT = re.compile(r"\s?(?:vnd|vnđ|đ|dong|đồng|k|tr|trieu|triệu|usd|\$)\b", re.IGNORECASE)
_ACCOUNT_WORDS = re.compile(r"\b(?:stk|so tk|so tai khoan|tai khoan|tk|ck|chuyen khoan|account)\b")
# Numbers that follow these words are codes, transfer contents or order numbers, not accounts.
_NOT_ACCOUNT_WORDS = re.compile(
    r"\b(?:otp|ma xac thuc|ma xac nhan|mat khau|pin|nd|noi dung|gd|ma gd|ma giao dich|dh|"
    r"don hang|ma don|ma dh|ref)\b\W*$"
)
_TRAILING = ".,;:!?'\"”’)]}>…"

BANK_BEFORE = 40  # characters between a bank's name and the number that follows it
BANK_AFTER = 25  # characters between a number and the bank named after it


def _trim(candidate: str) -> str:
    while candidate and candidate[-1] in _TRAILING:
        if candidate[-1] == ")" and candidate.count("(") >= candidate.count(")"):
            break
        candidate = candidate[:-1]
    return candidate


class _Scan:
    def __init__(self, original: str) -> None:
        self.text, self.positions = refang_with_map(original)
        self.taken = bytearray(len(self.text))
        self.found: dict[tuple[str, str], Found] = {}

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def add(self, kind: Kind, value: str, start: int, end: int) -> None:
        self.taken[start:end] = b"\x01" * (end - start)
        if (kind, value) not in self.found:
            first = self.positions[start] if self.positions else 0
            last = self.positions[end - 1] + 1 if self.positions else 0
            self.found[(kind, value)] = Found(kind, value, self.text[start:end], first, last)

    def add_web(self, start: int, end: int, kind: Kind, raw: str) -> None:
        try:
            value = normalise(kind, raw)
        except ValueError:
            return
        self.add(kind, value, start, end)
        if kind == Kind.URL and canonical_parts(value).host in PLATFORM_HOSTS:
            try:
                profile = social_profile(value)
            except ValueError:
                return
            if profile:
                self.add(Kind.SOCIAL_PROFILE, profile, start, end)


def _emails(scan: _Scan) -> None:
    for match in _EMAIL.finditer(scan.text):
        candidate = _trim(match[0])
        try:
            value = normalise(Kind.EMAIL, candidate)
        except ValueError:
            continue
        scan.add(Kind.EMAIL, value, match.start(), match.start() + len(candidate))


def _urls(scan: _Scan) -> None:
    for match in _URL_WITH_SCHEME.finditer(scan.text):
        candidate = _trim(match[0])
        if scan.free(match.start(), match.start() + len(candidate)):
            scan.add_web(match.start(), match.start() + len(candidate), Kind.URL, candidate)
    for match in _BARE_IPV4_URL.finditer(scan.text):
        candidate = _trim(match[0])
        if scan.free(match.start(), match.start() + len(candidate)):
            scan.add_web(match.start(), match.start() + len(candidate), Kind.URL, candidate)
    for match in _BARE_HOST.finditer(scan.text):
        candidate = _trim(match[0])
        end = match.start() + len(candidate)
        if not scan.free(match.start(), end):
            continue
        host = match[1].lower()
        if host.isascii() and public_suffix(host) is None:
            continue  # "TP.HCM", "v.v", "file.txt": no such top-level domain
        has_path = match[2] is not None and not _names_only_the_host(candidate)
        if not has_path and _looks_like_words(match[1]):
            continue
        scan.add_web(match.start(), end, Kind.URL if has_path else Kind.DOMAIN, candidate)


def _names_only_the_host(candidate: str) -> bool:
    """ "ehoaq.com/", "ehoaq.com/#", "ehoaq.com//": a bare host whose path leads nowhere is the
    site itself, a domain indicator (which the DNS feeds carry), not the URL "http://host/"."""
    parts = canonical_parts("http://" + candidate)
    return parts.path == "/" and parts.query is None


def _looks_like_words(host: str) -> bool:
    """ "15.Xin", "k.Ru", "Hap Dan.AE": sentences without a space after the full stop, whose
    next word happens to be a top-level domain. People write host names in one case."""
    labels = host.split(".")
    last = labels[-1]
    if last[:1].isupper() and last[1:].islower():
        return True
    first = labels[-2]
    return len(labels) == 2 and first[:1].isupper() and first[1:].islower() and last.isupper()


def _nearest_bank(
    mentions: list[BankMention], start: int, end: int, folded: str
) -> tuple[BankMention, int] | None:
    best: tuple[BankMention, int, int] | None = None
    for mention in mentions:
        if mention.end <= start and start - mention.end <= BANK_BEFORE:
            distance = start - mention.end
        elif mention.start >= end and mention.start - end <= BANK_AFTER:
            distance = mention.start - end
        else:
            continue
        between = folded[min(mention.end, end) : max(mention.start, start)]
        if re.search(r"\d{4}", between):
            continue  # another number stands between them
        # "55102025 tại Vietinbank; 8639699999 tại BIDV": a clause break separates a number
        # from the bank before it, so the bank named after it wins.
        rank = distance + (30 if re.search(r"[;,.\n]", between) else 0)
        if best is None or rank < best[2]:
            best = (mention, distance, rank)
    return None if best is None else best[:2]


def _is_phone(digits: str) -> bool:
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def _accounts(scan: _Scan) -> None:
    # Words inside links already found ("vcb-khoa-tk.com") name no bank and no account.
    folded = "".join(" " if scan.taken[i] else c for i, c in enumerate(fold(scan.text)))
    mentions = [m for m in bank_mentions(scan.text) if scan.free(m.start, m.end)]
    if not mentions:
        return
    not_accounts: set[str] = set()
    for match in _ACCOUNT.finditer(scan.text):
        start, end, number = match.start(), match.end(), match[0]
        if not scan.free(start, end) or _THOUSANDS.fullmatch(number) or _DATE.search(number):
            continue
        if len(set(re.findall(r"[ .\-]", number))) > 1:
            continue  # "2023-06-03 09": accounts are grouped with one kind of separator
        if _AFTER_AMOUNT.match(scan.text, end):
            continue
        digits = re.sub(r"[ .\-]", "", number)
        if digits in not_accounts or _NOT_ACCOUNT_WORDS.search(folded[max(0, start - 20) : start]):
            not_accounts.add(digits)  # the same code repeated later is no account either
            continue  # "Ma OTP 123456", "ND: 2306…", "giao DH 2993…" next to a bank's name
        nearest = _nearest_bank(mentions, start, end, folded)
        if nearest is None:
            continue
        mention, distance = nearest
        near_words = _ACCOUNT_WORDS.search(folded[max(0, start - 25) : start])
        if _is_phone(digits) and distance > 3 and not near_words:
            continue  # "Vietcombank … LH 0867256447": a phone number, not an account
        try:
            value = canonical_account(mention.bank, number)
        except ValueError:
            continue
        scan.add(Kind.BANK_ACCOUNT, value, start, end)


def _phones(scan: _Scan) -> None:
    for match in _PHONE.finditer(scan.text):
        if not scan.free(match.start(), match.end()):
            continue
        try:
            value = normalise(Kind.PHONE, match[0])
        except ValueError:
            continue
        scan.add(Kind.PHONE, value, match.start(), match.end())


def _wallets(scan: _Scan) -> None:
    for match in WALLET_IN_TEXT.finditer(scan.text):
        if not scan.free(match.start(), match.end()):
            continue
        try:
            value = normalise(Kind.CRYPTO_WALLET, match[0])
        except ValueError:
            continue
        scan.add(Kind.CRYPTO_WALLET, value, match.start(), match.end())


def extract(text: str) -> list[Found]:
    """Every indicator in a text, each once, in the order they appear."""
    if not isinstance(text, str) or not text:
        return []
    scan = _Scan(nfc(text))
    _emails(scan)
    _urls(scan)
    _wallets(scan)
    _accounts(scan)
    _phones(scan)
    return sorted(scan.found.values(), key=lambda f: (f.start, f.kind != Kind.URL))
