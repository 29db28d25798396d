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

    def check_urls(
        self, domains: list[str], urls: list[str], count: int, *, odd_spellings: bool = False
    ) -> list[str]:
        """URLs to check: 8% under listed domains, 4% under listed URLs, 88% not listed; with
        odd_spellings, 4% in capitals or with dot segments, which the canonical form undoes."""
        rng = self.rng
        result = []
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
