"""Never-block names: shared platforms and official sites where only URL-level listings apply.

The shipped list is data/allowlist.txt (see its header); verifiers add names through the
AllowedName model. A name "covering" its subdomains protects every host under it; an "exact" name
(a hosting platform such as web.app) protects only itself, so its customers stay listable.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "allowlist.txt"


@dataclass(frozen=True)
class Allowlist:
    covering: frozenset[str]
    exact: frozenset[str]

    def covers(self, host: str) -> bool:
        """True when a domain-level listing must not apply to this host name."""
        if host in self.exact:
            return True
        covering = self.covering
        extra = host.count(".") + 1 - self._deepest
        if extra > 0:  # a parent with more labels than every covering name is none of them
            host = host.split(".", extra)[extra]
        while True:
            if host in covering:
                return True
            dot = host.find(".")
            if dot < 0:
                return False
            host = host[dot + 1 :]

    @cached_property
    def _deepest(self) -> int:
        return max((name.count(".") + 1 for name in self.covering), default=1)

    def with_names(self, names: Iterable[tuple[str, bool]]) -> "Allowlist":
        """This list plus (name, include_subdomains) pairs."""
        covering, exact = set(self.covering), set(self.exact)
        for name, include_subdomains in names:
            (covering if include_subdomains else exact).add(name)
        return Allowlist(frozenset(covering), frozenset(exact))


def parse_allowlist(text: str) -> Allowlist:
    covering: set[str] = set()
    exact: set[str] = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if line.startswith("="):
            exact.add(line[1:].strip())
        else:
            covering.add(line)
    return Allowlist(frozenset(covering), frozenset(exact))


@cache
def shipped_allowlist() -> Allowlist:
    """The list that ships with the code (data/allowlist.txt)."""
    return parse_allowlist(DATA_FILE.read_text(encoding="utf-8"))
