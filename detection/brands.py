"""The protected brands of data/brands.yaml: what look-alike links and messages imitate."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NotRequired, TypedDict

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "brands.yaml"

CATEGORIES = {
    "bank": "ngân hàng",
    "ewallet": "ví điện tử",
    "government": "cơ quan nhà nước",
    "police": "cơ quan công an",
    "utility": "doanh nghiệp nhà nước",
    "telecom": "nhà mạng",
    "shop": "sàn thương mại",
    "delivery": "đơn vị giao hàng",
    "social": "mạng xã hội",
    "transport": "hãng hàng không",
    "game": "nhà phát hành trò chơi",
}
# Impersonating these is how people lose savings: their look-alikes rank above a fake shop.
FINANCIAL_OR_STATE = frozenset({"bank", "ewallet", "government", "police", "utility"})

_ASCII_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Brand:
    key: str
    name: str
    category: str
    domains: tuple[str, ...]
    words: tuple[str, ...]
    tokens: tuple[str, ...]
    is_global: bool
    mentions: tuple[str, ...]
    typos: bool = True

    @property
    def official(self) -> str:
        return self.domains[0]

    @property
    def labels(self) -> frozenset[str]:
        """The name part of each official domain ("vietcombank" of vietcombank.com.vn)."""
        return frozenset(d.split(".")[0].replace("-", "") for d in self.domains)


# One entry of brands.yaml ("global" is a Python keyword: hence the functional form).
_Entry = TypedDict(
    "_Entry",
    {
        "key": str,
        "name": str,
        "category": str,
        "domains": list[str],
        "words": NotRequired["list[str] | None"],
        "tokens": NotRequired["list[str] | None"],
        "global": NotRequired[bool],
        "mentions": NotRequired["list[str] | None"],
        "typos": NotRequired[bool],
    },
)


def _check(item: _Entry) -> Brand:
    key = item["key"]
    words = tuple(item.get("words") or ())
    tokens = tuple(item.get("tokens") or ())
    for word in words:
        if not _ASCII_WORD.fullmatch(word) or len(word) < 5:
            raise ValueError(f"brands.yaml {key}: word {word!r} must be ASCII, >= 5 letters")
    for token in tokens:
        if not _ASCII_WORD.fullmatch(token):
            raise ValueError(f"brands.yaml {key}: token {token!r} must be ASCII lower case")
    if item["category"] not in CATEGORIES:
        raise ValueError(f"brands.yaml {key}: unknown category {item['category']!r}")
    if not item.get("domains"):
        raise ValueError(f"brands.yaml {key}: at least one official domain")
    return Brand(
        key=key,
        name=item["name"],
        category=item["category"],
        domains=tuple(d.lower() for d in item["domains"]),
        words=words,
        tokens=tokens,
        is_global=bool(item.get("global", False)),
        mentions=tuple(m.lower() for m in item.get("mentions") or ()),
        typos=bool(item.get("typos", True)),
    )


@cache
def brands() -> dict[str, Brand]:
    """Every protected brand by key."""
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    result: dict[str, Brand] = {}
    for item in data["brands"]:
        brand = _check(item)
        if brand.key in result:
            raise ValueError(f"brands.yaml: key {brand.key!r} twice")
        result[brand.key] = brand
    return result


@cache
def official_domains() -> dict[str, Brand]:
    """Official registrable domain -> its brand."""
    return {domain: brand for brand in brands().values() for domain in brand.domains}


@cache
def word_index() -> dict[str, Brand]:
    """Distinctive brand word -> brand (longest words first when iterated)."""
    pairs = [(w, b) for b in brands().values() for w in b.words]
    pairs.sort(key=lambda p: -len(p[0]))
    return dict(pairs)


@cache
def token_index() -> dict[str, Brand]:
    """Short brand word -> brand."""
    return {t: b for b in brands().values() for t in b.tokens}


@cache
def mention_pattern() -> tuple[re.Pattern[str], dict[str, Brand]]:
    """One regex finding brand names in folded message text, and name -> brand."""
    by_name: dict[str, Brand] = {}
    for brand in brands().values():
        for mention in brand.mentions:
            by_name.setdefault(mention, brand)
    names = sorted(by_name, key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(re.escape(w) for w in name.split()) for name in names)
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])"), by_name


def brands_mentioned(folded: str) -> list[Brand]:
    """The brands a folded text speaks of, in order of first mention."""
    pattern, by_name = mention_pattern()
    found: dict[str, Brand] = {}
    for match in pattern.finditer(folded):
        brand = by_name[re.sub(r"\s+", " ", match[0])]
        found.setdefault(brand.key, brand)
    return list(found.values())
