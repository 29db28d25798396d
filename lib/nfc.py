"""unicodedata.normalize("NFC", text), in time linear in the text.

NFC puts each run of combining marks in canonical order (by combining class) before composing.
CPython sorts a run by insertion, so one run of marks whose classes alternate (e + U+0302 +
U+0323, repeated: "ệ" typed mark by mark, a thousand times) costs time quadratic in its length:
a quarter of a second for 16,000 characters, twenty minutes for the few megabytes a request
body may hold. Long runs are therefore put in order here first (each mark decomposed, then a
stable sort by class, which is what canonical ordering is); NFC then finds them in order and
passes over them once. Runs of up to LONG_RUN marks, that is every real text, go straight to
unicodedata.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

LONG_RUN = 32
MARKS_END = 0x20000


@cache
def _long_runs() -> re.Pattern[str]:
    # Every character with a combining class, from this Python's Unicode tables: all lie in
    # U+0300-U+1FFFF (a test checks the whole range), and each decomposes to characters that
    # have one too, so a sorted run stays a run.
    marks = [chr(cp) for cp in range(0x300, MARKS_END) if unicodedata.combining(chr(cp))]
    return re.compile(f"[{''.join(re.escape(m) for m in marks)}]{{{LONG_RUN},}}")


def _in_canonical_order(match: re.Match[str]) -> str:
    decomposed = "".join(unicodedata.normalize("NFD", mark) for mark in match[0])
    return "".join(sorted(decomposed, key=unicodedata.combining))


def nfc(text: str) -> str:
    """The NFC form of text; the same answer as unicodedata.normalize("NFC", text)."""
    if text.isascii():
        return text
    if len(text) > LONG_RUN:
        text = _long_runs().sub(_in_canonical_order, text)
    return unicodedata.normalize("NFC", text)
