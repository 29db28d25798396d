"""Amounts of money as Vietnamese people write them: “5.000.000đ”, “5tr”, “5 triệu”, “5,5 triệu”,
“500k”, “1,2 tỷ”, “2 trăm nghìn”, “1 tỷ 200 triệu”, “1tr2” (1.200.000).

parse_amount(text) returns whole đồng, or raises AmountError (a ValueError whose message is
Vietnamese). The grammar is small on purpose: terms of a number and its unit words, each term
smaller than the one before, and at the end at most one bare number that continues the last
unit's digits (“1tr2” = 1,2 triệu, “5 triệu 500” = 5,5 triệu), as people say it aloud.

Separators: “.” groups thousands and “,” is the decimal mark, as in Vietnamese; “5,000,000”
written the English way is read as grouping too, because a comma followed by exactly three
digits with no unit cannot be a fraction of one đồng.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from django.utils.translation import gettext as _

MAX_LENGTH = 40  # “1 tỷ 200 triệu 500 nghìn đồng” is 29: longer is not an amount
_UNITS = {
    "chục": 10,
    "chuc": 10,
    "trăm": 100,
    "tram": 100,
    "k": 1_000,
    "nghìn": 1_000,
    "nghin": 1_000,
    "ngàn": 1_000,
    "ngan": 1_000,
    "tr": 1_000_000,
    "triệu": 1_000_000,
    "trieu": 1_000_000,
    "củ": 1_000_000,
    "tỷ": 1_000_000_000,
    "tỉ": 1_000_000_000,
    "ty": 1_000_000_000,
    "ti": 1_000_000_000,
}
_CURRENCY = re.compile(r"(?:vnđ|vnd|việt nam đồng|đồng|dong|đ|₫)\s*$")
# A number, then a letter-run (unit word) or nothing; spaces between groups of three allowed.
_TOKEN = re.compile(r"\s*(?:(?P<num>\d{1,3}(?: \d{3})+(?!\d)|\d[\d.,]*)|(?P<word>[^\W\d_]+))")


class AmountError(ValueError):
    """A text that is no amount; str() is the Vietnamese message."""


def _not_understood(text: str) -> AmountError:
    return AmountError(
        _(
            "Không hiểu số tiền “%(text)s”. Hãy ghi bằng chữ số, ví dụ 5.000.000, 5tr, "
            "5,5 triệu hoặc 500k."
        )
        % {"text": text}
    )


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _not_understood(text)
        kind = "num" if match["num"] else "word"
        tokens.append((kind, match[kind].replace(" ", "")))
        position = match.end()
    return tokens


def _number(raw: str, *, with_unit: bool) -> Decimal:
    """One number token: “5.000.000”, “5,000,000”, “5,5”, “1.5”, “1.234,5”."""
    if not re.fullmatch(r"\d+(?:[.,]\d+)*", raw):
        raise ValueError(raw)
    marks = [ch for ch in raw if ch in ".,"]
    if not marks:
        return Decimal(raw)
    if len(set(marks)) == 2:  # both: the last one is the decimal mark
        decimal_mark = marks[-1]
    elif len(marks) > 1:  # the same mark several times groups thousands
        decimal_mark = None
    else:
        after = raw.split(marks[0])[1]
        # “5.000” and “5,000” are five thousand; with a unit, “1,500 tỷ” is one and a half.
        grouping = len(after) == 3 and (not with_unit or marks[0] == ".")
        decimal_mark = None if grouping else marks[0]
    whole, _sep, fraction = raw.rpartition(decimal_mark) if decimal_mark else (raw, "", "")
    groups = re.split(r"[.,]", whole)
    if len(groups) > 1 and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        raise ValueError(raw)  # “50.00.000”: not a grouping anybody writes
    return Decimal("".join(groups) + ("." + fraction if fraction else ""))


def _terms(tokens: list[tuple[str, str]]) -> list[tuple[str, int]]:
    """(number, multiplier) pairs; a trailing bare number has multiplier 0 (see module doc)."""
    terms, index = [], 0
    while index < len(tokens):
        kind, value = tokens[index]
        if kind != "num":
            raise ValueError(value)
        multiplier, index = 1, index + 1
        while index < len(tokens) and tokens[index][0] == "word":
            if tokens[index][1] not in _UNITS:
                raise ValueError(tokens[index][1])
            multiplier *= _UNITS[tokens[index][1]]
            index += 1
        terms.append((value, multiplier))
    if len(terms) > 1 and terms[-1][1] == 1:
        terms[-1] = (terms[-1][0], 0)
    return terms


def _value(terms: list[tuple[str, int]]) -> Decimal:
    total, previous = Decimal(0), None
    for raw, multiplier in terms:
        if multiplier == 0:  # “1tr2”: the digits after the unit, read as its decimals
            if not raw.isdigit():
                raise ValueError(raw)
            # _terms gives multiplier 0 only to the last of two or more terms.
            assert previous is not None
            total += Decimal(raw) * previous / Decimal(10) ** len(raw)
            continue
        if previous is not None and multiplier >= previous:
            raise ValueError(raw)  # “200 triệu 1 tỷ”: each term smaller than the last
        total += _number(raw, with_unit=multiplier > 1) * multiplier
        previous = multiplier
    return total


def parse_amount(raw: str, *, maximum: int) -> int | None:
    """Whole đồng from what a person typed; None for an empty text; AmountError otherwise."""
    text = unicodedata.normalize("NFC", (raw or "").strip().lower())
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise AmountError(_("Số tiền quá dài: hãy ghi ngắn gọn, ví dụ 5.000.000 hoặc 5 triệu."))
    text = _CURRENCY.sub("", text).strip()
    try:
        value = _value(_terms(_tokens(text)))
    except (ValueError, ArithmeticError):  # InvalidOperation is an ArithmeticError
        raise _not_understood(raw.strip()) from None
    if value != value.to_integral_value():
        raise AmountError(_("Số tiền phải là số đồng chẵn, ví dụ 5.500.000."))
    if value > maximum:
        raise AmountError(_("Số tiền quá lớn."))
    return int(value)
