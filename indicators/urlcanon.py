"""URLs: Google Safe Browsing canonicalisation, suffix/prefix expressions, registrable domains.

The canonicalisation follows the published Safe Browsing "URLs and Hashing" rules: strip
surrounding whitespace and tab/CR/LF, drop the fragment, percent-unescape host, path and query
until nothing changes, clean the host (dots, IPv4 in any legal encoding, IPv6, IDN to punycode,
lower case), resolve "." and ".." and repeated slashes in the path, then percent-escape the bytes
<= 0x20, >= 0x7F, "#" and "%". Default scheme http, port and user information dropped.

Registrable domains come from the public suffix list bundled with tldextract (never fetched),
private suffixes included: "x.github.io" is a registrable domain of its own, "github.io" is not.
"""

import hashlib
import ipaddress
import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from typing import NamedTuple

import idna
import tldextract

from lib.nfc import nfc


class CanonicalUrl(NamedTuple):
    scheme: str
    host: str
    path: str
    query: str | None  # None when the URL has no "?"; "" for a bare "?"
    is_ip: bool

    def __str__(self) -> str:
        query = "" if self.query is None else "?" + self.query
        return f"{self.scheme}://{self.host}{self.path}{query}"

    @property
    def expression(self) -> str:
        """The whole URL as a Safe Browsing expression: host, path and query, no scheme."""
        query = "" if self.query is None else "?" + self.query
        return f"{self.host}{self.path}{query}"


# --- percent escapes ------------------------------------------------------------------------

_UNESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
_ESCAPE = [chr(b) if 0x20 < b < 0x7F and b not in (0x23, 0x25) else f"%{b:02X}" for b in range(256)]


_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def _unhex(match: re.Match[bytes]) -> bytes:
    return bytes.fromhex(match[1].decode())


def _unescape_to_fixed_point(data: bytes) -> bytes:
    """One pass that leaves no escape: each byte is added, and an escape it completes is decoded
    at once (which may complete another, as in "%2%35"). Escapes never overlap, so every order
    of decoding ends at the same value as decoding whole passes until nothing changes."""
    out = bytearray()
    for byte in data:
        out.append(byte)
        while (
            len(out) >= 3 and out[-3] == 0x25 and out[-2] in _HEX_DIGITS and out[-1] in _HEX_DIGITS
        ):
            value = int(out[-2:], 16)
            del out[-3:]
            out.append(value)
    return bytes(out)


def _unescape_repeatedly(data: bytes) -> bytes:
    # Whole passes are fastest for real URLs, but "%252525…" loses two bytes a pass: after a
    # few passes the single linear pass takes over.
    for _ in range(3):
        if b"%" not in data:
            return data
        new = _UNESCAPE.sub(_unhex, data)
        if new == data:
            return data
        data = new
    return _unescape_to_fixed_point(data)


def _escape(data: bytes) -> str:
    return "".join([_ESCAPE[b] for b in data])


# --- host -----------------------------------------------------------------------------------

_HOST_DELIMITERS = str.maketrans({"/": "%2F", "?": "%3F", "@": "%40", ":": "%3A"})
_IPV4_PART = re.compile(rb"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
_DOTS = re.compile(rb"\.{2,}")


def parse_ipv4(host: str | bytes) -> str | None:
    """Dotted-quad form of an IPv4 address written in any legal encoding, else None.

    Decimal, octal (leading 0) and hex (0x) parts; fewer than four parts, the last filling the
    remaining bytes ("3279880203", "195.127.11", "0xc3.0x7f.0.013").
    """
    if isinstance(host, str):
        if not host.isascii():
            return None
        host = host.encode("ascii")
    parts = host.split(b".")
    if not 1 <= len(parts) <= 4 or any(len(p) > 40 for p in parts):
        return None
    values = []
    for part in parts:
        if not _IPV4_PART.fullmatch(part):
            return None
        if part[:2] in (b"0x", b"0X"):
            values.append(int(part[2:] or b"0", 16))
        elif len(part) > 1 and part[:1] == b"0":
            values.append(int(part, 8))
        else:
            values.append(int(part))
    last = values.pop()
    if any(v > 255 for v in values) or last >= 256 ** (4 - len(values)):
        return None
    number = 0
    for v in values:
        number = number * 256 + v
    number = (number << (8 * (4 - len(values)))) | last
    return ".".join(str((number >> shift) & 255) for shift in (24, 16, 8, 0))


MAX_LABEL = 63  # octets in a DNS label


def _punycode(host: bytes) -> bytes:
    """IDN host to ASCII; bytes that are not UTF-8 stay as they are (they get escaped later)."""
    try:
        text = nfc(host.decode("utf-8"))
    except UnicodeDecodeError:
        return host
    try:
        return idna.encode(text, uts46=True, transitional=False)
    except (UnicodeError, ValueError):
        pass
    labels = []
    for label in text.split("."):
        if label.isascii():
            labels.append(label.encode("ascii"))
            continue
        try:
            labels.append(idna.encode(label, uts46=True, transitional=False))
        except (UnicodeError, ValueError):
            if len(label) > MAX_LABEL:
                # No DNS label is this long, and Python's punycode codec takes time quadratic in
                # the count of distinct characters (2 s for 2,000 CJK ones): the bytes stay.
                labels.append(label.encode("utf-8", "surrogatepass"))
            else:
                labels.append(b"xn--" + label.lower().encode("punycode"))
    return b".".join(labels)


def _canonical_host(raw: bytes) -> tuple[str, bool]:
    host = _unescape_repeatedly(raw)
    if host.startswith(b"[") and host.endswith(b"]"):
        try:
            address = ipaddress.IPv6Address(host[1:-1].decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            pass
        else:
            return f"[{address.compressed}]", True
    host = _DOTS.sub(b".", host.strip(b"."))
    if not host.isascii():
        host = _DOTS.sub(b".", _punycode(host).strip(b"."))
    ip = parse_ipv4(host)
    if ip is not None:
        return ip, True
    # Beyond the published rules: characters that end a host name are escaped too, so that the
    # canonical form parses back to the same host (and canonicalisation is idempotent).
    return _escape(host.lower()).translate(_HOST_DELIMITERS), False


# --- path -----------------------------------------------------------------------------------


def _canonical_path(raw: bytes) -> str:
    path = _unescape_repeatedly(raw)
    segments = path.split(b"/")
    kept: list[bytes] = []
    for segment in segments:
        if segment in (b"", b"."):
            continue
        if segment == b"..":
            if kept:
                kept.pop()
            continue
        kept.append(segment)
    trailing = path.endswith(b"/") or segments[-1] in (b".", b"..")
    result = b"/" + b"/".join(kept)
    if kept and trailing:
        result += b"/"
    return _escape(result)


# --- whole URL ------------------------------------------------------------------------------

_SCHEME = re.compile(rb"([A-Za-z][A-Za-z0-9+.\-]*)://")
_EDGE_BYTES = bytes(range(0x21))
_HOST_END = re.compile(rb"[/?]")


def _canonical_slow(url: str | bytes) -> CanonicalUrl:
    data = url.encode("utf-8", "surrogatepass") if isinstance(url, str) else bytes(url)
    data = data.strip(_EDGE_BYTES)
    data = data.replace(b"\t", b"").replace(b"\r", b"").replace(b"\n", b"")
    data = data.split(b"#", 1)[0]
    match = _SCHEME.match(data)
    if match:
        scheme = match[1].lower().decode("ascii")
        rest = data[match.end() :]
    else:
        scheme = "http"
        rest = data[2:] if data.startswith(b"//") else data
    end = _HOST_END.search(rest)
    authority, tail = (rest[: end.start()], rest[end.start() :]) if end else (rest, b"")
    authority = authority.rpartition(b"@")[2]
    if authority.startswith(b"["):
        close = authority.find(b"]")
        host_raw = authority[: close + 1] if close > 0 else authority
    else:
        host_raw = authority.split(b":", 1)[0]
    raw_path, question, raw_query = tail.partition(b"?")
    host, is_ip = _canonical_host(host_raw)
    path = _canonical_path(raw_path)
    query = _escape(_unescape_repeatedly(raw_query)) if question else None
    return CanonicalUrl(scheme, host, path, query, is_ip)


# Already-clean http(s) URLs (the vast majority) skip the byte-level work. The host's last label
# starts with a letter, so it cannot be an IPv4 form; the path and query hold only characters the
# canonical form keeps as they are. _canonical_slow gives the same answer (a property test says so).
_FAST = re.compile(
    r"(https?)://((?:[A-Za-z0-9\-]+\.)*[A-Za-z][A-Za-z0-9\-]*)"
    r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)?(?:\?([A-Za-z0-9\-._~!$&'()*+,;=:@/?]*))?"
)
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")


# One check asks for the parts of the same URL several times (its kind, the list, the look-alike
# scorer, the answer): the last answer is kept. The pair is replaced whole, so a thread reads
# either the old pair or the new one.
_last: tuple[str, CanonicalUrl] = ("", CanonicalUrl("", "", "/", None, False))


def clean_url_parts(url: str) -> CanonicalUrl | None:
    """The canonical parts of an already clean http(s) URL (letters, digits and the characters
    the canonical form keeps; no dot segments, no empty path segment, no fragment, no IP), or
    None when it needs the full work. Such a URL is also one that refanging leaves as it is: it
    has no space, bracket, brace or invisible character in its host."""
    global _last
    last = _last
    if last[0] == url:
        return last[1]
    match = _FAST.fullmatch(url)
    if match:
        path = match[3] or "/"
        if "//" not in path and not ("/." in path and _DOT_SEGMENT.search(path)):
            parts = CanonicalUrl(match[1], match[2].lower(), path, match[4], False)
            _last = (url, parts)
            return parts
    return None


def canonical_parts(url: str | bytes) -> CanonicalUrl:
    """The Safe Browsing canonical form of a URL, in parts. Never raises for str or bytes."""
    if isinstance(url, str):
        parts = clean_url_parts(url)
        if parts is not None:
            return parts
    return _canonical_slow(url)


def canonicalize(url: str | bytes) -> str:
    """The Safe Browsing canonical URL, e.g. "http://3279880203/blah" -> "http://195.127.0.11/blah"."""
    return str(canonical_parts(url))


# --- expressions ----------------------------------------------------------------------------


def sb_host_suffixes(host: str, is_ip: bool) -> list[str]:
    """The exact host, then up to four suffixes from the last five labels (no bare TLD)."""
    if is_ip:
        return [host]
    labels = host.split(".")
    count = len(labels)
    return [host] + [".".join(labels[i:]) for i in range(max(1, count - 5), count - 1)]


def sb_path_prefixes(path: str, query: str | None) -> list[str]:
    """Exact path with query, exact path, then "/" and up to three directory prefixes."""
    paths = [] if query is None else [f"{path}?{query}"]
    paths.append(path)
    if path != "/":
        paths.append("/")
        prefix = "/"
        for part in path.split("/")[1:-1][:3]:
            prefix += part + "/"
            if prefix != path:
                paths.append(prefix)
    return paths


def url_expressions(url: str | bytes) -> list[str]:
    """The Safe Browsing suffix/prefix expressions of a URL (at most 30), most specific first."""
    parts = canonical_parts(url)
    paths = sb_path_prefixes(parts.path, parts.query)
    return [h + p for h in sb_host_suffixes(parts.host, parts.is_ip) for p in paths]


def full_hash(expression: str) -> bytes:
    """SHA-256 of an expression: the "full hash" of Safe Browsing."""
    return hashlib.sha256(expression.encode("utf-8", "surrogatepass")).digest()


def hash_prefix(expression: str, length: int = 4) -> bytes:
    return full_hash(expression)[:length]


# --- registrable domains --------------------------------------------------------------------

# The bundled snapshot only: no suffix list URL, no cache directory, so nothing is fetched.
_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


def _ascii_rule(rule: str) -> str:
    if rule.isascii():
        return rule
    try:
        return idna.encode(rule, uts46=True).decode("ascii")
    except (UnicodeError, ValueError):
        return ".".join(
            label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
            for label in rule.split(".")
        )


@cache
def _suffix_rules() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The bundled list's rules in ASCII: plain, wildcard ("*.ck" as "ck"), exception."""
    plain, wildcard, exception = set(), set(), set()
    for rule in _EXTRACT.tlds:
        if rule.startswith("!"):
            exception.add(_ascii_rule(rule[1:]))
        elif rule.startswith("*."):
            wildcard.add(_ascii_rule(rule[2:]))
        else:
            plain.add(_ascii_rule(rule))
    return frozenset(plain), frozenset(wildcard), frozenset(exception)


@cache
def _longest_rule() -> int:
    """Labels in the longest candidate a rule can match (a wildcard rule matches one more)."""
    plain, wildcard, exception = _suffix_rules()
    longest = max(rule.count(".") + 1 for rule in plain | exception)
    return max(longest, max(rule.count(".") + 2 for rule in wildcard))


@lru_cache(maxsize=65536)
def public_suffix(host: str) -> str | None:
    """The public suffix of a host name ("com.vn", "github.io"), or None when it has none.

    The longest matching rule of the bundled list, exceptions first, as tldextract finds it
    (a test compares the two), in a few microseconds less.
    """
    plain, wildcard, exception = _suffix_rules()
    labels = host.split(".")
    # A candidate longer than every rule matches none: "a.a.a.…" takes a few joins, not one per label.
    for i in range(max(0, len(labels) - _longest_rule()), len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in exception:
            return ".".join(labels[i + 1 :])
        if candidate in plain or (i + 1 < len(labels) and candidate.partition(".")[2] in wildcard):
            return candidate
    return None


def registrable_domain(host: str) -> str | None:
    """The registrable domain ("eTLD+1") of a host name, or None (IP, public suffix, no suffix)."""
    suffix = public_suffix(host)
    if suffix is None or len(suffix) >= len(host):
        return None
    # Every spelling of an IPv4 address ends in a part that starts with a digit.
    if host.rpartition(".")[2][:1].isdigit() and parse_ipv4(host) is not None:
        return None
    rest = host[: -len(suffix) - 1]
    return f"{rest.rpartition('.')[2]}.{suffix}"


# --- de-obfuscation ("refanging") -----------------------------------------------------------

# Top-level domains that may stand after a spaced dot ("ehoaq. com"). Short common words ("me",
# "co", "us", "in") are left out: "Zalo. Me" in a sentence is more often a sentence than a host.
_SPACED_TLDS = (
    "com|net|org|vn|info|xyz|top|site|online|shop|store|club|vip|live|link|click|icu|cc|io|app"
    "|asia|biz|pro|fun|life|cloud|win|bet|tk|ml|ga|cf|gq|tv|cn|ru|edu|gov|sbs|cfd|bond|buzz"
)
# Every pattern here runs on whole messages and on 2,048-character values sent by anyone, so each
# must take time linear in its input. Two things make a regex slow: quantifiers that compete for
# the same characters (backtracking), and a pattern that may start at every position of a long
# run and read to the run's end from each. Possessive quantifiers (*+, ++) rule out the first; a
# lookbehind that admits one start per run rules out the second.
_REFANG_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]"), ""),
    (re.compile(r"\bh(?:xx|XX|\*\*|tt)p(s?)(?=\s*+[:\[])", re.IGNORECASE), r"http\1"),
    (re.compile(r"\[(:|/|://)\]"), r"\1"),
    # Spaces before the bracket are taken from the start of their run only (the lookbehind).
    (
        re.compile(
            r"(?:(?<!\s)\s++)?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})\s*+", re.IGNORECASE
        ),
        ".",
    ),
    (re.compile(r"(?<=\bhttp)(s?)\s*+:\s*+/\s*+/\s*+", re.IGNORECASE), r"\1://"),
]

# The last rule, "ehoaq . com" -> "ehoaq.com": a name (letters, digits, hyphens, not glued to
# another word character), a spaced dot, then a top-level domain. As one regex it read the whole
# "a-a-a-…" run from every hyphen (quadratic), so the spaced dot is found first, once per run
# end, and the name is measured backwards on the reversed text.
_SPACED_DOT = re.compile(
    rf"(?<=[A-Za-z0-9\-])(?:\s++\.\s*+|\.\s++|\s++dot\s++)(?=(?:{_SPACED_TLDS})(?!\w))",
    re.IGNORECASE,
)
_NAME_CHARS = re.compile(r"[A-Za-z0-9\-]*+", re.IGNORECASE)  # with IGNORECASE, as _SPACED_DOT


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches in a str pattern


def _spaced_dot_edits(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, replacement) of each spaced dot after a name, left to right, not overlapping."""
    reversed_text = ""
    position = 0
    while (dot := _SPACED_DOT.search(text, position)) is not None:
        name_end = dot.start()
        if not reversed_text:
            reversed_text = text[::-1]
        from_end = len(text) - name_end
        name_run = _NAME_CHARS.match(reversed_text, from_end)
        assert name_run is not None  # the pattern matches the empty string too
        name_start = name_end - (name_run.end() - from_end)
        if name_start > 0 and _is_word_char(text[name_start - 1]):
            # Glued to a word character ("_x", "éabc"): the name may only start after a hyphen.
            hyphen = text.find("-", name_start, name_end)
            name_start = hyphen + 1 if 0 <= hyphen < name_end - 1 else -1
        if name_start < 0:
            position = name_end + 1
            continue
        yield name_start, dot.end(), text[name_start:name_end] + "."
        position = dot.end()


def _regex_edits(pattern: re.Pattern[str], repl: str, text: str) -> Iterator[tuple[int, int, str]]:
    for match in pattern.finditer(text):
        yield match.start(), match.end(), match.expand(repl)


def _apply(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    pieces: list[str] = []
    last = 0
    for start, end, new in edits:
        pieces += (text[last:start], new)
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _apply_with_map(
    text: str, positions: list[int], edits: Iterable[tuple[int, int, str]]
) -> tuple[str, list[int]]:
    pieces: list[str] = []
    mapped: list[int] = []
    last = 0
    for start, end, new in edits:
        pieces.append(text[last:start])
        mapped.extend(positions[last:start])
        pieces.append(new)
        # Characters of a replacement point at the start of what they replace.
        anchor = positions[min(start, len(positions) - 1)] if positions else 0
        mapped.extend([anchor] * len(new))
        last = end
    pieces.append(text[last:])
    mapped.extend(positions[last:])
    return "".join(pieces), mapped


def refang_with_map(text: str) -> tuple[str, list[int]]:
    """Undo common obfuscations; also return, for each output character, its input index."""
    positions = list(range(len(text)))
    for pattern, repl in _REFANG_RULES:
        if pattern.search(text):
            text, positions = _apply_with_map(text, positions, _regex_edits(pattern, repl, text))
    return _apply_with_map(text, positions, _spaced_dot_edits(text))


def refang(text: str) -> str:
    """ "hxxps://ehoaq[.]com", "ehoaq. com", "ehoaq(dot)com" -> plain "https://ehoaq.com" etc."""
    for pattern, repl in _REFANG_RULES:
        text = pattern.sub(repl, text)
    return _apply(text, _spaced_dot_edits(text))


_FANGED_SCHEME = re.compile(
    r"\s*h(?:xx|XX|\*\*|tt)p(s?)\s*(?:\[:\]|:)\s*(?:\[/\]|/)\s*(?:\[/\]|/)\s*"
    r"|\s*h(?:xx|XX|\*\*|tt)p(s?)\s*\[://\]\s*",
    re.IGNORECASE,
)
_ANY_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.\-]*://)")
_HOST_REGION_END = re.compile(r"[/?#\\]")


def refang_url(text: str) -> str:
    """refang() for one URL: the scheme and the host only. Brackets and dots in a path are
    content, and undoing them there would make normalisation change its own output."""
    fanged = _FANGED_SCHEME.match(text)
    if fanged:
        scheme, rest = f"http{fanged[1] or fanged[2] or ''}://", text[fanged.end() :]
    else:
        plain = _ANY_SCHEME.match(text)
        scheme, rest = (plain[1], text[plain.end() :]) if plain else ("", text)
    end = _HOST_REGION_END.search(rest)
    cut = end.start() if end else len(rest)
    return scheme + refang(rest[:cut]) + rest[cut:]
