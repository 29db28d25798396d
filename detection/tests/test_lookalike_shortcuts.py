"""The pre-check's free-hosting test in detection.lookalike (one suffix match over the host)
gives the answer of the plain definition: the host or one of its parents, up to the most labels
a FREE_HOSTING name has, is a FREE_HOSTING name."""

from __future__ import annotations

from detection import lookalike
from detection.lookalike_words import FREE_HOSTING, FREE_HOSTING_LABELS


def _plain(host: str) -> bool:
    labels = host.split(".")
    parents = range(max(0, len(labels) - FREE_HOSTING_LABELS), len(labels))
    return any(".".join(labels[i:]) in FREE_HOSTING for i in parents)


def _fast(host: str) -> bool:
    return host in FREE_HOSTING or host.endswith(lookalike._free_hosting_endings())


def test_free_hosting_test_is_the_parents_test() -> None:
    names = sorted(FREE_HOSTING)
    hosts = [*names, "github.io.example.com", "xgithub.io", "a.b.c.github.io", "app", "io"]
    hosts += [f"{w}.{name}" for name in names for w in ("a", "x.y", "io", "vietcombank-xacthuc")]
    hosts += [f"x{name}" for name in names] + [f"{name}.vn" for name in names]
    hosts += [name.split(".", 1)[-1] for name in names]
    assert sum(map(_plain, hosts)) > len(names) * 4  # free hosting and not, both well present
    assert [h for h in hosts if _fast(h) != _plain(h)] == []


def test_free_hosting_host_is_scored_in_full() -> None:
    # A name with nothing else to find must still go through the full scorer on free hosting.
    assert not lookalike._nothing_to_find("abcxyz.github.io", "abcxyz.github.io")
    assert lookalike._nothing_to_find("abcxyz.example.com", "example.com")
