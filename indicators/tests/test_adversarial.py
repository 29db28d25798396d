"""Every public parser and normaliser of indicators takes time linear in its input.

Worst cases of 2,000 to 8,000 characters (values are refused above 2,048, so the normalisers
are measured at 500 to 2,000): each must not more than triple its time when the input doubles,
and no call may take a second. An anonymous batch of 1,000 values of "http://xn--a-a-a-…" took
345 s of CPU when the spaced-dot rule of refang() backtracked.
"""

import re
import sys
import unicodedata
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import urlcanon
from indicators.extract import extract
from indicators.kinds import Kind
from indicators.normalise import guess_kind, normalise, normalise_any
from indicators.urlcanon import (
    canonicalize,
    parse_ipv4,
    public_suffix,
    refang,
    refang_url,
    refang_with_map,
    registrable_domain,
    url_expressions,
)
from lib.nfc import MARKS_END, nfc

from .growth import assert_fast, assert_linear, uncached, worst

# (name, repeated unit, prefix): what makes a regex or a loop over labels go wrong.
UNITS = [
    ("a-", "a-", ""),
    ("xn--a-", "a-", "http://xn--"),
    ("dots", ".", ""),
    ("xn--", "xn--", ""),
    ("a.", "a.", ""),
    ("a. in a URL", "a.", "http://"),
    ("hyphens", "-", ""),
    ("%25", "%25", "http://x.com/"),
    ("%2525…", "25", "http://x.com/%"),
    ("digits", "7", ""),
    ("1.", "1.", ""),
    ("mixed scripts", "aбặ", ""),
    ("mixed scripts in a URL", "aбặ", "http://"),
    ("http://", "http://", ""),
    ("@", "@", ""),
    ("a@a.", "a@a.", ""),
    ("space dot", " .", "a"),
    ("dot space", ". ", "a"),
    ("spaces", " ", "a"),
    ("[.]", "[.]", "a"),
    ("a [.] ", "a [.] ", ""),
    ("a dot ", "a dot ", ""),
    ("hxxp ", "hxxp ", ""),
    ("digit space", "1 ", ""),
    ("+84 ", "+84 ", ""),
    ("0x", "0x", ""),
    ("brackets", "[", ""),
    ("parentheses", "(", ""),
    ("colons", ":", ""),
    ("slashes", "/", "http://"),
    ("CJK", "".join(chr(0x4E00 + i) for i in range(64)), ""),
    # Python's punycode codec is quadratic in the count of distinct characters of a label.
    ("distinct CJK in a URL", "".join(chr(0x4E00 + i) for i in range(8000)), "http://"),
]
IDS = [name for name, _unit, _prefix in UNITS]

WHOLE_TEXT = [
    uncached(func, public_suffix)
    for func in (refang, refang_with_map, refang_url, canonicalize, url_expressions, extract)
]
HOSTS = [uncached(func, public_suffix) for func in (registrable_domain, public_suffix, parse_ipv4)]


def _name(func) -> str:
    return func.__name__


@pytest.mark.parametrize("func", WHOLE_TEXT, ids=_name)
@pytest.mark.parametrize(("name", "unit", "prefix"), UNITS, ids=IDS)
def test_parsers_are_linear_on_worst_cases(func, name, unit, prefix):
    assert_linear(func, lambda n: worst(unit, n, prefix=prefix))


@pytest.mark.parametrize("func", HOSTS, ids=_name)
@pytest.mark.parametrize("unit", ["a.", "xn--a.", "1.", "a-.", "."])
def test_host_functions_are_linear_on_many_labels(func, unit):
    assert_linear(func, lambda n: worst(unit, n) + "com")


@pytest.mark.parametrize("func", WHOLE_TEXT, ids=_name)
@pytest.mark.parametrize("prefix", ["e", "http://e"])
def test_parsers_are_linear_on_a_run_of_unordered_combining_marks(func, prefix):
    # NFC puts combining marks in order of their class, and CPython does it by insertion:
    # quadratic on e + U+0302 U+0323 U+0302 U+0323 … (lib.nfc orders long runs first).
    assert_linear(func, lambda n: worst("\u0302\u0323", n, prefix=prefix))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ea\u0302\u0323\u0301\u0316\u0344\u0f73\u0f71ệê\u0345", max_size=200))
def test_linear_nfc_gives_what_unicodedata_gives(text):
    assert nfc(text) == unicodedata.normalize("NFC", text)


def test_every_combining_mark_lies_where_lib_nfc_looks_for_them():
    beyond = [cp for cp in range(MARKS_END, sys.maxunicode + 1) if unicodedata.combining(chr(cp))]
    below = [cp for cp in range(0x300) if unicodedata.combining(chr(cp))]
    assert beyond == [] and below == []


# normalise() refuses values over 2,048 characters before any work.
NORMALISERS = [
    uncached(func, public_suffix)
    for func in [normalise_any, guess_kind] + [partial(normalise, kind) for kind in Kind]
]
NORMALISER_IDS = ["normalise_any", "guess_kind"] + [f"normalise_{kind.value}" for kind in Kind]


@pytest.mark.parametrize("func", NORMALISERS, ids=NORMALISER_IDS)
@pytest.mark.parametrize(("name", "unit", "prefix"), UNITS, ids=IDS)
def test_normalisers_are_linear_up_to_the_longest_value(func, name, unit, prefix):
    assert_linear(func, lambda n: worst(unit, n, prefix=prefix), sizes=(500, 1000, 2000))


# --- random inputs from the dangerous alphabet ------------------------------------------------

DANGEROUS = st.text(alphabet="a-.:/@%x n0 1[]()", max_size=3000)
PROPERTY = settings(
    max_examples=25,
    deadline=None,  # wall-clock deadlines flake on a busy machine; CPU time is bounded below
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(DANGEROUS)
def test_refang_and_extract_take_under_a_second_on_any_text(text):
    for func in (refang, refang_with_map, refang_url, canonicalize, url_expressions, extract):
        assert_fast(func, text)


@PROPERTY
@given(st.text(alphabet="a-.:/@%x n0 1[]()", max_size=2048))
def test_normalisers_take_under_a_second_on_any_value(text):
    for func in NORMALISERS:
        assert_fast(func, text)


# --- the rewritten rules say what the old ones said -------------------------------------------

# The spaced-dot rule and the bracket rule as they were written before they were made linear,
# kept here as the reference: quadratic on long runs, exact on short texts.
_OLD_BRACKET = re.compile(r"\s*(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})\s*", re.IGNORECASE)
_OLD_SPACED = re.compile(
    rf"(?<!\w)([A-Za-z0-9\-]+)(?:\s+\.\s*|\.\s+|\s+dot\s+)(?=(?:{urlcanon._SPACED_TLDS})(?![\w]))",
    re.IGNORECASE,
)


def _old_refang(text: str) -> str:
    rules = list(urlcanon._REFANG_RULES)
    rules[3] = (_OLD_BRACKET, ".")
    for pattern, repl in rules + [(_OLD_SPACED, r"\1.")]:
        text = pattern.sub(repl, text)
    return text


PIECES = ["a", "b", "-", "_", "é", "K", "ı", ".", " ", "  ", "\t", "dot", "DOT", "com", "vn", "tk",
          "[.]", "(.)", "[dot]", "hxxp", "http", "s", ":", "/", "[:]", "1", "\u200b", "Com"]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_refang_gives_what_the_old_rules_gave(text):
    assert refang(text) == _old_refang(text)
    mapped, positions = refang_with_map(text)
    assert mapped == refang(text)
    assert len(positions) == len(mapped) and positions == sorted(positions)


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=12).map(lambda b: b.replace(b"\x00", b"%")))
def test_repeated_unescaping_reaches_the_same_value_by_either_road(data):
    fixed = data
    while True:
        new = urlcanon._UNESCAPE.sub(urlcanon._unhex, fixed)
        if new == fixed:
            break
        fixed = new
    assert urlcanon._unescape_repeatedly(data) == fixed
    assert urlcanon._unescape_to_fixed_point(data) == fixed


def test_unicode_word_characters_are_what_the_regex_calls_word_characters():
    word = re.compile(r"\w")
    for cp in [*range(0x3000), *range(0xFF00, 0xFF20), 0x212A]:
        char = chr(cp)
        assert urlcanon._is_word_char(char) == bool(word.match(char)), unicodedata.name(
            char, hex(cp)
        )
