"""lib/text.py: the refused characters, removed where nobody can be told (strip_refused)."""

from __future__ import annotations

import pytest

from lib.text import TextError, clean_text, strip_refused


@pytest.mark.parametrize(
    ("value", "multiline", "expected"),
    [
        ("a\x00b", True, "ab"),
        ("a\ud800b\udfff", True, "ab"),
        ("a\x07\x1b[31mb\x9b", True, "a[31mb"),
        ("line 1\r\nline 2\rline 3\tend", True, "line 1\nline 2\nline 3\tend"),
        ("\u202egoogle.com", True, "\u202egoogle.com"),  # multi-line keeps bidi controls
        ("\u202egoogle.com", False, "google.com"),
        ("one\nline\u2028", False, "oneline"),
        ("Vie\u0323\u0302t", True, "Việt"),
        ("", True, ""),
    ],
)
def test_strip_refused_removes_what_clean_text_refuses(
    value: str, multiline: bool, expected: str
) -> None:
    stripped = strip_refused(value, multiline=multiline)
    assert stripped == expected
    assert clean_text(stripped, multiline=multiline) == stripped  # nothing refused is left


def test_strip_refused_is_multiline_by_default() -> None:
    assert strip_refused("a\nb\x00") == "a\nb"
    with pytest.raises(TextError):
        clean_text("a\nb\x00", multiline=True)
