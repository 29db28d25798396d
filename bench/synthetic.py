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
