"""Look-alike scoring of domains and URLs against the protected brands (data/brands.yaml).

score_host(host) and score_url(url) return a LookalikeResult: a score from 0 to 1, a level
("low" below 0.5, "suspicious" from 0.5, "strong" from 0.8), the brand imitated and the reasons,
in plain Vietnamese. What is looked at, most telling first:

- homoglyphs and IDN confusables: each label is reduced to a Latin "skeleton" (Cyrillic "а" is
  "a", "ạ" is "a") before any comparison, and a match that needed the reduction says so;
- a brand word inside another registrable domain (vietcombank-xacthuc.com, isacombank.net), the
  brand's own name under another ending (sacombank.net.vn), or in front of someone else's domain
  (vietcombank.com.vn.secure-login.xyz); short brand words (acb, mb) only as a separate part of
  the name next to a word such as "online", "xacthuc", "bank", or on a risky ending;
- small edit distance to a brand word (vnietinbank.com, aribank.info), digits read as letters;
- ".gov.vn" imitated outside gov.vn (dichvucong.gov.vn.com, govvn-dichvucong.top);
- risky endings (.xyz, .top, ...), free hosting and site builders, IP addresses, short links.

Official domains of the brands and names on the indicators allowlist are never flagged. Brands
whose own sites span many registrable domains (google, facebook: "global" in brands.yaml) count
only together with a login/prize word, a risky ending or free hosting.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TypeAlias

import idna
from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from indicators.allowlist import Allowlist, shipped_allowlist
from indicators.urlcanon import canonical_parts, public_suffix, registrable_domain

from .brands import Brand, brands, official_domains, token_index, word_index
from .lookalike_words import (
    CONTEXT_WORDS,
    DEEP_LINK_PLATFORMS,
    FILLERS,
    FOREIGN,
    FREE_HOSTING,
    FREE_HOSTING_LABELS,
    LEET,
    LOOKALIKE_SCRIPTS,
    PATH_SITE_BUILDERS,
    REASONS,
    RISKY_TLDS,
    SCAM_WORDS,
    SCHOOL_SUFFIX,
    SHORTENERS,
    STRICT_CONTEXT,
    THEME_WORDS,
)
from .text import fold

# What other apps import from here (the word lists live in lookalike_words.py).
__all__ = [
    "DEEP_LINK_PLATFORMS",
    "FREE_HOSTING",
    "LOOKALIKE_SCRIPTS",
    "PATH_SITE_BUILDERS",
    "SHORTENERS",
    "STRONG",
    "SUSPICIOUS",
    "Finding",
    "LookalikeResult",
    "copy_result",
    "path_matters",
    "score_domain",
    "score_host",
    "score_url",
    "segment",
]

STRONG = 0.8
SUSPICIOUS = 0.5


@dataclass(slots=True)
class Finding:
    code: str
    score: float
    params: dict[str, object] = field(default_factory=dict)
    brand: Brand | None = None
    template: str = ""  # the REASONS key when it differs from code
    foreign: bool = False

    @property
    def reason(self) -> str:
        params = dict(self.params)
        if self.brand is not None:
            params.setdefault("brand", self.brand.name)
            params.setdefault("official", self.brand.official)
        text = str(REASONS[self.template or self.code]).format(**params)
        if self.foreign:
            text += " " + str(FOREIGN).format(**params)
        return text


@dataclass(slots=True)
class LookalikeResult:
    host: str
    registrable: str | None
    score: float = 0.0
    brand: Brand | None = None
    official: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def level(self) -> str:
        if self.score >= STRONG:
            return "strong"
        if self.score >= SUSPICIOUS:
            return "suspicious"
        return "low"

    @property
    def flagged(self) -> bool:
        return self.score >= SUSPICIOUS

    @property
    def reasons(self) -> list[str]:
        return [f.reason for f in sorted(self.findings, key=lambda f: -f.score)]

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


# --- skeletons: what a label looks like ------------------------------------------------------


@cache
def _skeleton_table() -> dict[int, str]:
    from confusable_homoglyphs import confusables

    table: dict[int, str] = {}
    for char, glyphs in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in glyphs:
            c = glyph["c"]
            if len(c) == 1 and c.isascii() and c.isalnum():
                table[ord(char)] = c.lower()
                break
    # Vietnamese and other Latin letters with marks read as the bare letter (fold()).
    for cp in range(0xC0, 0x2000):
        base = unicodedata.normalize("NFD", chr(cp))[0].lower()
        if base.isascii() and base.isalpha():
            table.setdefault(cp, base)
    table[ord("đ")] = "d"
    return table


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return idna.decode(label)
    except (idna.IDNAError, UnicodeError, ValueError):
        try:
            return label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return label


def _scripts(label: str) -> set[str]:
    scripts = set()
    for char in label:
        if char.isalpha():
            name = unicodedata.name(char, "")
            scripts.add(name.split(" ", 1)[0] if name else "?")
    return scripts


# --- splitting a name into words -------------------------------------------------------------


@cache
def _vocabulary() -> tuple[frozenset[str], int]:
    words = set(word_index()) | set(token_index()) | CONTEXT_WORDS | SCAM_WORDS | FILLERS
    for brand in brands().values():
        words |= {label for label in brand.labels if len(label) >= 3}
    return frozenset(words), max(len(w) for w in words)


@lru_cache(maxsize=8192)
def segment(token: str) -> tuple[str, ...]:
    """A run of letters as known words ("acbonline" -> acb, online), fewest pieces; () if none."""
    vocabulary, longest = _vocabulary()
    if token in vocabulary:
        return (token,)
    n = len(token)
    if n > 40:
        return ()
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        done = best[i]
        if done is None:
            continue
        for j in range(i + 1, min(n, i + longest) + 1):
            piece = token[i:j]
            if piece in vocabulary and (i == 0 or piece not in FILLERS):
                candidate = (*done, piece)
                old = best[j]
                if old is None or len(candidate) < len(old):
                    best[j] = candidate
    return best[n] or ()


_SPLIT = re.compile(r"[a-z]+|[0-9]+")
_DIGIT = re.compile(r"\d")


def _parts(label: str) -> list[str]:
    """The words of a label: split on hyphens and digit runs, then into known words."""
    parts: list[str] = []
    for run in _SPLIT.findall(label):
        if run.isdigit():
            parts.append(run)
            continue
        pieces = segment(run)
        parts.extend(pieces if pieces else [run])
    return parts


# --- the scorer ------------------------------------------------------------------------------


@cache
def _word_regex() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in word_index()))


@cache
def _typo_targets() -> tuple[list[str], list[Brand]]:
    targets: dict[str, Brand] = {}
    for brand in brands().values():
        for word in (*brand.words, *(brand.labels if brand.typos else ())):
            # Six letters and less ("tpbank", "mbbank") are one letter away from banks of
            # other countries ("tbank", "mbank"): too close to call a typo.
            if len(word) >= 7:
                targets.setdefault(word, brand)
    return list(targets), list(targets.values())


@lru_cache(maxsize=32768)  # lengths x first letters x second letters that occur: bounded
def _typo_targets_for(length: int, first: str, second: str) -> tuple[list[str], list[Brand]]:
    """The targets a candidate of this length, starting with these two letters, may be a typo
    of: the length differs by no more than the edits allowed (1 below 10 letters, else 2), and
    the start fits: two edits keep the first letter, one edit (a letter changed, added, dropped
    or two swapped) keeps the first or the second letter in one of the first two places. Nearly
    every name is then compared with a handful of brand words instead of fifty."""
    kept_targets, kept_owners = [], []
    for target, owner in zip(*_typo_targets(), strict=True):
        allowed = 1 if len(target) < 10 else 2
        if abs(len(target) - length) > allowed:
            continue
        if target[0] == first or target[0] == second or target[1] in (first, second):
            kept_targets.append(target)
            kept_owners.append(owner)
    return kept_targets, kept_owners


def _typo(candidate: str) -> tuple[str, Brand, int] | None:
    if len(candidate) < 5:
        return None
    targets, owners = _typo_targets_for(len(candidate), candidate[0], candidate[1])
    if not targets:
        return None
    hit = extractOne(candidate, targets, scorer=OSA.distance, score_cutoff=2)
    if hit is None:
        return None
    target, distance, index = hit
    allowed = 1 if len(target) < 10 else 2
    if distance == 0 or distance > allowed or abs(len(target) - len(candidate)) > allowed:
        return None
    if target[0] != candidate[0] and distance > 1:
        return None
    return target, owners[index], int(distance)


class _WordsInside:
    """Finds which of many words occur anywhere in a name, overlapping ones too, in one pass of
    a regex over the name (instead of one search per word): the regex finds where a word may
    start (its first three letters), then only the words that start so are compared."""

    def __init__(self, words: frozenset[str], shortest: int) -> None:
        by_start: dict[str, list[str]] = {}
        for word in words:
            if len(word) >= shortest:
                by_start.setdefault(word[:3], []).append(word)
        self.by_start = {k: tuple(v) for k, v in by_start.items()}
        self.starts = re.compile("(?=(" + "|".join(sorted(self.by_start)) + "))")

    def __call__(self, text: str) -> set[str]:
        found: set[str] = set()
        for start in self.starts.finditer(text):
            i = start.start()
            found.update(w for w in self.by_start[start[1]] if text.startswith(w, i))
        return found


# Context words of 5 letters and more, scam words of 6 and more, count wherever they stand.
_long_context_in = _WordsInside(CONTEXT_WORDS, 5)
_long_scam_words_in = _WordsInside(SCAM_WORDS, 6)


@cache
def _state_words() -> tuple[str, ...]:
    return tuple(w for w, b in word_index().items() if b.category in ("government", "police"))


class _Host:
    """One host name taken apart once."""

    def __init__(self, host: str, registrable: str | None) -> None:
        self.host = host
        self.registrable = registrable
        self.suffix = public_suffix(host) or ""
        suffix_labels = self.suffix.count(".") + 1 if self.suffix else 0
        raw_labels = host.split(".")
        name_labels = raw_labels[: len(raw_labels) - suffix_labels] if suffix_labels else raw_labels
        self.unicode_labels = [_unicode_label(label) for label in name_labels]
        table = _skeleton_table()
        # The table maps only non-ASCII letters: an ASCII label (nearly all) is left as it is.
        self.labels = [
            (label if label.isascii() else label.translate(table)).lower()
            for label in self.unicode_labels
        ]
        self.homoglyph = any(not label.isascii() for label in self.unicode_labels)
        self.tld = self.suffix.rsplit(".", 1)[-1]
        self.risky_tld = self.tld in RISKY_TLDS
        self.foreign_cctld = len(self.tld) == 2 and self.tld != "vn" and not self.risky_tld
        self.platform = self._platform()
        self.parts = [_parts(label) for label in self.labels]
        words = {w for parts in self.parts for w in parts}
        # Long context words count inside a run that does not split into known words
        # ("vaytinchapshinhan247").
        joined = "".join(self.labels)
        found = words | _long_context_in(joined)
        self.context = found & CONTEXT_WORDS
        self.strict_context = found & STRICT_CONTEXT
        self.theme = found & THEME_WORDS
        self._words = words
        self.scam_words = (words & SCAM_WORDS) | {
            w for label in self.labels for w in _long_scam_words_in(label)
        }

    @property
    def vietnamese(self) -> bool:
        """Aimed at Vietnam: a Vietnamese word or ending, or a state agency's name in it (asked
        only for a name that says "chinhphu", so worked out only then)."""
        state_words = _state_words()
        return (
            bool(self._words & {"vn", "vietnam"})
            or self.tld == "vn"
            or any(w in label for label in self.labels for w in state_words)
        )

    def _platform(self) -> str | None:
        if self.suffix in FREE_HOSTING and self.registrable:
            return self.suffix
        # Parents from the longest; one with more labels than every FREE_HOSTING name is none
        # of them (and joining every parent of "a.a.a.…" would be quadratic).
        labels = self.host.split(".")
        for i in range(max(1, len(labels) - FREE_HOSTING_LABELS), len(labels)):
            parent = ".".join(labels[i:])
            if parent in FREE_HOSTING:
                return parent
        return None

    def modifiers(self, brand: Brand) -> int:
        """How many signs say "login, prize or throw-away page". A global brand's own sites use
        many domains: only login words and platforms count for it; but a foreign bank's or
        wallet's address never has a cheap ending, and its Vietnamese sites are all on the
        official list, so for those a risky ending or .vn counts too."""
        platform = int(self.platform is not None)
        if not brand.is_global:
            return len(self.context) + int(self.risky_tld) + platform
        money = brand.category in ("bank", "ewallet") and (self.risky_tld or self.tld == "vn")
        return len(self.strict_context) + platform + int(money)


class _BrandFindings:
    """The findings about brands in one host: one per brand, the first found wins."""

    def __init__(self, h: _Host) -> None:
        self.h = h
        self.findings: list[Finding] = []
        self.seen: set[str] = set()

    def add(self, code: str, score: float, brand: Brand, **params: object) -> None:
        if brand.key in self.seen:
            return
        self.seen.add(brand.key)
        if brand.category in ("bank", "ewallet", "government", "police"):
            score += 0.02
        h = self.h
        foreign = h.foreign_cctld and not h.homoglyph
        if foreign:
            # Scams aimed at Vietnamese users use .com, .vn or cheap endings; "agibank.com.br"
            # is a Brazilian bank, not a fake Agribank.
            score *= 0.55
        params = {"host": h.host, "registrable": h.registrable, "tld": h.tld, **params}
        self.findings.append(Finding(code, min(score, 0.97), params, brand, foreign=foreign))


def _brand_words(found: _BrandFindings, label: str, *, in_registrable: bool) -> None:
    """Brand words inside a label, also with digits read as letters."""
    h = found.h
    compact = label.replace("-", "")
    variants = [compact]
    if _DIGIT.search(compact):
        variants.append(compact.translate(LEET))
    for variant in variants:
        for match in _word_regex().finditer(variant):
            brand = word_index()[match[0]]
            if len(match[0]) <= 6 and not _glued_to_known_words(variant, match):
                continue  # "tpbank" inside "otpbank" is another bank's name
            strict = brand.is_global
            mods = h.modifiers(brand)
            if strict and not mods:
                continue
            if variant != compact:
                found.add("leet", 0.9 + 0.02 * min(mods, 2), brand)
            elif in_registrable and variant in brand.labels:
                found.add("same_name", 0.85 + 0.05 * min(mods, 2), brand)
            elif in_registrable:
                found.add("brand_word", 0.8 + 0.05 * min(mods, 2), brand)
            else:
                base = 0.75 if strict else 0.85
                found.add("brand_subdomain", base + 0.05 * min(mods, 2), brand)


def _brand_tokens(
    found: _BrandFindings, label: str, parts: list[str], *, in_registrable: bool
) -> None:
    """Short brand names that are a part of their own in a label ("acb-online")."""
    h = found.h
    for word in parts:
        brand = token_index().get(word)
        if brand is None or brand.key in found.seen:
            continue
        mods = h.modifiers(brand)
        # The brand word itself must not be what makes the context ("ebank" in ebank).
        if not mods:
            if in_registrable and _padded_token(label, word) and not h.foreign_cctld:
                # "v-acb.com", "acb-24.net": a short brand name padded with a stray letter or
                # digits is a throw-away name, not a word of some other business.
                found.add("padded_token", 0.6, brand)
            continue
        if brand.key == "chinhphu":
            if not h.vietnamese:
                continue
            found.add("gov_fake", 0.9, brand)
            continue
        found.add("brand_token", 0.8 + 0.05 * min(mods - 1, 2), brand)


def _brand_typos(found: _BrandFindings, label: str) -> None:
    """Typos: the registrable label and its parts, also with digits read as letters."""
    h = found.h
    for candidate in _typo_candidates(label):
        hit = _typo(candidate)
        if hit is None:
            continue
        target, brand, distance = hit
        if brand.key in found.seen or candidate in brand.labels:
            continue
        mods = h.modifiers(brand)
        if brand.is_global and not mods:
            continue
        found.add("typo", 0.8 + 0.05 * min(mods, 2), brand, distance=distance)


def _brand_findings(h: _Host) -> list[Finding]:
    found = _BrandFindings(h)
    last = len(h.labels) - 1
    for position, label in enumerate(h.labels):
        _brand_words(found, label, in_registrable=position == last)
        _brand_tokens(found, label, h.parts[position], in_registrable=position == last)
    if h.labels:
        _brand_typos(found, h.labels[last])
    return found.findings


def _padded_token(label: str, word: str) -> bool:
    """The label is the word plus hyphenated pieces of one letter or of digits only."""
    if "-" not in label:
        return False
    pieces = label.split("-")
    if pieces.count(word) != 1:
        return False
    others = [p for p in pieces if p != word]
    return bool(others) and all(p.isdigit() or len(p) == 1 for p in others)


def _glued_to_known_words(label: str, match: re.Match[str]) -> bool:
    before, after = label[: match.start()], label[match.end() :]
    return all(not piece or segment(piece) or piece.isdigit() for piece in (before, after))


def _gov_findings(h: _Host) -> list[Finding]:
    labels = h.host.split(".")
    for i in range(len(labels) - 1):
        if labels[i] == "gov" and labels[i + 1] == "vn" and not h.host.endswith(".gov.vn"):
            return [Finding("gov_fake", 0.95, {"host": h.host}, brands()["chinhphu"], "gov_inside")]
    return []


def _other_findings(h: _Host) -> list[Finding]:
    findings = []
    host: dict[str, object] = {"host": h.host, "tld": h.tld}
    if h.homoglyph:
        scripts = set().union(*(_scripts(label) for label in h.unicode_labels))
        if scripts & LOOKALIKE_SCRIPTS and "LATIN" in scripts:
            findings.append(Finding("mixed_script", 0.6, host))
    if h.platform:
        findings.append(Finding("free_hosting", 0.4, {**host, "platform": h.platform}))
    if h.risky_tld:
        if h.scam_words:
            findings.append(Finding("risky_tld", 0.6, host, template="scam_tld"))
        else:
            findings.append(Finding("risky_tld", 0.3, host))
    elif h.scam_words and h.platform:
        findings.append(Finding("scam_words", 0.6, host))
    if h.theme and not any(f.code == "risky_tld" and f.score >= 0.6 for f in findings):
        score = 0.5 + 0.1 * (h.risky_tld or h.platform is not None)
        findings.append(
            Finding("account_words", score, {**host, "words": ", ".join(sorted(h.theme))})
        )
    return findings


def _combine(result: LookalikeResult) -> LookalikeResult:
    findings = result.findings
    if not findings:
        return result
    findings.sort(key=lambda f: -f.score)
    top = findings[0]
    result.score = round(min(0.99, top.score + 0.03 * (len(findings) - 1)), 3)
    result.brand = next((f.brand for f in findings if f.brand is not None), None)
    return result


@cache
def _official_labels() -> int:
    return max(domain.count(".") + 1 for domain in official_domains())


def _official(host: str) -> Brand | None:
    domains = official_domains()
    name = host
    extra = host.count(".") + 1 - _official_labels()
    if extra > 0:  # parents with more labels than any official domain are none of them
        name = host.split(".", extra)[extra]
    while True:
        brand = domains.get(name)
        if brand is not None:
            return brand
        if "." not in name:
            return None
        name = name.split(".", 1)[1]


@lru_cache(maxsize=16384)
def _score_host(host: str) -> LookalikeResult:
    return _score(host, quick=True)


def _score(host: str, *, quick: bool) -> LookalikeResult:
    """The scorer; with `quick`, a host with nothing any finding looks for (nearly every host)
    skips the full taking apart (the same answer: lookup/tests/test_lookalike_precheck.py)."""
    host = host.strip(".").lower()
    result = LookalikeResult(host=host, registrable=registrable_domain(host))
    if not host:
        return result
    # An IP address has digits or colons: a name of letters alone is none (no parsing).
    # An IPv4 address in any spelling (decimal, octal, hex) ends in a part that starts with a
    # digit; an IPv6 one has colons or brackets. Names ending in a letter skip the parsing.
    maybe_ip = host.rpartition(".")[2][:1].isdigit() or ":" in host or "[" in host
    if maybe_ip and canonical_parts("http://" + host + "/").is_ip:
        result.findings.append(Finding("ip", 0.55))
        return _combine(result)
    brand = _official(host)
    if brand is not None:
        result.brand, result.official = brand, True
        return result
    if host.endswith(".gov.vn") or shipped_allowlist().covers(host):
        result.official = True
        return result
    if quick and _nothing_to_find(host, result.registrable):
        tld = (public_suffix(host) or "").rsplit(".", 1)[-1]
        if tld in RISKY_TLDS:  # what _other_findings says of such a host: its ending only
            result.findings.append(Finding("risky_tld", 0.3, {"host": host, "tld": tld}))
        return _combine(result)
    h = _Host(host, result.registrable)
    result.findings = _gov_findings(h) + _brand_findings(h)
    if h.homoglyph:
        shown = ".".join([*h.unicode_labels, h.suffix] if h.suffix else h.unicode_labels)
        for finding in result.findings:
            if finding.brand is not None:
                finding.code = finding.template = "homoglyph"
                finding.score = max(finding.score, 0.95)
                finding.params["shown"] = shown
    result.findings = _one_per_brand(result.findings) + _other_findings(h)
    if h.registrable in DEEP_LINK_PLATFORMS:
        result.findings = _deep_link(h, result.findings)
    if host.endswith(SCHOOL_SUFFIX) and not result.findings:
        result.official = True
    return _combine(result)


# --- the pre-check: what could make any finding fire --------------------------------------


# A letter to the rest of the words after it; "" marks the end of a word.
_Trie: TypeAlias = "dict[str, _Trie]"


@cache
def _signal_words() -> re.Pattern[str]:
    """Every word a finding of _brand_findings or _other_findings starts from: brand words and
    tokens (matched in the name, its parts or with digits read as letters), account and scam
    words. Each is a run of letters or digits inside one label, so it is also a substring of
    the name with dots and hyphens taken out: one search there rules them all out."""
    words = set(word_index()) | set(token_index()) | THEME_WORDS | SCAM_WORDS
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    # As a trie ("vietcombank|vietinbank" as "viet(?:combank|inbank)"): the regex engine tries
    # one branch per letter instead of every word at every position, 7 times faster.
    return re.compile(_trie_pattern(trie))


def _trie_pattern(node: _Trie) -> str:
    branches = [re.escape(char) + _trie_pattern(node[char]) for char in sorted(node) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def _nothing_to_find(host: str, registrable: str | None) -> bool:
    """True when no finding but a risky ending can fire for this host (not an IP, official or
    allowlisted: _score rules those out first). False means "maybe": run the full scorer."""
    if not host.isascii() or "xn--" in host or "gov" in host:
        return False  # IDN (homoglyphs, mixed scripts); gov.vn imitated
    if registrable in DEEP_LINK_PLATFORMS or host.endswith(SCHOOL_SUFFIX):
        return False  # findings rewritten, or "official" when there are none
    # The host or a parent is free hosting: one C-level suffix test instead of joining each
    # parent (the same answer: every FREE_HOSTING name is a whole-label ending).
    if host in FREE_HOSTING or host.endswith(_free_hosting_endings()):
        return False
    labels = host.split(".")
    suffix = public_suffix(host) or ""
    count = suffix.count(".") + 1 if suffix else 0
    names = labels[: len(labels) - count] if count else labels
    if not names:
        return True
    joined = "".join(names).replace("-", "")
    words = _signal_words()
    if words.search(joined):
        return False
    if _DIGIT.search(joined) and words.search(joined.translate(LEET)):
        return False
    return not _label_may_be_a_typo(names[-1])


@cache
def _free_hosting_endings() -> tuple[str, ...]:
    return tuple("." + name for name in FREE_HOSTING)


@lru_cache(maxsize=65536)
def _label_may_be_a_typo(label: str) -> bool:
    """Whether the registrable label is a brand word misspelt. Cached per label: traffic names
    many hosts under one registrable domain (a CDN's, a tracker's), and this is the costly part
    of the pre-check; the rest of it is one regex search."""
    return any(_typo(c) for c in _typo_candidates(label))


def _typo_candidates(label: str) -> list[str]:
    """The spellings of the registrable label that _brand_findings compares with brand words."""
    candidates = {label.replace("-", "")} | {p for p in label.split("-") if len(p) >= 5}
    candidates |= {c.translate(LEET) for c in candidates if _DIGIT.search(c)}
    candidates |= {c.replace("rn", "m").replace("vv", "w") for c in candidates}
    return sorted(candidates)


def _deep_link(h: _Host, findings: list[Finding]) -> list[Finding]:
    """On an app deep-link service a bare brand name in front is suspicious, not a sure fake;
    "vietcombank-xacthuc.go.link" stays a fake."""
    kept = []
    for finding in findings:
        if finding.code == "risky_tld":
            continue
        bare = finding.brand is not None and h.labels[0] in (
            *finding.brand.words,
            *finding.brand.labels,
        )
        if finding.code == "brand_subdomain" and bare:
            finding.template, finding.score = "deep_link", min(finding.score, 0.6)
        kept.append(finding)
    return kept


def _one_per_brand(findings: list[Finding]) -> list[Finding]:
    best: dict[str, Finding] = {}
    for finding in sorted(findings, key=lambda f: -f.score):
        best.setdefault(finding.brand.key if finding.brand else finding.code, finding)
    return list(best.values())


def copy_result(result: LookalikeResult) -> LookalikeResult:
    """A copy that shares nothing mutable with `result` (cached answers stay as they were)."""
    return LookalikeResult(
        host=result.host,
        registrable=result.registrable,
        score=result.score,
        brand=result.brand,
        official=result.official,
        findings=[
            Finding(f.code, f.score, dict(f.params), f.brand, f.template, f.foreign)
            for f in result.findings
        ],
    )


_copy = copy_result


def path_matters(host: str) -> bool:
    """Whether score_url may answer otherwise than score_host for a URL on this host (short
    links, and site builders whose pages live in the path)."""
    return host in SHORTENERS or host in PATH_SITE_BUILDERS


def score_host(host: str, *, allowlist: Allowlist | None = None) -> LookalikeResult:
    """How much a canonical host name (punycode, lower case) imitates a protected brand."""
    if allowlist is not None and allowlist.covers(host):
        return LookalikeResult(host=host, registrable=registrable_domain(host), official=True)
    return _copy(_score_host(host))


def score_url(url: str, *, allowlist: Allowlist | None = None) -> LookalikeResult:
    """Like score_host for the URL's host, plus what the path says on shared site builders."""
    parts = canonical_parts(url)
    result = score_host(parts.host, allowlist=allowlist)
    host = parts.host
    if host in SHORTENERS:
        result.findings.append(Finding("shortener", 0.3, {"host": host}))
        result.official = False
    elif host in PATH_SITE_BUILDERS and parts.path not in ("/", ""):
        path = fold(parts.path.lower())
        brand = _path_brand(path)
        if brand is not None:
            result.findings.append(Finding("brand_in_path", 0.85, {"host": host}, brand))
        else:
            result.findings.append(
                Finding("free_hosting", 0.35, {"host": host}, template="user_page")
            )
        result.official = False
    return _combine(result)


def _path_brand(path: str) -> Brand | None:
    compact = re.sub(r"[^a-z0-9]", "", path)
    match = _word_regex().search(compact)
    if match:
        return word_index()[match[0]]
    for piece in re.findall(r"[a-z]+", path):
        for word in segment(piece):
            brand = token_index().get(word)
            if brand is not None and not brand.is_global:
                return brand
    return None


def score_domain(value: str, *, allowlist: Allowlist | None = None) -> LookalikeResult:
    """A domain or URL as people write it ("https://x.com/a", "X.COM")."""
    value = value.strip()
    if "/" in value or value.lower().startswith(("http:", "https:")):
        return score_url(value, allowlist=allowlist)
    return score_host(canonical_parts("http://" + value + "/").host, allowlist=allowlist)
