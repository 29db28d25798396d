"""Synthetic, reproducible indicator-like names for the benchmarks (never real data)."""

from __future__ import annotations

import random
import string

TLDS = ["com", "net", "vn", "com.vn", "xyz", "top", "info", "online", "site", "cc", "shop", "club"]
WORDS = [
    "vcb", "ngan", "hang", "nhan", "qua", "tri", "an", "khach", "xac", "minh", "tai", "khoan",
    "vay", "tien", "nhanh", "shop", "sale", "login", "secure", "update", "mobile", "app",
    "online", "viet", "nam", "dich", "vu", "cong", "thue", "dien", "luc", "bao", "hiem",
]  # fmt: skip
ALNUM = string.ascii_lowercase + string.digits


class Synthetic:
    def __init__(self, seed: int, *, longest_name: int = 14) -> None:
        self.rng = random.Random(seed)
        self.longest_name = longest_name

    def name(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return "".join(rng.choices(WORDS, k=rng.randint(2, 3))) + str(rng.randint(0, 999))
        return "".join(rng.choices(ALNUM, k=rng.randint(6, self.longest_name)))

    def domain(self, unique: int | None = None) -> str:
        """A registrable-looking domain; with `unique`, one no other call returns."""
        suffix = f"-{unique:x}" if unique is not None else ""
        return f"{self.name()}{suffix}.{self.rng.choice(TLDS)}"

    def path(self, depth: int) -> str:
        return "".join(f"/{self.rng.choice(WORDS)}{self.rng.randint(0, 99)}" for _ in range(depth))

    def query(self) -> str:
        return f"?id={self.rng.randint(1, 10**6)}&ref={self.rng.choice(WORDS)}"

    def popular_hosts(self, count: int) -> list[str]:
        """Hosts of popular sites, most popular first (see check_urls)."""
        hosts = []
        for n in range(count):
            host = self.domain(n)
            hosts.append(f"www.{host}" if self.rng.random() < 0.5 else host)
        return hosts

    def check_urls(
        self,
        domains: list[str],
        urls: list[str],
        count: int,
        *,
        odd_spellings: bool = False,
        popular: list[str] | None = None,
        popular_share: float = 0.0,
    ) -> list[str]:
        """URLs to check: 8% under listed domains, 4% under listed URLs, 88% not listed; with
        odd_spellings, 4% in capitals or with dot segments, which the canonical form undoes.

        With `popular` (hosts, most popular first), popular_share of the unlisted URLs are on
        those hosts, the n-th drawn with weight 1/n (Zipf: a few sites take most visits); the
        others are on hosts seen once."""
        rng = self.rng
        result = []
        weights = list(_harmonic(len(popular))) if popular else []
        for _ in range(count):
            roll = rng.random()
            scheme = rng.choice(("http", "https"))
            if roll < 0.08:
                host = rng.choice(domains)
                if rng.random() < 0.5:
                    host = f"{rng.choice(('www', 'm', 'login', 'secure'))}.{host}"
                url = f"{scheme}://{host}{self.path(rng.randint(0, 3)) or '/'}"
            elif roll < 0.12:
                url = rng.choice(urls) + rng.choice(("", "/next", "/a/b.html", "#top"))
            elif popular and rng.random() < popular_share:
                host = rng.choices(popular, cum_weights=weights)[0]
                url = f"{scheme}://{host}{self.path(rng.randint(0, 4)) or '/'}"
            else:
                host = self.domain()
                if rng.random() < 0.5:
                    host = f"{rng.choice(('www', 'm', 'shop', 'api', 'cdn'))}.{host}"
                url = f"{scheme}://{host}{self.path(rng.randint(0, 4)) or '/'}"
                if rng.random() < 0.3:
                    url += self.query()
            if odd_spellings:
                spelling = rng.random()
                if spelling < 0.02:
                    url = url.replace("://", "://WWW.", 1).upper().replace("HTTP", "http", 1)
                elif spelling < 0.04:
                    url = url.replace("/", "/%2e/", 3).replace("%2e/", "%2E/./", 1) + "#x"
            result.append(url)
        return result


def _harmonic(count: int):
    total = 0.0
    for n in range(1, count + 1):
        total += 1 / n
        yield total
