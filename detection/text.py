"""Text folding shared by the rules, the classifier and the look-alike scorer.

fold() lower-cases and strips Vietnamese diacritics one character for one character, so that an
offset in the folded text is the same offset in the (NFC) original: rules and the classifier work
on folded text, and what they found is shown to people in the words they pasted. Real SMS are
often typed without diacritics ("tai khoan"), so folding makes both spellings the same.
"""

import re
import unicodedata

from lib.nfc import nfc

MAX_MESSAGE_CHARS = 5000

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x41, 0x3000):
        char = chr(cp)
        lower = char.lower()
        if len(lower) != 1:
            continue
        base = unicodedata.normalize("NFD", lower)[0]
        if base.isascii() and base.isalpha() and base != char:
            table[cp] = base
        elif lower != char:
            table[cp] = lower
    table[ord("đ")] = table[ord("Đ")] = "d"
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """ "Tài khoản ĐÃ bị KHOÁ" -> "tai khoan da bi khoa"; same length as the input."""
    return text.translate(_FOLD)


def clean(text: str) -> str:
    """NFC, invisible characters removed, cut to the analysis limit."""
    text = _INVISIBLE.sub("", nfc(text))
    return text[:MAX_MESSAGE_CHARS]
